"""Bulk import of needs and achievements from CSV and XLSX."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook

from deals.matching import services, spreadsheet
from deals.matching.models import ImportJob, MatchChange
from deals.models import Achievement, Demand

pytestmark = pytest.mark.django_db

ACH_HEADER = [
    "成果名称",
    "成果简介",
    "权利人",
    "专利号",
    "行业",
    "技术成熟度",
    "意向价格",
    "地区代码",
]
ACH_ROWS = [
    [
        "注塑模具随形冷却水路",
        "3D打印随形水路减少缩痕",
        "浙江大学",
        "ZL202110000001.1",
        "高端装备制造",
        6,
        "30万",
        "330100",
    ],
    ["", "缺标题", "某大学", "ZL202110000002.2", "", "", "", ""],  # row 3: missing title
    [
        "涂层",
        "防腐涂层",
        "某研究所",
        "ZL202110000003.3",
        "new_materials",
        "",
        "abc",
        "",
    ],  # row 4: bad number
    [
        "重复行",
        "与第 2 行专利号相同",
        "浙江大学",
        "ZL202110000001.1",
        "",
        "",
        "",
        "",
    ],  # row 5: duplicate
    ["成熟度超界", "成熟度 12", "某大学", "", "", 12, "", ""],  # row 6: maturity 1–9
    [
        "光伏清扫机器人",
        "无水清扫光伏组件积灰",
        "西安理工大学",
        "",
        "new_energy",
        "7",
        "900,000.00",
        "610100",
    ],
    ["地区码错", "地区代码不是 6 位", "某大学", "", "", "", "", "3302"],  # row 8: region
    ["行业错", "行业不在列表中", "某大学", "", "航天", "", "", ""],  # row 9: industry
]


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _post(client, kind: str, name: str, content: bytes):  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile(name, content)
    return client.post(f"/api/v1/{kind}/import/", {"file": upload}, format="multipart")


def _run(client, kind, name, content, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        response = _post(client, kind, name, content)
    assert response.status_code == 202, response.json()
    job = client.get(f"/api/v1/jobs/{response.json()['job']}/")
    assert job.status_code == 200
    return job.json()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_good_rows_are_kept_and_every_bad_row_is_listed(
    api, broker, fmt, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    content = (_xlsx if fmt == "xlsx" else _csv)(ACH_HEADER, ACH_ROWS)
    job = _run(
        api(broker), "achievements", f"成果.{fmt}", content, django_capture_on_commit_callbacks
    )
    assert job["status"] == "done"
    assert (job["progress"], job["total"], job["created_count"]) == (8, 8, 2)
    by_row = {(e["row"], e["field"]) for e in job["errors"]}
    assert by_row == {
        (3, "title"),
        (4, "asking_price"),
        (5, "patent_number"),
        (6, "maturity"),
        (8, "region"),
        (9, "industry"),
    }
    assert all(e["message"] for e in job["errors"])
    assert any("与第 2 行重复" in e["message"] for e in job["errors"])
    mould = Achievement.objects.get(patent_number="ZL202110000001.1")
    assert mould.asking_price == 300000 and mould.maturity == 6 and mould.industry == "2"
    assert mould.kind == "patent" and mould.created_by == broker
    assert mould.history.first().history_change_reason.startswith("批量导入")
    solar = Achievement.objects.get(title="光伏清扫机器人")
    assert solar.kind == "other" and str(solar.asking_price) == "900000.00"


def test_reimporting_the_same_file_creates_no_duplicates(
    api, broker, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    content = _xlsx(ACH_HEADER, ACH_ROWS)
    client = api(broker)
    _run(client, "achievements", "a.xlsx", content, django_capture_on_commit_callbacks)
    again = _run(client, "achievements", "a.xlsx", content, django_capture_on_commit_callbacks)
    assert Achievement.objects.count() == 2
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 0, 2)
    changed = [*ACH_ROWS]
    changed[0] = [*ACH_ROWS[0]]
    changed[0][6] = "35万"
    third = _run(
        client,
        "achievements",
        "a.xlsx",
        _xlsx(ACH_HEADER, changed),
        django_capture_on_commit_callbacks,
    )
    assert (third["created_count"], third["updated_count"]) == (0, 1)
    assert Achievement.objects.get(patent_number="ZL202110000001.1").asking_price == 350000


def test_needs_import_with_external_ids_and_the_index_learns_them(
    api, broker, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    header = [
        "external_id",
        "title",
        "description",
        "enterprise",
        "industry",
        "region",
        "budget",
        "deadline",
    ]
    rows = [
        [
            "D-1",
            "注塑件缩痕",
            "厚壁注塑件表面凹陷",
            "宁波某公司",
            "manufacturing",
            "330211",
            "50万",
            "2026-12-31",
        ],
        ["D-2", "光伏积灰", "电站积灰", "甘肃某公司", "", "620100", "", ""],
        ["D-3", "日期错", "描述", "某公司", "", "330211", "", "明年"],
        ["D-4", "缺地区", "描述", "某公司", "", "", "", ""],
    ]
    client = api(broker)
    job = _run(
        client, "demands", "needs.csv", _csv(header, rows), django_capture_on_commit_callbacks
    )
    assert job["created_count"] == 2
    assert {(e["row"], e["field"]) for e in job["errors"]} == {(4, "deadline"), (5, "region")}
    assert str(Demand.objects.get(external_id="D-1").budget) == "500000.00"
    assert MatchChange.objects.filter(kind="demand").count() == 2  # one batch, no task per row
    mould = Achievement.objects.create(
        title="随形冷却模具", description="减少注塑件缩痕", owner="大学", industry="2"
    )
    found = client.get(f"/api/v1/achievements/{mould.pk}/matches/").json()["results"]
    assert found[0]["demand"]["title"] == "注塑件缩痕"


def test_batches_write_in_one_transaction_and_the_index_learns_after_it(
    broker, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "BATCH", 3)
    seen: list[tuple[int, int, int]] = []
    real = services.record_changes

    def spy(kind, ids):  # type: ignore[no-untyped-def]
        job = ImportJob.objects.get()
        seen.append((job.progress, job.total, len(ids)))
        return real(kind, ids)

    monkeypatch.setattr(services, "record_changes", spy)
    rows = [[f"成果{i}", "描述", "大学", "", "", "", "", ""] for i in range(8)]
    upload = SimpleUploadedFile("a.xlsx", _xlsx(ACH_HEADER, rows))
    job = services.import_job_create(actor=broker, kind="achievement", upload=upload)
    services.import_job_run(job_id=job.pk)
    assert seen == [(8, 8, 8)]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("notes.pdf", b"%PDF-1.7 not a sheet", "unsupported_file"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n....", "unsupported_file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", "unsupported_file"),
        ("broken.xlsx", b"PK\x03\x04 truncated zip", "unsupported_file"),
        ("empty.csv", b"", "empty_file"),
        ("header.csv", "名称,简介\n".encode(), "missing_columns"),
    ],
)
def test_a_file_that_is_not_an_importable_sheet_is_a_400_with_a_reason(
    api, broker, name, content, code
):
    response = _post(api(broker), "achievements", name, content)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_an_oversized_upload_is_a_400(api, broker, monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_IMPORT_BYTES", 1000)
    response = _post(api(broker), "achievements", "big.csv", b"title,owner\n" + b"a,b\n" * 400)
    assert response.status_code == 400 and response.json()["code"] == "file_too_large"


def test_missing_file_field_is_a_400(api, broker):
    response = api(broker).post("/api/v1/achievements/import/", {}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "file_required"


def test_finance_may_not_import_and_jobs_are_visible_to_creator_and_admins(
    api,
    broker,
    co_broker,
    finance,
    admin_user,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    content = _csv(ACH_HEADER, ACH_ROWS[:1])
    assert _post(api(finance), "achievements", "a.csv", content).status_code == 403
    job = _run(api(broker), "achievements", "a.csv", content, django_capture_on_commit_callbacks)
    assert api(co_broker).get(f"/api/v1/jobs/{job['id']}/").status_code == 404
    assert api(admin_user).get(f"/api/v1/jobs/{job['id']}/").status_code == 200


def test_import_command_reports_progress_and_errors(broker, tmp_path, settings, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "成果.xlsx"
    path.write_bytes(_xlsx(ACH_HEADER, ACH_ROWS))
    call_command("import_catalogue", "achievement", str(path), "--user", broker.username)
    out = capsys.readouterr().out
    assert "8/8 rows, 2 created" in out and "row 3 [title]" in out
    assert Achievement.objects.count() == 2


def test_running_a_finished_job_again_changes_nothing(broker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("a.csv", _csv(ACH_HEADER, ACH_ROWS[:1]))
    job = services.import_job_create(actor=broker, kind="achievement", upload=upload)
    services.import_job_run(job_id=job.pk)
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count, Achievement.objects.count()) == ("done", 1, 1)


def test_a_key_taken_meanwhile_falls_back_to_row_by_row_and_reports_the_clash(
    broker, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # Row 2's external id already belongs to a record keyed by another patent number: the bulk
    # insert hits the unique index, and the per-row path explains which row and why.
    Achievement.objects.create(
        title="旧成果", description="", owner="某大学", patent_number="ZL0", external_id="X-1"
    )
    header = ["title", "description", "owner", "patent_number", "external_id"]
    rows = [["新成果", "简介", "某大学", "ZL1", "X-1"], ["另一个", "简介", "某大学", "ZL2", "X-2"]]
    upload = SimpleUploadedFile("a.csv", _csv(header, rows))
    job = services.import_job_create(actor=broker, kind="achievement", upload=upload)
    job = services.import_job_run(job_id=job.pk)
    assert job.created_count == 1, job.errors
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "external_id")]
    assert Achievement.objects.filter(patent_number="ZL2").exists()


def test_gbk_csv_from_excel_is_read(
    api, broker, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    content = "成果名称,成果简介,权利人\n注塑模具,随形冷却,浙江大学\n".encode("gbk")
    job = _run(api(broker), "achievements", "gbk.csv", content, django_capture_on_commit_callbacks)
    assert job["created_count"] == 1 and Achievement.objects.get().owner == "浙江大学"


def test_a_file_with_too_many_rows_fails_with_a_reason(broker, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(spreadsheet, "MAX_IMPORT_ROWS", 3)
    rows = [[f"成果{i}", "简介", "大学", "", "", "", "", ""] for i in range(5)]
    upload = SimpleUploadedFile("a.csv", _csv(ACH_HEADER, rows))
    job = services.import_job_create(actor=broker, kind="achievement", upload=upload)
    job = services.import_job_run(job_id=job.pk)
    assert job.status == "failed" and "3 行" in job.failure
    assert not Achievement.objects.exists()
