"""Domain errors of the rewards app (the API maps them to 400/403/409 with their code)."""

from __future__ import annotations

from common.exceptions import Conflict, NotAllowed, ValidationFailed


class PolicyInvalid(ValidationFailed):
    code = "policy_invalid"


class PolicyOverlap(ValidationFailed):
    code = "policy_overlap"


class PolicyInUse(Conflict):
    code = "policy_in_use"


class NotFinance(NotAllowed):
    code = "finance_only"


class BeneficiaryCannotDecide(NotAllowed):
    """Four eyes: a person paid by a reward never approves or pays it."""

    code = "beneficiary"


class RewardStateConflict(Conflict):
    code = "transition_not_allowed"


class RewardImmutable(Conflict):
    code = "reward_paid"


class DealNotRegistered(Conflict):
    code = "not_registered"
