"""Load the Chinese demo data set through the real services.

Idempotent by natural keys: organisations by name, users by username, achievements and needs by
their external id ("demo-<key>", or an existing row with the same patent number), policies by
region, deals by their need (one demo deal per need). A second run finds everything and changes
nothing.

The deals are walked the way people walk them — a broker requests each move, a supervisor (never
the requester) approves — with the clock set back to when each step happened (time-machine), so
every history row, request, activity and stage deadline carries a plausible date and the stalled
deals are genuinely overdue. Library rows (achievements, needs) have no workflow: they are bulk
created with their history rows, in batches dated over the last half year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import time_machine
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from brokers.models import BrokerProfile, Organisation, Role, User
from contracts import services as contract_services
from contracts.models import ContractDocument, DocumentStatus
from deals import services as deal_services
from deals.matching.index import record_changes, store_vectors
from deals.matching.models import MatchKind
from deals.models import Achievement, ActivityStatus, Deal, DealState, Demand
from demo.data.achievements import ACHIEVEMENTS
from demo.data.composed import composed_achievements
from demo.data.deals import DEALS
from demo.data.meetings import MEETINGS
from demo.data.needs import NEEDS
from demo.data.parties import party
from demo.data.people import ADMIN, BROKERS, ORGANISATIONS, STAFF
from demo.data.policies import POLICIES
from followup import services as followup_services
from followup.models import MilestoneKind
from rewards import services as reward_services
from rewards.demo import DEMO_POLICIES, demo_policies_create
from rewards.models import Reward, RewardPolicy, RewardStatus

DEMO_PASSWORD = "demo12345"  # noqa: S105 -- the demo logins, printed by `make run`
WAN = Decimal(10000)
FORWARD = [
    DealState.INTAKE,
    DealState.MATCHED,
    DealState.ONLINE_TALKS,
    DealState.OFFLINE_MEETING,
    DealState.AGREEMENT,
    DealState.REGISTERED,
]
# How many days (low, high) a finished stage took: inside its time budget (7/14/21/30/45 days),
# so only the deals meant to be stalled are overdue.
STAGE_DAYS = {
    DealState.INTAKE: (2, 6),
    DealState.MATCHED: (3, 12),
    DealState.ONLINE_TALKS: (5, 18),
    DealState.OFFLINE_MEETING: (6, 25),
    DealState.AGREEMENT: (12, 40),
}
REQUEST_COMMENTS = {
    DealState.MATCHED: ["已关联候选成果，成果指标与企业需求基本吻合，申请进入成果匹配。"],
    DealState.ONLINE_TALKS: ["双方已同意开展线上洽谈，申请进入线上洽谈阶段。"],
    DealState.OFFLINE_MEETING: ["线上洽谈已完成，企业同意安排现场对接，申请进入线下对接。"],
    DealState.AGREEMENT: ["线下对接已达成合作意向，双方同意起草技术合同，申请进入签约阶段。"],
    DealState.REGISTERED: [
        "合同已签署，合同文本已生成，技术合同认定登记已完成，申请确认登记完成。"
    ],
}
APPROVE_COMMENTS = {
    DealState.MATCHED: ["同意。请尽快约双方线上沟通。", "同意，成果与需求匹配度较高。"],
    DealState.ONLINE_TALKS: ["同意进入线上洽谈。", "同意，注意记录企业的验收指标。"],
    DealState.OFFLINE_MEETING: ["同意，现场对接请提前确认企业的设备条件。", "纪要清楚，同意。"],
    DealState.AGREEMENT: [
        "同意进入签约，合同文本请先发中心法务审核。",
        "同意，注意区分技术性和非技术性费用。",
    ],
    DealState.REGISTERED: ["登记材料齐全，同意。", "已核对登记证明和合同文本，同意。"],
    DealState.MATCHED + "_back": ["同意退回，请重新筛选成果。"],
    DealState.LOST: ["同意终止，请做好与双方的沟通。", "同意终止，需求方情况已核实。"],
}
EXCHANGES = {
    "zhenhai": "宁波科技大市场（宁波市技术市场）",
    "nanjing": "江苏省技术产权交易市场",
    "fuqing": "海峡技术转移交易平台（福州）",
}
SIGN_PLACES = {"zhenhai": "浙江省宁波市镇海区", "nanjing": "江苏省南京市", "fuqing": "福建省福清市"}
VALIDITY_DAYS = {"license": 5 * 365, "transfer": 3 * 365, "development": 2 * 365}


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    escalations: int = 0

    def count(self, what: str, created: bool) -> None:
        bucket = self.created if created else self.existing
        bucket[what] = bucket.get(what, 0) + 1


def load_demo(*, now: dt.datetime | None = None) -> LoadReport:
    report = LoadReport()
    now = now or timezone.now()
    organisations = _organisations(report)
    users = _people(organisations, report)
    admin = users[ADMIN[0]]
    achievements = _achievements(admin, now, report)
    needs = _needs(users, admin, now, report)
    _policies(admin, report)
    for index, spec in enumerate(DEALS):
        demand = needs[spec["need"]]
        walker = DealWalk(
            spec=spec,
            index=index,
            now=now,
            demand=demand,
            users=users,
            achievements=achievements,
        )
        existing = Deal.objects.filter(demand=demand).first()
        report.count("deals", created=existing is None)
        if existing is None:
            walker.run()
            walker.follow_up()
        else:
            walker.deal = existing
        # For an earlier run's deals too: each finance step is taken once, by the reward's status.
        walker.finance()
    _meetings_ahead(needs, now, report)
    _submissions(report)
    # No beat runs in a demo (`make run`): raise the stalled-deal alerts now, as the periodic
    # sweep would. Idempotent: each overdue stage and unanswered request is escalated once.
    report.escalations = deal_services.deals_sweep_stalled()
    return report


# --- talks and meetings planned for the coming days -----------------------------------------------


def _meetings_ahead(needs: dict[str, Demand], now: dt.datetime, report: LoadReport) -> None:
    """Plan a few talks and meetings over the next days, by the deal's lead broker, once per deal
    (a deal that has a planned one already is left alone)."""
    for key, kind, days, (hour, minute), place, invited in MEETINGS:
        deal = Deal.objects.filter(demand=needs[key]).select_related("lead_broker").first()
        if deal is None:
            continue
        found = deal.activities.filter(status=ActivityStatus.PLANNED).exists()
        report.count("meetings", created=not found)
        if found:
            continue
        day = timezone.localtime(now) + dt.timedelta(days=days)
        when = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
        deal_services.activity_plan(
            deal=deal,
            actor=deal.lead_broker,
            kind=kind,
            occurred_at=when,
            location=place,
            participants=invited,
        )


# --- public submissions waiting for triage -------------------------------------------------------


def _submissions(report: LoadReport) -> None:
    """A few pending submissions for the supervisors' triage queues (once each: a second run
    finds them by title and e-mail)."""
    from demo.data.submissions import SUBMISSIONS
    from intake.models import Submission
    from intake.services import submission_receive

    for kind, fields in SUBMISSIONS:
        found = Submission.objects.filter(title=fields["title"], email=fields["email"]).exists()
        report.count("submissions", created=not found)
        if not found:
            submission_receive(kind=kind, consent=True, **fields)


# --- people ------------------------------------------------------------------------------------


def _organisations(report: LoadReport) -> dict[str, Organisation]:
    result = {}
    for key, name, region in ORGANISATIONS:
        org = Organisation.objects.filter(name=name).first()
        report.count("organisations", created=org is None)
        if org is None:
            org = Organisation(name=name, region=region)
            org._change_reason = "演示数据"  # type: ignore[attr-defined]
            org.save()
        result[key] = org
    return result


def _people(orgs: dict[str, Organisation], report: LoadReport) -> dict[str, User]:
    # One hash for everyone: hashing the same known password 20 times would take most of the run.
    password = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    org_names = {key: org.name for key, org in orgs.items()}

    created: set[str] = set()

    def ensure(username: str, **fields: Any) -> User:
        user = User.objects.filter(username=username).first()
        report.count("users", created=user is None)
        if user is None:
            user = User(username=username, password=password, **fields)
            user._change_reason = "演示数据"  # type: ignore[attr-defined]
            user.save()
            created.add(username)
        return user

    admin_name, admin_display = ADMIN
    users[admin_name] = ensure(
        admin_name, display_name=admin_display, role=Role.ADMIN, is_staff=True, is_superuser=True
    )
    # An admin made before (createsuperuser) keeps its own password: say so instead of lying.
    admin_password = DEMO_PASSWORD if admin_name in created else "（沿用已有密码）"
    report.logins.append((admin_name, admin_display, "管理员（超级用户）", "—", admin_password))
    for username, display, role, org_key, region in STAFF:
        users[username] = ensure(
            username, display_name=display, role=role, organisation=orgs[org_key], region=region
        )
        report.logins.append(
            (username, display, str(Role(role).label), org_names[org_key], DEMO_PASSWORD)
        )
    for username, display, org_key, certificate, region, specialties, limit in BROKERS:
        user = ensure(
            username,
            display_name=display,
            role=Role.BROKER,
            organisation=orgs[org_key],
            region=region,
        )
        if not BrokerProfile.objects.filter(user=user).exists():
            profile = BrokerProfile(
                user=user,
                certificate_number=certificate,
                region_code=region,
                specialties=specialties,
                caseload_limit=limit,
            )
            profile._change_reason = "演示数据"  # type: ignore[attr-defined]
            profile.save()
        users[username] = user
        report.logins.append(
            (username, display, str(Role.BROKER.label), org_names[org_key], DEMO_PASSWORD)
        )
    return users


# --- the library -------------------------------------------------------------------------------


@contextmanager
def _clock(when: dt.datetime) -> Iterator[None]:
    with time_machine.travel(when, tick=False):
        yield


def _batches(
    rows: list[Any], now: dt.datetime, *, days: tuple[int, int]
) -> Iterator[tuple[dt.datetime, list[Any]]]:
    """Rows in ten batches dated evenly from `days[0]` to `days[1]` days ago, oldest first."""
    first, last = days
    for i in range(10):
        chunk = rows[i::10]
        if chunk:
            ago = first - (first - last) * i / 9
            yield now - dt.timedelta(days=ago, hours=i % 7), chunk


def _achievements(admin: User, now: dt.datetime, report: LoadReport) -> dict[str, Achievement]:
    rows = [*ACHIEVEMENTS, *composed_achievements()]
    ids = {f"demo-{row[0]}" for row in rows}
    existing = {a.external_id: a for a in Achievement.objects.filter(external_id__in=ids)}
    numbers = {row[8] for row in rows if row[8].startswith("ZL")}
    taken = set(
        Achievement.objects.filter(patent_number__in=numbers).values_list(
            "patent_number", flat=True
        )
    )
    new = []
    for key, kind, industry, title, owner, region, maturity, price, number, text in rows:
        external_id = f"demo-{key}"
        patent = number if number.startswith("ZL") else None
        if external_id in existing or patent in taken:
            report.count("achievements", created=False)
            continue
        description = text
        if kind == "software" and number:
            description = f"{text}（软件著作权登记号：{number}）"
        achievement = Achievement(
            title=title,
            description=description,
            owner=owner,
            kind=kind,
            patent_number=patent,
            industry=industry,
            maturity=maturity,
            asking_price=Decimal(price) * WAN if price is not None else None,
            region=region,
            external_id=external_id,
            created_by=admin,
        )
        achievement.full_clean(validate_unique=False)
        new.append(achievement)
    created: list[Achievement] = []
    for when, chunk in _batches(new, now, days=(420, 230)):
        with _clock(when), transaction.atomic():
            created += bulk_create_with_history(
                chunk, Achievement, default_user=admin, default_change_reason="演示数据：成果入库"
            )
    for _ in created:
        report.count("achievements", created=True)
    if created:
        # bulk_create sends no post_save: tell the matching index about the new rows.
        new_ids = [a.pk for a in created if a.pk]
        store_vectors(MatchKind.ACHIEVEMENT, new_ids)  # sentence vectors, as the worker would
        record_changes(MatchKind.ACHIEVEMENT, new_ids)
    by_key = {
        a.external_id.removeprefix("demo-"): a
        for a in Achievement.objects.filter(external_id__startswith="demo-")
        if a.external_id
    }
    for achievement in Achievement.objects.filter(patent_number__in=taken):
        for row in rows:
            if row[8] == achievement.patent_number:
                by_key.setdefault(row[0], achievement)
    return by_key


def _needs(
    users: dict[str, User], admin: User, now: dt.datetime, report: LoadReport
) -> dict[str, Demand]:
    leads = {spec["need"]: users[spec["lead"]] for spec in DEALS}
    ids = {f"demo-{row[0]}" for row in NEEDS}
    existing = set(Demand.objects.filter(external_id__in=ids).values_list("external_id", flat=True))
    new = []
    for index, (
        key,
        industry,
        title,
        enterprise,
        region,
        budget,
        deadline,
        contact,
        text,
    ) in enumerate(NEEDS):
        if f"demo-{key}" in existing:
            report.count("needs", created=False)
            continue
        # Needs served by a deal were recorded by their broker; some open ones came in through
        # the public submission form.
        public = key not in leads and index % 2 == 0
        demand = Demand(
            title=title,
            description=text,
            enterprise=enterprise,
            industry=industry,
            region=region,
            budget=Decimal(budget) * WAN if budget is not None else None,
            deadline=timezone.localdate(now) + dt.timedelta(days=deadline) if deadline else None,
            contact=contact,
            external_id=f"demo-{key}",
            submitted_publicly=public,
            created_by=None if public else leads.get(key, admin),
        )
        demand.full_clean(validate_unique=False)
        new.append(demand)
    created: list[Demand] = []
    # Dated before the oldest demo deal can open (its stages add up to at most ~165 days).
    for when, chunk in _batches(new, now, days=(330, 200)):
        with _clock(when), transaction.atomic():
            created += bulk_create_with_history(
                chunk, Demand, default_user=admin, default_change_reason="演示数据：需求登记"
            )
    for _ in created:
        report.count("needs", created=True)
    if created:
        new_ids = [d.pk for d in created if d.pk]
        store_vectors(MatchKind.DEMAND, new_ids)
        record_changes(MatchKind.DEMAND, new_ids)
    return {
        d.external_id.removeprefix("demo-"): d
        for d in Demand.objects.filter(external_id__in=ids)
        if d.external_id
    }


def _policies(admin: User, report: LoadReport) -> None:
    # The founding Zhenhai rule and Fuqing's tiers, as the rewards app defines them; both
    # creators leave alone a region that already has a policy (policies never overlap).
    regions = {p["region"] for p in DEMO_POLICIES}
    existing = set(RewardPolicy.objects.filter(region__in=regions).values_list("region", flat=True))
    for _ in demo_policies_create(actor=admin):
        report.count("policies", created=True)
    for _ in existing:
        report.count("policies", created=False)
    for spec in POLICIES:
        if RewardPolicy.objects.filter(region=spec["region"]).exists():
            report.count("policies", created=False)
            continue
        reward_services.policy_create(
            actor=admin,
            name=spec["name"],
            region=spec["region"],
            effective_from=dt.date.fromisoformat(spec["effective_from"]),
            rate=spec.get("rate"),
            cap_per_project=spec.get("cap_per_project"),
            cap_per_person_year=spec.get("cap_per_person_year"),
            tier_mode=spec["tier_mode"],
            tiers=spec.get("tiers"),
            reason="演示数据：地区奖励政策",
        )
        report.count("policies", created=True)


# --- deals -------------------------------------------------------------------------------------


class DealWalk:
    """Walks one demo deal from intake to where its spec says it stands, step by dated step.

    Days are counted back from `now`: stage k is entered on day `days[k]` (days ago) in the
    afternoon, after the broker's request in the morning; each stage's work (links, talks,
    meetings, the contract) happens between its entry and the next request.
    """

    def __init__(
        self,
        *,
        spec: dict[str, Any],
        index: int,
        now: dt.datetime,
        demand: Demand,
        users: dict[str, User],
        achievements: dict[str, Achievement],
    ) -> None:
        self.spec = spec
        self.index = index
        self.now = now
        self.demand = demand
        self.users = users
        self.achievements = achievements
        self.rng = random.Random(f"demo-deal-{spec['need']}")  # noqa: S311 -- reproducible demo
        self.lead = users[spec["lead"]]
        self.org_key = next(b[2] for b in BROKERS if b[0] == spec["lead"])
        self.supervisors = [
            users[s[0]] for s in STAFF if s[2] == "supervisor" and s[3] == self.org_key
        ]
        self.path = self._path()
        self.days = self._days()
        self.deal: Deal | None = None

    # The plan ------------------------------------------------------------------------------

    def _path(self) -> list[str]:
        spec = self.spec
        if spec["state"] == DealState.LOST:
            lost_from = spec["lost"][0]
            path = [*FORWARD[: FORWARD.index(lost_from) + 1], DealState.LOST]
        else:
            path = FORWARD[: FORWARD.index(spec["state"]) + 1]
        if "back" in spec:
            at = path.index(DealState.ONLINE_TALKS)
            path = [*path[: at + 1], DealState.MATCHED, DealState.ONLINE_TALKS, *path[at + 1 :]]
        return [str(s) for s in path]

    def _days(self) -> list[int]:
        days = [int(self.spec["entered"])]
        for state in reversed(self.path[:-1]):
            low, high = STAGE_DAYS[DealState(state)]
            days.insert(0, days[0] + self.rng.randint(low, high))
        return days

    def at(self, days_ago: float, hour: int, minute: int = 0) -> dt.datetime:
        """That day (in local time) at that hour, moved back to Friday when it falls on a
        weekend, never later than now. Stages last two days or more, so the order holds."""
        local = timezone.localtime(self.now - dt.timedelta(days=days_ago))
        local -= dt.timedelta(days=max(0, local.weekday() - 4))
        moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return min(moment, self.now - dt.timedelta(minutes=30))

    def office_hours_before(self, hours: float) -> dt.datetime:
        """About `hours` ago, moved back into the previous office hours (a request sent at night
        would look odd). Only ever earlier, by at most a night."""
        local = timezone.localtime(self.now - dt.timedelta(hours=hours))
        if local.hour < 9:
            local = (local - dt.timedelta(days=1)).replace(hour=17)
        elif local.hour >= 18:
            local = local.replace(hour=17)
        return local

    # The walk ------------------------------------------------------------------------------

    def run(self) -> None:
        with transaction.atomic():
            self._open()
            for k in range(1, len(self.path)):
                self._work_in_stage(k - 1, until=self.days[k])
                self._move(k)
            self._work_in_stage(len(self.path) - 1, until=None)
        # Outside the transaction: the moves' announcements (and the rewards computed on them)
        # have run at its commit.

    def _open(self) -> None:
        with _clock(self.at(self.days[0], 9, 20)):
            self.deal = deal_services.deal_create(actor=self.lead, demand=self.demand)
        shares = self.spec.get("shares")
        if shares:
            with _clock(self.at(self.days[0], 9, 45)):
                deal_services.deal_set_brokers(
                    deal=self._deal(),
                    actor=self.lead,
                    shares=[(self.users[name], share) for name, share in shares],
                    reason="经纪人协商确定分成比例",
                )

    def _deal(self) -> Deal:
        if self.deal is None:
            raise RuntimeError("invariant: self.deal is not None")
        return self.deal

    def _is_last_visit(self, k: int, state: str) -> bool:
        return state not in self.path[k + 1 :]

    def _work_in_stage(self, k: int, *, until: int | None) -> None:
        """The work done while the deal sat in path[k], finished before day `until` (None: now)."""
        state = self.path[k]
        start = self.days[k]
        pending = self.spec.get("pending") if until is None else None
        end_moment = (
            self.office_hours_before(pending[1])
            if pending
            else (self.at(until, 9) if until is not None else self.now)
        )
        start_moment = self.at(start, 16)

        def between(fraction: float) -> dt.datetime:
            return start_moment + (end_moment - start_moment) * fraction

        if state == DealState.INTAKE:
            self._link(self.spec["achievements"], between(0.5))
        elif state == DealState.MATCHED and "back" in self.spec and self._is_last_visit(k, state):
            self._link(self.spec["back"][1], between(0.4))  # matched again after talks failed
        elif state == DealState.ONLINE_TALKS:
            talk = self.spec.get("online")
            if not self._is_last_visit(k, state):
                talk = self.spec["back"][2]
            if talk:
                self._activity("online_talk", talk, between(0.45))
        elif state == DealState.OFFLINE_MEETING and self.spec.get("offline"):
            self._activity("offline_meeting", self.spec["offline"], between(0.45))
        elif state == DealState.AGREEMENT and self.spec.get("contract"):
            self._contract(between)
        if pending:
            with _clock(end_moment):
                deal_services.deal_request_transition(
                    deal=self._deal(),
                    actor=self.lead,
                    target=pending[0],
                    comment=self.rng.choice(REQUEST_COMMENTS[DealState(pending[0])]),
                )

    def _link(self, keys: list[str], when: dt.datetime) -> None:
        for offset, key in enumerate(keys):
            achievement = self.achievements[key]
            with _clock(when + dt.timedelta(minutes=20 * offset)):
                deal_services.deal_link_achievement(
                    deal=self._deal(),
                    achievement=achievement,
                    actor=self.lead,
                    note=self._link_note(achievement),
                )

    def _link_note(self, achievement: Achievement) -> str:
        parts = [f"{achievement.owner}，成熟度 {achievement.maturity} 级"]
        price, budget = achievement.asking_price, self.demand.budget
        if price is not None and budget is not None:
            parts.append(
                "意向价格在企业预算内" if price <= budget else "意向价格高于企业预算，需协商"
            )
        if achievement.region[:4] == self.demand.region[:4]:
            parts.append("同城成果，便于现场对接")
        return "；".join(parts) + "。"

    def _activity(self, kind: str, text: tuple[str, str, str], when: dt.datetime) -> None:
        place, participants, minutes = text
        meeting = timezone.localtime(when).replace(hour=10, minute=0)
        if meeting > when:
            meeting -= dt.timedelta(days=1)
        with _clock(when):
            deal_services.activity_log(
                deal=self._deal(),
                actor=self.lead,
                kind=kind,
                occurred_at=meeting,
                location=place,
                participants=participants,
                minutes=minutes,
            )

    def _move(self, k: int) -> None:
        """Request path[k] in the morning of its day, approved in the afternoon."""
        target, source = self.path[k], self.path[k - 1]
        day = self.days[k]
        lost_reason_code = ""
        if target == DealState.LOST:
            comment = self.spec["lost"][1]
            lost_reason_code = self.spec["lost"][2]
            approve_key = str(DealState.LOST)
        elif FORWARD.index(DealState(target)) < FORWARD.index(DealState(source)):
            comment = self.spec["back"][0]
            approve_key = f"{target}_back"
        else:
            comment = self.rng.choice(REQUEST_COMMENTS[DealState(target)])
            approve_key = target
        reject = self.spec.get("reject")
        if reject and reject[0] == target:
            with _clock(self.at(day + 2, 10, 5)):
                request = deal_services.deal_request_transition(
                    deal=self._deal(),
                    actor=self.lead,
                    target=target,
                    comment=comment,
                    lost_reason_code=lost_reason_code,
                )
            with _clock(self.at(day + 2, 16, 40)):
                deal_services.request_reject(
                    request_id=request.pk, actor=self._supervisor(), reason=reject[1]
                )
            comment = f"{comment}（已按主管意见补充企业验收指标。）"
        with _clock(self.at(day, 9, 30 + self.rng.randint(0, 25))):
            request = deal_services.deal_request_transition(
                deal=self._deal(),
                actor=self.lead,
                target=target,
                comment=comment,
                lost_reason_code=lost_reason_code,
            )
        with _clock(self.at(day, 14 + self.rng.randint(0, 3), self.rng.randint(0, 59))):
            deal_services.request_approve(
                request_id=request.pk,
                actor=self._supervisor(exclude=request.requested_by_id),
                comment=self.rng.choice(APPROVE_COMMENTS[approve_key]),
            )

    def _supervisor(self, exclude: int | None = None) -> User:
        # Four eyes: the requester never decides; supervisors are never requesters anyway.
        choices = [s for s in self.supervisors if s.pk != exclude]
        return self.rng.choice(choices)

    # Finance -----------------------------------------------------------------------------------

    def finance(self) -> None:
        """Take the reward (computed when the registration committed) as far as the spec says."""
        stage = self.spec.get("reward")
        if not stage:
            return
        reward = Reward.objects.filter(deal=self._deal()).first()
        if reward is None:
            return  # not registered, or still being computed by a worker (REDIS_URL set)
        officer = self.users[
            next(s[0] for s in STAFF if s[2] == "finance" and s[3] == self.org_key)
        ]
        approved_day = self.days[-1] - 5
        if reward.status == RewardStatus.CALCULATED:
            with _clock(self.at(approved_day, 11, 15)):
                reward = reward_services.reward_approve(
                    reward_id=reward.pk,
                    actor=officer,
                    comment="已核对合同登记证明、技术交易额和分成比例，审核通过。",
                )
        if stage == "paid" and reward.status == RewardStatus.APPROVED:
            paid = self.at(approved_day - 7, 15, 30)
            with _clock(paid):
                reward_services.reward_pay(
                    reward_id=reward.pk,
                    actor=officer,
                    paid_on=timezone.localtime(paid).date(),
                    reference=f"JJRJL-{paid:%Y%m}-{self.index + 1:04d}",
                    comment="经纪人奖励已通过单位账户转账发放。",
                )

    # After the registration -------------------------------------------------------------------

    def follow_up(self) -> None:
        """A registered deal's implementation, as far as the days since its registration allow:
        the delivery and the acceptance planned, the delivery done a week later, a visit, and
        the acceptance done a month later except on every third deal, whose acceptance is late
        (so the follow-up list has something to chase)."""
        deal = self._deal()
        deal.refresh_from_db(fields=["state"])
        since = self.days[-1]  # days ago the deal entered `registered`
        if deal.state != DealState.REGISTERED or since <= 3:
            return
        registered_on = timezone.localtime(self.at(since, 10)).date()
        with _clock(self.at(since - 3, 10, 20)):
            followup_services.milestone_record(
                deal=deal,
                actor=self.lead,
                kind=MilestoneKind.DOCUMENTS_DELIVERED,
                planned_on=registered_on + dt.timedelta(days=7),
                note="图纸、工艺文件和操作手册各一套",
            )
            followup_services.milestone_record(
                deal=deal,
                actor=self.lead,
                kind=MilestoneKind.ACCEPTANCE,
                planned_on=registered_on + dt.timedelta(days=30),
                note="企业组织专家现场验收",
            )
        if since > 9:
            done = self.at(since - 8, 15)
            with _clock(done):
                followup_services.milestone_record(
                    deal=deal,
                    actor=self.lead,
                    kind=MilestoneKind.DOCUMENTS_DELIVERED,
                    actual_on=timezone.localtime(done).date(),
                )
        if since > 21:
            visit = self.at(since - 20, 14)
            with _clock(visit):
                followup_services.visit_log(
                    deal=deal,
                    actor=self.lead,
                    visited_on=timezone.localtime(visit).date(),
                    visitors=f"{self.lead}；企业技术负责人",
                    notes="资料已消化，企业正在准备验收用的样件。",
                )
        if since > 33 and self.index % 3:
            accepted = self.at(since - 32, 16)
            with _clock(accepted):
                followup_services.milestone_record(
                    deal=deal,
                    actor=self.lead,
                    kind=MilestoneKind.ACCEPTANCE,
                    actual_on=timezone.localtime(accepted).date(),
                    note="验收合格",
                )

    # The contract ----------------------------------------------------------------------------

    def _contract(self, between: Any) -> None:
        spec = self.spec["contract"]
        deal = self._deal()
        subject = self.achievements[self.spec["achievements"][0]]
        drafted, signed, registered = between(0.1), between(0.45), between(0.85)
        valid_from = timezone.localtime(signed).date()
        years = spec.get("years")
        valid_days = years * 365 if years else VALIDITY_DAYS.get(spec["contract_type"], 365)
        fields: dict[str, Any] = {
            "contract_type": spec["contract_type"],
            "subtype": spec["subtype"],
            "title": spec["title"],
            "party_a": party(self.demand.enterprise, self.demand.region),
            "party_b": party(subject.owner, subject.region),
            "amount": spec["amount"],
            "technology_amount": spec["technology_amount"],
            "payment_mode": spec["payment_mode"],
            "payment_terms": spec.get("payment_terms", ""),
            "payment_schedule": [
                {
                    "due_on": (valid_from + dt.timedelta(days=after)).isoformat(),
                    "amount": amount,
                    "note": note,
                }
                for after, amount, note in spec.get("schedule", [])
            ],
            "clauses": spec.get("clauses", {}),
            "sign_place": SIGN_PLACES[self.org_key],
            "valid_from": valid_from,
            "valid_to": valid_from + dt.timedelta(days=valid_days),
        }
        if subject.patent_number and spec["contract_type"] in ("license", "transfer"):
            fields["patent"] = {
                "title": subject.title,
                "number": subject.patent_number,
                "kind": "发明专利" if subject.patent_number[6] == "1" else "实用新型专利",
                "holder": subject.owner,
            }
        with _clock(drafted):
            contract = contract_services.contract_create(deal=deal, actor=self.lead, **fields)
        if spec["status"] == "draft":
            return
        with _clock(signed):
            contract = contract_services.contract_sign(
                contract=contract, actor=self.lead, signed_on=valid_from
            )
            # Rendering is scheduled after commit; the walk needs the PDF before the registration
            # request, inside this deal's transaction, so render now. The task that runs at
            # commit then finds the document ready and leaves it (rendering is idempotent).
            for document in ContractDocument.objects.filter(
                contract=contract, status=DocumentStatus.PENDING
            ):
                contract_services.document_render(document_id=document.pk)
        if spec["status"] != "registered":
            return
        on = timezone.localtime(registered).date()
        with _clock(registered):
            contract_services.registration_record(
                contract=contract,
                actor=self.lead,
                exchange=EXCHANGES[self.org_key],
                # Issued by the office: year, the seller's region, a serial (16 digits).
                registration_number=f"{on:%Y}{subject.region}{100 + self.index * 37:06d}",
                registered_on=on,
                certificate_number=f"JYZM{on:%Y}{self.index + 1:05d}",
            )
