"""Jurisdictions (issue 17): a city with two counties below it, each running its own
2010 programme with a bureau of the same name (质监局).

Scoping three ways: a user of a jurisdiction reads its programme; a user of a
sibling jurisdiction gets 404 for every object of it (and their own programme
where they ask for the sibling's by ``?j=``); the office of the parent reads the
programmes below and their roll-up, and decides nothing in them. The roll-up's
figures are those of each child's own dashboard.
"""

import datetime as dt
import io
import types

import openpyxl
import pypdf
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from projects import access
from projects.dashboard import dashboard_for
from projects.models import Milestone, PlanYear, ProgressReport, Supervision
from projects.services import supervision as supervision_service
from responsibility import roles
from responsibility.models import Unit, home_jurisdiction
from tests import factories

TODAY = dt.datetime(2010, 9, 30, 4, 0, tzinfo=dt.UTC)


def _programme(j: Unit, tag: str, *, done: int, late: int) -> types.SimpleNamespace:
    """A 2010 plan of ``j`` with one project, its 质监局, an office and users."""
    office = Unit.objects.create(name="政府办公室", kind=Unit.Kind.OFFICE, jurisdiction=j)
    bureau = Unit.objects.create(name="质监局", full_name=f"{j.name}质监局", jurisdiction=j)
    mayor = factories.ViceMayorFactory(name="王磊", jurisdiction=j)
    plan = PlanYear.objects.create(
        jurisdiction=j, year=2010, title=f"2010年{j.name}质量兴县工作责任制"
    )
    project = factories.ProjectFactory(plan=plan, number=1, name=f"{tag}电梯安全", mayor=mayor)
    factories.ProjectUnitFactory(project=project, unit=bureau)
    milestones = []
    for n in range(done):
        milestones.append(
            factories.MilestoneFactory(
                project=project,
                unit=bureau,
                name=f"{tag}已完成{n}",
                due_date=dt.date(2010, 6, 30),
                status=Milestone.Status.DONE,
                done_date=dt.date(2010, 6, 1),
                percent=100,
            )
        )
    for n in range(late):
        milestones.append(
            factories.MilestoneFactory(
                project=project, unit=bureau, name=f"{tag}逾期{n}", due_date=dt.date(2010, 7, 31)
            )
        )
    return types.SimpleNamespace(
        j=j,
        plan=plan,
        project=project,
        bureau=bureau,
        mayor=mayor,
        milestone=milestones[-1],
        office=factories.make_user(f"{tag}_ban", roles.REVIEWER, office),
        clerk=factories.make_user(f"{tag}_clerk", roles.CLERK, bureau),
        head=factories.make_user(f"{tag}_head", roles.UNIT_HEAD, bureau),
    )


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def tree(db, frozen):
    if True:
        city = home_jurisdiction()
        east = Unit.objects.create(name="东县", kind=Unit.Kind.COUNTY, jurisdiction=city)
        west = Unit.objects.create(name="西县", kind=Unit.Kind.COUNTY, jurisdiction=city)
        return types.SimpleNamespace(
            city=_programme(city, "city", done=2, late=1),
            east=_programme(east, "east", done=1, late=2),
            west=_programme(west, "west", done=3, late=0),
        )


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _object_urls(p) -> list[str]:
    """The pages of one programme's objects."""
    report = factories.make_report(p.milestone, p.clerk)
    return [
        reverse("project_detail", args=[p.project.pk]),
        reverse("milestone_detail", args=[p.milestone.pk]),
        reverse("unit_detail", args=[p.bureau.pk]),
        reverse("mayor_detail", args=[p.mayor.pk]),
        reverse("report_review", args=[report.pk]),
    ]


# --- a user of the jurisdiction ----------------------------------------------------


def test_a_county_office_reads_its_own_programme_only(tree, client_as):
    c = client_as(tree.east.office)
    home = c.get("/")
    assert home.status_code == 200
    assert home.context["board"].plan == tree.east.plan
    html = home.content.decode()
    assert "east电梯安全" in html and "city电梯安全" not in html and "west电梯安全" not in html
    listed = c.get(reverse("project_list"), {"year": 2010})
    assert [p.name for p in listed.context["page"]] == ["east电梯安全"]
    milestones = c.get(reverse("milestone_list"), {"year": 2010})
    assert {m.project_id for m in milestones.context["page"]} == {tree.east.project.pk}
    for url in _object_urls(tree.east)[:4]:
        assert c.get(url).status_code == 200, url


