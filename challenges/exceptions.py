"""Domain errors of challenges and expert reviews (mapped to 400/409 with these codes)."""

from __future__ import annotations

from common.exceptions import Conflict, NotAllowed


class ChallengeClosed(Conflict):
    """The deadline has passed, or the challenge was awarded or closed."""

    code = "challenge_closed"


class ConflictOfInterest(Conflict):
    """The expert works for, or with, the enterprise or a proposer."""

    code = "conflict_of_interest"


class ReviewsPending(Conflict):
    """Not every invited expert has scored every proposal yet."""

    code = "reviews_pending"


class ChallengeDecided(Conflict):
    code = "already_decided"


class FourEyes(NotAllowed):
    """The supervisor who published a challenge may not also award it."""

    code = "four_eyes"
