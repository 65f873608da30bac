"""The dashboard figures: where a year's projects stand, for the city, one unit
or one vice-mayor, as seen by one user, as of a date.

This is the one read layer for these figures. :func:`dashboard_for` is the
selector behind ``/``, ``/units/<id>/`` and ``/mayors/<id>/``;
:func:`year_figures` is the same computation without permission scoping, for
the printed documents (``documents``), whose callers decide who may read them;
:func:`unit_ranking` and :func:`milestone_lists` are its parts that the
documents also need on their own. It runs a fixed number of queries whatever
the size of the year (aggregates and annotations, never a loop over related
managers):

1. the projects in scope, annotated with milestone counts, lead unit and
   sub-item / indicator counts;
2. one aggregate over the milestones in scope (headline figures and the trend);
3. every unit with a part in scope, with its milestone counts (city and
   vice-mayor views);
4. milestone counts per (project, vice-mayor) (city view);
5. the milestones listed by name: overdue, falling due soon and done late (one
   query, see :func:`milestone_lists`), 6. recent reports.

"As of" a date: a milestone counts as done when its done date is on or before
that date (on time, or late when after its due date), red when it was due
before that date and not done by then, amber when it falls due within the
warning window after it (``projects.status``). The pages use today;
the bulletin takes the date it is asked for, so a bulletin for a past date
shows what was late then.

Permission scoping goes through :mod:`projects.access`; this module only
narrows what the user may read.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections import defaultdict

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from common import clock
from common.ranking import competition_ranks
from projects import access, charts, review, status
from projects.models import (
    Category,
    Indicator,
    Milestone,
    MilestoneQuerySet,
    PlanYear,
    ProgressMixin,
    ProgressReport,
    Project,
    ProjectUnit,
    SubItem,
)
from projects.status import Colour, CountsColour, percent_done
from responsibility.models import Unit, ViceMayor

DUE_SOON_DAYS = 14
LIST_LIMIT = 20  # overdue / due-soon milestones shown; the totals are always exact
REPORT_LIMIT = 10
PROJECT_ROWS = 50  # more than this (synthetic data) → the rows needing most attention
UNIT_ROWS = 30
MAYOR_CARDS = 12  # more vice-mayors than this (a province): the first cards, and a link to all


def plan_years(jurisdiction: Unit | None = None) -> list[int]:
    """Years that have a plan of ``jurisdiction`` (of any, when None), newest first
    (one query)."""
    plans = PlanYear.objects.all()
    if jurisdiction is not None:
        plans = plans.filter(jurisdiction=jurisdiction)
    return list(plans.order_by("-year").values_list("year", flat=True).distinct())


def pick_plan(
    raw: str | None, today: dt.date | None = None, *, jurisdiction: Unit | None = None
) -> tuple[PlanYear | None, list[int]]:
    """The plan of ``jurisdiction`` asked for by ``?year=`` (see :func:`pick_year`)
    and the years that have one, in one query."""
    plans = PlanYear.objects.order_by("-year")
    if jurisdiction is not None:
        plans = plans.filter(jurisdiction=jurisdiction)
    by_year = {p.year: p for p in plans}
    year = pick_year(raw, list(by_year), today)
    return (by_year.get(year) if year is not None else None), list(by_year)


def pick_year(raw: str | None, years: list[int], today: dt.date | None = None) -> int | None:
    """The year asked for when it has a plan; else this year if planned; else the latest."""
    today = today or clock.today()
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        year = None
    if year in years:
        return year
    if today.year in years:
        return today.year
    return years[0] if years else None


# --- Counting milestones as of a date ---------------------------------------------
# The one place the dashboard and the documents state the status rule in SQL
# (the boundaries of ``projects.status.milestone_colour``, as of ``as_of``).


@dataclasses.dataclass(frozen=True)
class AsOf:
    """The status rule's filters (``projects.status``) as of a date, with the
    warning window after it."""

    date: dt.date
    window: int

    @property
    def done(self) -> Q:
        return status.done_by_q(self.date)

    @property
    def open(self) -> Q:
        return status.open_q(self.date)

    @property
    def due(self) -> Q:
        return status.due_by_q(self.date)

    @property
    def red(self) -> Q:
        return status.red_q(self.date)

    @property
    def amber(self) -> Q:
        return status.amber_q(self.date, self.window)

    @property
    def late(self) -> Q:
        return status.late_q(self.date)

    def due_soon(self, days: int) -> Q:
        """Open and due from the date to ``days`` days after it (inclusive)."""
        return status.amber_q(self.date, days)


def milestone_figures(as_of: dt.date, window: int) -> dict[str, Count]:
    """Aggregates of a milestone queryset as of ``as_of``: one per
    :data:`projects.status.COUNT_NAMES` (``total``, ``done``, ``due``,
    ``due_on_time``, ``red``, ``amber``, ``late``) and ``due_done`` (of the
    milestones due, those done, on time or late). For ``.aggregate()`` or a
    grouped ``.values(...).annotate()`` (the documents' per-sub-item figures)."""
    on = AsOf(as_of, window)
    return {
        **{
            name: Count("pk", filter=condition)
            for name, condition in status.count_conditions(as_of, window).items()
        },
        "due_done": Count("pk", filter=on.due & on.done),
    }


def add_counts(row: CountsColour, counts) -> None:
    """Add to ``row`` (a :class:`GroupRow` or the documents' figures) the
    milestone counts of ``counts``: a dict of :func:`milestone_figures`, or a
    project with ``ms_`` annotations."""
    for name in status.COUNT_NAMES:
        value = counts[name] if isinstance(counts, dict) else getattr(counts, f"ms_{name}")
        setattr(row, name, getattr(row, name) + value)


def same_day_last_year(day: dt.date) -> dt.date:
    """The same date a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclasses.dataclass(frozen=True)
class LastYear:
    """The headline's comparable figures of the year before, as of the same date a
    year earlier (``as_of``), in the same scope, counted by the same rules."""

    year: int
    as_of: dt.date
    total: int
    done: int
    due: int
    due_on_time: int
    overdue: int  # red: due, not done (逾期未完成)

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)

    @property
    def on_time_percent(self) -> int | None:
        return status.on_time_percent(self.due_on_time, self.due)


@dataclasses.dataclass
class Headline:
    projects: int = 0
    subitems: int = 0
    ms_total: int = 0
    ms_done: int = 0
    ms_due: int = 0  # due on or before today
    ms_due_done: int = 0  # of those, done
    ms_due_on_time: int = 0  # of those, done by their due date (按期完成)
    ms_overdue: int = 0  # red: due, not done (逾期未完成)
    ms_late: int = 0  # done after their due date (逾期完成)
    ms_amber: int = 0  # due within the warning window
    ms_due_soon: int = 0  # open, due within DUE_SOON_DAYS
    ind_total: int = 0  # every indicator in scope
    ind_assessed: int = 0  # indicators with an actual value that can be compared
    ind_met: int = 0
    # Projects by colour, best first: green, late, amber, red.
    colour_counts: dict[str, int] = dataclasses.field(
        default_factory=lambda: {colour.css: 0 for colour in Colour}
    )
    # The year before as of the same date (pages only); None when it had no
    # milestone in scope (no plan, or no part in it).
    last: LastYear | None = None

    @property
    def percent(self) -> int:
        return percent_done(self.ms_done, self.ms_total)

    @property
    def due_percent(self) -> int:
        """Share of the milestones due to date that are done."""
        return percent_done(self.ms_due_done, self.ms_due)

    @property
    def on_time_percent(self) -> int | None:
        """按期完成率: share of the milestones due to date done by their due date;
        None when nothing is due yet."""
        return status.on_time_percent(self.ms_due_on_time, self.ms_due)


@dataclasses.dataclass
class GroupRow(CountsColour):
    """Milestone counts of a unit, a vice-mayor or a category (one per
    :data:`projects.status.COUNT_NAMES`)."""

    pk: int | str | None
    name: str
    total: int = 0
    done: int = 0
    due: int = 0  # milestones due on or before the date
    due_on_time: int = 0  # of those, done by their due date
    red: int = 0
    amber: int = 0
    late: int = 0  # done after their due date
    projects: int = 0
    rank: int | None = None


@dataclasses.dataclass
class UnitRow(GroupRow):
    """A unit's line of the ranking. ``projects`` are those it is responsible
    for or carries a sub-item of (``Project.objects.for_unit``); ``rank`` is
    None for a unit with no milestones (nothing to rank it by)."""

    pk: int
    display_name: str = ""
    order: int = 0  # the unit's place in the org chart
    lead_projects: int = 0
    due_done: int = 0  # of the milestones due, those done by then (on time or late)

    @property
    def figures(self) -> tuple[int, int, int, int, int, int, int, int]:
        """(total, done, due, due done, due on time, late, red, amber): what an
        assessment result stores (``AssessmentResult.milestone_figures``)."""
        return (
            self.total,
            self.done,
            self.due,
            self.due_done,
            self.due_on_time,
            self.late,
            self.red,
            self.amber,
        )

    @property
    def due_percent(self) -> int:
        return percent_done(self.due_done, self.due)


@dataclasses.dataclass
class TrendPoint:
    month: int
    due: int
    due_done: int
    total: int
    done: int

    @property
    def label(self) -> str:
        return _("%(m)s月") % {"m": self.month}

    @property
    def due_percent(self) -> int | None:
        return percent_done(self.due_done, self.due) if self.due else None

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)


@dataclasses.dataclass
class Dashboard:
    year: int | None
    today: dt.date  # the "as of" date of every figure
    plan: PlanYear | None
    headline: Headline
    projects: list[Project]  # rows shown (see PROJECT_ROWS)
    projects_total: int
    categories: list[GroupRow]
    trend: list[TrendPoint]  # the months up to today
    units: list[UnitRow] | None  # ranked; None on a unit's own page
    mayors: list[GroupRow] | None  # None on unit and vice-mayor pages
    overdue: list[Milestone]
    due_soon: list[Milestone]
    reports: list[ProgressReport]
    late: list[Milestone] = dataclasses.field(default_factory=list)  # done late
    unit: Unit | None = None
    mayor: ViceMayor | None = None
    due_soon_days: int = DUE_SOON_DAYS
    warning_days: int = 7
    project_rows: list[Project] = dataclasses.field(default_factory=list)  # every project
    idle_units: list[UnitRow] = dataclasses.field(default_factory=list)  # a part, no milestone
    due_by_month: list[int] = dataclasses.field(default_factory=list)  # cumulative, Jan–Dec

    @property
    def projects_truncated(self) -> bool:
        return self.projects_total > len(self.projects)

    @property
    def units_shown(self) -> list[UnitRow]:
        return (self.units or [])[:UNIT_ROWS]

    @property
    def mayors_shown(self) -> list[GroupRow]:
        return (self.mayors or [])[:MAYOR_CARDS]

    # Charts, shared with the PDFs.

    def status_chart(self) -> SafeString:
        return charts.stacked_status_bar(
            self.headline.colour_counts, title=_("项目状态（按项目计）")
        )

    def category_chart(self) -> SafeString:
        return charts.bar_chart(
            [(row.name, row.percent) for row in self.categories],
            title=_("各类别进度节点完成率"),
        )

    def unit_chart(self) -> SafeString:
        return charts.bar_chart(
            [(row.name, row.percent) for row in self.units_shown],
            title=_("各单位进度节点完成率"),
        )

    def trend_chart(self) -> SafeString:
        return charts.line_chart(
            [
                (_("到期节点完成率"), [(p.label, p.due_percent) for p in self.trend]),
                (_("全年节点完成率"), [(p.label, p.percent) for p in self.trend]),
            ],
            title=_("%(year)s年进度趋势（按月累计）") % {"year": self.year},
        )


def dashboard_for(
    user,
    *,
    year: int | None = None,
    plan: PlanYear | None = None,
    unit: Unit | None = None,
    mayor: ViceMayor | None = None,
    today: dt.date | None = None,
) -> Dashboard:
    """The figures of ``year`` that ``user`` may read, for the city or narrowed
    to one unit's or one vice-mayor's work."""
    if plan is None and year:
        plan = PlanYear.objects.filter(
            year=year, jurisdiction=access.page_jurisdiction(user)
        ).first()
    return _dashboard(
        plan, year, user=user, unit=unit, mayor=mayor, as_of=today, lists=True, last_year=True
    )


def year_figures(
    plan: PlanYear,
    *,
    as_of: dt.date | None = None,
    unit: Unit | None = None,
    mayor: ViceMayor | None = None,
) -> Dashboard:
    """The dashboard's figures of ``plan`` as of ``as_of`` (today when left out),
    for the whole city, one unit or one vice-mayor's portfolio (what
    ``/mayors/<id>/`` shows), with **no permission scoping**: for the
    printed documents, whose callers check who may read them.

    The same computation as :func:`dashboard_for` (same dataclasses); the
    milestone lists and recent reports are left empty (see :func:`milestone_lists`).
    """
    return _dashboard(
        plan,
        plan.year,
        user=None,
        unit=unit,
        mayor=mayor,
        as_of=as_of,
        lists=False,
        last_year=False,
        every_project=True,
    )


def mayor_rows(user, *, plan: PlanYear, today: dt.date | None = None) -> list[GroupRow]:
    """Every vice-mayor's portfolio in ``plan`` as ``user`` may read it, in the org
    chart's order: the cards of ``/``, all of them (``/mayors/``). One query."""
    on = AsOf(today or clock.today(), clock.warning_days())
    milestones = _scoped_milestones(
        Milestone.objects.filter(project__plan=plan), user=user, unit=None, mayor=None
    )
    return _mayors(_mayor_groups(milestones, on))


