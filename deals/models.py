"""Needs, achievements, deals and the deal pipeline (the state machine is declared here)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from brokers.industries import industry_choices
from brokers.models import Organisation, region_code_validator
from deals import conditions as cond


class Demand(models.Model):
    """An enterprise's technical need (技术需求)."""

    title = models.CharField(_("需求名称"), max_length=200)
    description = models.TextField(_("需求描述"), max_length=20000)
    enterprise = models.CharField(_("需求企业"), max_length=200)
    # The enterprise as a record (found or created from the name in the services), so the
    # enterprises served can be counted; `enterprise` keeps the name as typed.
    enterprise_record = models.ForeignKey(
        "records.Enterprise",
        verbose_name=_("企业档案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    industry = models.CharField(_("行业"), max_length=30, choices=industry_choices(), blank=True)
    region = models.CharField(_("所在地区代码"), max_length=6, validators=[region_code_validator])
    budget = models.DecimalField(
        _("预算（元）"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    deadline = models.DateField(_("期望解决日期"), null=True, blank=True)
    contact = models.CharField(_("联系人"), max_length=200, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=64, null=True, blank=True, unique=True)
    submitted_publicly = models.BooleanField(_("公开征集提交"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="demand_budget_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AchievementKind(models.TextChoices):
    PATENT = "patent", _("专利")
    SOFTWARE = "software", _("软件著作权")
    KNOW_HOW = "know_how", _("技术秘密")
    OTHER = "other", _("其他")


class Achievement(models.Model):
    """A research result (科技成果) on offer: a patent, software, know-how."""

    title = models.CharField(_("成果名称"), max_length=200)
    description = models.TextField(_("成果简介"), max_length=20000)
    owner = models.CharField(_("权利人（单位）"), max_length=200)
    owner_record = models.ForeignKey(
        "records.Institution",
        verbose_name=_("权利人档案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="achievements",
    )
    kind = models.CharField(
        _("类型"), max_length=20, choices=AchievementKind.choices, default=AchievementKind.PATENT
    )
    patent_number = models.CharField(_("专利号"), max_length=40, null=True, blank=True, unique=True)
    industry = models.CharField(_("行业"), max_length=30, choices=industry_choices(), blank=True)
    maturity = models.PositiveSmallIntegerField(
        _("技术成熟度（1–9）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    asking_price = models.DecimalField(
        _("意向价格（元）"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    region = models.CharField(
        _("所在地区代码"), max_length=6, blank=True, validators=[region_code_validator]
    )
    contact = models.CharField(_("联系人"), max_length=200, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=64, null=True, blank=True, unique=True)
    submitted_publicly = models.BooleanField(_("公开征集提交"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(maturity__isnull=True) | Q(maturity__gte=1, maturity__lte=9),
                name="achievement_maturity_1_to_9",
            ),
            models.CheckConstraint(
                condition=Q(asking_price__isnull=True) | Q(asking_price__gte=0),
                name="achievement_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DealState(models.TextChoices):
    INTAKE = "intake", _("需求受理")
    MATCHED = "matched", _("成果匹配")
    ONLINE_TALKS = "online_talks", _("线上洽谈")
    OFFLINE_MEETING = "offline_meeting", _("线下对接")
    AGREEMENT = "agreement", _("签约")
    REGISTERED = "registered", _("登记/交易完成")
    LOST = "lost", _("终止")


ACTIVE_STATES = [
    DealState.INTAKE,
    DealState.MATCHED,
    DealState.ONLINE_TALKS,
    DealState.OFFLINE_MEETING,
    DealState.AGREEMENT,
]
TERMINAL_STATES = [DealState.REGISTERED, DealState.LOST]


def overdue_q(now: dt.datetime | None = None) -> Q:
    """The one definition of "overdue": still open, its clock running (not paused), and past its
    stage's deadline. The board, the queue, the API and the SLA sweep all filter with it (or read
    `with_overdue`'s annotation)."""
    return Q(state__in=ACTIVE_STATES, due_at__lt=now or timezone.now(), paused_at__isnull=True)


def with_overdue(deals: QuerySet[Deal], now: dt.datetime | None = None) -> QuerySet[Deal]:
    """Annotate each deal with `is_overdue` (a boolean, never NULL)."""
    return deals.annotate(
        is_overdue=Case(
            When(overdue_q(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


class Deal(ConcurrentTransitionMixin, models.Model):
    """One enterprise need being served, from intake to a registered contract.

    The @transition methods below are the single truth of the pipeline. They only change the
    instance: `deals.services` locks the row, checks who may move it, calls them and saves.
    """

    title = models.CharField(_("项目名称"), max_length=200)
    demand = models.ForeignKey(
        Demand, verbose_name=_("技术需求"), on_delete=models.PROTECT, related_name="deals"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="deals"
    )
    state = FSMField(
        _("阶段"),
        default=DealState.INTAKE,
        choices=DealState.choices,
        protected=True,
        db_index=True,
    )
    state_entered_at = models.DateTimeField(_("进入本阶段时间"))
    due_at = models.DateTimeField(_("本阶段期限"), null=True, blank=True, db_index=True)
    lead_broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主办经纪人"),
        on_delete=models.PROTECT,
        related_name="led_deals",
    )
    achievements = models.ManyToManyField(
        Achievement, through="DealAchievement", related_name="deals", blank=True
    )
    lost_reason = models.TextField(_("终止原因"), blank=True)
    # One of settings.LOST_REASONS (deals/lost_reasons.py); no `choices` here so that adding a
    # reason in the settings needs no migration. Empty for deals closed before the list existed.
    lost_reason_code = models.CharField(_("终止原因类别"), max_length=40, blank=True, db_index=True)
    # Set while the stage budget is paused (the deal waits on an outside party); see StagePause.
    paused_at = models.DateTimeField(_("暂停计时于"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "state"]),
            # "Overdue, per lead broker" (`overdue_q`: the dashboard, the SLA sweep) from an index
            # alone, for one organisation and for all of them.
            models.Index(
                fields=["organisation", "paused_at", "state", "due_at", "lead_broker"],
                name="deal_org_overdue_idx",
            ),
            models.Index(
                fields=["paused_at", "state", "due_at", "organisation", "lead_broker"],
                name="deal_overdue_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # Forward moves -----------------------------------------------------------------------------
    @transition(
        field=state,
        source=DealState.INTAKE,
        target=DealState.MATCHED,
        conditions=[cond.has_candidate_achievement],
        custom={"label": _("确认成果匹配"), "kind": "forward"},
    )
    def match(self) -> None:
        pass

    @transition(
        field=state,
        source=DealState.MATCHED,
        target=DealState.ONLINE_TALKS,
        custom={"label": _("进入线上洽谈"), "kind": "forward"},
    )
    def start_online_talks(self) -> None:
        pass

    @transition(
        field=state,
        source=DealState.ONLINE_TALKS,
        target=DealState.OFFLINE_MEETING,
        conditions=[cond.has_online_talk],
        custom={"label": _("进入线下对接"), "kind": "forward"},
    )
    def start_offline_meeting(self) -> None:
        pass

    @transition(
        field=state,
        source=DealState.OFFLINE_MEETING,
        target=DealState.AGREEMENT,
        conditions=[cond.has_offline_meeting],
        custom={"label": _("进入签约"), "kind": "forward"},
    )
    def start_agreement(self) -> None:
        pass

    @transition(
        field=state,
        source=DealState.AGREEMENT,
        target=DealState.REGISTERED,
        conditions=[cond.agreement_complete],
        custom={"label": _("登记完成"), "kind": "forward"},
    )
    def register(self) -> None:
        pass

    # Back one stage (with a reason) --------------------------------------------------------------
    @transition(
        field=state,
        source=DealState.MATCHED,
        target=DealState.INTAKE,
        custom={"label": _("退回需求受理"), "kind": "back"},
    )
    def back_to_intake(self) -> None:
        pass

    @transition(
        field=state,
        source=DealState.ONLINE_TALKS,
        target=DealState.MATCHED,
        custom={"label": _("退回成果匹配"), "kind": "back"},
    )
    def back_to_matched(self) -> None:
        pass

    @transition(
        field=state,
        source=DealState.OFFLINE_MEETING,
        target=DealState.ONLINE_TALKS,
        custom={"label": _("退回线上洽谈"), "kind": "back"},
    )
    def back_to_online_talks(self) -> None:
        pass

    @transition(
        field=state,
        source=DealState.AGREEMENT,
        target=DealState.OFFLINE_MEETING,
        custom={"label": _("退回线下对接"), "kind": "back"},
    )
    def back_to_offline_meeting(self) -> None:
        pass

    # System moves (never requested by a broker; a service calls them) --------------------------
    @transition(
        field=state,
        source=DealState.REGISTERED,
        target=DealState.AGREEMENT,
        custom={"label": _("登记已撤销，退回签约"), "kind": "system"},
    )
    def registration_cancelled(self) -> None:
        pass

    # Close --------------------------------------------------------------------------------------
    @transition(
        field=state,
        source=ACTIVE_STATES,
        target=DealState.LOST,
        custom={"label": _("终止项目"), "kind": "lost"},
    )
    def lose(self) -> None:
        pass


class DealAchievement(models.Model):
    """A candidate achievement linked to a deal by a broker (the match stage's work)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="achievement_links")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("候选成果")
        verbose_name_plural = _("候选成果")
        constraints = [
            models.UniqueConstraint(fields=["deal", "achievement"], name="deal_achievement_once")
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} ↔ {self.achievement_id}"


class DealBroker(models.Model):
    """A broker on a deal with an agreed credit share (all shares of a deal sum to 100)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="broker_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deal_links"
    )
    share = models.DecimalField(_("分成比例（%）"), max_digits=5, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目经纪人")
        verbose_name_plural = _("项目经纪人")
        ordering = ["-share", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "user"], name="deal_broker_once"),
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=100), name="deal_broker_share_0_to_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.share}%"


class ActivityKind(models.TextChoices):
    ONLINE_TALK = "online_talk", _("线上洽谈")
    OFFLINE_MEETING = "offline_meeting", _("线下对接")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("已安排")
    HELD = "held", _("已举行")
    CANCELLED = "cancelled", _("已取消")


class Activity(models.Model):
    """A talk or a meeting: planned ahead (a future time and place), then held (when, who,
    minutes) or cancelled. Only a held one with its minutes counts for the stage conditions
    (deals.conditions). `occurred_at` is when it is planned for while planned, when it was held
    once held; `planned_at` keeps the planned time (empty for one logged after the fact)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("类型"), max_length=20, choices=ActivityKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.HELD
    )
    occurred_at = models.DateTimeField(_("时间"))
    planned_at = models.DateTimeField(_("计划时间"), null=True, blank=True)
    location = models.CharField(_("地点/平台"), max_length=300, blank=True)
    participants = models.TextField(_("参与人员"), max_length=2000, blank=True)
    minutes = models.TextField(_("纪要"), max_length=20000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("洽谈/对接记录")
        verbose_name_plural = _("洽谈/对接记录")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["status", "occurred_at"], name="activity_status_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActivityStatus.values), name="activity_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def counts(self) -> bool:
        """Held and minuted: what the stage conditions ask for (`conditions.COUNTING`)."""
        return self.status == ActivityStatus.HELD and self.minutes != ""


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


def days_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Calendar days from `start` to `end`, floored to a tenth (a move's `days_in_stage`)."""
    return Decimal((end - start) // dt.timedelta(days=0.1)).scaleb(-1)


class TransitionRequest(models.Model):
    """A broker's request to move a deal, decided by a supervisor who is not the requester."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="transition_requests")
    # The deal's organisation, copied when the request is made (a deal never changes
    # organisation): an organisation's moves are counted from `request_moves_idx` alone, without
    # a lookup of each move's deal.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    from_state = models.CharField(max_length=20, choices=DealState.choices)
    target = models.CharField(_("目标阶段"), max_length=20, choices=DealState.choices)
    comment = models.TextField(_("说明"), max_length=5000, blank=True)
    lost_reason_code = models.CharField(_("终止原因类别"), max_length=40, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), max_length=5000, blank=True)
    # An approved move keeps how long the deal had been in the stage it left (calendar days,
    # floored to a tenth), set once when it is approved: the dashboard's median days group the
    # moves by it through an index, instead of looking back for each move's previous one.
    days_in_stage = models.DecimalField(
        _("在原阶段停留天数"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("阶段变更申请")
        verbose_name_plural = _("阶段变更申请")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(status="pending"),
                name="one_pending_request_per_deal",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False) | Q(status="withdrawn"),
                name="decided_request_has_decider",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(days_in_stage__isnull=False),
                name="approved_request_has_days_in_stage",
            ),
        ]
        indexes = [
            # The dashboard's moves: counted by (from, to, days) for a period, walking this index
            # in its order (no sort of every move) without reading the table.
            models.Index(
                fields=[
                    "status",
                    "from_state",
                    "target",
                    "days_in_stage",
                    "decided_at",
                    "organisation",
                    "deal",
                ],
                name="request_moves_idx",
            ),
            # Did this person ask for a move of this organisation's deals in the period (the
            # statistics' active brokers): one seek per person. For all organisations the
            # `requested_by` index does the same.
            models.Index(
                fields=["organisation", "requested_by", "requested_at"],
                name="request_org_asker_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_state} → {self.target} ({self.status})"


class StagePause(models.Model):
    """A stretch of a stage during which its budget did not run (waiting on an outside party)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="pauses")
    state = models.CharField(_("阶段"), max_length=20, choices=DealState.choices)
    # Which visit of the stage the pause belongs to (a deal can come back to a stage).
    stage_entered_at = models.DateTimeField()
    started_at = models.DateTimeField(_("暂停时间"))
    ended_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    reason = models.CharField(_("暂停原因"), max_length=500)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("阶段暂停")
        verbose_name_plural = _("阶段暂停")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal"], condition=Q(ended_at__isnull=True), name="one_open_pause_per_deal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.state} {self.started_at:%Y-%m-%d}"


class EscalationKind(models.TextChoices):
    STAGE_OVERDUE = "stage_overdue", _("阶段超期")
    REQUEST_UNANSWERED = "request_unanswered", _("申请未处理")


class Escalation(models.Model):
    """A stalled deal or unanswered request brought to the supervisors' attention (once each)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(max_length=30, choices=EscalationKind.choices)
    key = models.CharField(max_length=100, help_text="what makes this escalation unique")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "kind", "key"], name="escalation_once")
        ]

    def __str__(self) -> str:
        return self.message


# The matching engine's models (import jobs, index bookkeeping) live in their subpackage; Django
# discovers an app's models from this module only.
from deals.assignment.models import *  # noqa: E402,F403
from deals.matching.models import *  # noqa: E402,F403
