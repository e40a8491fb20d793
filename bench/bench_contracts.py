"""Contract PDF generation: a 9-page Chinese patent licence, rendered the way the task does it.

Prints the median time of the full path (template → WeasyPrint → sha256 → storage), the PDF size,
and the ratio of that time to a bare WeasyPrint render of the same HTML (what our wrapping costs).
Targets: ≤ 0.5 s, ≤ 400 KB, ratio ≤ 1.3.
"""

from __future__ import annotations

import hashlib
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable

TARGET_SECONDS = 0.5
TARGET_KB = 400
TARGET_RATIO = 1.3
RUNS = 11


def _interleaved_medians(
    fns: dict[str, Callable[[], object]], runs: int
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) time of each function, runs interleaved so that load from other
    processes on a shared machine falls on both sides of the ratio alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {
        name: (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))
        for name, values in times.items()
    }


def main() -> bool:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage
    from weasyprint import HTML

    from contracts.pdf import contract_html, render_contract_pdf
    from contracts.samples import sample_contract

    contract = sample_contract()  # an exclusive patent licence, nine pages
    html = contract_html(contract, final=True)
    storage = FileSystemStorage(location=tempfile.mkdtemp(prefix="bench-contracts-"))

    def full() -> bytes:
        pdf = render_contract_pdf(contract, final=True)
        digest = hashlib.sha256(pdf.data).hexdigest()
        storage.save(f"{digest}.pdf", ContentFile(pdf.data))
        return pdf.data

    def bare() -> bytes:
        return HTML(string=html).write_pdf()

    data = full()  # warm-up: font cache, template loading
    bare()
    pages = render_contract_pdf(contract, final=True).pages
    medians = _interleaved_medians({"full": full, "bare": bare}, RUNS)
    (t_full, cpu_full), (t_bare, cpu_bare) = medians["full"], medians["bare"]
    size_kb = len(data) / 1024
    ratio = t_full / t_bare
    ok_time, ok_size, ok_ratio = (
        t_full <= TARGET_SECONDS,
        size_kb <= TARGET_KB,
        ratio <= TARGET_RATIO,
    )
    same = full() == data
    load = os.getloadavg()[0]
    print(f"machine load average {load:.1f} on {os.cpu_count()} CPUs (wall times include waiting)")
    print(f"contract PDF: {pages} pages (A4, Noto CJK subsets), same bytes on re-render: {same}")
    print(
        f"  median generation time  {t_full:.3f} s   target ≤ {TARGET_SECONDS} s   {_ok(ok_time)}"
    )
    print(f"  size                    {size_kb:.0f} KB   target ≤ {TARGET_KB} KB   {_ok(ok_size)}")
    print(
        f"  ratio to bare WeasyPrint {ratio:.2f} (bare {t_bare:.3f} s)   target ≤ {TARGET_RATIO}"
        f"   {_ok(ok_ratio)}"
    )
    print(
        f"  CPU time (for reference) {cpu_full:.3f} s, bare {cpu_bare:.3f} s,"
        f" ratio {cpu_full / cpu_bare:.2f}"
    )
    return ok_time and ok_size and ok_ratio and same and pages == 9


def _ok(flag: bool) -> str:
    return "OK" if flag else "MISSED"


if __name__ == "__main__":
    main()