# --- a user of a sibling jurisdiction: 404 -------------------------------------------


@pytest.mark.parametrize("who", ["office", "clerk", "head"])
def test_every_object_of_a_sibling_jurisdiction_is_404(tree, client_as, who):
    urls = _object_urls(tree.west)
    c = client_as(getattr(tree.east, who))
    for url in urls:
        assert c.get(url).status_code == 404, url
    assert c.get(reverse("jurisdiction_rollup", args=[tree.city.j.pk])).status_code == 404
    assert c.get(reverse("jurisdiction_rollup_xlsx", args=[tree.city.j.pk])).status_code == 404
    assert c.get(reverse("jurisdiction_rollup_pdf", args=[tree.city.j.pk])).status_code == 404


def test_asking_for_a_sibling_programme_by_id_shows_ones_own(tree, client_as):
    c = client_as(tree.east.office)
    for url in ("/", reverse("project_list"), reverse("milestone_list")):
        page = c.get(url, {"j": tree.west.j.pk, "year": 2010})
        assert page.status_code == 200
        assert "west电梯安全" not in page.content.decode(), url


def test_the_search_finds_nothing_of_a_sibling(tree, client_as):
    c = client_as(tree.east.office)
    html = c.get(reverse("search"), {"q": "电梯安全"}).content.decode()
    own, sibling, parent = (
        reverse("project_detail", args=[p.project.pk]) for p in tree_order(tree)
    )
    assert own in html and sibling not in html and parent not in html


def tree_order(tree):
    return tree.east, tree.west, tree.city


def test_the_same_bureau_name_in_two_jurisdictions_is_two_units(tree):
    assert tree.east.bureau.name == tree.west.bureau.name == "质监局"
    assert tree.east.bureau.pk != tree.west.bureau.pk


# --- the parent's office: reads below, decides nothing there -------------------------


def test_the_city_office_reads_a_county_programme(tree, client_as):
    c = client_as(tree.city.office)
    assert c.get("/").context["board"].plan == tree.city.plan
    page = c.get("/", {"j": tree.east.j.pk})
    assert page.context["board"].plan == tree.east.plan
    for url in _object_urls(tree.east):
        if "review" not in url:
            assert c.get(url).status_code == 200, url
    listed = c.get(reverse("project_list"), {"j": tree.east.j.pk, "year": 2010})
    assert [p.name for p in listed.context["page"]] == ["east电梯安全"]