def unit_ranking(
    plan: PlanYear,
    *,
    as_of: dt.date | None = None,
    milestones: QuerySet[Milestone] | None = None,
    projects: QuerySet[Project] | None = None,
) -> list[UnitRow]:
    """Every unit with a part in the year (or in the given milestones and
    projects of it), ranked by completion as of ``as_of`` (units without
    milestones last, unranked). No permission scoping."""
    on = AsOf(as_of or clock.today(), clock.warning_days())
    if milestones is None:
        milestones = Milestone.objects.filter(project__plan=plan)
    if projects is None:
        projects = Project.objects.filter(plan=plan)
    ranked, idle = _units(_unit_groups(milestones, on), _participation(projects))
    return ranked + idle


@dataclasses.dataclass
class MilestoneLists:
    """The milestones a page or document lists by name, as of a date, each
    oldest first (by due date, then project): ``overdue`` (逾期未完成,
    ``days_overdue`` set), ``due_soon`` (open and falling due within the days
    asked for, ``days_left`` set) and ``late`` (finished late, 逾期完成,
    ``late_days`` set); each with ``in_review`` (its newest report waits for
    a decision: the 待审核 badge)."""

    overdue: list[Milestone]
    due_soon: list[Milestone]
    late: list[Milestone]


LIST_ORDER = ("due_date", "project__number", "pk")


