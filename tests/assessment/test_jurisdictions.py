"""Assessment by jurisdiction (issue 17): each scheme belongs to a jurisdiction
and assesses that jurisdiction's units; a user reads their own jurisdiction's
schemes, the office of a higher one reads those below it read-only, any other
jurisdiction's is a 404; and the Taizhou two-level assessment, where the city's
county scheme credits the titles earned in each county's own township scheme
and measures the county on its own programme.

The small city (``tests.conftest``) is the home jurisdiction 诸城市; below it two
counties, 甲县 and 乙县, each with its townships, its own township scheme and
its own plan of 2010.
"""

import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assessment import access, selectors, services
from assessment.models import (
    AssessmentEntry,
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    ItemScore,
    TitleAward,
)
from assessment.scoring import RuleKind as K
from projects.models import Milestone, PlanYear, Project
from responsibility import roles
from responsibility.models import Unit, home_jurisdiction
from tests import factories
from tests.assessment import builders

TITLE = "质量先进乡镇(街道)"
YEAR = 2010


@dataclasses.dataclass
class County:
    unit: Unit
    townships: dict[str, Unit]
    scheme: AssessmentScheme  # its own township scheme
    work: AssessmentItem  # the township scheme's one item
    office: object  # a reviewer of the county's own office


def _county(name: str, townships: list[str], milestones: list[dt.date | None]) -> County:
    county = Unit.objects.create(name=name, kind=Unit.Kind.COUNTY, jurisdiction=home_jurisdiction())
    towns = {
        t: Unit.objects.create(name=t, kind=Unit.Kind.TOWNSHIP, jurisdiction=county, parent=county)
        for t in townships
    }
    office_unit = Unit.objects.create(
        name=f"{name}政府办公室", kind=Unit.Kind.OFFICE, jurisdiction=county
    )
    office = factories.make_user(f"office_{county.pk}", roles.REVIEWER, office_unit)
    scheme = builders.scheme(
        YEAR,
        Unit.Kind.TOWNSHIP,
        jurisdiction=county,
        name=f"{YEAR}年度{name}创建质量先进乡镇(街道)考核办法",
        title_name=TITLE,
        title_from=D(90),
    )
    work = builders.item(builders.category(scheme, "质量工作", 100), "质量工作目标", K.FIXED, 100)
    # The county's own programme: one project, a milestone per due date given
    # (done on its due date; None: not done).
    plan = PlanYear.objects.create(
        jurisdiction=county, year=YEAR, title=f"{YEAR}年{name}质量兴县工作责任制"
    )
    bureau = Unit.objects.create(name=f"{name}质监局", kind=Unit.Kind.BUREAU, jurisdiction=county)
    project = factories.ProjectFactory(plan=plan, number=1, name=f"{name}质量提升", mayor=None)
    factories.ProjectUnitFactory(project=project, unit=bureau, is_lead=True)
    for i, done in enumerate(milestones):
        factories.MilestoneFactory(
            project=project,
            unit=bureau,
            name=f"{name}节点{i}",
            due_date=dt.date(YEAR, 6, 30),
            done_date=done,
            status=Milestone.Status.DONE if done else Milestone.Status.NOT_STARTED,
        )
    return County(county, towns, scheme, work, office)


@pytest.fixture
def counties(city, settings):
    settings.ZHUCHENG_TODAY = f"{YEAR + 1}-01-10"  # every 2010 milestone is due
    on_time = dt.date(YEAR, 6, 30)
    jia = _county("甲县", ["甲一镇", "甲二镇", "甲三镇"], [on_time, on_time])
    yi = _county("乙县", ["乙一镇", "乙二镇"], [on_time, None])
    return jia, yi


def _enter(county: County, states: dict[str, str], by) -> None:
    for town, state in states.items():
        services.assessment_enter_raw(
            item=county.work,
            unit=county.townships[town],
            by=by,
            reason="县考核组考核",
            state=state,
            recompute=False,
        )


