"""A PDF is built once, kept as a file in the storage, and served from it until
its data changes; then a fresh file replaces it. Without a broker the build task
runs inside the request (the real-worker tests are in tests/tasks/)."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from assessment.models import AssessmentScheme
from documents import files, render
from documents import pdfs as pdf
from documents.cache import data_version
from documents.models import GeneratedFile
from documents.tasks import build_file
from projects.models import Milestone
from tests import factories
from tests.documents.pdf_support import _empty_pdf_cache, demo_day, pdf_text  # noqa: F401

pytestmark = pytest.mark.django_db


def _stored(settings) -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "generated"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_repeat_download_is_served_from_the_stored_file(demo_day, client, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(city.olivia)
    url = reverse("pdf_annual", args=[2010])
    first = client.get(url).getvalue()
    renders = render.render_count

    second = client.get(url)

    assert second.status_code == 200
    assert render.render_count == renders
    assert second.getvalue() == first
    row = GeneratedFile.objects.get()
    assert row.status == "done" and row.kind == "annual" and row.pages >= 1
    assert _stored(settings) == [Path(row.file.name).name]
    assert (tmp_path / row.file.name).read_bytes() == first


def test_an_identical_request_joins_the_queued_build(
    demo_day, city, django_capture_on_commit_callbacks
):
    """With a broker the build is sent once the row is committed; a second
    identical request (from another reader of the same portion) joins it."""
    build_file.app.conf.task_always_eager = False
    try:
        with django_capture_on_commit_callbacks() as sent:
            first = files.file_request(
                kind="responsibility", params=pdf.responsibility_params(2010)
            )
            again = files.file_request(
                kind="responsibility", params=pdf.responsibility_params(2010)
            )
    finally:
        build_file.app.conf.task_always_eager = True

    assert first.pk == again.pk and again.status == "queued"
    assert GeneratedFile.objects.count() == 1
    assert len(sent) == 1


def test_a_change_in_the_data_gives_a_new_pdf_and_drops_the_old(
    demo_day, client, city, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(city.olivia)
    url = reverse("pdf_annual", args=[2010])
    before = client.get(url).getvalue()
    old = GeneratedFile.objects.get()
    renders = render.render_count

    demo_day.shift(dt.timedelta(seconds=2))
    city.project1.name = "提高工业产品质量"
    city.project1.save()
    after = client.get(url).getvalue()

    assert render.render_count == renders + 1
    assert after != before
    assert "提高工业产品质量" in pdf_text(after)
    assert "提高工业产品质量" not in pdf_text(before)
    new = GeneratedFile.objects.get()  # the old version's row is gone...
    assert new.pk != old.pk and new.family == old.family
    assert _stored(settings) == [Path(new.file.name).name]  # ...and its file too


def test_a_failed_build_is_retried_then_explained_in_chinese_and_can_be_queued_again(
    demo_day, client, city, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "generated").write_text("a file where the folder should be")
    client.force_login(city.olivia)
    url = reverse("pdf_responsibility", args=[2010])

    failed = client.get(url)

    row = GeneratedFile.objects.get()
    assert row.status == "failed" and row.attempts == 3  # the first try and two retries
    page = failed.content.decode()
    assert failed.status_code == 200 and failed["Content-Type"].startswith("text/html")
    assert "文件生成失败（已尝试 3 次）" in page and "重新生成" in page
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page
    assert 'http-equiv="refresh"' not in page

    (tmp_path / "generated").unlink()  # the disk is fixed
    again = client.post(url)
    assert again.status_code == 302 and again["Location"] == url
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert "责任分解表" in pdf_text(served.getvalue())


def test_a_file_gone_from_the_storage_is_built_again(demo_day, client, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(city.olivia)
    url = reverse("pdf_responsibility", args=[2010])
    client.get(url)
    (tmp_path / GeneratedFile.objects.get().file.name).unlink()

    response = client.get(url)

    assert response.status_code == 200
    assert response.getvalue().startswith(b"%PDF-")


def test_files_older_than_the_keeping_time_are_deleted(demo_day, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    old = files.file_request(kind="responsibility", params=pdf.responsibility_params(2010))
    fresh = files.file_request(kind="unit", params=pdf.unit_params(2010, city.zhijian))
    GeneratedFile.objects.filter(pk=old.pk).update(
        updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    )

    assert files.expire_files(7) == 1

    assert list(GeneratedFile.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert _stored(settings) == [Path(fresh.file.name).name]


def test_the_generating_page_refreshes_itself_and_shows_the_state(demo_day, client, city):
    build_file.app.conf.task_always_eager = False
    try:
        client.force_login(city.olivia)
        response = client.get(reverse("pdf_annual", args=[2010]))
    finally:
        build_file.app.conf.task_always_eager = True

    page = response.content.decode()
    assert response.status_code == 202
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "2010年度绩效考核报告" in page and "排队中" in page and "<progress" in page
    assert "<script" not in page


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
    first = files.file_request(kind="responsibility", params=pdf.responsibility_params(2010))
    plan = factories.PlanYearFactory(year=2011)
    factories.MilestoneFactory(
        project=factories.ProjectFactory(plan=plan, mayor=city.mayor),
        unit=city.zhijian,
        due_date=dt.date(2011, 5, 1),
    )

    again = files.file_request(kind="responsibility", params=pdf.responsibility_params(2010))

    assert again.pk == first.pk and again.status == "done"


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


def test_a_build_lost_with_its_worker_is_queued_again(demo_day, city, settings, tmp_path):
    """A row left queued or running (its worker died with the message) for longer
    than STALE_AFTER is built again by the next request for it."""
    settings.MEDIA_ROOT = tmp_path
    build_file.app.conf.task_always_eager = False
    try:
        lost = files.file_request(kind="responsibility", params=pdf.responsibility_params(2010))
    finally:
        build_file.app.conf.task_always_eager = True
    GeneratedFile.objects.filter(pk=lost.pk).update(
        status="running", updated_at=dt.datetime.now(dt.UTC) - files.STALE_AFTER * 2
    )

    row = files.file_request(kind="responsibility", params=pdf.responsibility_params(2010))

    assert row.pk == lost.pk and row.status == "done"