def milestone_lists(
    milestones: QuerySet[Milestone],
    *,
    as_of: dt.date,
    days: int,
    limit: int | None = None,
    late: bool = True,
) -> MilestoneLists:
    """The :class:`MilestoneLists` of ``milestones``, in one query. With
    ``limit``, at most that many of each list (the oldest), numbered per list in
    a subquery (``ROW_NUMBER() OVER (PARTITION BY …)``); without, all of them.
    ``late=False`` leaves the late ones out."""
    on = AsOf(as_of, days)
    red, soon = on.red, on.due_soon(days)
    kinds = [When(red, then=Value(0)), When(soon, then=Value(1))]
    wanted = red | soon
    if late:
        kinds.append(When(on.late, then=Value(2)))
        wanted |= on.late
    kind = Case(*kinds, output_field=IntegerField())
    newest = ProgressReport.objects.filter(milestone=OuterRef("pk")).order_by("-created_at", "-pk")
    rows = (
        milestones.filter(wanted)
        .annotate(list_kind=kind, latest_review=Subquery(newest.values("review_state")[:1]))
        .select_related("project", "subitem", "unit")
        .order_by("list_kind", *LIST_ORDER)
    )
    if limit is not None:
        # Numbered on the narrow rows (ids and sort keys) in a subquery; only the
        # rows kept are joined and read (sorting every joined row spilled to disk
        # at province size).
        picked = (
            milestones.filter(wanted)
            .order_by()
            .annotate(
                place=Window(
                    RowNumber(),
                    partition_by=[kind],
                    order_by=[F(name).asc() for name in LIST_ORDER],
                )
            )
            .filter(place__lte=limit)
            .values("pk")
        )
        rows = rows.filter(pk__in=picked)
    lists = MilestoneLists([], [], [])
    for m in rows:
        m.in_review = m.latest_review in review.OPEN_STATES  # type: ignore[attr-defined]  # 待审核 badge
        if m.list_kind == 0:
            m.days_overdue = m.days_late(as_of)  # type: ignore[attr-defined]  # for templates
            lists.overdue.append(m)
        elif m.list_kind == 1:
            m.days_left = (m.due_date - as_of).days  # type: ignore[attr-defined]  # for templates
            lists.due_soon.append(m)
        else:
            m.late_days = m.days_late(as_of)  # type: ignore[attr-defined]  # for templates
            lists.late.append(m)
    return lists