def _city_county_scheme() -> tuple[AssessmentScheme, AssessmentItem]:
    scheme = builders.scheme(
        YEAR,
        Unit.Kind.COUNTY,
        name=f"{YEAR}年度县(市、区)质量工作目标责任制考核办法",
        child_title_points=D(1),
        child_title_name=TITLE,
    )
    cat = builders.category(scheme, "质量兴县工作", 100)
    duty = builders.item(cat, "质量兴县工作纳入政府目标考核", K.FIXED, 80)
    builders.item(
        cat,
        "本县进度节点按期完成率",
        K.TIERS,
        20,
        order=2,
        tiers="0-60:0; 60-100:10; 100-:20",
        source=AssessmentItem.Source.UNIT_MILESTONES,
    )
    return scheme, duty


# --- Assessed units: the scheme's jurisdiction's only ----------------------------------


def test_a_scheme_assesses_the_units_of_its_own_jurisdiction_only(city, counties):
    jia, yi = counties
    city_bureaus = builders.bureau_scheme(YEAR)
    services.assessment_compute(scheme=city_bureaus)
    assessed = set(
        AssessmentResult.objects.filter(scheme=city_bureaus).values_list("unit__name", flat=True)
    )
    assert assessed == {"质监局", "商务局"}  # not 甲县质监局 nor 乙县质监局
    services.assessment_compute(scheme=jia.scheme)
    assert set(
        AssessmentResult.objects.filter(scheme=jia.scheme).values_list("unit__name", flat=True)
    ) == {"甲一镇", "甲二镇", "甲三镇"}
    # The year's schemes of a jurisdiction, and the home jurisdiction's by default.
    assert selectors.schemes_for_year(YEAR) == [city_bureaus]
    assert selectors.schemes_for_year(YEAR, jia.unit) == [jia.scheme]
    assert list(AssessmentScheme.objects.for_year(YEAR, yi.unit.pk)) == [yi.scheme]


def test_copy_to_next_year_keeps_the_jurisdiction(city, counties):
    jia, yi = counties
    copy = services.scheme_copy_to_next_year(scheme=jia.scheme)
    assert (copy.jurisdiction_id, copy.year) == (jia.unit.pk, YEAR + 1)
    # The other county may copy its own scheme to the same year.
    assert services.scheme_copy_to_next_year(scheme=yi.scheme).jurisdiction_id == yi.unit.pk


# --- Two-level assessment ---------------------------------------------------------------


def test_two_level_assessment_end_to_end(city, counties):
    jia, yi = counties
    _enter(jia, {"甲一镇": "done", "甲二镇": "done", "甲三镇": "not_done"}, jia.office)
    _enter(yi, {"乙一镇": "done", "乙二镇": "not_done"}, yi.office)
    scheme, duty = _city_county_scheme()
    for county in (jia, yi):
        services.assessment_enter_raw(
            item=duty, unit=county.unit, by=city.olivia, reason="市考核组考核", state="done"
        )
    # The city's county scheme waits for the counties' township schemes.
    assert not AssessmentResult.objects.filter(scheme=scheme).exists()
    with pytest.raises(services.ChildrenNotComputed) as refused:
        services.assessment_compute(scheme=scheme, by=city.olivia)
    assert "甲县" in refused.value.messages[0] and "尚未计算" in refused.value.messages[0]

    # The year of the city computes below first: the counties' townships, then the city.
    summaries = services.assessment_compute_year(year=YEAR)
    assert [s.scheme for s in summaries][-1] == scheme
    assert {s.scheme for s in summaries[:2]} == {jia.scheme, yi.scheme}
    titled = set(
        TitleAward.objects.filter(year=YEAR, name=TITLE).values_list("unit__name", flat=True)
    )
    assert titled == {"甲一镇", "甲二镇", "乙一镇"}

    table = selectors.assessment_table(YEAR, Unit.Kind.COUNTY)
    got = {r.unit.name: (r.title_points, r.total, r.rank) for r in table.rows}
    # 甲县: 80 + its own plan 2 of 2 on time (100% → 20) + 2 titled townships = 102
    # 乙县: 80 + its own plan 1 of 2 (50% → 0) + 1 titled township = 81
    assert got == {"甲县": (D(2), D(102), 1), "乙县": (D(1), D(81), 2)}
    jia_result = AssessmentResult.objects.get(scheme=scheme, unit=jia.unit)
    assert (jia_result.milestones_due, jia_result.milestones_due_on_time) == (2, 2)
    yi_result = AssessmentResult.objects.get(scheme=scheme, unit=yi.unit)
    assert (yi_result.milestones_due, yi_result.milestones_due_on_time) == (2, 1)

    # A township loses its title in the county's scheme: the city counts one fewer.
    services.assessment_enter_raw(
        item=jia.work, unit=jia.townships["甲二镇"], by=jia.office, reason="复核", state="not_done"
    )
    services.assessment_compute(scheme=scheme, by=city.olivia)
    table = selectors.assessment_table(YEAR, Unit.Kind.COUNTY)
    assert {r.unit.name: r.total for r in table.rows} == {"甲县": D(101), "乙县": D(81)}


