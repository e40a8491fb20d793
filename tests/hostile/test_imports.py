"""Hostile import files: bounded by what they hold (not what they declare), a budget per file,
and a job that fails says which row and why, and commits nothing."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.exceptions import ValidationFailed
from deals.matching import services, spreadsheet
from deals.models import Achievement
from tests.matching.test_import import ACH_HEADER, _csv, _xlsx

pytestmark = pytest.mark.django_db

GOOD = ["注塑模具随形冷却水路", "3D打印随形水路", "浙江大学", "", "", "", "", ""]


def _run(broker, name, content):
    upload = SimpleUploadedFile(name, content)
    job = services.import_job_create(actor=broker, kind="achievement", upload=upload)
    return services.import_job_run(job_id=job.pk)


def _declared_huge(rows: list[list[object]]) -> bytes:
    """A real small sheet whose <dimension> claims A1:XFD1048576."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx(ACH_HEADER, rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index("<dimension ref=")
                end = text.index("/>", start) + 2
                data = (text[:start] + '<dimension ref="A1:XFD1048576"/>' + text[end:]).encode()
            target.writestr(info, data)
    return out.getvalue()


def test_a_huge_declared_dimension_costs_nothing(broker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = _declared_huge([GOOD])
    assert len(content) < 10_000
    started = time.monotonic()
    job = _run(broker, "big.xlsx", content)
    elapsed = time.monotonic() - started
    assert job.status == "done" and job.created_count == 1
    assert elapsed < 5, f"{elapsed:.1f} s for one real row"


def test_a_nul_byte_deep_in_the_file_fails_the_job_with_the_row_and_commits_nothing(
    broker, settings, tmp_path
):
    # (an XLSX cannot carry a NUL: XML has no such character, openpyxl refuses to read one)
    settings.MEDIA_ROOT = tmp_path
    rows = [[f"成果{i}" + "长" * 50, "简介", "大学", "", "", "", "", ""] for i in range(200)]
    content = _csv(ACH_HEADER, rows)
    cut = content.index("成果150".encode())
    content = content[:cut] + b"\x00" + content[cut:]
    assert cut > 4096
    job = _run(broker, "a.csv", content)
    assert job.status == "failed"
    assert "第 152 行" in job.failure and "NUL" in job.failure  # 成果150 is on row 152
    assert not Achievement.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_oversized_cell_fails_the_job_with_the_row(broker, settings, tmp_path, fmt, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(spreadsheet, "MAX_CELL_CHARS", 1000)  # openpyxl writes at most 32767
    rows = [GOOD, ["大", "x" * (spreadsheet.MAX_CELL_CHARS + 10), "大学", "", "", "", "", ""]]
    content = _csv(ACH_HEADER, rows) if fmt == "csv" else _xlsx(ACH_HEADER, rows)
    job = _run(broker, f"a.{fmt}", content)
    assert job.status == "failed" and "第 3 行" in job.failure
    assert not Achievement.objects.exists()


def test_a_15_mb_csv_cell_is_refused_not_left_running(broker, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(spreadsheet, "MAX_IMPORT_BYTES", 40 * 1024 * 1024)
    content = _csv(ACH_HEADER, [GOOD]) + ('成果,"' + "x" * 15_000_000 + '",大学\n').encode()
    job = _run(broker, "a.csv", content)
    assert job.status == "failed" and "第 3 行" in job.failure
    assert not Achievement.objects.exists()


def test_too_many_columns_fail_the_job(broker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rows = [GOOD, GOOD[:3] + ["x"] * (spreadsheet.MAX_COLUMNS + 1)]
    job = _run(broker, "a.xlsx", _xlsx(ACH_HEADER, rows))
    assert job.status == "failed" and "第 3 行" in job.failure


def test_the_read_budget_fails_the_job(broker, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    rows = [GOOD for _ in range(5)]
    upload = SimpleUploadedFile("a.csv", _csv(ACH_HEADER, rows))
    job = services.import_job_create(actor=broker, kind="achievement", upload=upload)
    monkeypatch.setattr(spreadsheet, "READ_BUDGET_SECONDS", -1.0)
    job = services.import_job_run(job_id=job.pk)
    assert job.status == "failed" and "超时" in job.failure


def test_a_zip_bomb_is_refused_before_unpacking(broker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        source = zipfile.ZipFile(io.BytesIO(_xlsx(ACH_HEADER, [GOOD])))
        for info in source.infolist():
            archive.writestr(info, source.read(info.filename))
        archive.writestr("xl/bomb.bin", b"\x00" * (spreadsheet.MAX_UNPACKED_BYTES + 1))
    content = out.getvalue()
    assert len(content) < 1_000_000
    with pytest.raises(ValidationFailed) as caught:
        services.import_job_create(
            actor=broker, kind="achievement", upload=SimpleUploadedFile("a.xlsx", content)
        )
    assert caught.value.code == "file_too_large"


def test_a_failure_while_writing_rolls_everything_back(broker, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "BATCH", 2)
    rows = [[f"成果{i}", "简介", "大学", "", "", "", "", ""] for i in range(6)]
    upload = SimpleUploadedFile("a.csv", _csv(ACH_HEADER, rows))
    job = services.import_job_create(actor=broker, kind="achievement", upload=upload)
    real = services._create_many
    calls = []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_create_many", flaky)
    job = services.import_job_run(job_id=job.pk)
    assert job.status == "failed" and "撤销" in job.failure
    assert not Achievement.objects.exists()
    assert job.created_count == 0


@pytest.mark.parametrize("cut", range(4090, 4100))
def test_a_bom_csv_whose_head_ends_mid_character_is_read(broker, settings, tmp_path, cut):
    settings.MEDIA_ROOT = tmp_path
    rows = [[f"成果{i}" + "长" * 50, "简介", "大学", "", "", "", "", ""] for i in range(60)]
    content = _csv(ACH_HEADER, rows)
    assert spreadsheet.sniff(content[:cut], "a.csv", len(content)) == spreadsheet.CSV
