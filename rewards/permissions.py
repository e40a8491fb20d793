"""Who may do what with rewards: small named predicates that the services, the API, the pages
and the admin all call (never a copy of the rule).

Each answers a question about one signed-in user. Whether the object is visible at all is the
selectors' job (`rewards_visible_to` 404s the rest); whether its status allows the step is the
model's transitions' (409).
"""

from __future__ import annotations

from brokers.models import Role, User
from common.exceptions import NotAllowed
from rewards.exceptions import BeneficiaryCannotDecide, NotFinance
from rewards.models import Reward


def _finance_of(user: User, organisation_id: int | None) -> bool:
    """An admin, or a finance person of that organisation."""
    if user.is_admin:
        return True
    return (
        user.is_finance and organisation_id is not None and user.organisation_id == organisation_id
    )


def is_beneficiary(user: User, reward: Reward) -> bool:
    """The user has a share in the reward (reads prefetched shares when the caller has them)."""
    return any(share.user_id == user.pk for share in reward.shares.all())


def may_write_policy(user: User) -> bool:
    """Policies are a region's public rules, shared by every organisation: any finance person
    or admin records them."""
    return user.is_admin or user.is_finance


def may_recompute_reward(user: User, reward: Reward) -> bool:
    """Retrying a reward that waits for a policy: finance of the deal's organisation, or an admin
    (a recomputation pays nobody, so four eyes do not apply)."""
    return _finance_of(user, reward.deal.organisation_id)


def may_approve_reward(user: User, reward: Reward) -> bool:
    """Four eyes: finance of the deal's organisation (or an admin), never a beneficiary."""
    return _finance_of(user, reward.deal.organisation_id) and not is_beneficiary(user, reward)


def may_pay_reward(user: User, reward: Reward) -> bool:
    """Recording the payment: the same four eyes as approving (its own name so that callers ask
    the question they mean, and a future difference is made here)."""
    return may_approve_reward(user, reward)


def may_see_statement(user: User, broker: User) -> bool:
    """A broker's annual statement: the broker, the supervisors and finance of their
    organisation, admins."""
    if user.is_admin or user.pk == broker.pk:
        return True
    return (
        user.effective_role in (Role.SUPERVISOR, Role.FINANCE)
        and user.organisation_id is not None
        and user.organisation_id == broker.organisation_id
    )


def may_export_ledger(user: User) -> bool:
    """Everyone signed in exports the ledger lines they may see (`rewards_visible_to` filters:
    a broker gets their own rewards, finance and supervisors their organisation's)."""
    return user.is_authenticated


def held_by_four_eyes(user: User, reward: Reward) -> bool:
    """Finance who would decide the reward but for their own share in it."""
    return _finance_of(user, reward.deal.organisation_id) and is_beneficiary(user, reward)


def decider_refusal(user: User, reward: Reward) -> NotAllowed:
    """Why `user` may not approve or pay `reward`: a beneficiary, or not finance here."""
    if held_by_four_eyes(user, reward):
        return BeneficiaryCannotDecide.default()
    return NotFinance.default()