def open_milestones(
    milestones: QuerySet[Milestone],
    *,
    as_of: dt.date,
    days: int,
    limit: int | None = None,
) -> tuple[list[Milestone], list[Milestone]]:
    """The overdue and due-soon lists of :func:`milestone_lists` (one query)."""
    lists = milestone_lists(milestones, as_of=as_of, days=days, limit=limit, late=False)
    return lists.overdue, lists.due_soon


def _dashboard(
    plan: PlanYear | None,
    year: int | None,
    *,
    user,
    unit: Unit | None,
    mayor: ViceMayor | None,
    as_of: dt.date | None,
    lists: bool,
    last_year: bool,
    every_project: bool = False,
) -> Dashboard:
    """Build a dashboard. ``user`` None: no permission scoping (documents only);
    ``last_year``: the headline's figures of the year before too (one query);
    ``every_project``: ``project_rows`` holds every project in scope (the printed
    documents), else only the rows shown."""
    today = as_of or clock.today()
    window = clock.warning_days()
    if plan is None:
        return Dashboard(
            year=year,
            today=today,
            plan=None,
            headline=Headline(),
            projects=[],
            projects_total=0,
            categories=[],
            trend=[],
            units=None if unit else [],
            mayors=None if (unit or mayor) else [],
            overdue=[],
            due_soon=[],
            reports=[],
            unit=unit,
            mayor=mayor,
            warning_days=window,
        )
    on = AsOf(today, window)

    milestones = _scoped_milestones(
        Milestone.objects.filter(project__plan=plan), user=user, unit=unit, mayor=mayor
    )
    projects = Project.objects.filter(plan=plan)
    if user is not None:
        projects = access.visible_projects(user, projects)
    subitems = SubItem.objects.filter(project__plan=plan)
    indicators = Indicator.objects.filter(project__plan=plan)
    if unit is not None:
        projects = projects.for_unit(unit)
        subitems = subitems.filter(unit=unit)
        indicators = indicators.for_unit(unit)
    if mayor is not None:
        projects = projects.for_mayor(mayor)
        subitems = subitems.for_mayor(mayor)
        indicators = indicators.for_mayor(mayor)
    if user is not None:
        subitems = access.visible_subitems(user, subitems)
        indicators = access.visible_indicators(user, indicators)

    rows = _project_counts(projects, subitems, indicators, milestones, on)
    headline, trend, due_by_month = _headline_and_trend(milestones, rows, plan.year, on)
    if last_year:
        before = Milestone.objects.filter(
            project__plan__year=plan.year - 1, project__plan__jurisdiction=plan.jurisdiction_id
        )
        headline.last = _last_year(
            _scoped_milestones(before, user=user, unit=unit, mayor=mayor), plan.year - 1, on
        )
    categories = _categories(rows)

    units: list[UnitRow] | None = None
    idle_units: list[UnitRow] = []
    mayors: list[GroupRow] | None = None
    if unit is None:
        units, idle_units = _units(_unit_groups(milestones, on), _participation(projects))
        if mayor is None and lists:
            mayors = _mayors(_mayor_groups(milestones, on))

    shown = rows
    if len(rows) > PROJECT_ROWS:
        shown = sorted(rows, key=lambda p: (-p.colour, p.percent, p.number))[:PROJECT_ROWS]
    shown_projects = _project_objects(shown, projects)
    all_projects = shown_projects
    if every_project and shown is not rows:
        all_projects = _project_objects(rows, projects)

    overdue: list[Milestone] = []
    due_soon: list[Milestone] = []
    late: list[Milestone] = []
    reports: list[ProgressReport] = []
    if lists:
        named = milestone_lists(milestones, as_of=today, days=DUE_SOON_DAYS, limit=LIST_LIMIT)
        overdue, due_soon, late = named.overdue, named.due_soon, named.late
        reports = list(
            ProgressReport.objects.filter(milestone__in=milestones.values("pk"))
            .select_related("milestone__project", "milestone__unit", "author")
            .order_by("-created_at", "-pk")[:REPORT_LIMIT]
        )
    return Dashboard(
        year=plan.year,
        today=today,
        plan=plan,
        headline=headline,
        projects=shown_projects,
        projects_total=len(rows),
        categories=categories,
        trend=trend,
        units=units,
        mayors=mayors,
        overdue=overdue,
        due_soon=due_soon,
        reports=reports,
        late=late,
        unit=unit,
        mayor=mayor,
        warning_days=window,
        project_rows=all_projects,
        idle_units=idle_units,
        due_by_month=due_by_month,
    )


