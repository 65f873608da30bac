"""A PDF is rendered once and served from the cache until its data changes."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt
import threading

import pytest
from django.core.cache import cache
from django.urls import reverse

from assessment.models import AssessmentScheme
from documents import pdfs as pdf
from documents import render
from documents.cache import cache_key, data_version, report_version
from projects.models import Milestone
from tests import factories
from tests.documents.pdf_support import _empty_pdf_cache, demo_day, pdf_text  # noqa: F401

pytestmark = pytest.mark.django_db


def test_repeat_download_is_served_from_the_cache(demo_day, client, city):
    client.force_login(city.olivia)
    url = reverse("pdf_annual", args=[2010])
    first = client.get(url)
    renders = render.render_count

    second = client.get(url)

    assert second.status_code == 200
    assert render.render_count == renders
    assert second.content == first.content


def test_a_pdf_being_rendered_elsewhere_is_waited_for_not_rendered_twice(demo_day, city):
    rendered = pdf.responsibility_pdf(2010)
    cache.clear()
    params = {"year": 2010, "portion": "city"}
    key = cache_key("responsibility", params, report_version("responsibility", params))
    cache.add(key + ":rendering", 1, 30)  # another worker is rendering it
    renders = render.render_count
    other_worker = threading.Timer(0.3, lambda: cache.set(key, rendered))
    other_worker.start()

    served = pdf.responsibility_pdf(2010)

    other_worker.join()
    assert render.render_count == renders
    assert served.data == rendered.data


def test_a_change_in_the_data_gives_a_new_pdf(demo_day, client, city):
    client.force_login(city.olivia)
    url = reverse("pdf_annual", args=[2010])
    before = client.get(url).content
    renders = render.render_count

    demo_day.shift(dt.timedelta(seconds=2))
    city.project1.name = "提高工业产品质量"
    city.project1.save()
    after = client.get(url).content

    assert render.render_count == renders + 1
    assert after != before
    assert "提高工业产品质量" in pdf_text(after)
    assert "提高工业产品质量" not in pdf_text(before)


def test_a_reviewed_progress_report_gives_a_new_version(demo_day, city):
    before = data_version(2010)
    report = factories.make_report(city.ms_zhijian, city.alice)
    with_report = data_version(2010)
    demo_day.shift(dt.timedelta(seconds=2))
    report.review_state = "accepted"
    report.reviewed_at = dt.datetime.now(dt.UTC)
    report.save(update_fields=["review_state", "reviewed_at"])

    assert len({before, with_report, data_version(2010)}) == 3


def test_a_deleted_milestone_gives_a_new_version(city):
    before = data_version(2010)
    Milestone.objects.filter(pk=city.ms_project2.pk).delete()
    assert data_version(2010) != before


def test_renaming_a_unit_gives_a_new_version(demo_day, city):
    before = data_version(2010)
    demo_day.shift(dt.timedelta(seconds=2))
    city.shangwu.full_name = "诸城市商务局"
    city.shangwu.save()
    assert data_version(2010) != before


def test_an_assessment_change_gives_a_new_version(demo_day, city):
    before = data_version(2010)
    scheme = AssessmentScheme.objects.create(year=2010, name="2010年度市直部门考核办法")
    created = data_version(2010)
    demo_day.shift(dt.timedelta(seconds=2))
    scheme.notice_days = 10
    scheme.save()

    assert len({before, created, data_version(2010)}) == 3


def test_other_years_do_not_invalidate_a_years_pdf(demo_day, city):
    pdf.responsibility_pdf(2010)
    renders = render.render_count
    plan = factories.PlanYearFactory(year=2011)
    factories.MilestoneFactory(
        project=factories.ProjectFactory(plan=plan, mayor=city.mayor),
        unit=city.zhijian,
        due_date=dt.date(2011, 5, 1),
    )

    pdf.responsibility_pdf(2010)

    assert render.render_count == renders


def test_the_data_version_is_one_query(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert data_version(2010)
    assert data_version(1999) is None


def test_each_unit_and_date_has_its_own_pdf(demo_day, city):
    zhijian = pdf_text(pdf.unit_pdf(2010, city.zhijian).data)
    shangwu = pdf_text(pdf.unit_pdf(2010, city.shangwu).data)
    early = pdf_text(pdf.bulletin_pdf(dt.date(2010, 7, 1)).data)
    late = pdf_text(pdf.bulletin_pdf(dt.date(2010, 10, 1)).data)

    assert "质监局：" in zhijian and "商务局：" in shangwu
    assert "截至2010年7月1日" in early and "截至2010年10月1日" in late
