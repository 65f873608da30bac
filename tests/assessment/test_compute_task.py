"""The assessment compute as a task: the page answers at once (计算中), a second
request joins the run under way, failures are shown in Chinese and retried; and
the compute stays linear in units (a fixed number of queries, history in batches).

The tests run with no broker (``CELERY_TASK_ALWAYS_EAGER``): the task runs inside
the request through the same code a worker runs."""

from decimal import Decimal as D

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import services
from assessment.models import (
    AssessmentEntry,
    AssessmentItem,
    AssessmentResult,
    ComputeRun,
    ItemScore,
    TitleAward,
)
from assessment.services import runs
from responsibility.models import Unit
from tests import factories
from tests.assessment import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(city):
    return builders.bureau_scheme()


def compute_url(year=2010):
    return reverse("assessment_compute", kwargs={"year": year})


def run_url(run, year=2010):
    return reverse("assessment_compute_run", kwargs={"year": year, "run_id": run.pk})


# --- The web action -------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, scheme):
    response = client.post(compute_url(), {"scheme": scheme.pk})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ComputeRun.objects.exists()


@pytest.mark.parametrize("who", ["alice", "victor"])
def test_readers_may_not_compute(client, city, scheme, who):
    client.force_login(getattr(city, who))
    response = client.post(compute_url(), {"scheme": scheme.pk})
    assert response.status_code == 403
    assert not ComputeRun.objects.exists() and not AssessmentResult.objects.exists()


def test_office_computes_through_the_task_and_lands_on_the_ranking(client, city, scheme):
    client.force_login(city.olivia)
    response = client.post(compute_url(), {"scheme": scheme.pk})
    run = ComputeRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run_url(run)
    # No broker: the task ran inside the request, through the same code.
    assert (run.status, run.units, run.requested_by, run.attempts) == ("done", 2, city.olivia, 1)
    assert AssessmentResult.objects.filter(scheme=scheme).count() == 2
    page = client.get(run_url(run), follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("assessment_ranking", args=[2010]))
    assert "已重新计算 2 个单位" in page.content.decode()


def test_a_second_request_joins_the_run_under_way(client, city, scheme):
    """A worker has not picked the first request up yet: the second joins it, and
    the page says 计算中 and reloads itself (no script under the CSP)."""
    waiting = ComputeRun.objects.create(scheme=scheme, requested_by=city.adam)
    client.force_login(city.olivia)
    response = client.post(compute_url(), {"scheme": scheme.pk})
    assert response["Location"] == run_url(waiting)
    assert ComputeRun.objects.count() == 1
    assert not AssessmentResult.objects.exists()  # nothing computed twice
    page = client.get(run_url(waiting)).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "排队中" in page and "<script" not in page


def test_the_run_page_is_for_those_who_may_compute(client, city, scheme):
    run = ComputeRun.objects.create(scheme=scheme, requested_by=city.olivia)
    client.force_login(city.alice)
    assert client.get(run_url(run)).status_code == 404
    client.force_login(city.adam)
    assert client.get(run_url(run)).status_code == 200
    assert client.get(run_url(run, year=2011)).status_code == 404


def test_a_scheme_that_cannot_be_computed_fails_in_chinese_with_a_retry_button(
    client, city, scheme
):
    scheme.categories.filter(name="综合管理").update(max_points=D(30))
    client.force_login(city.olivia)
    response = client.post(compute_url(), {"scheme": scheme.pk}, follow=True)
    run = ComputeRun.objects.get()
    assert (run.status, run.attempts) == ("failed", 1)  # not retried: it cannot succeed
    html = response.content.decode()
    assert "考核办法有误，未能计算" in html and "90" in html
    assert "http-equiv" not in html  # finished: no more reloading
    assert f'action="{compute_url()}"' in html and "重新计算" in html
    # Fixed, then tried again: a new run, which succeeds.
    scheme.categories.filter(name="综合管理").update(max_points=D(40))
    client.post(compute_url(), {"scheme": scheme.pk})
    assert list(ComputeRun.objects.order_by("pk").values_list("status", flat=True)) == [
        "failed",
        "done",
    ]


class Flaky:
    """``assessment_compute`` that loses its database connection ``times`` times."""

    def __init__(self, times):
        self.times, self.calls = times, 0
        self.real = runs.assessment_compute

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls <= self.times:
            raise OperationalError("server closed the connection unexpectedly")
        return self.real(**kwargs)


def test_a_passing_error_is_retried(client, city, scheme, monkeypatch):
    flaky = Flaky(2)
    monkeypatch.setattr(runs, "assessment_compute", flaky)
    client.force_login(city.olivia)
    client.post(compute_url(), {"scheme": scheme.pk})
    run = ComputeRun.objects.get()
    assert (flaky.calls, run.status, run.attempts) == (3, "done", 3)
    assert AssessmentResult.objects.filter(scheme=scheme).count() == 2


