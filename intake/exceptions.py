"""The intake app's named errors (the API maps each to its status and `code`)."""

from __future__ import annotations

from common.exceptions import AlreadyDecided, Conflict


class SubmissionDecided(AlreadyDecided):
    """Deciding a submission a second time (409 `already_decided`)."""


class DuplicateRecord(Conflict):
    """Accepting would create a second record where the library keeps one (a patent number):
    merge into it instead (409 `duplicate_record`)."""

    code = "duplicate_record"
