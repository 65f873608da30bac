"""/milestones/export.xlsx: the milestone list's rows as a workbook, scoped to the
reader, with the list's filters, status words and 督办 flag, formula-safe."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from projects.models import Milestone
from projects.services import supervision as service
from tests import factories

FROZEN = dt.datetime(2010, 9, 28, 4, 0, tzinfo=dt.UTC)  # 2010-09-28 in Shanghai

HEADER = (
    "年度",
    "项目序号",
    "项目",
    "小项",
    "进度节点",
    "责任单位",
    "分管市长",
    "完成时限",
    "原定完成时限",
    "状态",
    "完成进度(%)",
    "完成日期",
    "是否督办",
)


@pytest.fixture
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def listed(city, frozen):
    """city's three milestones (申报名牌 overdue since 6-30, 超市评比 due 9-30: 临期,
    服务承诺 10-31: 正常), and one of project 1 done late (逾期完成)."""
    city.ms_late = factories.MilestoneFactory(
        project=city.project1,
        subitem=city.sub_zhijian,
        unit=city.zhijian,
        name="名牌复审",
        due_date=dt.date(2010, 4, 30),
        done_date=dt.date(2010, 5, 3),
        status=Milestone.Status.DONE,
        percent=100,
    )
    return city


def rows(client, user, query=""):
    client.force_login(user)
    response = client.get("/milestones/export.xlsx" + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    year = "2009" if "year=2009" in query else "2010"
    assert response["Content-Disposition"] == f'attachment; filename="milestones-{year}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == f"{year}年进度节点一览（截至2010-09-28）"
    assert values[1] == HEADER
    return values[2:]


def names(client, user, query=""):
    return [r[4] for r in rows(client, user, query)]


def test_rows_as_the_list_shows_them(listed, client):
    c = listed
    got = {r[4]: r for r in rows(client, c.olivia)}
    assert set(got) == {"申报名牌", "超市评比", "服务承诺", "名牌复审"}
    assert got["申报名牌"] == (
        2010,
        1,
        "提高产品质量",
        "1-1 名牌培育",
        "申报名牌",
        "质监局",
        "王副市长",
        dt.datetime(2010, 6, 30),
        None,
        "逾期未完成 90天",
        0,
        None,
        "否",
    )
    assert got["超市评比"][9] == "临期"
    assert got["服务承诺"][3] is None and got["服务承诺"][6] == "李副市长"  # no sub-item
    assert got["名牌复审"][9:12] == ("逾期完成 3天", 100, dt.datetime(2010, 5, 3))
    # Most urgent first, as on the page.
    assert names(client, c.olivia)[0] == "申报名牌"


def test_rows_are_scoped_to_the_reader(listed, client):
    c = listed
    assert set(names(client, c.alice)) == {"申报名牌", "名牌复审"}
    assert set(names(client, c.bob)) == {"超市评比", "服务承诺"}
    assert set(names(client, c.victor)) == {"申报名牌", "超市评比", "名牌复审"}
    # A filter naming another unit does not widen a clerk's rows.
    assert set(names(client, c.alice, f"?unit={c.shangwu.pk}")) <= {"申报名牌", "名牌复审"}


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/milestones/export.xlsx")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?colour=red", {"申报名牌"}),
        ("?colour=amber", {"超市评比"}),
        ("?colour=late", {"名牌复审"}),
        ("?colour=green", {"服务承诺"}),
        ("?q=名牌", {"申报名牌", "名牌复审"}),
        ("?q=第2项", {"服务承诺"}),
        ("?q=1-2", {"超市评比"}),
        ("?year=2009", set()),
    ],
)
def test_filters_of_the_list_apply(listed, client, query, expected):
    if query == "?year=2009":
        factories.PlanYearFactory(year=2009)
    assert set(names(client, listed.olivia, query)) == expected


def test_unit_and_mayor_filters(listed, client):
    c = listed
    assert set(names(client, c.olivia, f"?unit={c.shangwu.pk}")) == {"超市评比", "服务承诺"}
    assert set(names(client, c.olivia, f"?mayor={c.other_mayor.pk}")) == {"服务承诺"}


def test_open_supervision_is_flagged_with_its_level(listed, client):
    c = listed
    level = factories.ladder()[1]  # 督办
    service.supervision_send(milestones=[c.ms_zhijian], level=level, sender=c.olivia)
    got = {r[4]: r[12] for r in rows(client, c.olivia)}
    assert got["申报名牌"] == "是（督办）"
    assert got["超市评比"] == "否"


def test_cells_cannot_smuggle_formulas(listed, client):
    c = listed
    c.ms_project2.name = '=HYPERLINK("http://evil.example","点我")'
    c.ms_project2.save()
    c.project2.name = "@SUM(1+1)"
    c.project2.save()
    client.force_login(c.olivia)
    response = client.get("/milestones/export.xlsx?colour=green")
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(sheet.iter_rows(min_row=3, values_only=True))
    assert row[4] == "'" + c.ms_project2.name
    assert row[2] == "'@SUM(1+1)"
    assert sheet.cell(row=3, column=5).data_type == "s"


def test_milestone_list_links_the_export_with_its_filters(listed, client):
    c = listed
    client.force_login(c.olivia)
    html = client.get(f"/milestones/?unit={c.zhijian.pk}&colour=red&page=2").content.decode()
    assert f'href="/milestones/export.xlsx?unit={c.zhijian.pk}&amp;colour=red"' in html
    assert "导出 Excel" in html
