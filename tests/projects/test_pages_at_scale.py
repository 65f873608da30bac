"""Pages whose lists grow with the data (issue 18): the dashboard fetches and
renders only the rows it shows, the vice-mayor cards are capped with a paged
list of all, and the unit and vice-mayor filters become a text box resolved on
the server once there are too many for a drop-down."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import dashboard, filters
from projects.views import dashboard as dashboard_views
from tests import factories

pytestmark = pytest.mark.django_db

FROZEN = dt.datetime(2010, 9, 28, 4, 0, tzinfo=dt.UTC)


def get(client, user, url):
    client.force_login(user)
    with time_machine.travel(FROZEN, tick=False):
        return client.get(url)


@pytest.fixture
def many_mayors(city):
    """Fifteen more vice-mayors, each with a project (and a milestone) of 2010."""
    mayors = []
    for i in range(15):
        mayor = factories.ViceMayorFactory(name=f"测试副市长{i:02d}", order=10 + i)
        project = factories.ProjectFactory(plan=city.plan, number=10 + i, mayor=mayor)
        factories.ProjectUnitFactory(project=project, unit=city.zhijian, is_lead=True)
        factories.MilestoneFactory(project=project, unit=city.zhijian, due_date=dt.date(2010, 8, 1))
        mayors.append(mayor)
    return mayors


def test_dashboard_caps_the_vice_mayor_cards_and_links_to_all(client, city, many_mayors):
    response = get(client, city.olivia, "/?year=2010")
    html = response.content.decode()
    board = response.context["board"]
    assert len(board.mayors) == 17
    assert html.count('class="card dash-mayor"') == dashboard.MAYOR_CARDS
    assert 'href="/mayors/?year=2010"' in html
    assert "共 17 位分管市长" in html


def test_the_vice_mayor_list_pages_through_all(client, city, many_mayors, monkeypatch):
    monkeypatch.setattr(dashboard_views, "MAYOR_PAGE_SIZE", 10)
    first = get(client, city.olivia, "/mayors/?year=2010")
    assert first.status_code == 200
    assert len(first.context["page"].object_list) == 10
    html = first.content.decode()
    assert "共 17 位分管市长" in html and "page=2" in html
    second = get(client, city.olivia, "/mayors/?year=2010&page=2")
    names = [m.name for m in second.context["page"].object_list]
    assert len(names) == 7 and names[-1] == "测试副市长14"
    # Each vice-mayor's own counts: one project, one milestone, overdue on 28 September.
    row = second.context["page"].object_list[-1]
    assert (row.projects, row.total, row.red) == (1, 1, 1)
    # Past the end: the last page, not an error.
    assert get(client, city.olivia, "/mayors/?page=99").context["page"].number == 2


def test_the_vice_mayor_list_is_for_those_who_read_the_city(client, city):
    assert client.get("/mayors/").status_code == 302  # anonymous → sign in
    assert get(client, city.alice, "/mayors/").status_code == 403
    assert get(client, city.victor, "/mayors/").status_code == 403
    assert get(client, city.olivia, "/mayors/").status_code == 200


def test_dashboard_fetches_and_renders_only_the_rows_it_shows(client, city):
    for n in range(3, 3 + dashboard.PROJECT_ROWS + 10):
        project = factories.ProjectFactory(plan=city.plan, number=n, mayor=city.mayor)
        factories.ProjectUnitFactory(project=project, unit=city.shangwu, is_lead=True)
    client.force_login(city.olivia)
    with time_machine.travel(FROZEN, tick=False), CaptureQueriesContext(connection) as captured:
        response = client.get("/?year=2010")
    board = response.context["board"]
    assert board.projects_total == dashboard.PROJECT_ROWS + 12
    assert board.headline.projects == dashboard.PROJECT_ROWS + 12
    assert len(board.projects) == dashboard.PROJECT_ROWS
    assert len(board.project_rows) == dashboard.PROJECT_ROWS  # no Project fetched but those
    table = response.content.decode().split('class="table dash-projects"')[1].split("</table>")[0]
    assert table.count("<tr>") == dashboard.PROJECT_ROWS + 1  # the header and the rows
    # The red project 1 (an overdue milestone) comes first among those needing attention.
    assert board.projects[0] == city.project1
    # Project rows are fetched by id, the shown ones only.
    fetched = [q["sql"] for q in captured.captured_queries if "lead_unit_name" in q["sql"]]
    assert len(fetched) == 1 and " IN (" in fetched[0]


@pytest.fixture
def many_units(city):
    """More units than a drop-down lists, each with a part in a 2010 project."""
    project = factories.ProjectFactory(plan=city.plan, number=9, name="计量器具检定")
    for i in range(filters.SELECT_LIMIT + 1):
        unit = factories.UnitFactory(
            name=f"县市场监管局{i:02d}", full_name=f"某县市场监督管理局{i:02d}"
        )
        factories.ProjectUnitFactory(project=project, unit=unit, is_lead=i == 0, order=i + 1)
    return project


def numbers(response) -> list[int]:
    assert response.status_code == 200
    return sorted(p.number for p in response.context["page"].object_list)


def test_with_many_units_the_filter_is_a_text_box_without_options(client, city, many_units):
    html = get(client, city.olivia, "/projects/").content.decode()
    unit_field = re.search(r'<input[^>]*name="unit"[^>]*>', html)
    assert unit_field and 'type="search"' in unit_field[0]
    assert "县市场监管局00</option>" not in html
    assert html.count("<option") < 30  # year, category, vice-mayor, colour, sort


def test_a_typed_unit_name_resolves_like_its_id(client, city, many_units):
    by_name = get(client, city.olivia, "/projects/?unit=质监局")
    by_id = get(client, city.olivia, f"/projects/?unit={city.zhijian.pk}")
    assert numbers(by_name) == numbers(by_id) == [1]
    # The box shows the unit's name, also when the link gave its id.
    assert 'value="质监局"' in by_id.content.decode()
    # A full name, and a part of a name that only one unit has, resolve too.
    assert numbers(get(client, city.olivia, "/projects/?unit=某县市场监督管理局07")) == [9]
    assert numbers(get(client, city.olivia, "/projects/?unit=监管局07")) == [9]


def test_an_unknown_unit_name_is_a_message_in_chinese_and_is_ignored(client, city, many_units):
    response = get(client, city.olivia, "/projects/?unit=不存在的单位")
    assert numbers(response) == [1, 2, 9]
    assert "找不到名称含“不存在的单位”的责任单位（或无权查看），已忽略此条件。" in (
        response.content.decode()
    )
    unknown_id = get(client, city.olivia, "/projects/?unit=999999")
    assert numbers(unknown_id) == [1, 2, 9]
    assert "找不到编号为 999999 的责任单位" in unknown_id.content.decode()


def test_an_ambiguous_unit_name_lists_some_candidates(client, city, many_units):
    response = get(client, city.olivia, "/projects/?unit=县市场监管局")
    html = response.content.decode()
    assert numbers(response) == [1, 2, 9]
    assert "“县市场监管局”对应多个责任单位：县市场监管局00、县市场监管局01" in html
    assert "请输入完整名称" in html


def test_a_vice_mayor_is_found_by_name_on_the_milestone_list(client, city):
    response = get(client, city.olivia, "/milestones/?year=2010&mayor=李副市长")
    assert response.status_code == 200
    assert [m.project_id for m in response.context["page"]] == [city.project2.pk]


def test_a_clerk_cannot_find_another_units_projects_by_name(client, city, many_units):
    response = get(client, city.alice, "/projects/?unit=商务局")
    assert numbers(response) == [1]  # 质监局's own; the filter is ignored, nothing leaks
    assert "找不到名称含“商务局”的责任单位" in response.content.decode()