def test_the_counties_schemes_are_computed_before_the_citys_in_the_view(client, city, counties):
    """The compute page of the city's county scheme says in Chinese what is missing."""
    scheme, _duty = _city_county_scheme()
    client.force_login(city.olivia)
    response = client.post(
        reverse("assessment_compute", kwargs={"year": YEAR}), {"scheme": scheme.pk}, follow=True
    )
    html = response.content.decode()
    assert "甲县" in html and "尚未计算" in html


# --- Scoping ------------------------------------------------------------------------------


def _ranking(year=YEAR, j=None):
    url = reverse("assessment_ranking", kwargs={"year": year})
    return f"{url}?j={j}" if j else url


def _item(unit, item):
    return reverse("assessment_item", kwargs={"year": YEAR, "unit_id": unit.pk, "item_id": item.pk})


def _card(unit):
    return reverse("assessment_unit", kwargs={"year": YEAR, "unit_id": unit.pk})


def test_own_jurisdiction_reads_and_writes(client, counties):
    jia, _yi = counties
    client.force_login(jia.office)
    html = client.get(_ranking()).content.decode()
    assert jia.scheme.name in html
    town = jia.townships["甲一镇"]
    response = client.post(_item(town, jia.work), {"entry": "1", "state": "done", "reason": "合格"})
    assert response.status_code == 302
    assert AssessmentEntry.objects.filter(item=jia.work, unit=town).exists()
    response = client.post(
        reverse("assessment_compute", kwargs={"year": YEAR}), {"scheme": jia.scheme.pk}
    )
    assert response.status_code == 302
    html = client.get(_ranking()).content.decode()
    assert "甲一镇" in html and "乙一镇" not in html
    assert client.get(_card(town)).status_code == 200


def test_sibling_jurisdiction_is_not_found(client, counties):
    jia, yi = counties
    services.assessment_compute(scheme=yi.scheme)
    client.force_login(jia.office)
    # ?j= of a jurisdiction the user may not read: their own instead.
    html = client.get(_ranking(j=yi.unit.pk)).content.decode()
    assert yi.scheme.name not in html and "乙一镇" not in html
    town = yi.townships["乙一镇"]
    assert client.get(_card(town)).status_code == 404
    assert client.get(_item(town, yi.work)).status_code == 404
    response = client.post(_item(town, yi.work), {"entry": "1", "state": "done", "reason": "x"})
    assert response.status_code == 404
    for name in ("assessment_compute", "assessment_stage"):
        response = client.post(
            reverse(name, kwargs={"year": YEAR}), {"scheme": yi.scheme.pk, "target": "self"}
        )
        assert response.status_code == 404, name
    assert not AssessmentEntry.objects.filter(item=yi.work).exists()
    assert access.can_read_jurisdiction(jia.office, jia.unit.pk)
    assert not access.can_read_jurisdiction(jia.office, yi.unit.pk)


