"""Writes of the expert library and open challenges. Each is one action by an actor with a
recorded reason (simple-history); side effects (e-mails) run after commit."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import zoneinfo
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from brokers.industries import resolve_industry
from brokers.models import Role, User
from brokers.regions import resolve_region
from brokers.services import user_create
from challenges import permissions
from challenges.exceptions import (
    ChallengeClosed,
    ChallengeDecided,
    ConflictOfInterest,
    FourEyes,
    ReviewsPending,
)
from challenges.models import (
    Attachment,
    Challenge,
    ChallengeStatus,
    Expert,
    Invitation,
    Proposal,
    ProposalOutcome,
    Review,
)
from challenges.selectors import (
    challenge_progress,
    deal_conflict_reasons,
    default_lead_broker,
    proposal_conflict_reasons,
)
from common.exceptions import Conflict, NotAllowed, ValidationFailed
from common.files import PDF_AND_OFFICE, CheckedFile, check_uploads
from common.language import in_chinese, written_in_chinese
from common.tasks import enqueue_on_commit
from deals import services as deal_services
from deals.models import AchievementKind, Deal, Demand

logger = logging.getLogger(__name__)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
MAX_SUPPORT = Decimal("100000000.00")  # 1 亿元: far above any programme's cap
SCORE_MIN, SCORE_MAX = 1, 5
# What an expert scores when reviewing a deal's match (a challenge names its own criteria).
MATCH_CRITERIA = ["技术匹配度", "技术成熟度", "经济可行性"]
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)


def _stamp(obj: Any, actor: User | None, reason: str) -> None:
    obj._history_user = actor if actor is not None and actor.pk else None
    obj._change_reason = reason[:100]


def _money(raw: Any, field: str, *, allow_zero: bool = False) -> Decimal:
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(
            _("%(field)s应为金额（元），例如 500000。") % {"field": field}
        ) from exc
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise ValidationFailed(_("%(field)s应为正数金额（元）。") % {"field": field})
    if value > MAX_SUPPORT:
        raise ValidationFailed(_("%(field)s超出合理范围（不超过 1 亿元）。") % {"field": field})
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain_text(value: Any, label: str, *, max_length: int, required: bool = True) -> str:
    """Free text from the public: trimmed, bounded, and free of markup or scripts."""
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写%(label)s。") % {"label": label})
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s过长（%(n)d 字），不超过 %(max)d 字。")
            % {"label": label, "n": len(text), "max": max_length}
        )
    if _MARKUP.search(text) or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise ValidationFailed(
            _("%(label)s中含有 HTML 标签、脚本或控制字符，请只填写纯文本。") % {"label": label},
            code="markup_not_allowed",
        )
    return text


def parse_deadline(raw: Any, *, now: dt.datetime | None = None) -> dt.datetime:
    """An ISO datetime with its offset, or a bare date meaning the end of that day in Shanghai."""
    now = now or timezone.now()
    if isinstance(raw, dt.datetime):
        value: dt.datetime | None = raw
    elif isinstance(raw, dt.date):
        value = dt.datetime.combine(raw, dt.time.max, tzinfo=SHANGHAI)
    else:
        text = str(raw or "").strip()
        try:
            day = parse_date(text)
            value = (
                dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)
                if day
                else parse_datetime(text)
            )
        except ValueError:
            value = None
    if value is None:
        raise ValidationFailed(
            _(
                "截止时间格式不对：请写日期（2026-12-31，即当天 24 时，北京时间）或带时区的时间（2026-12-31T17:00:00+08:00）。"
            ),
            code="bad_deadline",
        )
    if timezone.is_naive(value):
        raise ValidationFailed(
            _("截止时间缺少时区：请写成 2026-12-31T17:00:00+08:00，或只写日期。"),
            code="bad_deadline",
        )
    if not 1949 <= value.year <= 2100:
        raise ValidationFailed(_("截止时间应在 1949 至 2100 年之间。"), code="bad_deadline")
    if value <= now:
        raise ValidationFailed(_("截止时间已过，请选择将来的时间。"), code="bad_deadline")
    return value


def _criteria(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(
            _('请至少给出一条评审标准，例如 [{"name": "技术先进性", "weight": 40}]。'),
            code="bad_criteria",
        )
    if len(raw) > 10:
        raise ValidationFailed(_("评审标准最多 10 条。"), code="bad_criteria")
    out: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValidationFailed(_("每条评审标准应有 name 和 weight。"), code="bad_criteria")
        name = plain_text(item.get("name"), _("评审标准名称"), max_length=50)
        try:
            weight = Decimal(str(item.get("weight")))
        except (InvalidOperation, ValueError) as exc:
            raise ValidationFailed(
                _("评审标准“%(name)s”的权重应为数字。") % {"name": name}, code="bad_criteria"
            ) from exc
        if not weight.is_finite() or weight <= 0 or weight > 100:
            raise ValidationFailed(
                _("评审标准“%(name)s”的权重应大于 0、不超过 100。") % {"name": name},
                code="bad_criteria",
            )
        if any(c["name"] == name for c in out):
            raise ValidationFailed(
                _("评审标准“%(name)s”重复了。") % {"name": name}, code="bad_criteria"
            )
        out.append({"name": name, "weight": format(weight.normalize(), "f")})
    return out


def _industry_codes(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else re.split(r"[、,，;；\s]+", str(raw or ""))
    codes: list[str] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            code = resolve_industry(text)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, code="bad_field") from exc
        if code not in codes:
            codes.append(code)
    return codes


def _names(raw: Any, label: str) -> list[str]:
    items = raw if isinstance(raw, list) else re.split(r"[、,，;；\n]+", str(raw or ""))
    names = [plain_text(i, label, max_length=200) for i in items if str(i or "").strip()]
    if len(names) > 50:
        raise ValidationFailed(_("%(label)s最多 50 个。") % {"label": label})
    return list(dict.fromkeys(names))


# --- the expert library -------------------------------------------------------------------------


def _expert_fields(
    *,
    name: Any,
    employer: Any,
    title: Any = "",
    fields: Any = None,
    region: Any = "",
    contact: Any = "",
    email: Any = "",
    conflicts: Any = None,
    available: Any = True,
    availability_note: Any = "",
) -> dict[str, Any]:
    region_text = str(region or "").strip()
    return {
        "name": plain_text(name, _("姓名"), max_length=100),
        "employer": plain_text(employer, _("工作单位"), max_length=200),
        "title": plain_text(title, _("职称"), max_length=100, required=False),
        "fields": _industry_codes(fields or []),
        "region": resolve_region(region_text) if region_text else "",
        "contact": plain_text(contact, _("联系电话"), max_length=100, required=False),
        "email": str(email or "").strip(),
        "conflicts": _names(conflicts or [], _("利益关联单位")),
        "available": bool(available),
        "availability_note": plain_text(
            availability_note, _("时间安排"), max_length=200, required=False
        ),
    }


@transaction.atomic
def expert_create(*, actor: User, username: str = "", password: str = "", **fields: Any) -> Expert:
    """An expert in the actor's organisation's library; with a username, also their sign-in."""
    if not permissions.may_manage_experts(actor) or actor.organisation_id is None:
        raise NotAllowed(_("只有机构的主管可以维护专家库。"))
    expert = Expert(
        organisation_id=actor.organisation_id, created_by=actor, **_expert_fields(**fields)
    )
    expert.full_clean(exclude=["user"])
    if Expert.objects.filter(
        organisation_id=expert.organisation_id, name=expert.name, employer=expert.employer
    ).exists():
        raise Conflict(
            _("专家库中已有 %(name)s（%(employer)s）。")
            % {"name": expert.name, "employer": expert.employer},
            code="expert_exists",
        )
    if username:
        if not password or len(password) < 8:
            raise ValidationFailed(_("专家登录密码至少 8 位。"))
        expert.user = user_create(
            actor=None,
            username=username,
            password=password,
            role=Role.EXPERT,
            display_name=expert.name,
            email=expert.email,
        )
    _stamp(expert, actor, gettext_noop("加入专家库"))
    expert.save()
    return expert


EXPERT_COLUMNS = {
    "name": ("name", "姓名", "专家姓名"),
    "employer": ("employer", "工作单位", "单位"),
    "title": ("title", "职称"),
    "fields": ("fields", "专业领域", "领域", "行业"),
    "region": ("region", "地区", "所在地区"),
    "contact": ("contact", "联系电话", "电话"),
    "email": ("email", "邮箱", "电子邮箱"),
    "conflicts": ("conflicts", "利益关联单位", "回避单位"),
    "availability_note": ("availability_note", "时间安排", "可参加时间"),
}
MAX_EXPERT_ROWS = 5000


def experts_import(*, actor: User, upload: Any) -> dict[str, Any]:
    """Experts from a CSV/XLSX sheet (the import machinery's reader): each good row is created or
    updated (same name and employer), each bad row reported with its number and reason."""
    from deals.matching.spreadsheet import read_rows, sniff

    if not permissions.may_manage_experts(actor) or actor.organisation_id is None:
        raise NotAllowed(_("只有机构的主管可以导入专家库。"))
    head = upload.read(4096)
    upload.seek(0)
    fmt = sniff(head, getattr(upload, "name", ""), int(getattr(upload, "size", len(head))))
    header, rows = read_rows(upload, fmt)
    columns: dict[str, int] = {}
    for field, aliases in EXPERT_COLUMNS.items():
        for i, name in enumerate(header):
            if name.lower() in aliases:
                columns[field] = i
                break
    missing = [f for f in ("name", "employer") if f not in columns]
    if missing:
        raise ValidationFailed(
            _("表头缺少列：%(cols)s。")
            % {"cols": _("、").join(EXPERT_COLUMNS[f][1] for f in missing)},
            code="missing_columns",
        )
    created = updated = 0
    errors: list[dict[str, Any]] = []
    for number, raw in rows:
        if created + updated + len(errors) >= MAX_EXPERT_ROWS:
            errors.append(
                {
                    "row": number,
                    "message": _("超过 %(n)d 行，其余未导入。") % {"n": MAX_EXPERT_ROWS},
                }
            )
            break
        values = {
            f: ("" if i >= len(raw) or raw[i] is None else raw[i]) for f, i in columns.items()
        }
        try:
            with transaction.atomic():
                clean = _expert_fields(**values)
                expert = Expert.objects.filter(
                    organisation_id=actor.organisation_id,
                    name=clean["name"],
                    employer=clean["employer"],
                ).first()
                if expert is None:
                    expert = Expert(organisation_id=actor.organisation_id, created_by=actor)
                    created += 1
                else:
                    updated += 1
                for key, value in clean.items():
                    setattr(expert, key, value)
                expert.full_clean(exclude=["user"])
                _stamp(expert, actor, gettext_noop("专家库导入"))
                expert.save()
        except ValidationFailed as exc:
            errors.append({"row": number, "message": exc.message})
        except Exception as exc:  # a Django ValidationError from full_clean
            messages = getattr(exc, "messages", None)
            if messages is None:
                raise
            errors.append({"row": number, "message": _("；").join(messages)})
    return {"created": created, "updated": updated, "errors": errors}


# --- challenges -----------------------------------------------------------------------------------


@transaction.atomic
def challenge_publish(
    *,
    actor: User,
    demand: Demand,
    title: str,
    description: str,
    support_amount: Any,
    deadline: Any,
    criteria: Any,
    panel_size: Any = 3,
    show_enterprise: bool = False,
) -> Challenge:
    if not permissions.may_publish_challenge(actor):
        raise NotAllowed(_("只有机构的主管可以发布揭榜挂帅榜单。"))
    if actor.organisation_id is None:
        raise RuntimeError(
            "invariant: actor.organisation_id is not None (may_publish_challenge checked it)"
        )
    try:
        size = int(panel_size)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("评审专家人数应为整数（至少 3 人）。")) from exc
    if not 3 <= size <= 15:
        raise ValidationFailed(_("评审专家人数应在 3 到 15 人之间。"), code="bad_panel_size")
    challenge = Challenge(
        organisation_id=actor.organisation_id,
        demand=demand,
        title=plain_text(title, _("榜单名称"), max_length=200),
        description=plain_text(description, _("公开描述"), max_length=20000),
        show_enterprise=bool(show_enterprise),
        support_amount=_money(support_amount, _("支持资金")),
        deadline=parse_deadline(deadline),
        criteria=_criteria(criteria),
        panel_size=size,
        published_by=actor,
    )
    _stamp(challenge, actor, gettext_noop("发布榜单"))
    challenge.save()
    return challenge


def _new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "JB-" + "".join(secrets.choice(alphabet) for _i in range(10))


def proposal_submit(
    *,
    challenge: Challenge,
    institution: Any,
    team: Any,
    plan: Any,
    schedule: Any,
    price: Any,
    contact: Any,
    email: Any,
    files: Sequence[Any] = (),
    now: dt.datetime | None = None,
) -> Proposal:
    """A public answer to an open challenge, before its deadline; files checked before anything
    is written, and written in the same transaction as the proposal."""
    fields = {
        "institution": plain_text(institution, _("揭榜单位"), max_length=200),
        "team": plain_text(team, _("团队"), max_length=5000),
        "plan": plain_text(plan, _("技术方案"), max_length=20000),
        "schedule": plain_text(schedule, _("进度安排"), max_length=5000),
        "price": _money(price, _("报价"), allow_zero=True),
        "contact": plain_text(contact, _("联系人及电话"), max_length=200),
        "email": str(email or "").strip(),
    }
    checked: list[CheckedFile] = check_uploads(
        list(files),
        allowed=PDF_AND_OFFICE,
        max_bytes=settings.CHALLENGE_ATTACHMENT_MAX_BYTES,
        max_files=settings.CHALLENGE_ATTACHMENT_MAX_FILES,
    )
    with transaction.atomic():
        locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if not locked.accepting_proposals(now or timezone.now()):
            raise ChallengeClosed(
                _("该榜单已于 %(deadline)s 截止（或已结束），不再接受揭榜方案。")
                % {"deadline": timezone.localtime(locked.deadline).strftime("%Y-%m-%d %H:%M")}
            )
        proposal = Proposal(challenge=locked, reference=_new_reference(), **fields)
        proposal.full_clean(exclude=["challenge", "achievement"])
        _stamp(proposal, None, gettext_noop("提交揭榜方案"))
        proposal.save()
        for item in checked:
            Attachment.objects.create(
                proposal=proposal,
                file=item.upload,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
            )
    return proposal


def _require_manager(actor: User, challenge: Challenge) -> None:
    if not permissions.may_manage_challenge(actor, challenge):
        raise Http404


def _require_undecided(challenge: Challenge) -> None:
    if challenge.status != ChallengeStatus.OPEN:
        raise ChallengeDecided(
            _("该榜单已%(status)s，不能再修改。")
            % {"status": ChallengeStatus(challenge.status).label}
        )


def _tell_invited(invitation: Invitation, message: str, params: dict[str, Any]) -> None:
    """A notification (after commit, once) for an expert who signs in; written in Chinese, like
    every notification, whatever the inviting supervisor reads."""
    from notifications.services import notify

    if invitation.expert.user_id is not None:
        with in_chinese():
            text = _(message) % params
        notify(
            recipients=[invitation.expert.user_id],
            kind="review_invited",
            text=text,
            key=f"review-invited-{invitation.pk}",
            url="/reviews/",
        )


@transaction.atomic
def panel_invite(
    *, actor: User, challenge: Challenge, experts: Iterable[Expert]
) -> list[Invitation]:
    """Invite experts to judge a challenge's proposals. A conflicted expert refuses the whole
    invitation (409 conflict_of_interest, each reason in `blockers`); repeats are no-ops."""
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _require_manager(actor, challenge)
    _require_undecided(challenge)
    experts = list(experts)
    if not experts:
        raise ValidationFailed(_("请选择要邀请的专家。"))
    for expert in experts:
        if expert.organisation_id != challenge.organisation_id:
            raise Http404
    reasons = [r for expert in experts for r in proposal_conflict_reasons(expert, challenge)]
    if reasons:
        raise ConflictOfInterest(
            _("有专家存在利益关联，不能邀请：%(reasons)s") % {"reasons": _("；").join(reasons)},
            blockers=reasons,
        )
    unavailable = [str(e) for e in experts if not e.available]
    if unavailable:
        raise Conflict(
            _("以下专家目前不接受邀请：%(names)s。") % {"names": _("、").join(unavailable)},
            code="expert_unavailable",
        )
    out = []
    for expert in experts:
        invitation = Invitation.objects.filter(challenge=challenge, expert=expert).first()
        if invitation is None:
            invitation = Invitation(expert=expert, challenge=challenge, invited_by=actor)
            _stamp(invitation, actor, gettext_noop("邀请评审专家"))
            invitation.save()
            _tell_invited(
                invitation,
                gettext_noop("您受邀评审揭榜挂帅“%(title)s”。"),
                {"title": challenge.title},
            )
        out.append(invitation)
    return out


@transaction.atomic
def deal_invite_experts(*, actor: User, deal: Deal, experts: Iterable[Expert]) -> list[Invitation]:
    """Invite experts to give an opinion on a deal's match (its need and candidate achievements)."""
    if not permissions.may_invite_to_deal(actor, deal.organisation_id):
        raise NotAllowed(_("只有本机构的主管可以邀请专家评审项目匹配。"))
    experts = list(experts)
    if not experts:
        raise ValidationFailed(_("请选择要邀请的专家。"))
    for expert in experts:
        if expert.organisation_id != deal.organisation_id:
            raise Http404
    reasons = [r for expert in experts for r in deal_conflict_reasons(expert, deal)]
    if reasons:
        raise ConflictOfInterest(
            _("有专家存在利益关联，不能邀请：%(reasons)s") % {"reasons": _("；").join(reasons)},
            blockers=reasons,
        )
    out = []
    for expert in experts:
        invitation = Invitation.objects.filter(deal=deal, expert=expert).first()
        if invitation is None:
            invitation = Invitation(expert=expert, deal=deal, invited_by=actor)
            _stamp(invitation, actor, gettext_noop("邀请专家评审匹配"))
            invitation.save()
            _tell_invited(
                invitation,
                gettext_noop("您受邀评审项目“%(title)s”的成果匹配。"),
                {"title": deal.title},
            )
        out.append(invitation)
    return out


def _scores(raw: Any, names: list[str]) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise ValidationFailed(
            _('scores 应为每条标准的分数，例如 {"%(name)s": 4}。') % {"name": names[0]},
            code="bad_scores",
        )
    missing = [n for n in names if n not in raw]
    unknown = [str(k)[:50] for k in raw if k not in names]
    if missing or unknown:
        raise ValidationFailed(
            _("请为每条标准打分（%(names)s）%(unknown)s。")
            % {
                "names": _("、").join(names),
                "unknown": (_("；没有这些标准：%s") % _("、").join(unknown)) if unknown else "",
            },
            code="bad_scores",
        )
    out: dict[str, int] = {}
    for name in names:
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int | str):
            value = None
        try:
            score = int(str(value))
        except (TypeError, ValueError):
            score = 0
        if not SCORE_MIN <= score <= SCORE_MAX:
            raise ValidationFailed(
                _("“%(name)s”的分数应为 1 到 5 的整数。") % {"name": name}, code="bad_scores"
            )
        out[name] = score
    return out


