"""The jurisdiction tree (issue 17): province → city → county → township.

A jurisdiction is a ``Unit`` of one of ``JURISDICTION_KINDS``; every unit (and
vice-mayor) belongs to one through ``Unit.jurisdiction``, and so does each plan
year and assessment scheme. The tree is at most ``JURISDICTION_DEPTH`` deep, so
"this one and everything below it" is one query with a fixed number of joins,
whatever the number of jurisdictions.

Who may read or write which jurisdiction is decided in ``projects.access``;
this module only knows the tree.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from responsibility.models import (
    JURISDICTION_DEPTH,
    JURISDICTION_KINDS,
    Membership,
    Unit,
    ViceMayor,
    home_jurisdiction,
)

__all__ = [
    "JURISDICTION_KINDS",
    "below",
    "children",
    "home_jurisdiction",
    "jurisdictions",
    "subtree_ids",
    "user_jurisdiction",
]


def jurisdictions() -> QuerySet[Unit]:
    """Every jurisdiction, in the tree's display order."""
    return Unit.objects.filter(kind__in=JURISDICTION_KINDS).order_by("order", "name")


def below(pk: int) -> Q:
    """``pk`` itself and every jurisdiction under it (the tree is shallow)."""
    condition = Q(pk=pk)
    path = "jurisdiction"
    for _level in range(JURISDICTION_DEPTH):
        condition |= Q(**{path: pk})
        path += "__jurisdiction"
    return condition


def subtree_ids(jurisdiction: Unit | int) -> frozenset[int]:
    """The jurisdiction and all jurisdictions below it, in one query."""
    pk = jurisdiction if isinstance(jurisdiction, int) else jurisdiction.pk
    return frozenset(jurisdictions().filter(below(pk)).values_list("pk", flat=True))


def children(jurisdiction: Unit | int) -> QuerySet[Unit]:
    """The jurisdictions directly below one (a city's counties)."""
    pk = jurisdiction if isinstance(jurisdiction, int) else jurisdiction.pk
    return jurisdictions().filter(jurisdiction_id=pk)


def user_jurisdiction(user) -> Unit | None:
    """The jurisdiction a user works for: their unit's (a unit that is itself a
    jurisdiction node stands for its own government), a vice-mayor's, or None
    for an account attached to none (a deployment administrator)."""
    if not getattr(user, "is_authenticated", False):
        return None
    # One query: the membership with its unit and that unit's jurisdiction, kept
    # on the user object as ``user.membership`` for the rest of the request.
    membership = Membership.objects.filter(user=user).select_related("unit__jurisdiction").first()
    unit = None
    if membership is not None:
        user.membership = membership
        unit = membership.unit
    if unit is not None:
        return unit if unit.is_jurisdiction else unit.jurisdiction
    mayor = ViceMayor.objects.filter(user=user).select_related("jurisdiction").first()
    return mayor.jurisdiction if mayor is not None else None
