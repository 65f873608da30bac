"""The unit card and the annual report say which results they print: 公示中
(provisional, with the notice period), 最终结果, or computed and not yet public."""

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from assessment import services
from assessment.models import AssessmentScheme
from documents import builders
from documents import pdfs as pdf
from tests.assessment import builders as schemes
from tests.assessment.public_support import make_public
from tests.documents.pdf_support import _empty_pdf_cache, pdf_text  # noqa: F401 — fixtures

pytestmark = pytest.mark.django_db

OLD = "考核结果尚未发布，以上为计算结果"
NOT_PUBLIC = {
    "unit": "考核结果尚未公示，以上为计算结果。",
    "annual": "考核结果尚未公示，以下为计算结果。",
}
NOTICE = "公示中（暂定结果，公示期2010年12月1日至2010年12月7日）"
FINAL = {"unit": "以上为最终结果。", "annual": "以下为最终结果。"}


def rendered(city) -> dict[str, str]:
    return {
        "unit": render_to_string("pdf/unit.html", builders.unit_context(2010, city.zhijian)),
        "annual": render_to_string("pdf/annual.html", builders.annual_context(2010)),
    }


@pytest.fixture
def scheme(city):
    s = schemes.bureau_scheme()
    services.assessment_compute(scheme=s)
    return s


@pytest.mark.parametrize("stage", ["draft", "self", "verify"])
def test_results_not_yet_public_are_printed_as_computed(city, scheme, stage):
    AssessmentScheme.objects.filter(pk=scheme.pk).update(stage=stage)
    for name, html in rendered(city).items():
        assert NOT_PUBLIC[name] in html, name
        assert NOTICE not in html and FINAL[name] not in html and OLD not in html


def test_results_in_notice_are_printed_as_provisional_with_the_notice_period(city, scheme):
    make_public(scheme, compute=False)
    for name, html in rendered(city).items():
        assert NOTICE in html, name
        assert NOT_PUBLIC[name] not in html and FINAL[name] not in html


def test_final_results_are_printed_as_final(city, scheme):
    make_public(scheme, stage="final", compute=False)
    for name, html in rendered(city).items():
        assert FINAL[name] in html, name
        assert NOTICE not in html and NOT_PUBLIC[name] not in html and "暂定" not in html


def test_the_stage_costs_no_query(city, scheme):
    """The sentence reads the scheme the builders already hold."""
    counts = {}
    for stage in ("draft", "notice"):
        if stage == "notice":
            make_public(scheme, compute=False)
        context = builders.unit_context(2010, city.zhijian)
        with CaptureQueriesContext(connection) as captured:
            render_to_string("pdf/unit.html", context)
        counts[stage] = len(captured)
    assert counts["draft"] == counts["notice"]


def test_the_printed_card_and_report_carry_the_stage(city, scheme, settings):
    settings.ZHUCHENG_TODAY = "2010-12-03"
    make_public(scheme, compute=False, start=dt.date(2010, 12, 1))
    card = pdf_text(pdf.unit_pdf(2010, city.zhijian).data)
    annual = pdf_text(pdf.annual_pdf(2010).data)
    assert NOTICE in card and NOTICE in annual