def _scoped_milestones(
    milestones: MilestoneQuerySet, *, user, unit: Unit | None, mayor: ViceMayor | None
) -> MilestoneQuerySet:
    """``milestones`` narrowed to what ``user`` may read (None: no scoping), then to
    one unit's or one vice-mayor's part: the scope of every figure of a page."""
    if user is not None:
        milestones = access.visible_milestones(user, milestones)
    if unit is not None:
        milestones = milestones.filter(unit=unit)
    if mayor is not None:
        milestones = milestones.for_mayor(mayor)
    return milestones


def _last_year(milestones: QuerySet[Milestone], year: int, on: AsOf) -> LastYear | None:
    """The headline's figures of ``milestones`` (the year before, in scope) as of the
    same date a year earlier: one aggregate query. None when there are none."""
    day = same_day_last_year(on.date)
    figures = milestones.aggregate(**milestone_figures(day, on.window))
    if not figures["total"]:
        return None
    return LastYear(
        year=year,
        as_of=day,
        total=figures["total"],
        done=figures["done"],
        due=figures["due"],
        due_on_time=figures["due_on_time"],
        overdue=figures["red"],
    )


@dataclasses.dataclass
class ProjectCounts(ProgressMixin):
    """One project's figures in scope, before its row is fetched: the milestone
    counts (``ms_<count>``, :data:`projects.status.COUNT_NAMES`), its sub-items and
    indicators (``n_...``) in the same scope."""

    pk: int
    number: int
    category: str
    ms_total: int = 0
    ms_done: int = 0
    ms_due: int = 0
    ms_due_on_time: int = 0
    ms_red: int = 0
    ms_amber: int = 0
    ms_late: int = 0
    n_subitems: int = 0
    n_indicators: int = 0
    n_assessed: int = 0
    n_met: int = 0


