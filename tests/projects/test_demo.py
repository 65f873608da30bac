from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from projects.models import Milestone, PlanYear, ProgressReport, Project, SubItem
from responsibility.models import Person, Unit, ViceMayor


def load():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_demo_builds_the_2010_plan_with_33_projects(demo_loaded):
    output = demo_loaded
    plan = PlanYear.objects.get(year=2010)
    assert plan.projects.count() == 33
    assert sorted(plan.projects.values_list("number", flat=True)) == list(range(1, 34))
    assert "Zhucheng@2010" in output and "dubanshi" in output


@pytest.mark.django_db
def test_load_demo_uses_the_real_facts_of_project_16(demo_loaded):
    project = Project.objects.for_year(2010).get(number=16)
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
    zhijian = Unit.objects.get(name="质监局")
    lead = Project.objects.for_year(2010).filter(
        assignments__unit=zhijian, assignments__is_lead=True
    )
    assert lead.count() == 8
    assert SubItem.objects.for_year(2010).for_unit(zhijian).count() == 16


@pytest.mark.django_db
def test_load_demo_has_20_bureaus_persons_and_mayors(demo_loaded):
    bureaus = Unit.objects.filter(kind=Unit.Kind.BUREAU)
    assert bureaus.count() == 20
    assert all(u.assignments.exists() for u in bureaus)
    assert Person.objects.filter(unit__in=bureaus).count() == 20
    assert ViceMayor.objects.count() >= 4
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
def test_load_demo_is_idempotent_and_logins_work(demo_loaded):
    counts = (Project.objects.count(), Milestone.objects.count(), ProgressReport.objects.count())
    load()
    assert (
        Project.objects.count(),
        Milestone.objects.count(),
        ProgressReport.objects.count(),
    ) == counts
    for username in ("zhijian", "shangwu", "zhijian_head", "dubanshi", "fushizhang", "admin"):
        assert authenticate(username=username, password="Zhucheng@2010") is not None