def _expert_of(actor: User) -> Expert:
    expert = getattr(actor, "expert_profile", None) if actor.is_authenticated else None
    if expert is None:
        raise NotAllowed(_("只有受邀的评审专家可以提交评审意见。"))
    return expert


@transaction.atomic
def review_submit(
    *,
    actor: User,
    scores: Any,
    opinion: Any,
    proposal: Proposal | None = None,
    deal: Deal | None = None,
    now: dt.datetime | None = None,
) -> Review:
    """An invited expert scores a proposal (after the deadline, before the decision) or a deal's
    match. Submitting again replaces the expert's own scores; others' stay hidden meanwhile."""
    expert = _expert_of(actor)
    if (proposal is None) == (deal is None):
        raise ValidationFailed(_("请指定要评审的揭榜方案（proposal）或项目（deal）之一。"))
    text = plain_text(opinion, _("评审意见"), max_length=5000)
    if proposal is not None:
        challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
        if not Invitation.objects.filter(challenge=challenge, expert=expert).exists():
            raise Http404
        _require_undecided(challenge)
        if (now or timezone.now()) <= challenge.deadline:
            raise Conflict(
                _("揭榜尚未截止（%(deadline)s），截止后才能评审。")
                % {"deadline": timezone.localtime(challenge.deadline).strftime("%Y-%m-%d %H:%M")},
                code="judging_not_started",
            )
        reasons = proposal_conflict_reasons(expert, challenge, proposals=[proposal])
        if reasons:
            raise ConflictOfInterest(_("；").join(reasons), blockers=reasons)
        clean = _scores(scores, [c["name"] for c in challenge.criteria])
        review = Review.objects.filter(expert=expert, proposal=proposal).first()
        review = review or Review(expert=expert, proposal=proposal)
    else:
        if deal is None:
            raise RuntimeError("invariant: deal is not None")
        if not Invitation.objects.filter(deal=deal, expert=expert).exists():
            raise Http404
        clean = _scores(scores, MATCH_CRITERIA)
        review = Review.objects.filter(expert=expert, deal=deal).first()
        review = review or Review(expert=expert, deal=deal)
    review.scores = clean
    review.opinion = text
    _stamp(
        review,
        actor,
        gettext_noop("提交评审意见") if review.pk is None else gettext_noop("修改评审意见"),
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:
        raise Conflict(_("评审意见刚刚已提交，请刷新后查看。"), code="concurrent_update") from exc
    return review


def _schedule_outcome_notice(challenge_id: int) -> None:
    """After commit; a broker outage is logged and the periodic sweep sends it later."""
    from challenges.tasks import notify_proposers

    enqueue_on_commit(notify_proposers, challenge_id)


@transaction.atomic
def challenge_award(
    *, actor: User, challenge: Challenge, proposal: Proposal, lead_broker: User | None = None
) -> Challenge:
    """A second supervisor awards the best-judged proposal: the proposal becomes an achievement,
    a deal is opened for the need in `matched` with it as the candidate, the support money is on
    the deal (via the challenge), and every proposer is told the outcome."""
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _require_manager(actor, challenge)
    if not permissions.may_award_challenge(actor, challenge):
        raise FourEyes(_("发布人不能授予自己发布的榜单（四眼原则），请由另一位主管授予。"))
    _require_undecided(challenge)
    if proposal.challenge_id != challenge.pk:
        raise ValidationFailed(_("该方案不属于本榜单。"), code="wrong_proposal")
    if timezone.now() <= challenge.deadline:
        raise Conflict(_("揭榜尚未截止，截止并完成评审后才能授予。"), code="judging_not_started")
    progress = challenge_progress(challenge)
    if not progress["complete"]:
        raise ReviewsPending(_("专家评审尚未完成，完成后才能授予。"), blockers=progress["blockers"])
    if lead_broker is None:
        lead_broker = default_lead_broker(challenge.organisation_id)
        if lead_broker is None:
            raise Conflict(
                _("本机构没有可承接项目的经纪人，请在 lead_broker 中指定一位。"),
                code="lead_broker_required",
            )
    reason = _("揭榜挂帅授予：%(institution)s（%(ref)s），支持资金 %(amount)s 元") % {
        "institution": proposal.institution,
        "ref": proposal.reference,
        "amount": f"{challenge.support_amount:,.2f}",
    }
    achievement = deal_services.achievement_create(
        actor=actor,
        reason="揭榜方案转为成果",
        title=f"{challenge.title}——{proposal.institution}揭榜方案"[:200],
        description=proposal.plan,
        owner=proposal.institution,
        kind=AchievementKind.OTHER,
        industry=challenge.demand.industry,
        asking_price=proposal.price,
        region="",
        contact=proposal.contact,
    )
    deal = deal_services.deal_open_matched(
        actor=actor,
        demand=challenge.demand,
        achievement=achievement,
        lead_broker=lead_broker,
        title=challenge.title,
        reason=reason,
    )
    for other in challenge.proposals.select_for_update():
        other.outcome = ProposalOutcome.WON if other.pk == proposal.pk else ProposalOutcome.NOT_WON
        if other.pk == proposal.pk:
            other.achievement = achievement
        _stamp(other, actor, gettext_noop("揭榜结果"))
        other.save()
    challenge.status = ChallengeStatus.AWARDED
    challenge.winner = proposal
    challenge.deal = deal
    challenge.decided_by = actor
    challenge.decided_at = timezone.now()
    _stamp(challenge, actor, reason)
    challenge.save()
    _schedule_outcome_notice(challenge.pk)
    return challenge


@transaction.atomic
def challenge_close(*, actor: User, challenge: Challenge, reason: Any) -> Challenge:
    """Close without award (no proposal good enough, need withdrawn…), with the reason told."""
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _require_manager(actor, challenge)
    _require_undecided(challenge)
    text = plain_text(reason, _("关闭原因"), max_length=5000)
    for proposal in challenge.proposals.select_for_update():
        proposal.outcome = ProposalOutcome.CLOSED
        _stamp(proposal, actor, gettext_noop("榜单关闭"))
        proposal.save()
    challenge.status = ChallengeStatus.CLOSED
    challenge.close_reason = text
    challenge.decided_by = actor
    challenge.decided_at = timezone.now()
    _stamp(challenge, actor, text)
    challenge.save()
    _schedule_outcome_notice(challenge.pk)
    return challenge


@written_in_chinese
def proposers_notify(*, challenge_id: int) -> int:
    """E-mail every proposer of a decided challenge its outcome, once each (idempotent).
    Returns how many were told now."""
    from django.core.mail import send_mail

    challenge = Challenge.objects.select_related("winner").get(pk=challenge_id)
    if challenge.status == ChallengeStatus.OPEN:
        return 0
    told = 0
    for proposal in challenge.proposals.filter(notified_at__isnull=True).order_by("id"):
        if challenge.status == ChallengeStatus.AWARDED and proposal.pk == challenge.winner_id:
            body = _(
                "您提交的揭榜方案（%(ref)s）已被授予“%(title)s”。技术经纪人将与您联系后续对接事宜。"
            )
        elif challenge.status == ChallengeStatus.AWARDED:
            body = _("感谢您参与“%(title)s”揭榜。经专家评审，您的方案（%(ref)s）未入选。")
        else:
            body = _("“%(title)s”已关闭，未授予任何方案（您的方案：%(ref)s）。原因：%(reason)s")
        text = body % {
            "ref": proposal.reference,
            "title": challenge.title,
            "reason": challenge.close_reason,
        }
        try:
            send_mail(
                _("揭榜挂帅结果：%(title)s") % {"title": challenge.title},
                text,
                settings.DEFAULT_FROM_EMAIL,
                [proposal.email],
            )
        except OSError:
            logger.exception("outcome mail to proposal %s failed; the sweep retries", proposal.pk)
            continue
        with transaction.atomic():
            updated = Proposal.objects.filter(pk=proposal.pk, notified_at__isnull=True).update(
                notified_at=timezone.now()
            )
        told += updated
    return told