def test_the_parent_office_reads_below_and_changes_nothing(client, city, counties):
    jia, _yi = counties
    _enter(jia, {"甲一镇": "done"}, jia.office)
    services.assessment_compute(scheme=jia.scheme)
    client.force_login(city.olivia)
    response = client.get(_ranking(j=jia.unit.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert jia.scheme.name in html and "甲一镇" in html and "只读" in html
    assert "重新计算" not in html  # no compute button
    town = jia.townships["甲一镇"]
    card = client.get(_card(town)).content.decode()
    assert f"?kind=township&amp;j={jia.unit.pk}" in card  # back to the county's ranking
    assert client.get(_item(town, jia.work)).status_code == 200
    # Every write is refused.
    for data in (
        {"entry": "1", "state": "not_done", "reason": "改"},
        {"override": "1", "points": "50", "reason": "改"},
    ):
        assert client.post(_item(town, jia.work), data).status_code == 403
    for name in ("assessment_compute", "assessment_stage"):
        response = client.post(
            reverse(name, kwargs={"year": YEAR}), {"scheme": jia.scheme.pk, "target": "self"}
        )
        assert response.status_code == 403, name
    jia.scheme.refresh_from_db()
    assert jia.scheme.stage == "draft"
    assert AssessmentEntry.objects.get(item=jia.work, unit=town).state == "done"
    with pytest.raises(PermissionDenied):
        services.assessment_compute(scheme=jia.scheme, by=city.olivia)
    with pytest.raises(PermissionDenied):
        services.assessment_enter_raw(
            item=jia.work, unit=town, by=city.olivia, reason="改", state="not_done"
        )
    assert not access.can_edit(city.olivia, jia.scheme)
    assert not access.can_move(city.olivia, jia.scheme, "self")
    # The county's office does not read the city's.
    client.force_login(jia.office)
    assert client.get(_card(city.zhijian)).status_code == 404


def test_a_county_is_measured_on_its_own_plans_indicators_and_milestones(city, counties):
    jia, yi = counties
    for county, actual in ((jia, 12), (yi, 3)):
        project = Project.objects.get(plan__jurisdiction=county.unit)
        factories.IndicatorFactory(project=project, target=10, actual=actual)
    scheme = builders.scheme(YEAR, Unit.Kind.COUNTY, name="县市区考核办法")
    cat = builders.category(scheme, "质量兴县工作", 100)
    builders.item(cat, "其他工作", K.FIXED, 90)
    indicators = builders.item(
        cat,
        "本县量化指标达标",
        K.FIXED,
        10,
        order=2,
        source=AssessmentItem.Source.UNIT_INDICATORS,
    )
    services.assessment_compute(scheme=scheme)
    scores = {
        s.result.unit.name: (s.raw_state, s.points)
        for s in ItemScore.objects.filter(item=indicators).select_related("result__unit")
    }
    assert scores == {"甲县": ("done", D(10)), "乙县": ("not_done", D(0))}
    # What cost 乙县 points on its milestones: the one of its own plan not done.
    milestones = builders.item(
        cat, "节点", K.TIERS, 0, order=3, tiers="0-:0", source=AssessmentItem.Source.UNIT_MILESTONES
    )
    cost = selectors.cost_of(milestones, yi.unit, today=dt.date(YEAR + 1, 1, 10), user=city.olivia)
    assert [m.name for m in cost.milestones] == ["乙县节点1"]


def test_the_public_notice_is_per_jurisdiction(client, city, counties):
    from tests.assessment.public_support import make_public

    jia, _yi = counties
    _enter(jia, {"甲一镇": "done"}, jia.office)
    make_public(jia.scheme)
    home = reverse("public_year", kwargs={"year": YEAR})
    assert client.get(home).status_code == 404  # the city has nothing public in 2010
    html = client.get(f"{home}?j={jia.unit.pk}").content.decode()
    assert jia.scheme.name in html and "甲一镇" in html and "乙一镇" not in html
    index = client.get(reverse("public_index") + f"?j={jia.unit.pk}").content.decode()
    assert f"?j={jia.unit.pk}" in index
    assert client.get(f"{home}?j=abc").status_code == 400


def test_the_city_office_computing_its_year_does_not_compute_the_counties(city, counties):
    jia, yi = counties
    scheme, _duty = _city_county_scheme()
    with pytest.raises(services.ChildrenNotComputed):
        services.assessment_compute_year(year=YEAR, by=city.olivia)
    services.assessment_compute(scheme=jia.scheme, by=jia.office)
    services.assessment_compute(scheme=yi.scheme, by=yi.office)
    summaries = services.assessment_compute_year(year=YEAR, by=city.olivia)
    assert [s.scheme for s in summaries] == [scheme]
