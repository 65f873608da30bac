"""The status rule's SQL form agrees with its Python form, through every consumer.

Hypothesis draws a day, a warning window and a handful of milestones around
them (due before, on and after the day and the window's end; done before, on
or after the day, or not at all) spread over two projects, their sub-items and
two units. Each example saves them, asks a consumer (a queryset, the
dashboard, the project filter, the reminders, a PDF builder) for its figures
in SQL, and compares them with the Python rule of ``projects.status`` applied
to the same rows as read back from the database. Each example runs in a
savepoint that is rolled back, so the next one starts from the same world.
"""

import contextlib
import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import RequestFactory, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents import builders
from projects import dashboard, filters, status
from projects.models import Indicator, Milestone, Project, SubItem
from projects.services import reminders
from projects.status import Colour
from responsibility import roles
from responsibility.models import Unit
from tests import factories

YEAR = 2010

DB_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclasses.dataclass
class World:
    projects: list[Project]
    subitems: list[SubItem]
    units: list[Unit]
    admin: object
    # Where a generated milestone goes: (project, sub-item or None, unit).
    places: list[tuple[Project, SubItem | None, Unit]]


@pytest.fixture
def world(db) -> World:
    plan = factories.PlanYearFactory(year=YEAR)
    unit_a = factories.UnitFactory(name="质监局")
    unit_b = factories.UnitFactory(name="商务局")
    office = factories.UnitFactory(name="市政府办公室", kind=Unit.Kind.OFFICE)
    p1 = factories.ProjectFactory(plan=plan, number=1)
    p2 = factories.ProjectFactory(plan=plan, number=2)
    p3 = factories.ProjectFactory(plan=plan, number=3)  # no milestones ever: green
    factories.ProjectUnitFactory(project=p1, unit=unit_a, is_lead=True)
    factories.ProjectUnitFactory(project=p1, unit=unit_b, is_lead=False, order=1)
    factories.ProjectUnitFactory(project=p2, unit=unit_b, is_lead=True)
    factories.ProjectUnitFactory(project=p3, unit=unit_a, is_lead=True)
    s1 = factories.SubItemFactory(project=p1, number=1, unit=unit_a)
    s2 = factories.SubItemFactory(project=p1, number=2, unit=unit_b)
    factories.make_user("clerk_a", roles.CLERK, unit_a, email="a@example.cn")
    factories.make_user("clerk_b", roles.CLERK, unit_b, email="b@example.cn")
    admin = factories.make_user("adam", roles.ADMIN, office, is_staff=True, is_superuser=True)
    return World(
        projects=[p1, p2, p3],
        subitems=[s1, s2],
        units=[unit_a, unit_b],
        admin=admin,
        places=[(p1, s1, unit_a), (p1, s2, unit_b), (p1, None, unit_a), (p2, None, unit_b)],
    )


@dataclasses.dataclass(frozen=True)
class Case:
    today: dt.date
    window: int
    # (place index, due offset from today, done offset from today or None)
    milestones: tuple[tuple[int, int, int | None], ...]


@st.composite
def cases(draw) -> Case:
    today = draw(st.dates(dt.date(YEAR, 2, 1), dt.date(YEAR, 11, 30)))
    window = draw(st.integers(0, 10))
    # Around the day and the window's end, where the boundaries are.
    due = st.one_of(st.integers(-12, 20), st.sampled_from([-1, 0, 1, window, window + 1]))
    done = st.one_of(st.none(), st.integers(-15, 6), st.sampled_from([-1, 0, 1]))
    milestones = draw(st.lists(st.tuples(st.integers(0, 3), due, done), max_size=12))
    return Case(today, window, tuple(milestones))


@dataclasses.dataclass(frozen=True)
class Row:
    """A milestone as read back from the database."""

    pk: int
    project: int
    subitem: int | None
    unit: int
    due: dt.date
    done: dt.date | None