def test_the_city_office_decides_nothing_in_a_county(tree, client_as):
    report = factories.make_report(tree.east.milestone, tree.east.clerk)
    c = client_as(tree.city.office)
    # Not its review: the county's report is not in its queue and cannot be decided.
    assert report not in list(access.reports_to_review(tree.city.office))
    assert c.get(reverse("report_review", args=[report.pk])).status_code == 403
    response = c.post(reverse("report_review", args=[report.pk]), {"action": "accept"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.review_state == ProgressReport._meta.get_field("review_state").default
    # No 督办 of a county's milestone: no button, and the service refuses.
    page = c.get(reverse("milestone_detail", args=[tree.east.milestone.pk])).content.decode()
    assert reverse("supervision_new") not in page
    level = factories.ladder()[0]
    with pytest.raises(PermissionDenied):
        supervision_service.supervision_send(
            milestones=[tree.east.milestone],
            level=level,
            text="请加快",
            sender=tree.city.office,
        )
    assert not Supervision.objects.exists()


def test_the_county_office_decides_in_its_own_programme(tree):
    report = factories.make_report(tree.east.milestone, tree.east.clerk)
    from projects.services import progress

    progress.progress_report_head_approve(report=report, user=tree.east.head)
    assert report in list(access.reports_to_review(tree.east.office))
    assert report not in list(access.reports_to_review(tree.west.office))
    progress.progress_report_accept(
        report=ProgressReport.objects.get(pk=report.pk), user=tree.east.office
    )


# --- the roll-up agrees with the children's own dashboards ---------------------------


def test_the_rollup_agrees_with_each_county_dashboard(tree, client_as):
    c = client_as(tree.city.office)
    page = c.get(reverse("jurisdiction_rollup", args=[tree.city.j.pk]), {"year": 2010})
    assert page.status_code == 200
    data = page.context["data"]
    rows = {row.jurisdiction.name: row for row in data.rows}
    assert set(rows) == {"东县", "西县"}
    today = dt.date(2010, 9, 30)
    for child in (tree.east, tree.west):
        own = dashboard_for(child.office, plan=child.plan, today=today).headline
        row = rows[child.j.name]
        assert (row.projects, row.ms_total, row.ms_done) == (
            own.projects,
            own.ms_total,
            own.ms_done,
        )
        assert (row.ms_due, row.ms_due_on_time) == (own.ms_due, own.ms_due_on_time)
        assert (row.ms_overdue, row.ms_amber) == (own.ms_overdue, own.ms_amber)
        assert (row.percent, row.on_time_percent) == (own.percent, own.on_time_percent)
    assert data.total.ms_total == rows["东县"].ms_total + rows["西县"].ms_total == 6
    assert data.total.ms_overdue == 2
    html = page.content.decode()
    assert f"?j={tree.east.j.pk}&amp;year=2010" in html  # drills down
    workbook = c.get(reverse("jurisdiction_rollup_xlsx", args=[tree.city.j.pk]), {"year": 2010})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    by_name = {row[0]: row for row in values[2:]}
    assert by_name["东县"][1:4] == [1, 3, 1]
    assert by_name["合计"][1:4] == [2, 6, 4]
    pdf = c.get(reverse("jurisdiction_rollup_pdf", args=[tree.city.j.pk]), {"year": 2010})
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "东县" in text and "西县" in text and "合计" in text


def test_the_rollup_is_only_for_whole_programme_readers(tree, client_as):
    url = reverse("jurisdiction_rollup", args=[tree.city.j.pk])
    for user in (tree.city.clerk, tree.city.head, tree.east.office):
        assert client_as(user).get(url).status_code == 404
    assert (
        client_as(tree.east.office)
        .get(reverse("jurisdiction_rollup", args=[tree.east.j.pk]))
        .status_code
        == 200
    )


def test_rollup_queries_do_not_grow_with_the_children(
    tree, client_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_as(tree.city.office)
    url = reverse("jurisdiction_rollup", args=[tree.city.j.pk])
    c.get(url)
    with CaptureQueriesContext(connection) as two:
        c.get(url, {"year": 2010})
    for n in range(3):
        county = Unit.objects.create(
            name=f"新县{n}", kind=Unit.Kind.COUNTY, jurisdiction=tree.city.j
        )
        _programme(county, f"n{n}", done=1, late=1)
    with CaptureQueriesContext(connection) as five:
        c.get(url, {"year": 2010})
    assert len(five) == len(two)


# --- bad input in the programme and year parameters -----------------------------------


@pytest.mark.parametrize(
    "raw",
    ["abc", "99999999999999999999", "-1", "１２", "\x07", "1 OR 1=1", "2" * 5000, ""],
)
def test_a_bad_jurisdiction_parameter_shows_ones_own_programme(tree, client_as, raw):
    """Nonsense, out-of-range and control-character ``?j=`` values are not errors:
    every list shows the reader's own programme, nothing else."""
    c = client_as(tree.east.office)
    for url in ("/", reverse("project_list"), reverse("milestone_list")):
        page = c.get(url, {"j": raw, "year": 2010})
        assert page.status_code == 200, (url, raw)
        html = page.content.decode()
        assert "west电梯安全" not in html and "city电梯安全" not in html, (url, raw)
    assert c.get("/", {"j": raw}).context["board"].plan == tree.east.plan


@pytest.mark.parametrize("raw", ["abc", "99999999999999999999", "\x07", "1" * 5000])
def test_a_bad_rollup_year_falls_back_to_a_planned_year(tree, client_as, raw):
    c = client_as(tree.city.office)
    for name in ("jurisdiction_rollup", "jurisdiction_rollup_xlsx"):
        response = c.get(reverse(name, args=[tree.city.j.pk]), {"year": raw})
        assert response.status_code == 200, (name, raw)
    assert (
        c.get(reverse("jurisdiction_rollup", args=[tree.city.j.pk]), {"year": raw})
        .context["data"]
        .year
        == 2010
    )


def test_a_rollup_id_past_bigint_is_404(client_as, tree):
    c = client_as(tree.city.office)
    assert c.get(f"/jurisdictions/{'9' * 25}/").status_code == 404
