"""The demo: load_demo brings the 2010 bureau scheme and a full ranking of the 20 bureaus."""

import re
from decimal import Decimal as D
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from assessment import selectors
from assessment.models import AssessmentEntry, AssessmentItem, AssessmentScheme


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_demo_ranks_the_twenty_bureaus(demo_loaded, client):
    output = demo_loaded
    assert "年度考核" in output
    table = selectors.assessment_table(2010)
    assert len(table.rows) == 20
    assert sorted({r.rank for r in table.rows})[0] == 1
    assert all(r.missing_items == 0 for r in table.rows)
    client.force_login(get_user_model().objects.get(username="dubanshi"))
    html = client.get("/assessment/2010/").content.decode()
    assert len(re.findall(r'href="/assessment/2010/units/\d+/"', html)) == 20


@pytest.mark.django_db
def test_demo_scheme_carries_the_seeds_rules(demo_loaded):
    scheme = AssessmentScheme.objects.get(year=2010, unit_kind="bureau")
    assert scheme.problems() == []
    records = AssessmentItem.objects.get(category__scheme=scheme, name="服务企业记录、检定记录")
    assert (records.rule_kind, records.per_money) == ("deduct", D(50))
    brands = AssessmentItem.objects.get(category__scheme=scheme, name__startswith="争创名牌产品")
    assert (brands.rule_kind, brands.per_money) == ("over_under", D(100))
    exam = AssessmentItem.objects.get(category__scheme=scheme, name="参加质量培训考试")
    assert exam.rule_kind == "fixed" and "不予报销" in exam.method


@pytest.mark.django_db
def test_load_demo_twice_creates_nothing_twice(demo_loaded):
    entries = AssessmentEntry.objects.count()
    load()
    assert AssessmentEntry.objects.count() == entries == 140
    assert AssessmentScheme.objects.count() == 1