@contextlib.contextmanager
def saved(world: World, case: Case):
    """Save the case's milestones, yield them as read back, then roll back."""
    with transaction.atomic(), override_settings(ZHUCHENG_WARNING_DAYS=case.window):
        Milestone.objects.bulk_create(
            Milestone(
                project=world.places[place][0],
                subitem=world.places[place][1],
                unit=world.places[place][2],
                name=f"节点{n}",
                due_date=case.today + dt.timedelta(days=due),
                done_date=None if done is None else case.today + dt.timedelta(days=done),
                status=Milestone.Status.NOT_STARTED if done is None else Milestone.Status.DONE,
            )
            for n, (place, due, done) in enumerate(case.milestones)
        )
        yield [
            Row(*values)
            for values in Milestone.objects.values_list(
                "pk", "project_id", "subitem_id", "unit_id", "due_date", "done_date"
            )
        ]
        transaction.set_rollback(True)


# The Python rule applied to rows.


def colour(row: Row, today: dt.date, window: int) -> Colour:
    return status.milestone_colour(
        due_date=row.due, done_date=row.done, today=today, window_days=window
    )


def tally(rows, today: dt.date, window: int) -> dict[str, int]:
    return status.tally([(r.due, r.done) for r in rows], today=today, window_days=window)


def pks(rows, keep) -> set[int]:
    return {r.pk for r in rows if keep(r)}


def group_colour(rows, today, window) -> Colour:
    return status.worst(colour(r, today, window) for r in rows)


def counts_of(obj, prefix="ms_") -> dict[str, int]:
    return {name: getattr(obj, f"{prefix}{name}") for name in status.COUNT_NAMES}


# --- Milestone querysets -------------------------------------------------------------


@DB_SETTINGS
@given(case=cases())
def test_milestone_querysets_agree_with_the_rule(world, case):
    today, window = case.today, case.window
    with saved(world, case) as rows:
        qs = Milestone.objects.all()
        coded = dict(qs.with_colour(today, window).values_list("pk", "colour_code"))
        assert coded == {r.pk: int(colour(r, today, window)) for r in rows}

        assert set(qs.overdue(today).values_list("pk", flat=True)) == pks(
            rows, lambda r: colour(r, today, window) is Colour.RED
        )
        assert set(qs.due_within(window, today).values_list("pk", flat=True)) == pks(
            rows, lambda r: colour(r, today, window) is Colour.AMBER
        )
        assert set(qs.done(today).values_list("pk", flat=True)) == pks(
            rows, lambda r: status.is_done_by(r.done, today)
        )
        assert set(qs.open(today).values_list("pk", flat=True)) == pks(
            rows, lambda r: status.is_open(r.done, today)
        )
        assert set(qs.needing_attention(today, window).values_list("pk", flat=True)) == pks(
            rows, lambda r: colour(r, today, window) in (Colour.RED, Colour.AMBER)
        )
        assert set(qs.done_late(today).values_list("pk", flat=True)) == pks(
            rows, lambda r: colour(r, today, window) is Colour.LATE
        )
        assert set(qs.filter(status.late_q(today)).values_list("pk", flat=True)) == pks(
            rows, lambda r: status.is_done_late(due_date=r.due, done_date=r.done, today=today)
        )
        assert set(qs.done_on_time(today).values_list("pk", flat=True)) == pks(
            rows, lambda r: status.is_on_time(due_date=r.due, done_date=r.done, today=today)
        )
        # Done by the day: on time or late, never both.
        assert pks(rows, lambda r: status.is_done_by(r.done, today)) == (
            set(qs.done_on_time(today).values_list("pk", flat=True))
            | set(qs.done_late(today).values_list("pk", flat=True))
        )
        for m in qs:
            row = next(r for r in rows if r.pk == m.pk)
            assert m.days_late(today) == status.days_late(
                due_date=row.due, done_date=row.done, today=today
            )
            assert m.status_label(today) == colour(row, today, window).milestone_label(
                done=status.is_done_by(row.done, today)
            )

        by_urgency = list(qs.by_urgency(today, window).values_list("pk", flat=True))
        key = {
            r.pk: (
                status.urgency(due_date=r.due, done_date=r.done, today=today, window_days=window),
                r.due,
                r.pk,
            )
            for r in rows
        }
        assert by_urgency == sorted(key, key=key.__getitem__)