def _project_counts(projects, subitems, indicators, milestones, on: AsOf) -> list[ProjectCounts]:
    """The figures of every project in scope, by number: four queries whatever the
    number of projects (the projects' keys; then milestones, sub-items and
    indicators each in one GROUP BY project), so a page can count every project
    and fetch only the rows it shows (:func:`_project_objects`).

    Counts are *in the same scope* as the page: a unit's page counts that unit's
    part of a shared project, as its headline does."""
    rows = [
        ProjectCounts(pk=pk, number=number, category=category)
        for pk, number, category in projects.order_by("number").values_list(
            "pk", "number", "category"
        )
    ]
    if not rows:
        return rows
    by_pk = {row.pk: row for row in rows}
    names = [f"ms_{name}" for name in status.COUNT_NAMES]
    for project, *values in (
        milestones.order_by()
        .values("project")
        .annotate(**milestone_figures(on.date, on.window))
        .values_list("project", *status.COUNT_NAMES)
    ):
        row = by_pk.get(project)
        if row is not None:
            for name, value in zip(names, values, strict=True):
                setattr(row, name, value)
    for project, n in (
        subitems.order_by().values("project").annotate(n=Count("pk")).values_list("project", "n")
    ):
        if project in by_pk:
            by_pk[project].n_subitems = n
    met, assessed = status.indicator_met_q(), status.indicator_assessed_q()
    for project, total, n_assessed, n_met in (
        indicators.order_by()
        .values("project")
        .annotate(
            total=Count("pk"),
            assessed=Count("pk", filter=assessed),
            met=Count("pk", filter=met),
        )
        .values_list("project", "total", "assessed", "met")
    ):
        row = by_pk.get(project)
        if row is not None:
            row.n_indicators, row.n_assessed, row.n_met = total, n_assessed, n_met
    return rows


