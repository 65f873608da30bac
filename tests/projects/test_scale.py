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
