"""Domain errors of the payments app; the API maps each to its status and `code`."""

from __future__ import annotations

from common.exceptions import Conflict, ValidationFailed


class PaymentInvalid(ValidationFailed):
    code = "invalid"


class ExceedsContractAmount(ValidationFailed):
    """The payments of a deal would add up to more than its contract's amount."""

    code = "exceeds_contract_amount"


class ContractNotSigned(Conflict):
    code = "contract_not_signed"


class DuplicateReference(Conflict):
    code = "duplicate_reference"


class AlreadyReversed(Conflict):
    code = "already_reversed"