# --- Sub-items and projects ---------------------------------------------------------


@DB_SETTINGS
@given(case=cases())
def test_subitem_and_project_counts_agree_with_the_rule(world, case):
    today, window = case.today, case.window
    with saved(world, case) as rows:
        for sub in SubItem.objects.with_progress(today, window):
            mine = [r for r in rows if r.subitem == sub.pk]
            assert counts_of(sub) == tally(mine, today, window)
            assert sub.colour is group_colour(mine, today, window)
        # Through the project's units too, so that the join repeats milestones.
        for project in Project.objects.for_list().with_progress(today, window):
            mine = [r for r in rows if r.project == project.pk]
            assert counts_of(project) == tally(mine, today, window)
            assert project.colour is group_colour(mine, today, window)

        def with_milestones(keep):
            return {r.project for r in rows if keep(r)}

        assert set(Project.objects.overdue(today).values_list("pk", flat=True)) == (
            with_milestones(lambda r: colour(r, today, window) is Colour.RED)
        )
        assert set(Project.objects.due_within(window, today).values_list("pk", flat=True)) == (
            with_milestones(lambda r: colour(r, today, window) is Colour.AMBER)
        )
        assert set(SubItem.objects.overdue(today).values_list("pk", flat=True)) == {
            r.subitem for r in rows if r.subitem and colour(r, today, window) is Colour.RED
        }


# --- The dashboard ------------------------------------------------------------------


@DB_SETTINGS
@given(case=cases())
def test_dashboard_figures_agree_with_the_rule(world, case):
    today, window = case.today, case.window
    soon = dashboard.DUE_SOON_DAYS
    with saved(world, case) as rows:
        d = dashboard.dashboard_for(world.admin, year=YEAR, today=today)

        for project in d.projects:
            mine = [r for r in rows if r.project == project.pk]
            assert counts_of(project) == tally(mine, today, window)
            assert project.colour is group_colour(mine, today, window)
        assert d.headline.colour_counts == {
            c.css: sum(
                group_colour([r for r in rows if r.project == p.pk], today, window) is c
                for p in world.projects
            )
            for c in Colour
        }

        whole = tally(rows, today, window)
        h = d.headline
        assert (
            h.ms_total,
            h.ms_done,
            h.ms_due,
            h.ms_due_on_time,
            h.ms_overdue,
            h.ms_amber,
            h.ms_late,
        ) == tuple(whole[name] for name in status.COUNT_NAMES)
        assert h.on_time_percent == status.on_time_percent(whole["due_on_time"], whole["due"])
        due = [r for r in rows if status.is_due_by(r.due, today)]
        assert h.ms_due == len(due)
        assert h.ms_due_done == sum(status.is_done_by(r.done, today) for r in due)
        assert h.ms_due_soon == tally(rows, today, soon)["amber"]
        # The trend's last point is cut at today.
        if d.trend:
            last = d.trend[-1]
            assert (last.due, last.due_done, last.done) == (h.ms_due, h.ms_due_done, h.ms_done)

        for row in d.units:
            mine = [r for r in rows if r.unit == row.pk]
            assert counts_of(row, "") == tally(mine, today, window)
            assert row.colour is group_colour(mine, today, window)
        # Categories and vice-mayors sum the same counts (here: every project in one
        # category, each project with a vice-mayor of its own).
        category = {p.pk: p.category for p in world.projects}
        for group in d.categories:
            mine = [r for r in rows if category[r.project] == group.pk]
            assert counts_of(group, "") == tally(mine, today, window)
        mayor = {p.mayor_id: p.pk for p in world.projects}
        for group in d.mayors:
            mine = [r for r in rows if r.project == mayor[group.pk]]
            assert counts_of(group, "") == tally(mine, today, window)
            assert group.colour is group_colour(mine, today, window)

        numbers = {p.pk: p.number for p in world.projects}
        assert [m.pk for m in d.overdue] == sorted(
            pks(rows, lambda r: colour(r, today, window) is Colour.RED),
            key=lambda pk: next((r.due, numbers[r.project], r.pk) for r in rows if r.pk == pk),
        )
        assert {m.pk for m in d.due_soon} == pks(
            rows, lambda r: colour(r, today, soon) is Colour.AMBER
        )
        late = {r.pk: r for r in rows if colour(r, today, window) is Colour.LATE}
        assert {m.pk for m in d.late} == set(late)
        for m in d.late:
            assert m.late_days == (late[m.pk].done - late[m.pk].due).days > 0


