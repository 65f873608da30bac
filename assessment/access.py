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

Jurisdictions (issue 17): every scheme belongs to one (a city's bureaus and
counties, a county's townships). A user reads the schemes and results of their
own jurisdiction (``responsibility.jurisdictions.user_jurisdiction``) by the
rules above; the office (reviewers, administrators) of a higher jurisdiction
also reads those of every jurisdiction below it (``subtree_ids``), in full but
read-only: no entry, override, compute, stage move, verification or objection
answer there. Any other jurisdiction's scheme, result or entry is a 404. A
unit's own card stays readable to its users wherever it is assessed (a county
government's users in the city's county scheme; its clerks and head read the
scheme that assesses it first, their own jurisdiction's too). An account attached to no
jurisdiction reads its home jurisdiction's; an administrator attached to none
(the deployment's) reads and changes every one.
"""

from __future__ import annotations

import dataclasses

from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessment import procedure
from assessment.models import AssessmentScheme
from projects.access import Reach, User, scope_for, user_unit
from responsibility import roles
from responsibility.jurisdictions import subtree_ids, user_jurisdiction
from responsibility.models import Unit, existing_home_jurisdiction

_REACH_CACHE = "_assessment_jurisdiction_reach"


@dataclasses.dataclass(frozen=True)
class JurisdictionReach:
    """The jurisdictions whose assessment a user reads and changes."""

    own: int | None  # where the user works: their own reads and writes
    # Every jurisdiction they read (their own and, for the office, those below);
    # None: every jurisdiction (a deployment administrator attached to none).
    readable: frozenset[int] | None

    def reads(self, jurisdiction_id: int | None) -> bool:
        return self.readable is None or jurisdiction_id in self.readable

    def writes(self, jurisdiction_id: int | None) -> bool:
        return self.readable is None or (self.own is not None and jurisdiction_id == self.own)


def jurisdiction_reach(user: User) -> JurisdictionReach:
    """The user's :class:`JurisdictionReach`, cached on the user for the request
    (two queries at most)."""
    cached: JurisdictionReach | None = getattr(user, _REACH_CACHE, None)
    if cached is not None:
        return cached
    own = user_jurisdiction(user)
    if own is None and user.is_authenticated and roles.has_role(user, roles.ADMIN):
        reach = JurisdictionReach(own=None, readable=None)
    else:
        if own is None:  # attached to nothing: the home jurisdiction's reader
            own = existing_home_jurisdiction()
        unit = user_unit(user)
        if own is None:
            reach = JurisdictionReach(own=None, readable=frozenset())
        elif is_office(user):
            reach = JurisdictionReach(own=own.pk, readable=subtree_ids(own))
        elif unit is not None and unit.is_jurisdiction and unit.jurisdiction_id is not None:
            # A county's or township's own users (not its office): their unit is
            # assessed by the jurisdiction above it, whose schemes they read first.
            reach = JurisdictionReach(
                own=unit.jurisdiction_id, readable=frozenset({unit.jurisdiction_id, own.pk})
            )
        else:
            reach = JurisdictionReach(own=own.pk, readable=frozenset({own.pk}))
    if user.is_authenticated:
        setattr(user, _REACH_CACHE, reach)
    return reach


def can_read_jurisdiction(user: User, jurisdiction_id: int | None) -> bool:
    """The user reads the schemes and results of this jurisdiction."""
    return jurisdiction_reach(user).reads(jurisdiction_id)


def can_write_jurisdiction(user: User, jurisdiction_id: int | None) -> bool:
    """The user may change assessment data of this jurisdiction (their own)."""
    return jurisdiction_reach(user).writes(jurisdiction_id)


def own_jurisdiction_id(user: User) -> int | None:
    """The jurisdiction the user works for (None: a deployment administrator)."""
    return jurisdiction_reach(user).own


def require_scheme(user: User, scheme: AssessmentScheme) -> AssessmentScheme:
    """The scheme if the user may read anything of it (its jurisdiction, or their
    own unit is assessed by it), else 404."""
    if can_read_jurisdiction(user, scheme.jurisdiction_id):
        return scheme
    mine = own_unit(user)
    if (
        mine is not None
        and mine.jurisdiction_id == scheme.jurisdiction_id
        and mine.kind == scheme.unit_kind
    ):
        return scheme
    raise Http404


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
    (a unit's users before 公示: their own card only; anyone outside the scheme's
    jurisdiction and those above it). ``scheme`` None: a year without a scheme,
    whose empty page only full readers get."""
    if scheme is not None and not can_read_jurisdiction(user, scheme.jurisdiction_id):
        return None
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
    record. (Answering an objection during 公示 is its own step: :func:`can_answer`.)
    Only in the user's own jurisdiction (``scheme`` None: there)."""
    if scheme is not None and not can_write_jurisdiction(user, scheme.jurisdiction_id):
        return False
    if roles.has_role(user, roles.ADMIN):
        return True
    if not roles.has_role(user, roles.REVIEWER):
        return False
    return scheme is None or procedure.office_entry_open(scheme.stage)


def can_move(user: User, scheme: AssessmentScheme, target: str) -> bool:
    """Move the scheme to ``target``: the office one step forward, an administrator
    one step back (``procedure.who_moves``); in their own jurisdiction only."""
    if not can_write_jurisdiction(user, scheme.jurisdiction_id):
        return False
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
    """The office verifies the units' own values during 核查 (its own jurisdiction's)."""
    return (
        is_office(user)
        and scheme.stage == procedure.Stage.VERIFY
        and can_write_jurisdiction(user, scheme.jurisdiction_id)
    )


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
    """The office answers objections while the results are in 公示 (its own
    jurisdiction's)."""
    return (
        is_office(user)
        and scheme.stage == procedure.Stage.NOTICE
        and can_write_jurisdiction(user, scheme.jurisdiction_id)
    )


def own_unit(user: User) -> Unit | None:
    """The unit whose card a bureau user may read, or None."""
    scope = scope_for(user)
    return scope.unit if scope.reach is Reach.UNIT else None


def get_assessed_unit(user: User, unit_id) -> Unit:
    """The unit if the user may read its assessment card, else 404: the full
    readers of the jurisdiction that assesses it (``Unit.jurisdiction``), and its
    own users."""
    try:
        unit = Unit.objects.get(pk=unit_id)
    except (Unit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if can_read_ranking(user) and can_read_jurisdiction(user, unit.jurisdiction_id):
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
    "JurisdictionReach",
    "RankingAccess",
    "can_answer",
    "can_edit",
    "can_lodge",
    "can_move",
    "can_read_jurisdiction",
    "can_read_ranking",
    "can_self_assess",
    "can_verify",
    "can_write_jurisdiction",
    "get_assessed_unit",
    "is_office",
    "jurisdiction_reach",
    "own_jurisdiction_id",
    "own_unit",
    "ranking_access",
    "readable_rankings",
    "require_edit",
    "require_scheme",
    "user_unit",
]
