"""Who triages public submissions: a supervisor of the organisation the submission was routed
to (its region lies in the organisation's), or an admin. Seeing one is the same question
(`intake.selectors.submissions_visible_to`): anybody else gets a 404."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from brokers.models import User
from brokers.permissions import supervises
from common.permissions import predicate
from intake.models import Submission


@predicate(_("公开征集由主管或管理员分拣。"))
def may_see_triage(user: User) -> bool:
    return user.is_authenticated and (user.is_supervisor or user.is_admin)


@predicate(_("只有该地区机构的主管或管理员可以分拣这条提交。"))
def may_triage(user: User, submission: Submission) -> bool:
    return user.is_admin or supervises(user, submission.organisation_id)