# --- The project list's colour filter and sort -------------------------------------------


@DB_SETTINGS
@given(case=cases(), chosen=st.sampled_from(list(Colour)))
def test_project_filter_colour_and_sort_agree_with_the_rule(world, case, chosen):
    today, window = case.today, case.window
    request = RequestFactory().get("/projects/")
    request.user = world.admin

    def shown(data) -> list[int]:
        filterset = filters.project_filterset(request, {"year": str(YEAR), **data}, today=today)
        assert filterset.is_valid(), filterset.errors
        return list(filterset.qs.values_list("pk", flat=True))

    with saved(world, case) as rows:
        colours = {
            p.pk: group_colour([r for r in rows if r.project == p.pk], today, window)
            for p in world.projects
        }
        assert set(shown({"colour": chosen.css})) == {
            pk for pk, c in colours.items() if c is chosen
        }
        worst_first = shown({"sort": "-colour"})
        numbers = {p.pk: p.number for p in world.projects}
        assert worst_first == sorted(colours, key=lambda pk: (-colours[pk], numbers[pk]))


# --- The daily reminders -------------------------------------------------------------------


@DB_SETTINGS
@given(case=cases())
def test_reminders_agree_with_the_rule(world, case):
    today, window = case.today, case.window
    mail.outbox = []
    with saved(world, case) as rows:
        run = reminders.reminders_send_due(today=today)

        reminded = {m.pk for item in run.sent for m in item.milestones}
        assert reminded == pks(
            rows, lambda r: colour(r, today, window) in (Colour.RED, Colour.AMBER)
        )
        assert not run.no_recipient and not run.failed
        red = pks(rows, lambda r: colour(r, today, window) is Colour.RED)
        assert len(mail.outbox) == len(run.sent)
        for item, message in zip(run.sent, mail.outbox, strict=True):
            assert message.to == item.recipients
            overdue = sum(m.pk in red for m in item.milestones)
            assert message.body.count("【逾期】") == overdue
            assert message.body.count("【临期】") == len(item.milestones) - overdue


# --- The printed documents, "as of" a day ----------------------------------------------------


