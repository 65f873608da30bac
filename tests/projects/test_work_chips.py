"""/my/'s count chips filter the list (issue 14), and milestones whose newest
report waits for a decision carry a 待审核 badge on the overdue lists."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt
import re

import pytest
from django.urls import reverse

from projects.models import ProgressReport
from tests import factories
from tests.projects.reporting_support import frozen  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

BADGE = '<span class="badge in-review">待审核</span>'


@pytest.fixture
def bobs_year(city, frozen):
    """On 2010-09-28 商务局 has: 季度调度 overdue and unreported, 超市评比 due soon
    with a report waiting for review, 服务承诺 not due with a returned report."""
    overdue = factories.MilestoneFactory(
        project=city.project1,
        subitem=city.sub_shangwu,
        unit=city.shangwu,
        name="季度调度",
        due_date=dt.date(2010, 8, 31),
    )
    factories.make_report(city.ms_shangwu, city.bob)
    factories.make_report(
        city.ms_project2,
        city.bob,
        review_state=ProgressReport.Review.RETURNED,
        return_reason="缺少照片",
    )
    return overdue


def chip(html: str, label: str) -> tuple[str, int, bool]:
    """(href, count, current) of the chip named ``label``."""
    match = re.search(
        r'<a href="([^"]*)"( aria-current="true")?>' + label + r" <strong>(\d+)</strong></a>", html
    )
    assert match, label
    return match.group(1), int(match.group(3)), bool(match.group(2))


def names(response) -> list[str]:
    return [m.name for m in response.context["milestones"]]


def test_each_chip_links_to_the_list_of_what_it_counts(client, city, bobs_year):
    client.force_login(city.bob)
    html = client.get(reverse("my_work")).content.decode()
    assert chip(html, "全部") == ("?", 3, True)
    expected = {
        "逾期未完成": ["季度调度"],
        "临期": ["超市评比"],
        "逾期完成": [],
        "已退回": ["服务承诺"],
        "待审核": ["超市评比"],
        "未填报": ["季度调度"],
    }
    for label, wanted in expected.items():
        href, count, current = chip(html, label)
        assert href.startswith("?show=") and not current
        response = client.get(reverse("my_work") + href)
        assert names(response) == wanted, label
        assert count == len(wanted)
        listed = response.content.decode()
        assert chip(listed, label)[2], f"{label} is not marked current on its own list"
        assert not chip(listed, "全部")[2]


def test_chips_keep_the_year_and_an_unknown_chip_shows_everything(client, city, bobs_year):
    client.force_login(city.bob)
    html = client.get(reverse("my_work") + "?year=2010").content.decode()
    assert chip(html, "逾期未完成")[0] == "?year=2010&amp;show=red"
    assert chip(html, "全部")[0] == "?year=2010"
    response = client.get(reverse("my_work") + "?show=nonsense")
    assert len(names(response)) == 3


def test_an_empty_chip_says_so_and_offers_the_whole_list(client, city, bobs_year):
    client.force_login(city.bob)
    html = client.get(reverse("my_work") + "?show=late").content.decode()
    assert "没有符合条件的进度节点。" in html


def test_a_milestone_waiting_for_review_is_marked_on_the_work_list(client, city, bobs_year):
    client.force_login(city.bob)
    html = client.get(reverse("my_work") + "?show=waiting").content.decode()
    assert html.count(BADGE) == 1
    html = client.get(reverse("my_work") + "?show=red").content.decode()
    assert BADGE not in html


def test_overdue_lists_mark_the_milestones_waiting_for_review(client, city, bobs_year):
    # 申报名牌 (质监局) is overdue and reported; 季度调度 is overdue and not
    factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.olivia)
    listing = client.get(reverse("milestone_list") + "?colour=red").content.decode()
    rows = re.findall(r"<tr class=\"row-red\">.*?</tr>", listing, re.S)
    assert len(rows) == 2
    marked = [row for row in rows if BADGE in row]
    assert len(marked) == 1 and "申报名牌" in marked[0]
    home = client.get(reverse("home")).content.decode()
    overdue = home[home.index('id="dash-overdue-title"') : home.index('id="dash-soon-title"')]
    assert overdue.count(BADGE) == 1 and "申报名牌" in overdue


def test_a_decided_report_is_not_marked(client, city, bobs_year):
    factories.make_report(
        city.ms_zhijian,
        city.alice,
        review_state=ProgressReport.Review.RETURNED,
        return_reason="补充",
    )
    client.force_login(city.olivia)
    listing = client.get(reverse("milestone_list") + "?colour=red").content.decode()
    assert BADGE not in listing
