"""Filters shared by the apps' list endpoints."""

from __future__ import annotations

import django_filters
from django import forms

# The largest id the databases hold (bigint); a larger number in a query string would make the
# database driver overflow (a 500) instead of matching nothing.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """?broker=12, ?deal=34: a positive integer id, 400 otherwise."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
