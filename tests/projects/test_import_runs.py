"""The confirm of a targets import runs as a task (ImportRun): without a broker
at once, in the request; while it is queued or running, a 导入中 page that
refreshes itself, and a second confirm joins the same run; a failed run has
written nothing and says why in Chinese."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from projects.importing import apply
from projects.models import ImportRun, PlanYear, Project
from projects.tasks import run_import
from tests import factories
from tests.projects.import_support import simple
from tests.projects.test_import_admin import (
    ONE_PROJECT,
    _body,
    _messages,
    _post,
    _review,
)

CHANGELIST = "admin:projects_project_changelist"


@pytest.fixture(autouse=True)
def _no_kept_uploads():
    cache.clear()


@pytest.fixture
def admin_client_(client, city):
    client.force_login(city.adam)
    return client


@pytest.fixture
def no_worker_yet(monkeypatch):
    """As with a broker whose worker has not taken the task yet."""
    monkeypatch.setattr("projects.services.import_runs._enqueue", lambda run: None)


def _previewed(client):
    review = _review(client, simple(ONE_PROJECT))
    return _post(client, review, all_new="1")


def test_without_a_broker_the_confirm_writes_at_once_and_records_the_run(admin_client_, city):
    done = _post(admin_client_, _previewed(admin_client_), confirm="1")

    assert done["Location"] == reverse(CHANGELIST)
    run = ImportRun.objects.get()
    assert (run.status, run.year, run.user) == ("done", 2011, city.adam)
    assert run.summary.startswith("项目 新增1") and run.errors == []
    assert run.choices["new"] and run.finished_at is not None  # the names confirmed as new
    assert Project.objects.filter(plan__year=2011).count() == 1


def test_a_pending_run_shows_a_refreshing_page_and_a_second_confirm_joins_it(
    admin_client_, city, no_worker_yet
):
    preview = _previewed(admin_client_)

    first = _post(admin_client_, preview, confirm="1")
    second = _post(admin_client_, preview, confirm="1")  # pressed again, or a second tab

    run = ImportRun.objects.get()
    url = reverse("admin:projects_project_import_run", args=[run.pk])
    assert first["Location"] == second["Location"] == url
    page = admin_client_.get(url)
    assert page.status_code == 202
    assert '<meta http-equiv="refresh" content="3">' in _body(page)
    assert "导入中" in _body(page) or "排队中" in _body(page)
    assert not PlanYear.objects.filter(year=2011).exists()

    run_import.apply((run.pk,))  # the worker's turn
    done = admin_client_.get(url)

    assert done.status_code == 302 and done["Location"] == reverse(CHANGELIST)
    assert any(m.startswith("2011 年度目标导入完成。项目 新增1") for m in _messages(done))
    assert Project.objects.filter(plan__year=2011).count() == 1


def test_a_run_is_seen_only_by_whoever_confirmed_it(admin_client_, client, city, no_worker_yet):
    _post(admin_client_, _previewed(admin_client_), confirm="1")
    url = reverse("admin:projects_project_import_run", args=[ImportRun.objects.get().pk])
    other = factories.UserFactory(username="eve", is_staff=True, is_superuser=True)
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.logout()
    assert "/login/" in client.get(url)["Location"]


def test_a_run_that_fails_mid_write_writes_nothing_and_says_so(admin_client_, city, monkeypatch):
    real = apply._Differ.write

    def write_then_fail(self, user):
        real(self, user)  # every row written inside the import's transaction ...
        raise RuntimeError("the worker lost its disk")  # ... then the write fails

    monkeypatch.setattr(apply._Differ, "write", write_then_fail)
    projects_before = Project.objects.count()

    refused = _post(admin_client_, _previewed(admin_client_), confirm="1")

    run = ImportRun.objects.get()
    assert run.status == "failed"
    assert run.errors == ["导入时发生内部错误，没有写入任何数据。请把文件发给系统管理员检查。"]
    assert refused["Location"].startswith(
        reverse("admin:projects_project_import_review", args=[run.digest])
    )
    assert any(m.startswith("导入未完成，没有写入任何数据：") for m in _messages(refused))
    assert not PlanYear.objects.filter(year=2011).exists()
    assert Project.objects.count() == projects_before


def test_an_upload_gone_before_the_worker_starts_fails_in_chinese(
    admin_client_, city, no_worker_yet
):
    _post(admin_client_, _previewed(admin_client_), confirm="1")
    run = ImportRun.objects.get()
    cache.clear()  # the shared cache lost the upload

    run_import.apply((run.pk,))

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.errors == ["上传的文件已过期或不存在，请重新上传。"]
    assert not PlanYear.objects.filter(year=2011).exists()
