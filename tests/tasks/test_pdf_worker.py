"""PDFs built by a real Celery worker over a real Redis (see conftest.py): the web
answers at once, the worker builds, the web then serves the file; identical
requests join one build; a failure is retried and explained in Chinese; after a
data change the old file is never served."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt
import shutil

import pytest
from django.urls import reverse

from documents import render
from documents.models import GeneratedFile
from tests.documents.pdf_support import demo_day, pdf_text  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(celery_worker, settings):
    settings.MEDIA_ROOT = celery_worker.media  # the web serves what the worker wrote
    return celery_worker


def _status(pk: int) -> str | None:
    return GeneratedFile.objects.filter(pk=pk).values_list("status", flat=True).first()


def _done(worker, row: GeneratedFile) -> GeneratedFile:
    worker.wait_for(lambda: _status(row.pk) in ("done", "failed"), f"file {row.pk} to be built")
    row.refresh_from_db()
    return row


def test_the_web_answers_at_once_and_then_serves_what_the_worker_built(
    worker, client, city, demo_day
):
    client.force_login(city.olivia)
    url = reverse("pdf_annual", args=[2010])
    renders = render.render_count

    waiting = client.get(url)

    assert waiting.status_code == 202
    page = waiting.content.decode()
    assert "2010年度绩效考核报告" in page and "<progress" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    row = _done(worker, GeneratedFile.objects.get())
    assert row.status == "done" and row.attempts == 1
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    text = pdf_text(served.getvalue())
    assert "2010年度质量兴市项目化推进工作绩效考核报告" in text
    assert "本报告数据截至2010年9月30日" in text  # the day it was asked for, not the worker's
    assert render.render_count == renders  # rendered by the worker, not in this process


def test_identical_requests_join_one_build(worker, client, city, demo_day):
    url = reverse("pdf_responsibility", args=[2010])
    answers = []
    for reader in (city.olivia, city.adam, city.olivia):  # two readers of the whole city
        client.force_login(reader)
        answers.append(client.get(url).status_code)

    assert answers[0] == 202
    row = _done(worker, GeneratedFile.objects.get())  # one row for the three requests
    assert row.status == "done" and row.attempts == 1  # built once
    assert client.get(url).status_code == 200
    assert GeneratedFile.objects.count() == 1


def test_a_failure_is_retried_then_explained_in_chinese(worker, client, city, demo_day):
    blocker = worker.media / "generated"
    shutil.rmtree(blocker, ignore_errors=True)  # files of earlier tests (their rows are gone)
    blocker.write_text("a file where the folder should be: every write fails")
    try:
        client.force_login(city.olivia)
        url = reverse("pdf_bulletin") + "?as_of=2010-09-30"
        assert client.get(url).status_code == 202
        row = _done(worker, GeneratedFile.objects.get())

        assert row.status == "failed" and row.attempts == 3  # the first try and two retries
        page = client.get(url)
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        text = page.content.decode()
        assert "文件生成失败（已尝试 3 次）" in text and "重新生成" in text
    finally:
        blocker.unlink()

    again = client.post(url)  # 重新生成, now that the disk is writable

    assert again.status_code == 302
    row = _done(worker, row)
    assert row.status == "done"
    served = client.get(url)
    assert served.status_code == 200
    assert "截至2010年9月30日" in pdf_text(served.getvalue())


def test_a_stale_file_is_never_served_after_a_data_change(worker, client, city, demo_day):
    client.force_login(city.olivia)
    url = reverse("pdf_responsibility", args=[2010])
    client.get(url)
    old = _done(worker, GeneratedFile.objects.get())
    assert "提高产品质量" in pdf_text(client.get(url).getvalue())

    demo_day.shift(dt.timedelta(seconds=2))
    city.project1.name = "提高工业产品质量"
    city.project1.save()
    after_change = client.get(url)

    assert after_change.status_code == 202  # the new version is being built, the old one not served
    new = _done(worker, GeneratedFile.objects.exclude(pk=old.pk).get())
    text = pdf_text(client.get(url).getvalue())
    assert "提高工业产品质量" in text
    assert not GeneratedFile.objects.filter(pk=old.pk).exists()  # the old version is deleted
    assert not (worker.media / old.file.name).exists()
    assert new.family == old.family