def _project_objects(rows: list[ProjectCounts], projects) -> list[Project]:
    """The projects of ``rows``, in their order, with their figures and lead unit
    (``lead_unit_id``, ``lead_unit_name``): one query for as many rows as shown."""
    if not rows:
        return []
    lead = ProjectUnit.objects.filter(project=OuterRef("pk"), is_lead=True).order_by()
    fetched = (
        projects.filter(pk__in=[row.pk for row in rows])
        .select_related("mayor")
        .annotate(
            lead_unit_name=Subquery(lead.values("unit__name")[:1]),
            lead_unit_id=Subquery(lead.values("unit_id")[:1]),
        )
        .in_bulk()
    )
    objects = []
    for row in rows:
        project = fetched[row.pk]
        for field in dataclasses.fields(ProjectCounts):
            if field.name.startswith(("ms_", "n_")):
                setattr(project, field.name, getattr(row, field.name))
        objects.append(project)
    return objects


def _month_ends(year: int, today: dt.date) -> list[tuple[int, dt.date]]:
    """(month, cut-off day) for the months of ``year`` up to today: month ends,
    and today itself for the current month."""
    ends = []
    for month in range(1, 13):
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        if end > today:
            if dt.date(year, month, 1) <= today:
                ends.append((month, today))
            break
        ends.append((month, end))
    return ends


def _headline_and_trend(milestones, rows: list[ProjectCounts], year, on: AsOf):
    """Headline figures, the monthly trend up to the date and the planned
    (cumulative due) curve of the whole year, from one aggregate query."""
    ends = _month_ends(year, on.date)
    trend_counts = {}
    for month, end in ends:
        due, done = status.due_by_q(end), status.done_by_q(end)
        trend_counts[f"m{month}_due"] = Count("pk", filter=due)
        trend_counts[f"m{month}_due_done"] = Count("pk", filter=due & done)
        trend_counts[f"m{month}_done"] = Count("pk", filter=done)
    for month in range(1, 13):
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        trend_counts[f"p{month}_due"] = Count("pk", filter=status.due_by_q(end))
    figures = milestones.aggregate(
        **milestone_figures(on.date, on.window),
        soon=Count("pk", filter=on.due_soon(DUE_SOON_DAYS)),
        **trend_counts,
    )
    headline = Headline(
        projects=len(rows),
        subitems=sum(p.n_subitems for p in rows),
        ms_total=figures["total"],
        ms_done=figures["done"],
        ms_due=figures["due"],
        ms_due_done=figures["due_done"],
        ms_due_on_time=figures["due_on_time"],
        ms_overdue=figures["red"],
        ms_late=figures["late"],
        ms_amber=figures["amber"],
        ms_due_soon=figures["soon"],
        ind_total=sum(p.n_indicators for p in rows),
        ind_assessed=sum(p.n_assessed for p in rows),
        ind_met=sum(p.n_met for p in rows),
    )
    for p in rows:
        headline.colour_counts[p.colour.css] += 1
    trend = [
        TrendPoint(
            month=month,
            due=figures[f"m{month}_due"],
            due_done=figures[f"m{month}_due_done"],
            total=figures["total"],
            done=figures[f"m{month}_done"],
        )
        for month, _end in ends
    ]
    due_by_month = [figures[f"p{month}_due"] for month in range(1, 13)]
    return headline, trend, due_by_month


def _categories(rows: list[ProjectCounts]) -> list[GroupRow]:
    groups: dict[str, GroupRow] = {}
    for p in rows:
        row = groups.get(p.category)
        if row is None:
            row = groups[p.category] = GroupRow(p.category, str(Category(p.category).label))
        add_counts(row, p)
        row.projects += 1
    order: dict[int | str | None, int] = {value: i for i, value in enumerate(Category.values)}
    return sorted(groups.values(), key=lambda r: order.get(r.pk, 99))


def rank_units(rows: list[UnitRow]) -> list[UnitRow]:
    """The unit ranking: by completion (the percentage as printed), then fewest
    overdue (逾期未完成), then fewest done late (逾期完成); ties share a rank
    (``common.ranking``) and are listed in the org chart's order. Sets ``rank``
    and returns the rows best first."""
    ranked = competition_ranks(
        rows, key=lambda r: (-r.percent, r.red, r.late), order=lambda r: (r.order, r.name)
    )
    for rank, row in ranked:
        row.rank = rank
    return [row for _rank, row in ranked]


def _unit_groups(milestones, on: AsOf) -> list[dict]:
    """Milestone counts per unit, with the unit's names and place in the org chart:
    one query grouped by unit, a row per unit (the ranking ranks them all)."""
    return list(
        milestones.order_by()
        .values("unit", "unit__name", "unit__full_name", "unit__order")
        .annotate(**milestone_figures(on.date, on.window))
    )