@DB_SETTINGS
@given(case=cases())
def test_bulletin_as_of_a_day_agrees_with_the_rule(world, case):
    as_of, window = case.today, case.window
    with saved(world, case) as rows:
        context = builders.bulletin_context(as_of)

        for row in context["unit_rows"]:
            mine = [r for r in rows if r.unit == row.pk]
            assert counts_of(row, "") == tally(mine, as_of, window)
            assert row.colour is group_colour(mine, as_of, window)
        red = pks(rows, lambda r: colour(r, as_of, window) is Colour.RED)
        amber = pks(rows, lambda r: colour(r, as_of, window) is Colour.AMBER)
        listed_red = {m.pk for s in context["sections"] for m in s["overdue"]}
        listed_amber = {m.pk for s in context["sections"] for m in s["due_soon"]}
        assert (listed_red, listed_amber) == (red, amber)
        assert (context["overdue_count"], context["due_soon_count"]) == (len(red), len(amber))
        assert context["window_end"] == status.amber_until(as_of, window)
        # Finished late up to the day, each with its days late, under its own unit.
        late = {r.pk: r for r in rows if colour(r, as_of, window) is Colour.LATE}
        listed_late = {
            m.pk: (s["row"].pk, m.late_days) for s in context["late_sections"] for m in s["late"]
        }
        assert listed_late == {
            pk: (r.unit, status.days_late(due_date=r.due, done_date=r.done, today=as_of))
            for pk, r in late.items()
        }
        assert context["late_count"] == len(late)
        assert context["total"].late == len(late)
        assert context["total"].due_on_time == tally(rows, as_of, window)["due_on_time"]
        # Praised only with nothing overdue, due soon or finished late.
        assert {r.pk for r in context["clean_units"]} == {
            row.pk
            for row in context["unit_rows"]
            if group_colour([r for r in rows if r.unit == row.pk], as_of, window) is Colour.GREEN
        }


@DB_SETTINGS
@given(case=cases())
def test_unit_card_work_items_agree_with_the_rule(world, case):
    today, window = case.today, case.window
    unit = world.units[0]
    noon = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
    with saved(world, case) as rows, time_machine.travel(noon, tick=False):
        context = builders.unit_context(YEAR, unit)

        groups = defaultdict(list)
        for r in rows:
            if r.unit == unit.pk:
                groups[(r.project, r.subitem)].append(r)
        numbers = {s.pk: s.number for s in world.subitems}
        expected = {
            f"{next(p.number for p in world.projects if p.pk == project)}"
            + (f"-{numbers[sub]}" if sub else ""): tally(mine, today, window)
            for (project, sub), mine in groups.items()
        }
        assert {item.code: counts_of(item.figures, "") for item in context["items"]} == expected
        red = pks(rows, lambda r: r.unit == unit.pk and colour(r, today, window) is Colour.RED)
        assert {m.pk for m in context["overdue"]} == red
        assert all(m.days_overdue > 0 for m in context["overdue"])


# --- Indicators: met, and whether they can be assessed at all -------------------------------

# Few values, so that an actual value often equals its target (the boundary).
amounts = st.sampled_from([None, Decimal(0), Decimal("0.5"), Decimal(1), Decimal(2)])


@DB_SETTINGS
@given(
    indicators=st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from(Indicator.Direction.values), amounts, amounts),
        max_size=8,
    )
)
def test_indicator_met_agrees_with_the_rule(world, indicators):
    today = dt.date(YEAR, 9, 30)
    with transaction.atomic():
        Indicator.objects.bulk_create(
            Indicator(project=world.projects[p], name=f"指标{n}", direction=d, target=t, actual=a)
            for n, (p, d, t, a) in enumerate(indicators)
        )
        rows = list(
            Indicator.objects.values_list("pk", "project_id", "direction", "target", "actual")
        )
        met = {
            pk: status.indicator_met(direction=d, target=t, actual=a) for pk, _p, d, t, a in rows
        }
        qs = Indicator.objects.all()
        assert set(qs.filter(status.indicator_met_q()).values_list("pk", flat=True)) == {
            pk for pk, m in met.items() if m is True
        }
        assert set(qs.filter(status.indicator_assessed_q()).values_list("pk", flat=True)) == {
            pk for pk, m in met.items() if m is not None
        }
        d = dashboard.dashboard_for(world.admin, year=YEAR, today=today)
        for project in d.projects:
            mine = [met[pk] for pk, p, *_rest in rows if p == project.pk]
            assert (project.n_assessed, project.n_met) == (
                sum(m is not None for m in mine),
                sum(m is True for m in mine),
            )
        transaction.set_rollback(True)
