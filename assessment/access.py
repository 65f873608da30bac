"""Who may see and change assessment results: the one place that decides.

Built on ``projects.access.scope_for`` so that the assessment pages agree with
the rest of the application:

- administrators and the mayor's office (reviewers) read every result, enter
  raw values, override scores and publish;
- vice-mayors read every result (the ranking is the city's), change nothing;
- bureau clerks and heads read their own unit's card only; another unit's card
  is a 404, the ranking page sends them to their own card;
- after publishing, only administrators change anything.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessment.models import AssessmentScheme
from projects.access import Reach, User, scope_for, user_unit
from responsibility import roles
from responsibility.models import Unit


def can_read_ranking(user: User) -> bool:
    scope = scope_for(user)
    return scope.reach is Reach.ALL or roles.has_role(user, roles.VICE_MAYOR)


def can_edit(user: User, scheme: AssessmentScheme | None = None) -> bool:
    """Enter raw values and override scores (admins only once published)."""
    if scheme is not None and scheme.is_published:
        return roles.has_role(user, roles.ADMIN)
    return roles.has_role(user, roles.REVIEWER) or roles.has_role(user, roles.ADMIN)


def can_publish(user: User) -> bool:
    return roles.has_role(user, roles.REVIEWER) or roles.has_role(user, roles.ADMIN)


def own_unit(user: User) -> Unit | None:
    """The unit whose card a bureau user may read, or None."""
    scope = scope_for(user)
    return scope.unit if scope.reach is Reach.UNIT else None


def get_assessed_unit(user: User, unit_id) -> Unit:
    """The unit if the user may read its assessment card, else 404."""
    try:
        unit = Unit.objects.get(pk=unit_id)
    except (Unit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if can_read_ranking(user):
        return unit
    mine = own_unit(user)
    if mine is not None and mine.pk == unit.pk:
        return unit
    raise Http404


def require_edit(user: User, scheme: AssessmentScheme) -> None:
    """403 for readers who may not enter or override."""
    if not can_edit(user, scheme):
        raise PermissionDenied


__all__ = [
    "can_edit",
    "can_publish",
    "can_read_ranking",
    "get_assessed_unit",
    "own_unit",
    "require_edit",
    "user_unit",
]
