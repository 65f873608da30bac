"""Each report's version changes when what it prints changes, and only then
(``documents.cache.report_version``): the cached PDF survives a clerk's
submission elsewhere. Real SQL, one query per version."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt

import pytest

from assessment.models import AssessmentScheme
from documents.cache import data_version, report_version
from projects.access import Portion
from projects.services.progress import (
    progress_report_accept,
    progress_report_head_approve,
    progress_report_submit,
)
from tests import factories
from tests.documents.pdf_support import _empty_pdf_cache, demo_day  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = dt.date(2010, 9, 30)
KINDS = ("annual", "bulletin", "responsibility", "unit")


def _params(city, kind: str, portion: str = "city", unit=None) -> dict:
    """The parameters ``documents.pdfs`` builds for each kind."""
    if kind == "bulletin":
        return {"as_of": TODAY, "window": 7, "portion": portion}
    if kind == "responsibility":
        return {"year": 2010, "portion": portion}
    if kind == "unit":
        return {"year": 2010, "unit": (unit or city.zhijian).pk, "today": TODAY, "window": 7}
    return {"year": 2010, "today": TODAY, "window": 7, "portion": portion}


def _versions(city, **kwargs) -> dict[str, str | None]:
    return {kind: report_version(kind, _params(city, kind, **kwargs)) for kind in KINDS}


def _changed(before: dict, after: dict) -> set[str]:
    return {kind for kind in before if before[kind] != after[kind]}


def _later(demo_day) -> None:
    """Saves after this are stamped later (``updated_at`` has a resolution)."""
    demo_day.shift(dt.timedelta(seconds=2))


def test_a_report_waiting_for_review_changes_no_reports_version(demo_day, city):
    before, year_before = _versions(city), data_version(2010)

    _later(demo_day)
    progress_report_submit(
        milestone=city.ms_zhijian,
        author=city.alice,
        status="in_progress",
        percent=60,
        narrative="推进中",
    )

    assert data_version(2010) != year_before  # the submission was stored
    assert _changed(before, _versions(city)) == set()


def test_an_accepted_report_changes_every_report_printing_the_milestone(demo_day, city):
    report = progress_report_submit(
        milestone=city.ms_zhijian,
        author=city.alice,
        status="done",
        percent=100,
        narrative="已完成",
        done_date=dt.date(2010, 6, 20),
    )
    report = progress_report_head_approve(report=report, user=city.helen)
    before = _versions(city)

    _later(demo_day)
    progress_report_accept(report=report, user=city.olivia)

    assert _changed(before, _versions(city)) == set(KINDS)


def test_another_units_sub_item_leaves_a_unit_card_alone(demo_day, city):
    before = _versions(city)

    _later(demo_day)
    city.sub_shangwu.name = "商贸流通提升"
    city.sub_shangwu.save()

    assert _changed(before, _versions(city)) == {"annual", "bulletin", "responsibility"}


def test_a_units_own_sub_item_changes_its_card(demo_day, city):
    before = _versions(city)

    _later(demo_day)
    city.sub_zhijian.name = "名牌培育提升"
    city.sub_zhijian.save()

    assert "unit" in _changed(before, _versions(city))


def test_an_indicator_changes_the_reports_that_print_indicators(demo_day, city):
    indicator = factories.IndicatorFactory(project=city.project1, subitem=city.sub_zhijian)
    before = _versions(city)
    shangwu_card = report_version("unit", _params(city, "unit", unit=city.shangwu))

    _later(demo_day)
    indicator.actual = 5
    indicator.save()

    assert _changed(before, _versions(city)) == {"annual", "unit"}
    assert report_version("unit", _params(city, "unit", unit=city.shangwu)) == shangwu_card


def test_a_new_assignment_changes_the_responsibility_table_not_the_bulletin(demo_day, city):
    before = _versions(city)

    factories.ProjectUnitFactory(project=city.project2, unit=city.zhijian, is_lead=False)

    changed = _changed(before, _versions(city))
    assert "responsibility" in changed and "annual" in changed and "unit" in changed
    assert "bulletin" not in changed


def test_an_assessment_change_reaches_the_annual_report_and_cards_only(demo_day, city):
    before = _versions(city)

    AssessmentScheme.objects.create(year=2010, name="2010年度市直部门考核办法")

    assert _changed(before, _versions(city)) == {"annual", "unit"}


def test_a_vice_mayors_reports_ignore_milestones_outside_the_portfolio(demo_day, city):
    portfolio = Portion(city.victor).key
    assert portfolio.startswith("mayor:")
    before = _versions(city, portion=portfolio)
    city_before = _versions(city)

    _later(demo_day)
    city.ms_project2.name = "服务承诺公示"  # project 2: the other vice-mayor's
    city.ms_project2.save()

    assert _changed(before, _versions(city, portion=portfolio)) <= {"unit"}
    assert {"annual", "bulletin", "responsibility"} <= _changed(city_before, _versions(city))

    _later(demo_day)
    city.ms_zhijian.name = "申报省级名牌"  # project 1: victor's
    city.ms_zhijian.save()

    assert {"annual", "bulletin", "responsibility"} <= _changed(
        before, _versions(city, portion=portfolio)
    )


def test_a_deleted_milestone_changes_the_reports_that_listed_it(city):
    before = _versions(city)

    city.ms_project2.delete()

    assert _changed(before, _versions(city)) == set(KINDS)


def test_renaming_a_unit_changes_every_report(demo_day, city):
    before = _versions(city)

    _later(demo_day)
    city.zhijian.full_name = "诸城市质量技术监督局"
    city.zhijian.save()

    assert _changed(before, _versions(city)) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_a_version_is_one_query(city, kind, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert report_version(kind, _params(city, kind))


def test_a_year_without_a_plan_has_no_version(db):
    assert report_version("annual", {"year": 1999, "portion": "city"}) is None
    assert report_version("bulletin", {"as_of": dt.date(1999, 5, 1), "portion": "city"}) is None
