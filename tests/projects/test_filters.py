"""The project list: each filter alone and combined, sorting, paging, the XLSX
export of a filtered list, portfolio limits and bad input."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from projects.models import Category, Milestone
from tests import factories

FROZEN = dt.datetime(2010, 9, 28, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def listed(city):
    """project 1 (产品, 质监局+商务局, 王副市长): one overdue milestone → red;
    project 2 (服务, 商务局, 李副市长): nothing due soon → green;
    project 3 (工程, 质监局, 王副市长): one milestone due in 2 days → amber."""
    with time_machine.travel(FROZEN, tick=False):
        city.project1.category = Category.PRODUCT
        city.project1.target = "培育中国名牌产品"
        city.project1.save()
        city.project2.category = Category.SERVICE
        city.project2.target = "超市、旅游等服务行业开展服务承诺"
        city.project2.save()
        city.ms_shangwu.due_date = dt.date(2010, 11, 30)  # project 1: only red
        city.ms_shangwu.save()
        city.project3 = factories.ProjectFactory(
            plan=city.plan,
            number=3,
            name="提升工程质量",
            category=Category.ENGINEERING,
            mayor=city.mayor,
        )
        factories.ProjectUnitFactory(project=city.project3, unit=city.zhijian)
        factories.MilestoneFactory(
            project=city.project3,
            unit=city.zhijian,
            due_date=dt.date(2010, 9, 30),
        )
        factories.MilestoneFactory(
            project=city.project3,
            unit=city.zhijian,
            due_date=dt.date(2010, 5, 30),
            done_date=dt.date(2010, 5, 1),
            status=Milestone.Status.DONE,
        )
        yield city


def numbers(client, user, query=""):
    client.force_login(user)
    response = client.get("/projects/" + query)
    assert response.status_code == 200
    return [p.number for p in response.context["page"].object_list]


def test_default_is_this_years_plan_sorted_by_number(listed, client):
    factories.ProjectFactory(plan=factories.PlanYearFactory(year=2009), number=7)
    assert numbers(client, listed.olivia) == [1, 2, 3]


def test_year_filter(listed, client):
    factories.ProjectFactory(plan=factories.PlanYearFactory(year=2009), number=7)
    assert numbers(client, listed.olivia, "?year=2009") == [7]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?category=service", [2]),
        ("?category=engineering", [3]),
        ("?colour=red", [1]),
        ("?colour=amber", [3]),
        ("?colour=green", [2]),
        ("?overdue=on", [1]),
        ("?q=服务", [2]),  # name
        ("?q=名牌", [1]),  # target
        ("?q=+超市+", [2]),  # target, spaces trimmed
    ],
)
def test_each_filter_alone(listed, client, query, expected):
    assert numbers(client, listed.olivia, query) == expected


def test_unit_and_mayor_filters(listed, client):
    c = listed
    assert numbers(client, c.olivia, f"?unit={c.zhijian.pk}") == [1, 3]
    assert numbers(client, c.olivia, f"?unit={c.shangwu.pk}") == [1, 2]
    assert numbers(client, c.olivia, f"?mayor={c.mayor.pk}") == [1, 3]
    assert numbers(client, c.olivia, f"?mayor={c.other_mayor.pk}") == [2]


def test_filters_combined(listed, client):
    c = listed
    assert numbers(client, c.olivia, f"?unit={c.zhijian.pk}&colour=amber") == [3]
    assert numbers(client, c.olivia, f"?unit={c.shangwu.pk}&q=产品") == [1]
    assert numbers(client, c.olivia, f"?mayor={c.mayor.pk}&overdue=on&category=product") == [1]
    assert numbers(client, c.olivia, f"?mayor={c.other_mayor.pk}&colour=red") == []


def test_sorting(listed, client):
    c = listed
    assert numbers(client, c.olivia, "?sort=-number") == [3, 2, 1]
    assert numbers(client, c.olivia, "?sort=-percent") == [3, 1, 2]  # 50%, 0%, 0%
    assert numbers(client, c.olivia, "?sort=-colour") == [1, 3, 2]
    assert numbers(client, c.olivia, "?sort=colour") == [2, 3, 1]
    assert numbers(client, c.olivia, "?sort=name") == sorted(
        [1, 2, 3], key=lambda n: {1: "提高产品质量", 2: "提高服务质量", 3: "提升工程质量"}[n]
    )


@pytest.mark.parametrize(
    "query",
    [
        "?unit=abc",
        "?unit=999999",
        "?mayor=-1",
        "?colour=purple",
        "?category=nonsense",
        "?sort=password",
        "?year=abc",
        "?year=1999",
        "?year=2010-01-01",
        "?overdue=maybe",
        "?page=999",
        "?page=abc",
        "?page=-1",
        "?q=" + "%" * 300,
    ],
)
def test_bad_input_is_a_normal_page(listed, client, query):
    client.force_login(listed.olivia)
    response = client.get("/projects/" + query)
    assert response.status_code == 200


def test_unknown_value_is_reported_next_to_its_field_and_ignored(listed, client):
    client.force_login(listed.olivia)
    response = client.get("/projects/?colour=purple&category=service")
    assert [p.number for p in response.context["page"].object_list] == [2]
    assert "无法识别的值，已忽略此条件。" in response.content.decode()


def test_paging_past_the_end_gives_the_last_page(listed, client):
    for n in range(4, 64):
        factories.ProjectFactory(plan=listed.plan, number=n)
    client.force_login(listed.olivia)
    assert len(client.get("/projects/").context["page"].object_list) == 50
    last = client.get("/projects/?page=2").context["page"]
    assert [p.number for p in last.object_list] == list(range(51, 64))
    assert client.get("/projects/?page=99").context["page"].number == 2
    html = client.get("/projects/?category=other&page=1").content.decode()
    assert "page=2" in html and "category=other" in html


def test_portfolio_limits_on_the_list(listed, client):
    c = listed
    assert numbers(client, c.victor) == [1, 3]
    assert numbers(client, c.alice) == [1, 3]
    assert numbers(client, c.bob) == [1, 2]
    # The unit filter offers only units the user may read.
    client.force_login(c.alice)
    units = client.get("/projects/").context["filterset"].form.fields["unit"].queryset
    assert list(units) == [c.zhijian]
    assert numbers(client, c.alice, f"?unit={c.shangwu.pk}") == [1, 3]  # ignored, not leaked


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[1][:3] == ("年度", "序号", "项目名称")
    return rows[2:]


def test_xlsx_export_of_a_filtered_list(listed, client):
    c = listed
    client.force_login(c.olivia)
    # ?format=xlsx on the list sends the reader to the export, which is built
    # through the file store (in this process: no broker in the tests).
    response = client.get(f"/projects/?format=xlsx&unit={c.zhijian.pk}&sort=-number", follow=True)
    assert response.redirect_chain[0][0].startswith("/projects/export.xlsx?")
    rows = read_xlsx(response)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (2010, 3, "提升工程质量"),
        (2010, 1, "提高产品质量"),
    ]
    assert rows[1][4] == "质监局、商务局"
    assert rows[0][9:15] == (0, 1, 0, 50, 100, "临期")  # red, amber, late, %, on time, status
    assert rows[1][9:15] == (1, 0, 0, 0, 0, "逾期未完成")
    rows = read_xlsx(client.get("/projects/export.xlsx?colour=green"))
    assert [r[1] for r in rows] == [2]


def test_xlsx_export_respects_the_portfolio(listed, client):
    client.force_login(listed.bob)
    rows = read_xlsx(client.get("/projects/export.xlsx"))
    assert [r[1] for r in rows] == [1, 2]


def test_xlsx_cells_cannot_smuggle_formulas(listed, client):
    c = listed
    c.project2.name = '=HYPERLINK("http://evil.example","点我")'
    c.project2.target = "+1+1"
    c.project2.save()
    client.force_login(c.olivia)
    response = client.get("/projects/export.xlsx?category=service")
    wb = load_workbook(io.BytesIO(response.content))
    row = next(wb.active.iter_rows(min_row=3, values_only=True))
    assert row[2] == "'" + c.project2.name
    assert row[15] == "'+1+1"
    cell = wb.active.cell(row=3, column=3)
    assert cell.data_type == "s"


def test_chosen_filter_values_stay_selected(listed, client):
    c = listed
    client.force_login(c.olivia)
    html = client.get(f"/projects/?unit={c.shangwu.pk}&colour=red&sort=-percent").content.decode()
    assert f'<option value="{c.shangwu.pk}" selected>商务局</option>' in html
    assert '<option value="red" selected>逾期未完成</option>' in html
    assert '<option value="late">逾期完成</option>' in html
    assert '<option value="-percent" selected>完成率（高到低）</option>' in html
    assert "descending" not in html


def test_colour_filter_offers_late_and_lists_projects_whose_worst_is_a_late_completion(
    listed, client
):
    c = listed
    with time_machine.travel(FROZEN, tick=False):
        # Project 2 finishes a milestone late and has nothing worse: 逾期完成.
        factories.MilestoneFactory(
            project=c.project2,
            unit=c.shangwu,
            due_date=dt.date(2010, 8, 31),
            done_date=dt.date(2010, 9, 20),
            status=Milestone.Status.DONE,
        )
        # Project 1 also finishes one late, but is still overdue elsewhere: 逾期未完成.
        factories.MilestoneFactory(
            project=c.project1,
            unit=c.zhijian,
            due_date=dt.date(2010, 4, 30),
            done_date=dt.date(2010, 5, 3),
            status=Milestone.Status.DONE,
        )
        assert numbers(client, c.olivia, "?colour=late") == [2]
        assert numbers(client, c.olivia, "?colour=red") == [1]
        assert numbers(client, c.olivia, "?colour=green") == []
        # Worst first: overdue, due soon, late, then on time.
        assert numbers(client, c.olivia, "?sort=-colour") == [1, 3, 2]
        html = client.get("/projects/?colour=late").content.decode()
        assert '<option value="late" selected>逾期完成</option>' in html
        assert '<span class="badge late">逾期完成</span>' in html
        rows = read_xlsx(client.get("/projects/export.xlsx?colour=late"))
        assert [(r[1], r[11], r[12], r[13], r[14]) for r in rows] == [(2, 1, 50, 0, "逾期完成")]
