"""Requests whose user is known to be signed in, typed as such.

Views behind `login_required` / `IsAuthenticated` annotate their request with these aliases, so
`request.user` is a `brokers.models.User` to the type checker without a cast or an assert.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from brokers.models import User


class AuthedHttpRequest(HttpRequest):
    """A page request after `login_required`."""

    user: User


class AuthedRequest(Request):
    """An API request after `IsAuthenticated`."""

    user: User
