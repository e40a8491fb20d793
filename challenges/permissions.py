"""Who may do what with experts, challenges and reviews: small named predicates, called by the
services, pages, API and admin alike (never copied)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brokers.models import User
    from challenges.models import Challenge, Expert


def may_manage_experts(user: User) -> bool:
    """Supervisors keep their organisation's expert library; admins any."""
    return user.is_authenticated and (
        user.is_admin or (user.is_supervisor and user.organisation_id is not None)
    )


def may_publish_challenge(user: User) -> bool:
    """A supervisor publishes for their own organisation (an admin needs one too)."""
    return (
        user.is_authenticated
        and (user.is_supervisor or user.is_admin)
        and user.organisation_id is not None
    )


def may_manage_challenge(user: User, challenge: Challenge) -> bool:
    """See proposals and ranking, invite the panel, close: the organisation's supervisors."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return user.is_supervisor and user.organisation_id == challenge.organisation_id


def may_award_challenge(user: User, challenge: Challenge) -> bool:
    """Four eyes: a manager of the challenge other than the one who published it."""
    return may_manage_challenge(user, challenge) and user.pk != challenge.published_by_id


def may_invite_to_deal(user: User, deal_organisation_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_admin or (user.is_supervisor and user.organisation_id == deal_organisation_id)


def is_expert_user(user: User, expert: Expert) -> bool:
    return user.is_authenticated and expert.user_id == user.pk
