"""Named errors of the follow-up. Each says what to do; a field error names its field, so a page
shows it next to the field and the API returns it with its `code`."""

from __future__ import annotations

from common.exceptions import Conflict, ValidationFailed


class FollowUpInvalid(ValidationFailed):
    """Bad input (400). `field` is the form field it belongs to ("" for the whole form)."""

    def __init__(self, message: str, *, code: str, field: str = "") -> None:
        super().__init__(message, code=code)
        self.field = field


class NotRegistered(Conflict):
    """Follow-up starts once the deal is registered (409)."""

    code = "not_registered"


class MilestonesIncomplete(Conflict):
    """ "Completed" needs the in-production milestone first (409)."""

    code = "milestones_incomplete"
