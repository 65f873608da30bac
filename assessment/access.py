"""Who may see and change assessment results: the one place that decides.

Built on ``projects.access.scope_for`` so that the assessment pages agree with
the rest of the application:

- administrators and the mayor's office (reviewers) read every result, enter
  raw values, override scores and publish;
- vice-mayors read every result (the ranking is the city's), change nothing;
- bureau clerks and heads read their own unit's card only; another unit's card
  is a 404. Before the results are public the ranking page sends them to their
  own card; once the scheme is in 公示 or final (``procedure.results_public``)
  every signed-in user reads its ranking, but only the public columns (rank,
  unit, grade, total, titles, last year's result): no money, no category or
  item figures, no controls (``ranking_access``);
- after publishing, only administrators change anything.
"""

from __future__ import annotations

import dataclasses

from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessment import procedure
from assessment.models import AssessmentScheme
from projects.access import Reach, User, scope_for, user_unit
from responsibility import roles
from responsibility.models import Unit


def can_read_ranking(user: User) -> bool:
    """Every ranking in full, whatever its stage: the office and vice-mayors."""
    scope = scope_for(user)
    return scope.reach is Reach.ALL or roles.has_role(user, roles.VICE_MAYOR)


def is_office(user: User) -> bool:
    """The mayor's office: reviewers and administrators."""
    return roles.has_role(user, roles.REVIEWER) or roles.has_role(user, roles.ADMIN)


@dataclasses.dataclass(frozen=True)
class RankingAccess:
    """How much of a scheme's ranking a user reads (see :func:`ranking_access`)."""

    # Every column (category subtotals, bonus, money, notes) and a link to every
    # unit's card; else only the public columns: rank, unit, grade, total, titles.
    full: bool
    # A reader of the public columns opens only their own unit's card from it
    # (``get_assessed_unit``): the page links that row alone.
    own_unit_id: int | None = None


def ranking_access(user: User, scheme: AssessmentScheme | None) -> RankingAccess | None:
    """What of ``scheme``'s ranking ``user`` reads; None when they may not read it
    (a unit's users before 公示: their own card only). ``scheme`` None: a year
    without a scheme, whose empty page only full readers get."""
    if can_read_ranking(user):
        return RankingAccess(full=True)
    if scheme is not None and user.is_authenticated and scheme.is_public:
        mine = own_unit(user)
        return RankingAccess(full=False, own_unit_id=mine.pk if mine else None)
    return None


def readable_rankings(user: User, schemes: list[AssessmentScheme]) -> list[AssessmentScheme]:
    """The schemes whose ranking ``user`` reads (the tabs of the ranking page)."""
    return [s for s in schemes if ranking_access(user, s) is not None]


def can_edit(user: User, scheme: AssessmentScheme | None = None) -> bool:
    """Enter raw values, override scores and recompute: the office in draft and
    during 核查 (``procedure.office_entry_open``); an administrator always, on
    record. (Answering an objection during 公示 is its own step: :func:`can_answer`.)"""
    if roles.has_role(user, roles.ADMIN):
        return True
    if not roles.has_role(user, roles.REVIEWER):
        return False
    return scheme is None or procedure.office_entry_open(scheme.stage)


def can_move(user: User, scheme: AssessmentScheme, target: str) -> bool:
    """Move the scheme to ``target``: the office one step forward, an administrator
    one step back (``procedure.who_moves``)."""
    who = procedure.who_moves(scheme.stage, target)
    if who is procedure.Who.OFFICE:
        return is_office(user)
    if who is procedure.Who.ADMIN:
        return roles.has_role(user, roles.ADMIN)
    return False


def can_self_assess(user: User, unit: Unit, scheme: AssessmentScheme) -> bool:
    """The unit's clerks and head enter its own values during 自评."""
    mine = own_unit(user)
    return (
        mine is not None
        and mine.pk == unit.pk
        and procedure.self_entry_open(scheme.stage)
        and (roles.has_role(user, roles.CLERK) or roles.has_role(user, roles.UNIT_HEAD))
    )


def can_verify(user: User, scheme: AssessmentScheme) -> bool:
    """The office verifies the units' own values during 核查."""
    return is_office(user) and scheme.stage == procedure.Stage.VERIFY


def can_lodge(user: User, unit: Unit, scheme: AssessmentScheme, *, today) -> bool:
    """The unit's head lodges an objection during 公示."""
    mine = own_unit(user)
    return (
        mine is not None
        and mine.pk == unit.pk
        and roles.has_role(user, roles.UNIT_HEAD)
        and procedure.objections_open(scheme.stage, until=scheme.notice_until, today=today)
    )


def can_answer(user: User, scheme: AssessmentScheme) -> bool:
    """The office answers objections while the results are in 公示."""
    return is_office(user) and scheme.stage == procedure.Stage.NOTICE


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
    "RankingAccess",
    "can_answer",
    "can_edit",
    "can_lodge",
    "can_move",
    "can_read_ranking",
    "can_self_assess",
    "can_verify",
    "get_assessed_unit",
    "is_office",
    "own_unit",
    "ranking_access",
    "readable_rankings",
    "require_edit",
    "user_unit",
]
