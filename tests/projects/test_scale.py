from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from projects.models import Milestone, ProgressReport, Project, ProjectUnit
from responsibility.models import Unit


def run(**kwargs):
    out = StringIO()
    call_command("seed_scale", stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
def test_factor_one_is_one_city_year():
    output = run(factor=1, year=2030)
    assert "项目 33" in output
    assert Project.objects.for_year(2030).count() == 33
    assert Unit.objects.filter(name__startswith="S2030-").count() == 20
    assert ProjectUnit.objects.filter(project__plan__year=2030, is_lead=True).count() == 33
    assert Milestone.objects.for_year(2030).count() > 100
    assert ProgressReport.objects.for_year(2030).exists()


@pytest.mark.django_db
def test_factor_scales_the_data_and_rerun_replaces_it():
    run(factor=1, year=2030)
    run(factor=3, year=2030)
    assert Project.objects.for_year(2030).count() == 99
    assert Unit.objects.filter(name__startswith="S2030-").count() == 60


@pytest.mark.django_db
def test_seed_scale_refuses_a_bad_factor():
    with pytest.raises(CommandError):
        run(factor=0, year=2030)


def test_seed_scale_never_overwrites_a_real_year(city):
    with pytest.raises(CommandError, match="已有真实数据"):
        run(factor=1, year=2010)
    assert Project.objects.for_year(2010).count() == 2


@pytest.mark.django_db
def test_rerun_replaces_synthetic_units_even_after_an_assessment_scored_them():
    import json

    from assessment import services
    from assessment.demo import ASSESSMENT_FIXTURE, scheme_load
    from assessment.models import AssessmentResult

    run(factor=1, year=2030)
    definition = json.loads(ASSESSMENT_FIXTURE.read_text(encoding="utf-8"))["scheme"]
    scheme, _ = scheme_load(definition=definition, year=2030)
    services.assessment_compute(scheme=scheme)
    assert AssessmentResult.objects.filter(unit__name__startswith="S2030-").exists()
    run(factor=2, year=2030)
    assert Unit.objects.filter(name__startswith="S2030-").count() == 40


# --- the synthetic province (seed_scale --province) ----------------------------------


def province_counts():
    from django.contrib.auth import get_user_model

    from projects.models import PlanYear, SubItem
    from responsibility.models import Membership, Person, ViceMayor

    return (
        Unit.objects.count(),
        Person.objects.count(),
        ViceMayor.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
        PlanYear.objects.count(),
        Project.objects.count(),
        SubItem.objects.count(),
        Milestone.objects.count(),
        ProgressReport.objects.count(),
    )


@pytest.mark.django_db
def test_province_builds_cities_and_counties_each_with_its_own_plan():
    from projects.models import PlanYear
    from projects.services.province import PROVINCE_NAME
    from responsibility.jurisdictions import children, subtree_ids

    output = run(province=True, year=2030, cities=2, counties=2)
    assert "市 2，县 4，年度文件 6" in output
    province = Unit.objects.get(name=PROVINCE_NAME, jurisdiction__isnull=True)
    assert province.kind == Unit.Kind.PROVINCE
    cities = list(children(province))
    assert [c.kind for c in cities] == [Unit.Kind.CITY] * 2
    for city in cities:
        counties = children(city)
        assert counties.count() == 2
        assert set(counties.values_list("kind", flat=True)) == {Unit.Kind.COUNTY}
    assert len(subtree_ids(province)) == 1 + 2 + 4
    # Every city and county runs its own 2030 programme; the province none.
    plans = PlanYear.objects.filter(year=2030)
    assert plans.count() == 6
    assert set(plans.values_list("jurisdiction_id", flat=True)) == subtree_ids(province) - {
        province.pk
    }
    for plan in plans.select_related("jurisdiction"):
        count = plan.projects.count()
        assert count == 33 if plan.jurisdiction.kind == Unit.Kind.CITY else 15 <= count <= 30
        # Work goes to the jurisdiction's own bureaus only.
        assert (
            not ProjectUnit.objects.filter(project__plan=plan)
            .exclude(unit__jurisdiction=plan.jurisdiction)
            .exists()
        )
        assert Milestone.objects.filter(project__plan=plan).exists()


@pytest.mark.django_db
def test_every_jurisdiction_has_the_same_bureaus_an_office_and_vice_mayors():
    from projects.services.province import BUREAUS

    run(province=True, year=2030, cities=2, counties=2)
    places = Unit.objects.filter(kind__in=[Unit.Kind.CITY, Unit.Kind.COUNTY])
    zhijian = Unit.objects.filter(name="质监局", jurisdiction__in=places)
    assert zhijian.count() == 6  # one per jurisdiction: names are unique within one only
    for place in places:
        units = Unit.objects.filter(jurisdiction=place)
        assert set(units.filter(kind=Unit.Kind.BUREAU).values_list("name", flat=True)) == {
            name for name, _ in BUREAUS
        }
        assert units.filter(kind=Unit.Kind.OFFICE).count() == 1
        assert place.vice_mayors.count() >= 4


@pytest.mark.django_db
def test_province_accounts_work_for_their_own_jurisdiction():
    from django.contrib.auth import authenticate, get_user_model

    from responsibility import roles
    from responsibility.jurisdictions import user_jurisdiction

    run(province=True, year=2030, cities=2, counties=2, password="Sheng@2030")
    User = get_user_model()
    city = Unit.objects.get(name="S02市")
    county = Unit.objects.get(name="S02-01县")
    for username, role, place, unit in [
        ("sheng_c02_ban", roles.REVIEWER, city, "政府办公室"),
        ("sheng_c02_zhijian", roles.CLERK, city, "质监局"),
        ("sheng_c02_zhijian_head", roles.UNIT_HEAD, city, "质监局"),
        ("sheng_c02_fushizhang", roles.VICE_MAYOR, city, "政府办公室"),
        ("sheng_c02_k01_ban", roles.REVIEWER, county, "政府办公室"),
        ("sheng_c02_k01_zhijian", roles.CLERK, county, "质监局"),
    ]:
        user = User.objects.get(username=username)
        assert roles.has_role(user, role), username
        assert user_jurisdiction(user) == place, username
        assert user.membership.unit.name == unit
        assert authenticate(username=username, password="Sheng@2030") is not None
    assert User.objects.get(username="sheng_c02_fushizhang").vice_mayor.jurisdiction == city
    assert user_jurisdiction(User.objects.get(username="sheng_ban")).name == "S省"
    # Reports of a plan are written by its own clerk.
    clerk = User.objects.get(username="sheng_c02_k01_zhijian")
    assert set(
        ProgressReport.objects.filter(milestone__project__plan__jurisdiction=county).values_list(
            "author", flat=True
        )
    ) == {clerk.pk}


@pytest.mark.django_db
def test_province_accounts_cannot_sign_in_without_a_password():
    from django.contrib.auth import get_user_model

    run(province=True, year=2030, cities=1, counties=1)
    assert not get_user_model().objects.get(username="sheng_c01_ban").has_usable_password()


@pytest.mark.django_db
def test_province_rerun_replaces_it_and_leaves_other_data_alone():
    from projects.models import PlanYear

    run(factor=1, year=2030)
    home_plan = PlanYear.objects.get(year=2030, jurisdiction__name="诸城市")
    home_units = set(Unit.objects.filter(name__startswith="S2030-").values_list("pk", flat=True))
    run(province=True, year=2030, cities=2, counties=2)
    counts = province_counts()
    run(province=True, year=2030, cities=2, counties=2)
    assert province_counts() == counts
    run(province=True, year=2031, cities=1, counties=1)
    assert not PlanYear.objects.filter(year=2030).exclude(pk=home_plan.pk).exists()
    assert PlanYear.objects.filter(year=2031).count() == 2
    # The home city's synthetic year is untouched, and a factor re-run leaves the province.
    assert home_plan.projects.count() == 33
    assert set(Unit.objects.filter(name__startswith="S2030-").values_list("pk", flat=True)) == (
        home_units
    )
    run(factor=2, year=2031)
    assert PlanYear.objects.filter(year=2031).count() == 3
    assert Project.objects.filter(plan__jurisdiction__name="S01市").count() == 33


def test_province_leaves_the_demo_city_untouched(city):
    from projects.models import PlanYear

    before = (
        Unit.objects.filter(jurisdiction__name="诸城市").count(),
        Project.objects.for_year(2010).count(),
        list(Unit.objects.filter(name="质监局").values_list("pk", "jurisdiction_id")),
    )
    run(province=True, year=2010, cities=1, counties=1)
    run(province=True, year=2010, cities=1, counties=1)
    assert Unit.objects.filter(name="质监局").count() == 1 + 2
    assert PlanYear.objects.filter(year=2010).count() == 3
    assert city.plan.projects.count() == 2
    assert (
        Unit.objects.filter(jurisdiction__name="诸城市").count(),
        Project.objects.filter(plan=city.plan).count(),
        list(
            Unit.objects.filter(name="质监局", jurisdiction__name="诸城市").values_list(
                "pk", "jurisdiction_id"
            )
        ),
    ) == before


@pytest.mark.django_db
def test_seed_scale_refuses_a_bad_province_size():
    with pytest.raises(CommandError):
        run(province=True, year=2030, cities=0)
