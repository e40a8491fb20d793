"""Domain errors shared by every app. The API maps each to an HTTP status and a `code`."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no. `code` is machine-readable, the message says what to do."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, blockers: list[str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.blockers = blockers or []


class ValidationFailed(DomainError):
    status_code = 400
    code = "invalid"


class NotAllowed(DomainError):
    """The user is signed in but may not do this."""

    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The object's state forbids this now (409)."""

    status_code = 409
    code = "conflict"


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class ConditionsUnmet(Conflict):
    code = "conditions_unmet"


class RequestPending(Conflict):
    code = "request_pending"


class AlreadyDecided(Conflict):
    code = "already_decided"


class ConcurrentUpdate(Conflict):
    code = "concurrent_update"
