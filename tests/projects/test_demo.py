from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import override_settings

from projects.models import Milestone, PlanYear, ProgressReport, Project, SubItem
from responsibility.jurisdictions import user_jurisdiction
from responsibility.models import Person, Unit, ViceMayor, home_jurisdiction
from tests.conftest import DEMO_DAY

HOME = {"plan__jurisdiction__name": "诸城市"}  # the demo's own city, beside its sample county


def load(*, sample_county=False):
    out = StringIO()
    with override_settings(ZHUCHENG_DEMO_SAMPLE_COUNTY=sample_county):
        call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_with_sample_county(demo_loaded, django_db_blocker) -> str:
    """The demo loaded again with its sample county (示例县) on the demo's day;
    the module's data is flushed with ``demo_loaded``'s."""
    with django_db_blocker.unblock(), time_machine.travel(DEMO_DAY, tick=False):
        return load(sample_county=True)


@pytest.mark.django_db
def test_load_demo_builds_the_2010_plan_with_33_projects(demo_loaded):
    output = demo_loaded
    plan = PlanYear.objects.get(year=2010, jurisdiction__name="诸城市")
    assert plan.jurisdiction == home_jurisdiction()
    assert plan.projects.count() == 33
    assert sorted(plan.projects.values_list("number", flat=True)) == list(range(1, 34))
    assert "Zhucheng@2010" in output and "dubanshi" in output


@pytest.mark.django_db
def test_load_demo_uses_the_real_facts_of_project_16(demo_loaded):
    project = Project.objects.for_year(2010).filter(**HOME).get(number=16)
    assert str(project) == "第16项 提高服务质量"
    assignments = list(project.assignments.select_related("unit", "person"))
    assert [(a.unit.name, a.person.name, a.is_lead) for a in assignments] == [
        ("商务局", "陈建民", True),
        ("卫生局", "钟兆湘", False),
    ]
    assert len(project.trade_list) == 15
    assert not project.is_sample


@pytest.mark.django_db
def test_load_demo_quality_bureau_carries_8_projects_and_16_sub_items(demo_loaded):
    zhijian = Unit.objects.get(name="质监局", jurisdiction__name="诸城市")
    lead = Project.objects.for_year(2010).filter(
        assignments__unit=zhijian, assignments__is_lead=True
    )
    assert lead.count() == 8
    assert SubItem.objects.for_year(2010).for_unit(zhijian).count() == 16


@pytest.mark.django_db
def test_load_demo_has_20_bureaus_persons_and_mayors(demo_loaded):
    home = home_jurisdiction()
    bureaus = Unit.objects.filter(kind=Unit.Kind.BUREAU, jurisdiction=home)
    assert bureaus.count() == 20
    assert not bureaus.filter(is_sample=True).exists()
    assert all(u.assignments.exists() for u in bureaus)
    assert Person.objects.filter(unit__in=bureaus).count() == 20
    assert ViceMayor.objects.filter(jurisdiction=home).count() == 5
    assert not Project.objects.for_year(2010).filter(mayor__isnull=True).exists()
    assert ViceMayor.objects.get(user__username="fushizhang").projects.exists()


@pytest.mark.django_db
def test_load_demo_shows_all_three_colours_on_its_demo_date(demo_loaded, settings):
    settings.ZHUCHENG_TODAY = "2010-09-30"
    milestones = Milestone.objects.for_year(2010)
    assert milestones.overdue().exists()
    assert milestones.due_within(7).exists()
    assert milestones.done().exists()
    assert ProgressReport.objects.filter(review_state="accepted").exists()


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_logins_work(demo_with_sample_county):
    def counts():
        return (
            Unit.objects.count(),
            ViceMayor.objects.count(),
            Person.objects.count(),
            PlanYear.objects.count(),
            Project.objects.count(),
            SubItem.objects.count(),
            Milestone.objects.count(),
            ProgressReport.objects.count(),
        )

    before = counts()
    with time_machine.travel(DEMO_DAY, tick=False):
        load(sample_county=True)
        assert counts() == before
        load()  # without the sample county: it is left as it is
    assert counts() == before
    for username in (
        "zhijian",
        "shangwu",
        "zhijian_head",
        "dubanshi",
        "fushizhang",
        "admin",
        "shili_ban",
        "shili_zhijian",
    ):
        assert authenticate(username=username, password="Zhucheng@2010") is not None


