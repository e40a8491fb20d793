"""Requests whose user is known to be signed in, typed as such.

Views behind `login_required` / `IsAuthenticated` annotate their request with these aliases, so
`request.user` is a `brokers.models.User` to the type checker without a cast or an assert.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from brokers.models import User


class AuthedHttpRequest(HttpRequest):
    """A page request after `login_required`."""

    user: User


class AuthedRequest(Request):
    """An API request after `IsAuthenticated`."""

    user: User


def signed_in(request: HttpRequest | Request) -> User:
    """The request's user, for code behind `IsAuthenticated` or `login_required`: a `User` to the
    type checker, and a 401 (never an AttributeError deeper down) should a route ever forget the
    guard."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
