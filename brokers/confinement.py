"""Experts (outside reviewers) see only what they were invited to review.

Pages: the middleware answers 404 for every page outside the few an expert uses. The API does
the same with the `ExpertConfined` permission (token sign-ins never reach a middleware as a
user): an endpoint opts in with `experts_allowed = True` and filters by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated

# Page prefixes an expert may open (the views there check each object again).
EXPERT_PAGES = ("/reviews/", "/challenges/", "/signout/", "/i18n/", "/static/", "/api/")


class ExpertConfinementMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "is_expert", False)
            and request.path != "/"
            and not request.path.startswith(getattr(settings, "EXPERT_PAGE_PREFIXES", EXPERT_PAGES))
        ):
            raise Http404
        return self.get_response(request)


class ExpertConfined(IsAuthenticated):
    """Signed in; and an expert only on endpoints marked `experts_allowed` (404 elsewhere)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if getattr(request.user, "is_expert", False) and not getattr(
            view, "experts_allowed", False
        ):
            raise NotFound()
        return True
