"""Writes of the matching app: the bulk import of achievements and needs from CSV / XLSX.

Rows are created and updated through `deals.services.achievement_create/update` and
`demand_create/update` (validation and history in one place). Re-importing a file creates no
duplicates: a row whose natural key (patent number or external id; for a need its external id;
without either, its title + owner/enterprise) already exists updates that record instead, and
records nothing when nothing changed. Valid rows are kept; every bad row is listed with its row
number, the column and the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from brokers.industries import resolve_industry
from brokers.models import User
from common.exceptions import ValidationFailed
from common.tasks import enqueue, enqueue_on_commit
from deals import permissions
from deals import services as deal_services
from deals.matching import spreadsheet
from deals.matching.index import record_changes, store_vectors
from deals.matching.models import ImportJob, ImportKind, ImportStatus, MatchChange, MatchKind
from deals.matching.tasks import index_updates_suppressed, run_import
from deals.models import Achievement, AchievementKind, Demand

logger = logging.getLogger(__name__)

BATCH = 200
STALE_RUN = dt.timedelta(hours=1)
# The sweep re-sends a job still queued after STALE_PENDING (its send was lost with the broker) and
# fails, with the reason, one still unfinished after GIVE_UP (it keeps dying: a person must look).
STALE_PENDING = dt.timedelta(minutes=5)
GIVE_UP = dt.timedelta(hours=24)

# Column names accepted for each field: the API's names and the usual Chinese headers.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    ImportKind.ACHIEVEMENT: {
        "title": ("title", "成果名称", "名称", "标题"),
        "description": ("description", "成果简介", "简介", "描述", "成果描述"),
        "owner": ("owner", "权利人", "权利人（单位）", "单位", "所属单位", "完成单位"),
        "kind": ("kind", "类型", "成果类型"),
        "patent_number": ("patent_number", "专利号", "申请号"),
        "industry": ("industry", "行业", "技术领域", "领域"),
        "maturity": ("maturity", "成熟度", "技术成熟度", "技术成熟度（1–9）"),
        "asking_price": ("asking_price", "意向价格", "意向价格（元）", "价格", "报价"),
        "region": ("region", "地区代码", "所在地区代码", "行政区划代码"),
        "external_id": ("external_id", "外部编号", "编号"),
    },
    ImportKind.DEMAND: {
        "title": ("title", "需求名称", "名称", "标题"),
        "description": ("description", "需求描述", "描述", "需求内容"),
        "enterprise": ("enterprise", "需求企业", "企业", "企业名称", "单位"),
        "industry": ("industry", "行业", "技术领域", "领域"),
        "region": ("region", "地区代码", "所在地区代码", "行政区划代码"),
        "budget": ("budget", "预算", "预算（元）", "拟投入资金"),
        "deadline": ("deadline", "期望解决日期", "截止日期"),
        "contact": ("contact", "联系人", "联系方式"),
        "external_id": ("external_id", "外部编号", "编号"),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    ImportKind.ACHIEVEMENT: ("title", "owner"),
    ImportKind.DEMAND: ("title", "enterprise", "region"),
}
_FIELD_LABELS = {
    "title": "名称",
    "description": "描述",
    "owner": "权利人",
    "enterprise": "需求企业",
    "region": "地区代码",
}


class RowError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# --- job creation (in the request) ---------------------------------------------------------------


def _columns(kind: str, header: list[str]) -> dict[str, int]:
    """Map field → column position; 400 when a required column is missing."""
    aliases = COLUMNS[kind]
    found: dict[str, int] = {}
    for position, name in enumerate(header):
        key = name.strip().lower()
        for field, names in aliases.items():
            if field not in found and key in {n.lower() for n in names}:
                found[field] = position
    missing = [f for f in REQUIRED[kind] if f not in found]
    if missing:
        raise ValidationFailed(
            _("表头缺少必填列：%(missing)s。可用列名：%(all)s。")
            % {
                "missing": _("、").join(f"{f}（{_FIELD_LABELS.get(f, f)}）" for f in missing),
                "all": _("、").join(names[0] for names in aliases.values()),
            },
            code="missing_columns",
        )
    return found


def import_job_create(*, actor: User, kind: str, upload: Any) -> ImportJob:
    """Check the upload (format, size, header), store it and queue its import after commit."""
    permissions.may_import.require(actor)
    if kind not in ImportKind.values:
        raise ValidationFailed(_("未知的导入类型。"))
    filename = str(getattr(upload, "name", "") or "upload")[:255]
    size = int(getattr(upload, "size", 0) or 0)
    upload.seek(0)
    head = upload.read(4096)
    fmt = spreadsheet.sniff(head, filename, size)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(1 << 20), b""):
        digest.update(chunk)
    upload.seek(0)
    header, _rows = spreadsheet.read_rows(upload, fmt)
    _columns(kind, header)
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(kind=kind, filename=filename, sha256=digest.hexdigest(), created_by=actor)
        job.file.save(f"{digest.hexdigest()[:16]}.{fmt}", File(upload), save=False)
        job.save()
        job_id = job.pk
        enqueue_on_commit(run_import, job_id)
    return job


# --- cleaning cells -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_MONEY_NOISE = re.compile(r"[\s,，¥￥元]|人民币|RMB", re.IGNORECASE)


def parse_money(value: Any, field: str) -> Decimal | None:
    """'300000', '300,000.00', '30万', '30 万元', '¥1.5万' → Decimal; blank → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = _MONEY_NOISE.sub("", str(value))
        factor = Decimal(1)
        if text.endswith("万"):
            text, factor = text[:-1], Decimal(10000)
        elif text.endswith("亿"):
            text, factor = text[:-1], Decimal(100_000_000)
        try:
            amount = Decimal(text) * factor
        except InvalidOperation as exc:
            raise RowError(
                field, _("“%(v)s”不是有效金额（例：300000 或 30万）。") % {"v": str(value)[:40]}
            ) from exc
    if not amount.is_finite() or amount < 0:
        raise RowError(field, _("金额不能为负数或非数字。"))
    if amount >= Decimal("1e16"):
        raise RowError(field, _("金额过大。"))
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _industry(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    try:
        return resolve_industry(text)
    except ValidationFailed as exc:
        raise RowError("industry", exc.message) from exc


def _choice(value: Any, field: str, choices: type[AchievementKind]) -> str:
    text = _text(value)
    if not text:
        return ""
    for code, label in choices.choices:
        if text.lower() == code or text == str(label):
            return code
    raise RowError(
        field,
        _("“%(v)s”不是可选值，可选：%(opts)s。")
        % {"v": text[:40], "opts": _("、").join(f"{c}（{lbl}）" for c, lbl in choices.choices)},
    )


def _maturity(value: Any) -> int | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise RowError("maturity", _("技术成熟度应为 1–9 的整数。")) from exc
    if number != number.to_integral_value() or not 1 <= number <= 9:
        raise RowError("maturity", _("技术成熟度应为 1–9 的整数。"))
    return int(number)


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise RowError("deadline", _("日期“%(v)s”应为 YYYY-MM-DD。") % {"v": text[:20]}) from exc


def _clean_row(kind: str, columns: dict[str, int], raw: list[Any]) -> dict[str, Any]:
    def cell(field: str) -> Any:
        position = columns.get(field)
        return raw[position] if position is not None and position < len(raw) else None

    errors: list[RowError] = []

    def attempt(field: str, parse: Callable[[], Any], out: dict[str, Any]) -> None:
        if field not in columns:
            return
        try:
            out[field] = parse()
        except RowError as exc:
            errors.append(exc)

    fields: dict[str, Any] = {}
    for name in ("title", "description", "region", "external_id"):
        attempt(name, lambda name=name: _text(cell(name)), fields)  # type: ignore[misc]
    attempt("industry", lambda: _industry(cell("industry")), fields)
    if kind == ImportKind.ACHIEVEMENT:
        attempt("owner", lambda: _text(cell("owner")), fields)
        attempt("patent_number", lambda: _text(cell("patent_number")).upper(), fields)
        attempt("kind", lambda: _choice(cell("kind"), "kind", AchievementKind), fields)
        attempt("maturity", lambda: _maturity(cell("maturity")), fields)
        attempt("asking_price", lambda: parse_money(cell("asking_price"), "asking_price"), fields)
        if not fields.get("kind"):
            fields["kind"] = (
                AchievementKind.PATENT if fields.get("patent_number") else AchievementKind.OTHER
            )
        fields["patent_number"] = fields.get("patent_number") or None
    else:
        attempt("enterprise", lambda: _text(cell("enterprise")), fields)
        attempt("contact", lambda: _text(cell("contact")), fields)
        attempt("budget", lambda: parse_money(cell("budget"), "budget"), fields)
        attempt("deadline", lambda: _date(cell("deadline")), fields)
    fields["external_id"] = fields.get("external_id") or None
    for name in REQUIRED[kind]:
        if not fields.get(name) and not any(e.field == name for e in errors):
            errors.append(
                RowError(name, _("必填项“%(f)s”为空。") % {"f": _FIELD_LABELS.get(name, name)})
            )
    if errors:
        raise _RowErrors(errors)
    return fields


class _RowErrors(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


# --- running the job (in the task) ----------------------------------------------------------------


def _natural_key(kind: str, fields: dict[str, Any]) -> tuple[str, str]:
    if kind == ImportKind.ACHIEVEMENT and fields.get("patent_number"):
        return ("patent_number", fields["patent_number"])
    if fields.get("external_id"):
        return ("external_id", fields["external_id"])
    party = "owner" if kind == ImportKind.ACHIEVEMENT else "enterprise"
    return ("title+" + party, f"{fields['title']}\x00{fields[party]}")


def _model(kind: str) -> Any:
    return Achievement if kind == ImportKind.ACHIEVEMENT else Demand


def _existing_many(kind: str, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The records that already hold these natural keys, in at most three queries."""
    model = _model(kind)
    found: dict[tuple[str, str], Any] = {}
    by_name: dict[str, list[str]] = {}
    for name, value in keys:
        by_name.setdefault(name, []).append(value)
    for name, values in by_name.items():
        if name.startswith("title+"):
            party = name[6:]
            titles = [v.split("\x00", 1)[0] for v in values]
            for obj in model.objects.filter(title__in=titles).order_by("-id"):
                found[(name, f"{obj.title}\x00{getattr(obj, party)}")] = obj  # lowest id wins
        else:
            for obj in model.objects.filter(**{f"{name}__in": values}):
                found[(name, getattr(obj, name))] = obj
    return found


def _save_row(
    kind: str, job: ImportJob, row: int, fields: dict[str, Any], existing: Any
) -> tuple[str, int]:
    """One row through the deals services (validation and history in one place)."""
    reason = f"批量导入 {job.filename} 第 {row} 行"
    actor = job.created_by
    if existing is None:
        if kind == ImportKind.ACHIEVEMENT:
            obj: Any = deal_services.achievement_create(actor=actor, reason=reason, **fields)
        else:
            obj = deal_services.demand_create(actor=actor, reason=reason, **fields)
        return "created", obj.pk
    before = existing.updated_at
    if isinstance(existing, Achievement):
        obj = deal_services.achievement_update(
            achievement=existing, actor=actor, reason=reason, **fields
        )
    else:
        obj = deal_services.demand_update(demand=existing, actor=actor, reason=reason, **fields)
    return ("updated" if obj.updated_at != before else "unchanged"), obj.pk


def _create_many(
    kind: str, job: ImportJob, fresh: list[tuple[int, dict[str, Any]]], errors: list[dict[str, Any]]
) -> list[int]:
    """New rows in one bulk insert with their history rows (simple_history's
    bulk_create_with_history): the per-row path costs ~8 ms a row, most of it Django checking
    each CheckConstraint with its own query; the database enforces those constraints anyway.
    Field validation still runs per row. Should a unique key clash after all (another writer
    inserted it meanwhile), the batch falls back to the per-row services."""
    model = _model(kind)
    objs, valid = [], []
    for number, fields in fresh:
        obj = model(created_by=job.created_by, **fields)
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.extend({"row": number, "field": f, "message": m} for f, m in _messages(exc))
            continue
        objs.append(obj)
        valid.append((number, fields))
    if not objs:
        return []
    try:
        with transaction.atomic():
            created = bulk_create_with_history(
                objs,
                model,
                batch_size=BATCH,
                default_user=job.created_by,
                default_change_reason=f"批量导入 {job.filename}"[:100],
            )
        return [o.pk for o in created]
    except IntegrityError:
        logger.info("import %s: bulk insert clashed, falling back to rows", job.pk)
    ids = []
    for number, fields in valid:
        try:
            with transaction.atomic():
                existing = _existing_many(kind, [_natural_key(kind, fields)])
                outcome, obj_id = _save_row(
                    kind, job, number, fields, next(iter(existing.values()), None)
                )
        except ValidationError as exc:
            errors.extend({"row": number, "field": f, "message": m} for f, m in _messages(exc))
            continue
        if outcome == "created":
            ids.append(obj_id)
    return ids


def _messages(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(f, str(m)) for f, msgs in exc.message_dict.items() for m in msgs]
    return [("", str(m)) for m in exc.messages]


def import_job_run(*, job_id: int) -> ImportJob:
    """Import a queued job's file. Idempotent: a finished job is left alone; a job interrupted
    mid-way restarts from the top, and the natural keys make the replayed rows updates."""
    # Claim the job: of two runners (a redelivered task, the command), only one proceeds. A job
    # left running by a worker that died is claimed again once it is stale.
    stale = timezone.now() - STALE_RUN
    claimed = ImportJob.objects.filter(
        Q(status=ImportStatus.PENDING) | Q(status=ImportStatus.RUNNING, started_at__lt=stale),
        pk=job_id,
    ).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    kind = job.kind
    try:
        with job.file.open("rb") as fh:
            fmt = spreadsheet.sniff(fh.read(4096), job.file.name or job.filename, job.file.size)
            fh.seek(0)
            header, rows_iter = spreadsheet.read_rows(fh, fmt)
            columns = _columns(kind, header)
            # one row more than allowed is enough to know the file is too long
            rows = list(itertools.islice(rows_iter, spreadsheet.MAX_IMPORT_ROWS + 1))
    except ValidationFailed as exc:
        return _fail(job, exc.message)
    except Exception:
        logger.exception("import %s: the file could not be read", job_id)
        return _fail(job, _("文件无法读取，请检查后重新导出为 CSV 或 XLSX。"))
    if len(rows) > spreadsheet.MAX_IMPORT_ROWS:
        return _fail(
            job,
            _("文件超过 %(max)d 行，请拆分后再导入。") % {"max": spreadsheet.MAX_IMPORT_ROWS},
        )
    job.total, job.progress = len(rows), 0
    job.created_count = job.updated_count = job.unchanged_count = 0
    job.errors = []
    job.save()
    # All or nothing: the rows are written in one transaction. A row that fails validation is
    # listed in `errors` and skipped; anything else that goes wrong rolls the whole file back
    # and the job ends `failed` with the reason (docs/deploy.md, "Imports").
    changes: dict[str, list[int]] = {}
    try:
        with transaction.atomic():
            _write_rows(job, kind, columns, rows, changes)
    except Exception as exc:
        logger.exception("import %s failed while writing", job_id)
        job.refresh_from_db()
        job.progress = 0
        job.created_count = job.updated_count = job.unchanged_count = 0
        job.save(update_fields=["progress", "created_count", "updated_count", "unchanged_count"])
        return _fail(
            job,
            _("导入失败，已全部撤销（未写入任何一行）：%(e)s") % {"e": str(exc)[:200]},
        )
    for match_kind, ids in changes.items():
        record_changes(match_kind, ids)  # the words count at once
        if store_vectors(match_kind, ids):  # the meaning once embedded (~0.1 s a row)
            record_changes(match_kind, ids)
    job.status = ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    logger.info("import %s done: %s", job.pk, job.created_count)
    return job


def _write_rows(
    job: ImportJob,
    kind: str,
    columns: dict[str, int],
    rows: list[tuple[int, list[Any]]],
    changes: dict[str, list[int]],
) -> None:
    seen: dict[tuple[str, str], int] = {}
    match_kind = MatchKind.ACHIEVEMENT if kind == ImportKind.ACHIEVEMENT else MatchKind.DEMAND
    for start in range(0, len(rows), BATCH):
        changed: list[int] = []
        with index_updates_suppressed(), transaction.atomic():
            cleaned: list[tuple[int, dict[str, Any], tuple[str, str]]] = []
            for number, raw in rows[start : start + BATCH]:
                try:
                    fields = _clean_row(kind, columns, raw)
                except _RowErrors as exc:
                    job.errors.extend(
                        {"row": number, "field": e.field, "message": e.message} for e in exc.errors
                    )
                    continue
                key = _natural_key(kind, fields)
                if key in seen:
                    job.errors.append(
                        {
                            "row": number,
                            "field": key[0].split("+")[0],
                            "message": _("与第 %(n)d 行重复，已跳过。") % {"n": seen[key]},
                        }
                    )
                    continue
                seen[key] = number
                cleaned.append((number, fields, key))
            existing = _existing_many(kind, [key for _n, _f, key in cleaned])
            fresh = []
            for number, fields, key in cleaned:
                if key not in existing:
                    fresh.append((number, fields))
                    continue
                try:
                    with transaction.atomic():  # a savepoint: a bad row never undoes the batch
                        outcome, obj_id = _save_row(kind, job, number, fields, existing[key])
                except ValidationError as exc:
                    job.errors.extend(
                        {"row": number, "field": f, "message": m} for f, m in _messages(exc)
                    )
                    continue
                if outcome == "updated":
                    job.updated_count += 1
                    changed.append(obj_id)
                else:
                    job.unchanged_count += 1
            created = _create_many(kind, job, fresh, job.errors)
            job.created_count += len(created)
            changed.extend(created)
            job.errors.sort(key=lambda e: e["row"])
            job.progress = min(start + BATCH, len(rows))
            job.save(
                update_fields=[
                    "progress",
                    "errors",
                    "created_count",
                    "updated_count",
                    "unchanged_count",
                ]
            )
        if changed:
            changes.setdefault(match_kind, []).extend(changed)


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.status = ImportStatus.FAILED
    job.failure = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failure", "finished_at"])
    return job


def import_jobs_sweep() -> int:
    """Periodic: run again every import whose task was lost (queued past STALE_PENDING: the
    broker was down when it was sent) or whose worker died (running past STALE_RUN; its
    all-or-nothing transaction was rolled back, so running it again from the top is safe), and
    fail those that have been trying for longer than GIVE_UP. Returns how many it touched."""
    now = timezone.now()
    unfinished = ImportJob.objects.filter(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING])
    given_up = list(unfinished.filter(created_at__lt=now - GIVE_UP))
    for job in given_up:
        _fail(job, _("导入超过 24 小时仍未完成（后台任务多次中断），已停止，请重新上传文件。"))
    lost = list(
        unfinished.filter(
            Q(status=ImportStatus.PENDING, created_at__lt=now - STALE_PENDING)
            | Q(status=ImportStatus.RUNNING, started_at__lt=now - STALE_RUN)
        ).values_list("pk", flat=True)[:100]
    )
    for job_id in lost:
        # import_job_run claims the job (pending, or running and stale) before it starts, so a
        # late original and this resend never both run it.
        enqueue(run_import, job_id)
    return len(given_up) + len(lost)


# --- index recovery -------------------------------------------------------------------------------


def index_sweep_missed(*, window_minutes: int = 30) -> int:
    """Record every achievement/need saved in the last `window_minutes` that has no change-log
    row since (its on-commit task was lost with the broker). Returns how many were recorded."""
    since = timezone.now() - dt.timedelta(minutes=window_minutes)
    recorded = 0
    for kind, model in ((MatchKind.ACHIEVEMENT, Achievement), (MatchKind.DEMAND, Demand)):
        saved = dict(model.objects.filter(updated_at__gte=since).values_list("pk", "updated_at"))
        if not saved:
            continue
        logged: dict[int, dt.datetime] = {}
        for obj_id, at in MatchChange.objects.filter(kind=kind, obj_id__in=list(saved)).values_list(
            "obj_id", "created_at"
        ):
            logged[obj_id] = max(at, logged.get(obj_id, at))
        missed = [pk for pk, at in saved.items() if pk not in logged or logged[pk] < at]
        if missed:
            store_vectors(kind, missed)
            record_changes(kind, missed)
            recorded += len(missed)
    return recorded