def test_an_error_that_persists_fails_the_run_after_two_retries(client, city, scheme, monkeypatch):
    flaky = Flaky(99)
    monkeypatch.setattr(runs, "assessment_compute", flaky)
    client.force_login(city.olivia)
    response = client.post(compute_url(), {"scheme": scheme.pk}, follow=True)
    run = ComputeRun.objects.get()
    assert (flaky.calls, run.status, run.attempts) == (3, "failed", 3)
    assert response.status_code == 200
    assert "计算过程中出现系统错误" in response.content.decode()


def test_a_run_delivered_twice_computes_once(city, scheme):
    run, created = runs.compute_run_request(scheme=scheme, by=city.olivia)
    assert created
    runs.compute_run_execute(run_id=run.pk)
    history = ItemScore.history.count()
    runs.compute_run_execute(run_id=run.pk)  # acks_late: a redelivered message
    run.refresh_from_db()
    assert (run.status, run.attempts, ItemScore.history.count()) == ("done", 1, history)


def test_the_management_command_path_still_computes_directly(city, scheme):
    """``load_demo`` and the admin action call the service itself."""
    summary = services.assessment_compute(scheme=scheme)
    assert summary.units == 2 and not ComputeRun.objects.exists()


# --- Linear in units --------------------------------------------------------------------


def _compute_queries(n_units: int, year: int, by) -> tuple[int, int]:
    """Queries of a first compute and of a recompute in which every result, some
    scores and the title awards change, for a year with ``n_units`` bureaus."""
    units = [
        factories.UnitFactory(name=f"测试局{year}-{i:03d}", kind=Unit.Kind.BUREAU)
        for i in range(n_units)
    ]
    scheme = builders.bureau_scheme(year=year)
    scheme.title_name, scheme.title_from = "质量工作先进单位", D(20)
    scheme.save()
    exam = AssessmentItem.objects.get(category__scheme=scheme, name="培训考试")
    # Half the units passed the exam (20 points: the title); the others not yet.
    for unit in units[::2]:
        AssessmentEntry.objects.create(
            item=exam, unit=unit, state="done", reason="合格", entered_by=by
        )
    with CaptureQueriesContext(connection) as first:
        services.assessment_compute(scheme=scheme)
    assert TitleAward.objects.filter(scheme=scheme).count() == len(units[::2])
    # The other half pass, the first half fail: every award and score of the item moves.
    AssessmentEntry.objects.filter(item=exam).update(state="not_done")
    for unit in units[1::2]:
        AssessmentEntry.objects.create(
            item=exam, unit=unit, state="done", reason="补考合格", entered_by=by
        )
    with CaptureQueriesContext(connection) as again:
        services.assessment_compute(scheme=scheme)
    assert TitleAward.objects.filter(scheme=scheme).count() == len(units[1::2])
    return len(first), len(again)


def test_compute_queries_do_not_grow_with_units(city):
    small = _compute_queries(6, 2012, city.olivia)
    large = _compute_queries(40, 2013, city.olivia)
    assert large == small, (small, large)


def test_compute_history_is_written_in_batches_with_the_right_kind(city, scheme):
    """Every new, changed and removed row has its history row (+, ~, -), by the
    user who computed and with the reason, as simple-history's own helpers write."""
    scheme.title_name, scheme.title_from = "质量工作先进单位", D(20)
    scheme.save()
    exam = AssessmentItem.objects.get(category__scheme=scheme, name="培训考试")
    entry = AssessmentEntry.objects.create(
        item=exam, unit=city.zhijian, state="done", reason="合格", entered_by=city.olivia
    )
    services.assessment_compute(scheme=scheme, by=city.olivia)
    award = TitleAward.objects.get(scheme=scheme)
    score = ItemScore.objects.get(item=exam, result__unit=city.zhijian)
    assert [(h.history_type, h.history_user) for h in score.history.all()] == [("+", city.olivia)]
    assert award.history.get().history_change_reason == "重新计算考核结果"
    entry.state = "not_done"
    entry.save()
    services.assessment_compute(scheme=scheme, by=city.adam)
    assert [h.history_type for h in score.history.order_by("history_id")] == ["+", "~"]
    assert score.history.latest("history_id").raw_state == "not_done"
    assert not TitleAward.objects.filter(scheme=scheme).exists()
    gone = TitleAward.history.filter(id=award.pk).order_by("history_id")
    assert [(h.history_type, h.history_user) for h in gone] == [
        ("+", city.olivia),
        ("-", city.adam),
    ]


def test_results_of_units_no_longer_assessed_are_removed_with_their_scores(city, scheme):
    services.assessment_compute(scheme=scheme)
    result = AssessmentResult.objects.get(scheme=scheme, unit=city.shangwu)
    Unit.objects.filter(pk=city.shangwu.pk).update(is_active=False)
    services.assessment_compute(scheme=scheme)
    assert not AssessmentResult.objects.filter(pk=result.pk).exists()
    assert not ItemScore.objects.filter(result_id=result.pk).exists()
    assert AssessmentResult.history.filter(id=result.pk, history_type="-").count() == 1
    assert ItemScore.history.filter(result_id=result.pk, history_type="-").count() == 6