def _mayor_groups(milestones, on: AsOf) -> list[dict]:
    """Milestone counts per vice-mayor, the same reach as ``for_mayor``: each
    milestone counted for its project's mayor and, when different, for its
    sub-item's mayor. Two queries grouped by mayor (a row per vice-mayor), with
    the number of distinct projects (``projects``): the two groupings never share
    a (mayor, project) pair, so their project counts add up."""
    figures = milestone_figures(on.date, on.window)
    by_project = (
        milestones.order_by()
        .filter(project__mayor__isnull=False)
        .values("project__mayor", "project__mayor__name", "project__mayor__order")
        .annotate(**figures, projects=Count("project", distinct=True))
    )
    by_subitem = (
        milestones.order_by()
        .filter(subitem__mayor__isnull=False)
        .exclude(subitem__mayor=F("project__mayor"))
        .values("subitem__mayor", "subitem__mayor__name", "subitem__mayor__order")
        .annotate(**figures, projects=Count("project", distinct=True))
    )
    rows = [
        {
            "mayor": g["project__mayor"],
            "name": g["project__mayor__name"],
            "order": g["project__mayor__order"],
            **g,
        }
        for g in by_project
    ]
    rows += [
        {
            "mayor": g["subitem__mayor"],
            "name": g["subitem__mayor__name"],
            "order": g["subitem__mayor__order"],
            **g,
        }
        for g in by_subitem
    ]
    return rows


UNIT_FIELDS = ("unit", "unit__name", "unit__full_name", "unit__order", "project")


def _participation(projects) -> list[tuple]:
    """(unit, name, full name, order, project, is lead) for every unit responsible
    for a project in scope or carrying a sub-item of one (``for_unit``): one UNION
    query, counted in Python (correlated counts per unit cost 100 times more on
    PostgreSQL)."""
    in_scope = projects.values("pk")
    assigned = (
        ProjectUnit.objects.filter(project__in=in_scope)
        .order_by()
        .values_list(*UNIT_FIELDS, "is_lead")
    )
    carried = (
        SubItem.objects.filter(project__in=in_scope)
        .order_by()
        .annotate(lead=Value(False, output_field=BooleanField()))
        .values_list(*UNIT_FIELDS, "lead")
    )
    return list(assigned.union(carried))


def _units(groups: list[dict], participation: list[tuple]) -> tuple[list[UnitRow], list[UnitRow]]:
    """Every unit with milestones in ``groups`` (:func:`_unit_groups`) or a part in
    ``participation``: (those with milestones, ranked; those without, in the org
    chart's order)."""
    rows: dict[int, UnitRow] = {}

    def row_of(pk: int, name: str, full_name: str, order: int) -> UnitRow:
        row = rows.get(pk)
        if row is None:
            row = rows[pk] = UnitRow(pk, name, display_name=full_name or name, order=order)
        return row

    for g in groups:
        row = row_of(g["unit"], g["unit__name"], g["unit__full_name"], g["unit__order"])
        add_counts(row, g)
        row.due_done += g["due_done"]
    projects: dict[int, set[int]] = defaultdict(set)
    leads: dict[int, set[int]] = defaultdict(set)
    for unit, name, full_name, order, project, is_lead in participation:
        row_of(unit, name, full_name, order)
        projects[unit].add(project)
        if is_lead:
            leads[unit].add(project)
    for pk, row in rows.items():
        row.projects, row.lead_projects = len(projects[pk]), len(leads[pk])
    ordered = sorted(rows.values(), key=lambda r: (r.order, r.name))
    return rank_units([r for r in ordered if r.total]), [r for r in ordered if not r.total]


def _mayors(groups: list[dict]) -> list[GroupRow]:
    """Each vice-mayor's portfolio (:func:`_mayor_groups`): projects supervised
    whole or through a sub-item, in the org chart's order."""
    mayors: dict[int, GroupRow] = {}
    order: dict[int | str | None, int] = {}
    for g in groups:
        row = mayors.setdefault(g["mayor"], GroupRow(g["mayor"], g["name"]))
        order[g["mayor"]] = g["order"]
        add_counts(row, g)
        row.projects += g["projects"]
    return sorted(mayors.values(), key=lambda r: (order[r.pk], r.name))
