"""Contract PDF generation: a 9-page Chinese patent licence, rendered the way the task does it.

Prints the median time of the full path (template → WeasyPrint → sha256 → storage), the PDF size,
and the ratio of that time to a bare WeasyPrint render of the same HTML (what our wrapping costs).
Targets: ≤ 0.5 s, ≤ 400 KB, ratio ≤ 1.3.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal

TARGET_SECONDS = 0.5
TARGET_KB = 400
TARGET_RATIO = 1.3
RUNS = 11

# Plausible clause prose (the national model text's wording, paraphrased), cycled to fill pages.
SENTENCES = [
    "许可方应保证其为本合同所涉专利的合法权利人，并保证所提供的技术资料完整、准确、有效。",
    "被许可方应在约定的地域和领域内实施本专利，不得超出许可范围，也不得向任何第三方再许可。",
    "许可方应在合同生效后三十日内，向被许可方交付全部技术资料，包括工艺文件、图纸和检测报告。",
    "双方应对在履行本合同过程中获悉的对方技术秘密和商业信息承担保密义务，保密期限为五年。",
    "许可方应派遣技术人员到被许可方现场进行技术指导和培训，直至被许可方能够独立稳定生产。",
    "任何一方对专利技术所作的后续改进，其权利归改进方所有，另一方在同等条件下享有优先受让权。",
    "如第三方指控被许可方实施本专利构成侵权，许可方应负责应诉并承担由此产生的全部法律责任。",
    "本专利被宣告无效的，许可方应返还被许可方已支付但尚未实施部分对应的使用费。",
    "因不可抗力致使本合同不能履行的，受影响一方应在十五日内书面通知对方并提供相关证明。",
    "本合同履行中发生争议的，双方应协商解决；协商不成的，任何一方可向甲方所在地人民法院起诉。",
]
CLAUSE_KEYS = [
    "definitions",
    "scope",
    "technical_content",
    "materials",
    "acceptance",
    "service_training",
    "improvements",
    "infringement",
    "invalidation",
    "force_majeure",
    "taxes",
    "entry_into_force",
    "confidentiality",
    "breach",
    "disputes",
    "other",
]


def _clause(i: int, sentences: int) -> str:
    parts = []
    for k in range(sentences):
        parts.append(f"{k + 1}. " + SENTENCES[(i * 3 + k) % len(SENTENCES)])
    return "\n".join(parts)


def sample_contract(sentences_per_clause: int = 5):  # type: ignore[no-untyped-def]
    """An unsaved patent licence with every clause filled in: nine A4 pages with the v1 template."""
    from contracts.models import Contract
    from tests.factories_contracts import party_data

    return Contract(
        pk=1,
        number="JSHT2026000001",
        version=1,
        revision=3,
        contract_type="license",
        subtype="exclusive_patent",
        title="一种注塑模具随形冷却流道设计方法专利实施许可",
        party_a=party_data(),
        party_b=party_data("浙江大学宁波研究院", credit_code="12330200MB1234567X"),
        intermediary={
            "organisation": "宁波市镇海区科技成果转移中心",
            "broker": "张伟",
            "certificate_number": "JSJJ202400001",
        },
        amount=Decimal("1234567.89"),
        technology_amount=Decimal("1034567.89"),
        payment_mode="instalments",
        payment_terms="被许可方按下列计划分三期支付，每期付款前许可方开具增值税普通发票。",
        payment_schedule=[
            {"due_on": "2026-04-01", "amount": "400000.00", "note": "合同生效后"},
            {"due_on": "2026-10-01", "amount": "400000.00", "note": "技术资料交付并验收后"},
            {"due_on": "2027-04-01", "amount": "434567.89", "note": "稳定生产六个月后"},
        ],
        clauses={key: _clause(i, sentences_per_clause) for i, key in enumerate(CLAUSE_KEYS)},
        patent={
            "title": "一种注塑模具随形冷却流道设计方法",
            "number": "ZL202110000001.X",
            "kind": "发明专利",
            "holder": "浙江大学宁波研究院",
            "inventors": "李明、王强、陈晓",
            "applied_on": "2021-01-05",
            "granted_on": "2023-06-30",
            "valid_until": "2041-01-04",
            "fees_paid_until": "2026-01-04",
        },
        sign_place="浙江省宁波市镇海区",
        signed_on=dt.date(2026, 3, 2),
        valid_from=dt.date(2026, 3, 2),
        valid_to=dt.date(2031, 3, 1),
        status="signed",
    )


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

    contract = sample_contract()
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