@pytest.mark.django_db
def test_every_demo_unit_mayor_and_plan_names_its_jurisdiction(demo_with_sample_county):
    home = home_jurisdiction()
    assert home.name == "诸城市" and home.kind == Unit.Kind.CITY and home.jurisdiction is None
    assert not Unit.objects.filter(jurisdiction__isnull=True).exclude(pk=home.pk).exists()
    assert not ViceMayor.objects.exclude(jurisdiction__in=Unit.objects.jurisdictions()).exists()
    assert set(PlanYear.objects.values_list("jurisdiction__name", flat=True)) == {
        "诸城市",
        "示例县",
    }


@pytest.mark.django_db
def test_make_run_loads_the_sample_county_and_the_setting_leaves_it_out(demo_loaded):
    assert "shili_ban" in demo_loaded  # the default, as make run loads it
    with time_machine.travel(DEMO_DAY, tick=False):
        alone = load(sample_county=False)
    assert "shili_ban" not in alone
    assert PlanYear.objects.filter(year=2010, jurisdiction__name="诸城市").exists()


@pytest.mark.django_db
def test_load_demo_adds_a_sample_county_under_zhucheng(demo_with_sample_county):
    county = Unit.objects.get(name="示例县")
    assert county.kind == Unit.Kind.COUNTY and county.is_sample
    assert county.jurisdiction == home_jurisdiction()
    assert "示例" in county.full_name
    units = Unit.objects.filter(jurisdiction=county)
    assert units.filter(kind=Unit.Kind.OFFICE).count() == 1
    assert units.filter(kind=Unit.Kind.BUREAU).count() >= 2
    assert not units.filter(is_sample=False).exists()
    # Names are unique per jurisdiction only: the county has its own 质监局.
    assert Unit.objects.filter(name="质监局").count() == 2

    plan = PlanYear.objects.get(jurisdiction=county, year=2010)
    assert "示例" in plan.title
    assert plan.projects.count() >= 3
    assert not plan.projects.filter(is_sample=False).exists()
    assert (
        not Project.objects.filter(plan=plan)
        .exclude(assignments__unit__jurisdiction=county)
        .exists()
    )


@pytest.mark.django_db
def test_the_sample_countys_milestones_are_done_late_and_due_soon(
    demo_with_sample_county, settings
):
    settings.ZHUCHENG_TODAY = "2010-09-30"
    milestones = Milestone.objects.filter(project__plan__jurisdiction__name="示例县")
    assert milestones.done_on_time().exists()
    assert milestones.done_late().exists()
    assert milestones.overdue().exists()
    assert milestones.due_within(7).exists()
    assert ProgressReport.objects.filter(milestone__in=milestones).exists()


@pytest.mark.django_db
def test_the_sample_countys_users_work_for_the_county(demo_with_sample_county):
    from django.contrib.auth import get_user_model

    from responsibility import roles

    county = Unit.objects.get(name="示例县")
    User = get_user_model()
    office = User.objects.get(username="shili_ban")
    clerk = User.objects.get(username="shili_zhijian")
    assert roles.has_role(office, roles.REVIEWER) and roles.has_role(clerk, roles.CLERK)
    assert office.membership.unit.kind == Unit.Kind.OFFICE
    assert clerk.membership.unit.name == "质监局"
    assert user_jurisdiction(office) == county == user_jurisdiction(clerk)
    assert user_jurisdiction(User.objects.get(username="zhijian")) == home_jurisdiction()
    assert "shili_ban" in demo_with_sample_county and "shili_zhijian" in demo_with_sample_county
