"""Reads of enterprises and institutions (visible to everyone signed in, like the library)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from records.models import Enterprise, Institution


def _search(qs: QuerySet, q: str) -> QuerySet:
    q = (q or "").strip()[:100]
    if not q:
        return qs
    return qs.filter(Q(name__icontains=q) | Q(credit_code__iexact=q.upper()))


def enterprise_search(q: str = "") -> QuerySet[Enterprise]:
    return _search(Enterprise.objects.all(), q).order_by("name", "id")


def institution_search(q: str = "") -> QuerySet[Institution]:
    return _search(Institution.objects.all(), q).order_by("name", "id")


def enterprise_by_code_or_name(*, name: str = "", credit_code: str = "") -> Enterprise | None:
    """The record a typed name or credit code means: the credit code wins, then the exact name."""
    if credit_code and (found := Enterprise.objects.filter(credit_code=credit_code).first()):
        return found
    name = normalise_name(name)
    return Enterprise.objects.filter(name=name).first() if name else None


def institution_by_code_or_name(*, name: str = "", credit_code: str = "") -> Institution | None:
    if credit_code and (found := Institution.objects.filter(credit_code=credit_code).first()):
        return found
    name = normalise_name(name)
    return Institution.objects.filter(name=name).first() if name else None


def normalise_name(name: str) -> str:
    """Names compare without surrounding or repeated blanks and with Chinese brackets: "宁波
    甬欣模塑(有限公司)" and "宁波甬欣模塑（有限公司）" are one enterprise."""
    name = " ".join((name or "").split())
    return name.replace("(", "（").replace(")", "）")
