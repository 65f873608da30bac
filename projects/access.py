"""Who may see and change what: the one place that decides, per kind of object.

Views never filter by permission themselves; they ask here. An object outside
the user's reach is a 404 (its existence is not revealed); a user who may read
an object but not change it gets a 403.

- jurisdictions (issue 17): every programme belongs to a jurisdiction; a user
  reads their own jurisdiction's, and the office (and administrators) of a
  higher jurisdiction also read the programmes below it, read-only: every
  decision (review, 督办, extension) is taken only in the user's own
  jurisdiction. Anything of another jurisdiction is 404. A deployment
  administrator attached to no unit reads and writes everywhere;
- administrators and the mayor's office (reviewers) read their programmes whole;
- a vice-mayor reads the projects of their portfolio (supervised as a whole or
  through a sub-item);
- bureau clerks and heads read their own unit's work, and clerks report on
  their own unit's milestones;
- only administrators change plan data (in the admin);
- reports are decided along the state machine of ``projects.review`` (the unit
  head, then the mayor's office; nobody decides on their own report): the
  functions here tell it who the user is.
"""

from __future__ import annotations

import dataclasses
import enum

from django.contrib.auth import get_user_model
from django.contrib.auth import models as auth
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from projects import review, supervision
from projects.models import (
    Indicator,
    Milestone,
    PlanYear,
    ProgressReport,
    Project,
    ProjectUnit,
    SubItem,
    Supervision,
    SupervisionFile,
)
from responsibility import roles
from responsibility.jurisdictions import below, jurisdictions, subtree_ids
from responsibility.models import Person, Unit, ViceMayor, existing_home_jurisdiction

User = auth.User | auth.AnonymousUser

_SCOPE_CACHE = "_zhucheng_scope"  # attribute on the user object holding their Scope


class Reach(enum.Enum):
    ALL = "all"
    MAYOR = "mayor"
    UNIT = "unit"
    NONE = "none"


@dataclasses.dataclass(frozen=True)
class Scope:
    """What part of the plan a user may read.

    ``jurisdiction`` is where the user works and decides; ``readable`` the ids of
    the jurisdictions whose programmes they read (None: every one)."""

    reach: Reach
    unit: Unit | None = None
    mayor: ViceMayor | None = None
    jurisdiction: Unit | None = None
    readable: frozenset[int] | None = None

    @property
    def sees_all(self) -> bool:
        """Reads everything in the deployment (no filter needed)."""
        return self.reach is Reach.ALL and self.readable is None

    def reads(self, jurisdiction_id: int | None) -> bool:
        return self.readable is None or jurisdiction_id in self.readable

    def writes(self, jurisdiction_id: int | None) -> bool:
        """Decides in that jurisdiction: only in the user's own (a deployment
        administrator attached to none: everywhere)."""
        if self.jurisdiction is None:
            return self.readable is None and self.reach is Reach.ALL
        return jurisdiction_id == self.jurisdiction.pk


