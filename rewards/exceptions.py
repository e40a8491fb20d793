"""Domain errors of the rewards app. The API maps each to its status (400 bad input, 403 not
allowed, 409 the state forbids it now) with its `code`; the pages show the message.

The rewards services raise only these, plus the errors every app shares: `ConcurrentUpdate` (409
`concurrent_update`), an implausible date (400 `implausible_date`, `common.dates`) and an
unknown region (400 `invalid`, `brokers.regions`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from common.exceptions import Conflict, NotAllowed, ValidationFailed


class PolicyInvalid(ValidationFailed):
    code = "policy_invalid"


class PolicyOverlap(ValidationFailed):
    code = "policy_overlap"


class PolicyInUse(Conflict):
    code = "policy_in_use"


class PaymentInvalid(ValidationFailed):
    """The payment's date or reference cannot be right (in the future, before the approval)."""

    code = "payment_invalid"


class PaymentReferenceRequired(PaymentInvalid):
    code = "reference_required"


class NotFinance(NotAllowed):
    code = "finance_only"

    @classmethod
    def default(cls) -> NotFinance:
        return cls(_("只有本机构的财务人员或管理员可以执行此操作。"))


class BeneficiaryCannotDecide(NotAllowed):
    """Four eyes: a person paid by a reward never approves or pays it."""

    code = "beneficiary"

    @classmethod
    def default(cls) -> BeneficiaryCannotDecide:
        return cls(
            _("您是该奖励的受益人，不能审核或发放自己的奖励（四眼原则），请由其他财务人员处理。")
        )


class RewardStateConflict(Conflict):
    code = "transition_not_allowed"


class RewardImmutable(Conflict):
    code = "reward_paid"


class DealNotRegistered(Conflict):
    code = "not_registered"