def scope_for(user: User) -> Scope:
    """The user's reading scope. Cached on the user object for the request."""
    cached: Scope | None = getattr(user, _SCOPE_CACHE, None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if user.is_authenticated:
        setattr(user, _SCOPE_CACHE, scope)
    return scope


def _compute_scope(user: User) -> Scope:
    if not user.is_authenticated:
        return Scope(Reach.NONE)
    if roles.has_role(user, roles.ADMIN) or roles.has_role(user, roles.REVIEWER):
        unit = user_unit(user)
        home = None if unit is None else unit if unit.is_jurisdiction else unit.jurisdiction
        if home is None:
            return Scope(Reach.ALL)
        # The office of a deployment whose every jurisdiction lies within its own
        # (a single city) reads everything: no filter, as before jurisdictions
        # (one query, no id list).
        below_home = jurisdictions().filter(below(home.pk)).values("pk")
        if not jurisdictions().exclude(pk__in=below_home).exists():
            return Scope(Reach.ALL, jurisdiction=home)
        return Scope(Reach.ALL, jurisdiction=home, readable=subtree_ids(home))
    if roles.has_role(user, roles.VICE_MAYOR):
        mayor = ViceMayor.objects.filter(user=user).select_related("jurisdiction").first()
        if mayor is None:
            return Scope(Reach.NONE)
        return Scope(
            Reach.MAYOR,
            mayor=mayor,
            jurisdiction=mayor.jurisdiction,
            readable=frozenset([mayor.jurisdiction_id]),
        )
    unit = user_unit(user)
    if unit is not None and (
        roles.has_role(user, roles.CLERK) or roles.has_role(user, roles.UNIT_HEAD)
    ):
        home = unit if unit.is_jurisdiction else unit.jurisdiction
        return Scope(
            Reach.UNIT,
            unit=unit,
            jurisdiction=home,
            readable=frozenset([home.pk]) if home else frozenset(),
        )
    return Scope(Reach.NONE)


def readable_jurisdictions(user: User) -> frozenset[int] | None:
    """Ids of the jurisdictions whose programmes the user reads (None: all)."""
    return scope_for(user).readable


def can_read_jurisdiction(user: User, jurisdiction_id: int | None) -> bool:
    scope = scope_for(user)
    return scope.reach is not Reach.NONE and scope.reads(jurisdiction_id)


def page_jurisdiction(user: User, raw: str | None = None) -> Unit | None:
    """The jurisdiction whose programme a page shows: ``?j=<id>`` when the user
    reads it, else the user's own (a deployment administrator's: the home one).
    An id the user may not read is not an error: the page shows their own."""
    scope = scope_for(user)
    if raw:
        try:
            pk = int(str(raw).strip())
        except ValueError:
            pk = None
        if pk is not None and scope.reach is not Reach.NONE and scope.reads(pk):
            found = Unit.objects.jurisdictions().filter(pk=pk).first()
            if found is not None:
                return found
    if scope.jurisdiction is not None:
        return scope.jurisdiction
    return existing_home_jurisdiction()


def can_read_rollup(user: User, jurisdiction_id) -> bool:
    """The roll-up of the programmes below a jurisdiction: for readers of whole
    programmes (the office, administrators) who read that jurisdiction."""
    scope = scope_for(user)
    try:
        pk = int(jurisdiction_id)
    except (TypeError, ValueError):
        return False
    return (
        scope.reach is Reach.ALL
        and scope.reads(pk)
        and (scope.readable is not None or scope.jurisdiction is None or _under(scope, pk))
    )


def _under(scope: Scope, pk: int) -> bool:
    """Whether ``pk`` is the user's jurisdiction or one below it (a single-city
    office reads every programme without a filter, yet not a province's roll-up)."""
    assert scope.jurisdiction is not None
    return pk in subtree_ids(scope.jurisdiction)


def has_programmes_below(jurisdiction: Unit) -> bool:
    """Whether a jurisdiction directly below this one has a plan (one query)."""
    return PlanYear.objects.filter(jurisdiction__jurisdiction=jurisdiction).exists()


def writes_in(user: User, jurisdiction_id: int | None) -> bool:
    """Whether the user may decide (review, 督办, extensions) in that jurisdiction."""
    return scope_for(user).writes(jurisdiction_id)


def _unit_jurisdiction(user: User, unit_id: int) -> int | None:
    """The jurisdiction of a unit. Every unit's is read at the first question, in
    one query, and remembered on the user object for the request: a page asking
    about each of its rows runs one query, whatever the number of rows."""
    cache: dict[int, int | None] | None = user.__dict__.get("_zhucheng_unit_jurisdiction")
    if cache is None:
        cache = dict(Unit.objects.values_list("pk", "jurisdiction_id"))
        user.__dict__["_zhucheng_unit_jurisdiction"] = cache
    return cache.get(unit_id)


def decides_for_unit(user: User, unit_id: int | None) -> bool:
    """Whether the user's office decisions reach work of ``unit_id`` (a unit works
    in its jurisdiction's programme)."""
    scope = scope_for(user)
    if scope.jurisdiction is None:
        return scope.writes(None)
    if unit_id is None:
        return True
    return scope.writes(_unit_jurisdiction(user, unit_id))


def own_programme(user: User) -> Q:
    """Filter on units (``unit__jurisdiction``-relative lookups are the caller's)
    for the office's decisions: the user's own jurisdiction only."""
    scope = scope_for(user)
    if scope.jurisdiction is None:
        return Q() if scope.writes(None) else Q(pk__in=[])
    return Q(jurisdiction=scope.jurisdiction.pk)


def _prefixed(condition: Q, prefix: str) -> Q:
    """``condition`` (on a unit) seen from a related model through ``prefix``."""
    result = Q()
    result.connector, result.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            result.children.append(_prefixed(child, prefix))
        else:
            key, value = child  # type: ignore[misc]  # a (lookup, value) pair
            result.children.append((prefix + key, value))
    return result


def user_unit(user: User) -> Unit | None:
    """The unit the user works for, or None: one query per request, with the unit's
    jurisdiction (remembered on the user object, "none" included)."""
    if not user.is_authenticated:
        return None
    if _UNIT_CACHE in user.__dict__:
        return user.__dict__[_UNIT_CACHE]
    from responsibility.models import Membership

    membership = Membership.objects.filter(user=user).select_related("unit__jurisdiction").first()
    unit = membership.unit if membership is not None else None
    if membership is not None:
        user.membership = membership
    user.__dict__[_UNIT_CACHE] = unit
    return unit


_UNIT_CACHE = "_zhucheng_unit"


# --- Querysets the user may read ----------------------------------------------


def _in_readable(scope: Scope, queryset, path: str):
    """``queryset`` cut to the readable jurisdictions (``path``: the lookup from
    the model to the plan's jurisdiction id)."""
    if scope.readable is None:
        return queryset
    return queryset.filter(**{f"{path}__in": sorted(scope.readable)})


def visible_projects(user: User, queryset=None):
    queryset = Project.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.reach is Reach.ALL:
        return _in_readable(scope, queryset, "plan__jurisdiction")
    if scope.reach is Reach.MAYOR and scope.mayor is not None:
        return queryset.for_mayor(scope.mayor)
    if scope.reach is Reach.UNIT and scope.unit is not None:
        return queryset.for_unit(scope.unit)
    return queryset.none()


def visible_subitems(user: User, queryset=None):
    queryset = SubItem.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.reach is Reach.ALL:
        return _in_readable(scope, queryset, "project__plan__jurisdiction")
    if scope.reach is Reach.MAYOR and scope.mayor is not None:
        return queryset.for_mayor(scope.mayor)
    if scope.reach is Reach.UNIT and scope.unit is not None:
        return queryset.filter(project__in=Project.objects.for_unit(scope.unit).values("pk"))
    return queryset.none()


def visible_milestones(user: User, queryset=None):
    queryset = Milestone.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.reach is Reach.ALL:
        return _in_readable(scope, queryset, "project__plan__jurisdiction")
    if scope.reach is Reach.MAYOR and scope.mayor is not None:
        return queryset.for_mayor(scope.mayor)
    if scope.reach is Reach.UNIT and scope.unit is not None:
        return queryset.for_unit(scope.unit)
    return queryset.none()


def visible_indicators(user: User, queryset=None):
    """Indicators in the user's reach, counted like their milestones."""
    queryset = Indicator.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.reach is Reach.ALL:
        return _in_readable(scope, queryset, "project__plan__jurisdiction")
    if scope.reach is Reach.MAYOR and scope.mayor is not None:
        return queryset.for_mayor(scope.mayor)
    if scope.reach is Reach.UNIT and scope.unit is not None:
        return queryset.for_unit(scope.unit)
    return queryset.none()


def visible_reports(user: User, queryset=None):
    queryset = ProgressReport.objects.all() if queryset is None else queryset
    return queryset.filter(milestone__in=visible_milestones(user).values("pk"))


def visible_units(user: User, queryset=None):
    queryset = Unit.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.reach is Reach.ALL:
        return _in_readable(scope, queryset, "jurisdiction")
    if scope.reach is Reach.MAYOR and scope.mayor is not None:
        projects = Project.objects.for_mayor(scope.mayor)
        return queryset.filter(assignments__project__in=projects.values("pk")).distinct()
    if scope.reach is Reach.UNIT and scope.unit is not None:
        return queryset.filter(pk=scope.unit.pk)
    return queryset.none()


def visible_mayors(user: User, queryset=None):
    queryset = ViceMayor.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.reach is Reach.ALL:
        return _in_readable(scope, queryset, "jurisdiction")
    if scope.reach is Reach.MAYOR and scope.mayor is not None:
        return queryset.filter(pk=scope.mayor.pk)
    return queryset.none()


def milestone_units(user: User, queryset=None):
    """Units responsible for a milestone the user may read: the unit filter of the
    milestone list, which the dashboards' counts link to (a vice-mayor's counts
    include units that only carry a sub-item of the portfolio)."""
    queryset = Unit.objects.all() if queryset is None else queryset
    if scope_for(user).sees_all:
        return queryset
    return queryset.filter(pk__in=visible_milestones(user).values("unit"))


def milestone_mayors(user: User, queryset=None):
    """Vice-mayors supervising a milestone the user may read (whole project or
    sub-item, as ``for_mayor``): the vice-mayor filter of the milestone list."""
    queryset = ViceMayor.objects.all() if queryset is None else queryset
    if scope_for(user).sees_all:
        return queryset
    readable = visible_milestones(user)
    return queryset.filter(
        Q(pk__in=readable.values("project__mayor")) | Q(pk__in=readable.values("subitem__mayor"))
    )


# --- Fetch and authorise one object -------------------------------------------


def _get_or_404(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_project(user: User, pk, queryset=None) -> Project:
    return _get_or_404(visible_projects(user, queryset), pk)


def get_unit(user: User, pk, queryset=None) -> Unit:
    return _get_or_404(visible_units(user, queryset), pk)


def get_mayor(user: User, pk, queryset=None) -> ViceMayor:
    return _get_or_404(visible_mayors(user, queryset), pk)


def get_milestone(user: User, pk, *, for_report: bool = False, queryset=None) -> Milestone:
    """The milestone if the user may read it (404 otherwise).

    With ``for_report=True`` the user must also be a clerk of the milestone's
    unit (403 for readers who may not report).
    """
    milestone = _get_or_404(visible_milestones(user, queryset), pk)
    if for_report and not can_report(user, milestone):
        raise PermissionDenied
    return milestone


def can_report(user: User, milestone: Milestone) -> bool:
    """Clerks (and heads) of the milestone's unit may report on it."""
    unit = user_unit(user)
    return (
        unit is not None
        and unit.pk == milestone.unit_id
        and (roles.has_role(user, roles.CLERK) or roles.has_role(user, roles.UNIT_HEAD))
    )


def can_review(user: User) -> bool:
    """The mayor's office accepts and returns reports."""
    return roles.has_role(user, roles.REVIEWER) or roles.has_role(user, roles.ADMIN)


def is_unit_head(user: User, unit_id: int | None) -> bool:
    """Whether the user is a head (单位负责人) of the unit."""
    unit = user_unit(user)
    return unit is not None and unit.pk == unit_id and roles.has_role(user, roles.UNIT_HEAD)


def unit_has_head(unit_id: int) -> bool:
    """Whether the unit has an active head account (superusers hold every role)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, membership__unit_id=unit_id)
        .filter(Q(groups__name=roles.UNIT_HEAD) | Q(is_superuser=True))
        .exists()
    )


# --- Work list, review and reminders (issue 4) --------------------------------
#
# The review rules themselves (states, moves, who makes them) are data in
# projects.review; the functions below only tell it who the user is.


def head_approval_on() -> bool:
    """Whether reports pass the unit head (单位负责人) before the mayor's office."""
    from django.conf import settings

    return bool(getattr(settings, "ZHUCHENG_HEAD_APPROVAL", True))


def has_work_list(user: User) -> bool:
    """Clerks and heads of a unit have a work list (/my/)."""
    return scope_for(user).reach is Reach.UNIT


def review_stages(user: User, unit_id: int | None = None) -> frozenset[review.Stage]:
    """The review stages the user acts at: the office, and the head stage of their
    own unit when head approval is on (of ``unit_id`` when given)."""
    stages = set()
    if can_review(user) and decides_for_unit(user, unit_id):
        stages.add(review.Stage.OFFICE)
    if head_approval_on():
        unit = user_unit(user)
        if unit is not None and is_unit_head(user, unit.pk if unit_id is None else unit_id):
            stages.add(review.Stage.HEAD)
    return frozenset(stages)


def review_actor(user: User, report: ProgressReport) -> review.Actor:
    """The facts about the user and the report that the state machine decides on."""
    return review.Actor(
        stages=review_stages(user, report.milestone.unit_id),
        is_author=user.pk is not None and report.author_id == user.pk,
        approved_as_head=user.pk is not None and report.head_approved_by_id == user.pk,
    )


def can_open_review(user: User) -> bool:
    """The review page is for the mayor's office, and for unit heads when they approve."""
    return bool(review_stages(user))


def reports_to_review(user: User, queryset=None):
    """Reports waiting for this user's decision (403 for users with no review role).

    Exactly the reports for which :func:`review_actions` is not empty."""
    queryset = ProgressReport.objects.all() if queryset is None else queryset
    return _waiting_for_decision(user, queryset, author="author")


def _waiting_for_decision(user: User, queryset, *, author: str):
    """What waits for this user's decision along ``projects.review``, of a queryset
    of reports or extension requests (``author``: the field naming who wrote it);
    403 for users with no review role."""
    stages = review_stages(user)
    if not stages:
        raise PermissionDenied
    head_approval = head_approval_on()
    waiting = Q(pk__in=[])
    if review.Stage.OFFICE in stages:
        states = review.states_waiting_for(review.Stage.OFFICE, head_approval=head_approval)
        waiting |= (
            Q(review_state__in=states)
            & ~Q(head_approved_by=user)
            & _prefixed(own_programme(user), "milestone__unit__")
        )
    if review.Stage.HEAD in stages:
        states = review.states_waiting_for(review.Stage.HEAD, head_approval=head_approval)
        waiting |= Q(review_state__in=states, milestone__unit=user_unit(user))
    return queryset.filter(waiting).exclude(**{author: user})


def review_actions(user: User, report: ProgressReport) -> frozenset[review.Action]:
    """What the user may do with the report now (empty when nothing)."""
    return review.allowed_actions(
        report.review_state, review_actor(user, report), head_approval=head_approval_on()
    )


def review_refusal(
    user: User, report: ProgressReport, action: review.Action
) -> review.Refusal | None:
    """Why the user may not take ``action`` on the report now (None: they may)."""
    return review.refusal(
        report.review_state, action, review_actor(user, report), head_approval=head_approval_on()
    )


def get_report(user: User, pk, queryset=None) -> ProgressReport:
    """A report the user may read (that of a milestone they may read), else 404."""
    return _get_or_404(visible_reports(user, queryset), pk)


def get_report_for_review(user: User, pk, queryset=None) -> ProgressReport:
    """A report the user may read and holds a review role for, else 404 / 403.

    Whether the report's current state allows an action is for the caller to
    ask (:func:`review_actions`): a report already decided is not a 403.
    """
    report = get_report(user, pk, queryset)
    if not review_stages(user, report.milestone.unit_id):
        raise PermissionDenied
    return report


def get_evidence(user: User, pk):
    """An evidence file of a report on a milestone the user may read, else 404."""
    from projects.models import Evidence

    return _get_or_404(
        Evidence.objects.select_related("report").filter(
            report__milestone__in=visible_milestones(user).values("pk")
        ),
        pk,
    )


# --- 督办 (supervision items, issue 12) ------------------------------------------
#
# The loop itself (states, moves, which side takes each) is data in
# projects.supervision; the functions below only tell it who the user is.
# Readers: the office sees every item, a unit its own, a vice-mayor the items
# about milestones of the portfolio (read only).


def can_send_supervision(user: User) -> bool:
    """The mayor's office sends (交办) 督办单."""
    return can_review(user)


def can_send_supervision_on(user: User, milestone: Milestone) -> bool:
    """Whether the office may send a 督办单 about this milestone: one of its own
    jurisdiction's programme (the plan is loaded with the milestone's project)."""
    return can_send_supervision(user) and writes_in(user, milestone.project.plan.jurisdiction_id)


def supervision_sides(user: User, unit_id: int | None = None) -> frozenset[supervision.Side]:
    """The sides the user acts on for an item addressed to ``unit_id`` (for any
    item when None): the office, and the unit for its own clerks and head."""
    sides = set()
    if can_review(user) and decides_for_unit(user, unit_id):
        sides.add(supervision.Side.OFFICE)
    scope = scope_for(user)
    if (
        scope.reach is Reach.UNIT
        and scope.unit is not None
        and (unit_id is None or scope.unit.pk == unit_id)
    ):
        sides.add(supervision.Side.UNIT)
    return frozenset(sides)


def visible_supervisions(user: User, queryset=None):
    queryset = Supervision.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.reach is Reach.ALL:
        return _in_readable(scope, queryset, "plan__jurisdiction")
    if scope.reach is Reach.MAYOR and scope.mayor is not None:
        portfolio = Milestone.objects.for_mayor(scope.mayor).filter(supervisions=OuterRef("pk"))
        return queryset.filter(Exists(portfolio))
    if scope.reach is Reach.UNIT and scope.unit is not None:
        return queryset.for_unit(scope.unit)
    return queryset.none()


def has_supervision_inbox(user: User) -> bool:
    """Everyone who may read some part of the plan has the 督办 page."""
    return scope_for(user).reach is not Reach.NONE


def supervision_waiting(user: User, queryset=None):
    """The items waiting for this user's side: for a unit, to acknowledge or answer;
    for the office, answered and waiting to be closed (the navigation's count)."""
    queryset = Supervision.objects.all() if queryset is None else queryset
    waiting = Q(pk__in=[])
    for side in supervision_sides(user):
        states = sorted(supervision.WAITING[side])
        if side is supervision.Side.UNIT:
            waiting |= Q(state__in=states, unit=user_unit(user))
        else:
            waiting |= Q(state__in=states) & _prefixed(own_programme(user), "unit__")
    return queryset.filter(waiting)


def get_supervision(user: User, pk, queryset=None) -> Supervision:
    """A 督办单 the user may read, else 404."""
    return _get_or_404(visible_supervisions(user, queryset), pk)


def supervision_actions(user: User, item: Supervision) -> frozenset[supervision.Action]:
    """What the user may do with the item now (empty when nothing)."""
    return supervision.allowed_actions(item.state, supervision_sides(user, item.unit_id))


def may_act_on_supervision(user: User, item: Supervision, action: supervision.Action) -> bool:
    """Whether the user holds the side that takes ``action`` on this item, whatever
    its state (the state itself is the service's to check, under the lock)."""
    side, _sources, _target = supervision.MOVES[action]
    return side in supervision_sides(user, item.unit_id)


def get_supervision_file(user: User, pk) -> SupervisionFile:
    """A file of a 督办单's answer the user may read, else 404."""
    return _get_or_404(
        SupervisionFile.objects.select_related("supervision").filter(
            supervision__in=visible_supervisions(user).values("pk")
        ),
        pk,
    )


# --- Printed reports (issue 7; one rule with the pages, issue 16) --------------
#
# A document shows what the user's pages show. The annual report, the
# responsibility table and the progress bulletin cover the whole city for the
# mayor's office and administrators; a vice-mayor, whose pages show their
# portfolio, gets the same documents cut to the portfolio by the visible_*
# rules above (and titled 分管领域), never the city's. The assessment results
# inside them are the city's ranking, which a vice-mayor reads on the assessment
# pages too (responsibility.access). A unit's report card is the notice to that
# unit, about all its work: its own clerks and head and city-wide readers get it;
# a vice-mayor, whose pages show only the portfolio's part of a unit's work, does
# not (404, and no button). Everyone else gets 404 and sees no link.


@dataclasses.dataclass(frozen=True)
class Portion:
    """The part of the plan a printed document covers: the whole city (no user,
    as on the command line), or what ``user``'s pages show."""

    user: User | None = None

    @property
    def scope(self) -> Scope:
        return Scope(Reach.ALL) if self.user is None else scope_for(self.user)

    @property
    def whole_city(self) -> bool:
        return self.scope.sees_all

    @property
    def mayor(self) -> ViceMayor | None:
        return self.scope.mayor if self.scope.reach is Reach.MAYOR else None

    @property
    def key(self) -> str:
        """Names the portion in the PDF cache key; an office's names its
        jurisdiction (the programmes it reads), so two offices never share a file."""
        scope = self.scope
        if scope.sees_all:
            return "city"
        owner = scope.mayor or scope.unit or scope.jurisdiction
        return f"{scope.reach.value}:{owner.pk if owner else ''}"

    def projects(self, queryset):
        if self.user is None or self.whole_city:
            return queryset
        return visible_projects(self.user, queryset)

    def subitems(self, queryset):
        if self.user is None or self.whole_city:
            return queryset
        return visible_subitems(self.user, queryset)

    def milestones(self, queryset):
        if self.user is None or self.whole_city:
            return queryset
        return visible_milestones(self.user, queryset)


WHOLE_CITY = Portion()


def can_read_city_reports(user: User) -> bool:
    """The annual report, responsibility table and bulletin: the city's, or a
    vice-mayor's portfolio's."""
    return scope_for(user).reach in (Reach.ALL, Reach.MAYOR)


def check_city_reports(user: User) -> None:
    """404 for users who may not read the city-wide PDFs (they do not see the links)."""
    if not can_read_city_reports(user):
        raise Http404


def city_report_portion(user: User) -> Portion:
    """What the user's annual report, responsibility table and bulletin cover; 404
    for users who get none."""
    check_city_reports(user)
    return Portion(user)


def can_read_unit_report(user: User, unit: Unit) -> bool:
    """Whether the user gets ``unit``'s report card (see the rule above)."""
    scope = scope_for(user)
    if scope.reach is Reach.ALL:  # an office: the units of the programmes it reads
        return scope.reads(unit.jurisdiction_id)
    return scope.reach is Reach.UNIT and scope.unit is not None and scope.unit.pk == unit.pk


def get_report_unit(user: User, pk) -> Unit:
    """The unit whose report card the user may read, else 404."""
    unit = _get_or_404(Unit.objects.all(), pk)
    if not can_read_unit_report(user, unit):
        raise Http404
    return unit


# --- 延期申请 ------------------------------------------------------------------
#
# Deadline extension requests (issue 12) are decided along the same state machine
# as reports (projects.review): the functions below mirror those of reports. The
# rules of a request itself (before the due date, within the year...) are in
# projects.services.extensions.

from projects.models import DeadlineExtension  # noqa: E402 (kept with its section)


def can_request_extension(user: User, milestone: Milestone) -> bool:
    """Clerks and heads of the milestone's unit ask for its extension (whether one
    can be asked today: ``services.extensions.request_blockers``)."""
    return can_report(user, milestone)


def visible_extensions(user: User, queryset=None):
    """Requests on milestones the user may read."""
    queryset = DeadlineExtension.objects.all() if queryset is None else queryset
    return queryset.filter(milestone__in=visible_milestones(user).values("pk"))


def extension_actor(user: User, extension: DeadlineExtension) -> review.Actor:
    """The facts about the user and the request that the state machine decides on."""
    return review.Actor(
        stages=review_stages(user, extension.milestone.unit_id),
        is_author=user.pk is not None and extension.requested_by_id == user.pk,
        approved_as_head=user.pk is not None and extension.head_approved_by_id == user.pk,
    )


def extensions_to_review(user: User, queryset=None):
    """Requests waiting for this user's decision (403 for users with no review role).

    Exactly the requests for which :func:`extension_actions` is not empty."""
    queryset = DeadlineExtension.objects.all() if queryset is None else queryset
    return _waiting_for_decision(user, queryset, author="requested_by")


def extension_actions(user: User, extension: DeadlineExtension) -> frozenset[review.Action]:
    """What the user may do with the request now (empty when nothing)."""
    return review.allowed_actions(
        extension.review_state,
        extension_actor(user, extension),
        head_approval=head_approval_on(),
    )


def extension_refusal(
    user: User, extension: DeadlineExtension, action: review.Action
) -> review.Refusal | None:
    """Why the user may not take ``action`` on the request now (None: they may)."""
    return review.refusal(
        extension.review_state,
        action,
        extension_actor(user, extension),
        head_approval=head_approval_on(),
    )


def get_extension(user: User, pk, queryset=None) -> DeadlineExtension:
    """A request the user may read (one on a milestone they may read), else 404."""
    return _get_or_404(visible_extensions(user, queryset), pk)


def get_extension_for_review(user: User, pk, queryset=None) -> DeadlineExtension:
    """A request the user may read and holds a review role for, else 404 / 403.

    Whether its current state allows an action is for the caller to ask
    (:func:`extension_actions`): a request already decided is not a 403."""
    extension = get_extension(user, pk, queryset)
    if not review_stages(user, extension.milestone.unit_id):
        raise PermissionDenied
    return extension


# --- The header search (issue 14) ---------------------------------------------
#
# Projects, sub-items and milestones are found only within the reader's reach
# (the visible_* querysets above). Units, persons and vice-mayors are also found
# when they are named on a project or sub-item the reader may open (its page
# shows them), but lead to their own page only when the reader may open it
# (visible_units, visible_mayors).


def findable_subitems(user: User, queryset=None):
    """Sub-items the search finds: those the user may read, and for a unit's
    clerks and head only their own unit's (as their milestones: another unit's
    sub-item of a shared project is on the project's page, not in their search)."""
    queryset = visible_subitems(user, queryset)
    scope = scope_for(user)
    if scope.reach is Reach.UNIT and scope.unit is not None:
        return queryset.for_unit(scope.unit)
    return queryset


def findable_units(user: User, queryset=None):
    """Units the user may read, and those named on a project or sub-item they may read."""
    queryset = Unit.objects.all() if queryset is None else queryset
    if scope_for(user).sees_all:
        return queryset
    projects = visible_projects(user).values("pk")
    return queryset.filter(
        Q(pk__in=visible_units(user).values("pk"))
        | Exists(ProjectUnit.objects.filter(unit=OuterRef("pk"), project__in=projects))
        | Exists(visible_subitems(user).filter(unit=OuterRef("pk")))
    )


def findable_persons(user: User, queryset=None):
    """Persons of the units the user may read, and the responsible persons named on
    a project or sub-item they may read."""
    queryset = Person.objects.all() if queryset is None else queryset
    if scope_for(user).sees_all:
        return queryset
    projects = visible_projects(user).values("pk")
    return queryset.filter(
        Q(unit__in=visible_units(user).values("pk"))
        | Exists(ProjectUnit.objects.filter(person=OuterRef("pk"), project__in=projects))
        | Exists(visible_subitems(user).filter(person=OuterRef("pk")))
    )


def findable_mayors(user: User, queryset=None):
    """Vice-mayors the user may read, and those supervising a project or sub-item
    they may read."""
    queryset = ViceMayor.objects.all() if queryset is None else queryset
    if scope_for(user).sees_all:
        return queryset
    return queryset.filter(
        Q(pk__in=visible_mayors(user).values("pk"))
        | Exists(visible_projects(user).filter(mayor=OuterRef("pk")))
        | Exists(visible_subitems(user).filter(mayor=OuterRef("pk")))
    )


# --- What a page may link (issue 14) -------------------------------------------
#
# Pages link only what their reader may open: a name the reader may not open is
# plain text. The reader's reach is computed once per request (cached on the user
# object, like the Scope) and each object is then decided in Python: one query
# per kind of object the page asks about, none for readers who see everything.


class Openable:
    """What ``user`` may open, by kind; see :func:`openable`."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.scope = scope_for(user)
        self._ids: dict[str, frozenset[int]] = {}

    def _in(self, kind: str, pk, queryset_of) -> bool:
        if pk is None or pk == "":
            return False
        if self.scope.sees_all:
            return True
        if self.scope.reach is Reach.NONE:
            return False
        ids = self._ids.get(kind)
        if ids is None:
            ids = frozenset(queryset_of(self.user).values_list("pk", flat=True))
            self._ids[kind] = ids
        try:
            return int(pk) in ids
        except (TypeError, ValueError):
            return False

    def unit(self, pk) -> bool:
        if self.scope.reach is Reach.UNIT and self.scope.unit is not None:
            return str(pk) == str(self.scope.unit.pk)
        return self._in("unit", pk, visible_units)

    def mayor(self, pk) -> bool:
        if self.scope.reach is Reach.MAYOR and self.scope.mayor is not None:
            return str(pk) == str(self.scope.mayor.pk)
        return self._in("mayor", pk, visible_mayors)

    def project(self, pk) -> bool:
        return self._in("project", pk, visible_projects)

    def milestone(self, pk) -> bool:
        return self._in("milestone", pk, visible_milestones)

    def supervision(self, pk) -> bool:
        return self._in("supervision", pk, visible_supervisions)

    def extension(self, pk) -> bool:
        return self._in("extension", pk, visible_extensions)

    @property
    def review(self) -> bool:
        return can_open_review(self.user)

    @property
    def my_work(self) -> bool:
        return has_work_list(self.user)


_OPENABLE_CACHE = "_zhucheng_openable"


def openable(user: User) -> Openable:
    """The user's :class:`Openable`, cached on the user object for the request."""
    cached: Openable | None = getattr(user, _OPENABLE_CACHE, None)
    if cached is not None:
        return cached
    result = Openable(user)
    if user.is_authenticated:
        setattr(user, _OPENABLE_CACHE, result)
    return result


def _pk(obj) -> object:
    return getattr(obj, "pk", obj)


def can_open_unit(user: User, unit) -> bool:
    """Whether ``/units/<pk>/`` opens for the user (``unit``: a Unit or its pk)."""
    return openable(user).unit(_pk(unit))


def can_open_mayor(user: User, mayor) -> bool:
    """Whether ``/mayors/<pk>/`` opens for the user."""
    return openable(user).mayor(_pk(mayor))


def can_open_project(user: User, project) -> bool:
    """Whether ``/projects/<pk>/`` opens for the user."""
    return openable(user).project(_pk(project))


def can_open_milestone(user: User, milestone) -> bool:
    """Whether ``/milestones/<pk>/`` opens for the user."""
    return openable(user).milestone(_pk(milestone))


def can_open_supervision(user: User, item) -> bool:
    """Whether ``/supervision/<pk>/`` opens for the user."""
    return openable(user).supervision(_pk(item))


def can_open_extension(user: User, extension) -> bool:
    """Whether ``/extensions/<pk>/`` opens for the user."""
    return openable(user).extension(_pk(extension))
