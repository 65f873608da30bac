"""Every write path keeps ``updated_at`` and history honest.

The PDF cache (``documents.cache.data_version``: MAX(updated_at), counts and
history dates) and the admin's "changed meanwhile" check see a change only when
the writer moves ``updated_at`` (or the model's other ``auto_now`` field) and adds
a history row. ``bulk_update``, ``QuerySet.update`` and ``save(update_fields=…)``
do neither by themselves. Each test below runs one write path under
:func:`honest_writes`, which snapshots every row of the three data apps, runs the
path frozen one hour ahead, and then requires, of every row it created or
changed: each ``auto_now`` field equals that moment, and (for a model with
history) the newest history row is of that moment and holds the row's values;
of every row it deleted: a deletion history row. And the year's PDF data version
must have changed.
"""

from __future__ import annotations

import datetime as dt
import io
from contextlib import contextmanager
from decimal import Decimal as D

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessment import services as assessment_services
from assessment.models import AssessmentItem, AssessmentScheme, ItemScore, TitleAward
from common.writes import auto_now_fields
from documents.cache import data_version
from projects.models import Milestone, ProgressReport
from projects.services import progress
from projects.services.targets import targets_import
from tests import factories
from tests.assessment import builders
from tests.projects.import_support import simple

APPS = ("responsibility", "projects", "assessment")
WATCHED = [
    model
    for label in APPS
    for model in apps.get_app_config(label).get_models()
    if not model.__name__.startswith("Historical")
    and (auto_now_fields(model) or hasattr(model, "history"))
]


def _snapshot() -> dict:
    return {
        model: {row[model._meta.pk.attname]: row for row in model.objects.values()}
        for model in WATCHED
    }


def _problems(before: dict, after: dict, at: dt.datetime) -> tuple[list[str], int]:
    problems, written = [], 0
    for model in WATCHED:
        label, pk_name = model._meta.label, model._meta.pk.attname
        stamps = auto_now_fields(model)
        history = getattr(model, "history", None)
        tracked = history.model.tracked_fields if history is not None else []
        for pk, row in after[model].items():
            old = before[model].get(pk)
            if old is not None and all(old[k] == row[k] for k in row if k not in stamps):
                continue
            written += 1
            problems += [f"{label} {pk}: {f} not moved" for f in stamps if row[f] != at]
            if history is None:
                continue
            latest = history.filter(**{pk_name: pk}).order_by("history_date", "history_id").last()
            if latest is None or latest.history_date != at:
                problems.append(f"{label} {pk}: no history row for the change")
            elif stale := [
                f.attname for f in tracked if getattr(latest, f.attname) != row[f.attname]
            ]:
                problems.append(f"{label} {pk}: history row differs in {stale}")
        for pk in before[model].keys() - after[model].keys():
            written += 1
            if (
                history is not None
                and not history.filter(**{pk_name: pk}, history_type="-", history_date=at).exists()
            ):
                problems.append(f"{label} {pk}: deleted without a history row")
    return problems, written


@contextmanager
def honest_writes(year: int):
    at = timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
    version, before = data_version(year), _snapshot()
    with time_machine.travel(at, tick=False):
        yield at
    problems, written = _problems(before, _snapshot(), at)
    assert problems == []
    assert written, "the path wrote nothing"
    assert data_version(year) != version, "the PDFs of the year would not be rendered again"


# --- the importer ----------------------------------------------------------------------

ROWS = [
    [1, "实施名牌战略", "争创名牌", "", "争创名牌", "质监局", "王磊", "王世和", "6月30日前"],
    [1, "实施名牌战略", "争创名牌", "", "地理标志", "质监局", "王磊", "王世和", "9月30日前"],
    [2, "提高服务质量", "", "", "", "商务局、卫生局", "陈建民、钟兆湘", "李强", "年底"],
]


def _rows():
    return [list(r) for r in ROWS]


@pytest.mark.django_db
def test_importing_a_new_year():
    with honest_writes(2011):
        assert targets_import(allow_new=True, file=simple(_rows()), year=2011).errors == []


@pytest.mark.django_db
def test_reimporting_an_amended_workbook(city):
    targets_import(allow_new=True, file=simple(_rows()), year=2011, user=city.adam)
    rows = _rows()
    rows[0][8] = "7月31日前"  # a deadline moved
    rows[0][2] = rows[1][2] = "争创山东名牌"  # a project's target
    rows[1][4] = "培育地理标志产品"  # a sub-item renamed
    rows[2][5], rows[2][6] = "卫生局、商务局", "钟兆湘、陈建民"  # the lead changes
    with honest_writes(2011):
        result = targets_import(allow_new=True, file=simple(rows), year=2011, user=city.olivia)
    assert result.errors == [] and len(result.changes) >= 4


@pytest.mark.django_db
def test_an_amended_deadline_reaches_history_the_pdf_cache_and_the_admin_check(city, client):
    """The issue's case: the re-import moves a deadline; updated_at moves, history
    says old → new, the PDF data version changes, and an admin form opened before
    the import refuses to save over it."""
    targets_import(allow_new=True, file=simple(_rows()), year=2011, user=city.adam)
    milestone = Milestone.objects.get(name="争创名牌")
    client.force_login(city.adam)
    url = reverse("admin:projects_milestone_change", args=[milestone.pk])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    version = data_version(2011)
    rows = _rows()
    rows[0][8] = "7月31日前"

    at = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        targets_import(allow_new=True, file=simple(rows), year=2011, user=city.olivia)

    assert data_version(2011) != version, "cached PDFs would keep the old deadline"
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.updated_at) == (dt.date(2011, 7, 31), at)
    new, old = milestone.history.order_by("-history_date", "-history_id")[:2]
    assert [(c.field, c.old, c.new) for c in new.diff_against(old).changes] == [
        ("due_date", dt.date(2011, 6, 30), dt.date(2011, 7, 31))
    ]
    assert (new.history_user, new.history_date) == (city.olivia, at)
    others = Milestone.objects.exclude(pk=milestone.pk).values_list("updated_at", flat=True)
    assert at not in set(others)  # rows the workbook did not change keep their time

    data["name"] = "我改的名称"
    response = client.post(url, {**data, "_save": "保存"})
    assert "该记录已被他人修改" in response.content.decode()
    assert Milestone.objects.get(pk=milestone.pk).name == "争创名牌"


# --- review ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_accepting_a_progress_report(city):
    report = factories.make_report(
        city.ms_zhijian,
        city.alice,
        status=Milestone.Status.DONE,
        done_date=dt.date(2010, 6, 20),
        review_state=ProgressReport.Review.HEAD_APPROVED,
    )
    with honest_writes(2010):
        progress.progress_report_accept(report=report, user=city.olivia)
    assert Milestone.objects.get(pk=city.ms_zhijian.pk).status == Milestone.Status.DONE


@pytest.mark.django_db
def test_returning_a_progress_report(city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    with honest_writes(2010):
        progress.progress_report_return(report=report, user=city.helen, reason="数据不实")
    assert ProgressReport.objects.get(pk=report.pk).review_state == ProgressReport.Review.RETURNED


# --- the assessment ----------------------------------------------------------------------


@pytest.fixture
def titled_scheme(city):
    scheme = builders.bureau_scheme()
    scheme.title_name, scheme.title_from = "质量工作先进单位", D(0)
    scheme.save()
    return scheme


def _enter(scheme, unit, name, by, **raw):
    item = AssessmentItem.objects.get(category__scheme=scheme, name=name)
    return assessment_services.assessment_enter_raw(
        item=item, unit=unit, by=by, reason="年终检查", **raw
    )


@pytest.mark.django_db
def test_computing_results_and_titles(city, titled_scheme):
    with honest_writes(2010):
        assessment_services.assessment_compute(scheme=titled_scheme, by=city.olivia)
    assert TitleAward.objects.filter(scheme=titled_scheme).exists()


@pytest.mark.django_db
def test_entering_a_raw_value_recomputes(city, titled_scheme):
    assessment_services.assessment_compute(scheme=titled_scheme, by=city.olivia)
    with honest_writes(2010):
        _enter(titled_scheme, city.zhijian, "服务企业记录、检定记录", city.olivia, value=D(3))


@pytest.mark.django_db
def test_overriding_a_score(city, titled_scheme):
    _enter(titled_scheme, city.zhijian, "培训考试", city.olivia, state="not_done")
    score = ItemScore.objects.get(result__unit=city.zhijian, item__name="培训考试")
    with honest_writes(2010):
        assessment_services.assessment_override(
            score=score, by=city.olivia, reason="补考通过", points=D(20), money=D(0)
        )


@pytest.mark.django_db
def test_moving_the_assessment_procedure(city, titled_scheme):
    from assessment.procedure import Stage
    from assessment.services import steps

    assessment_services.assessment_compute(scheme=titled_scheme, by=city.olivia)
    for stage in (Stage.SELF, Stage.VERIFY, Stage.NOTICE):
        with honest_writes(2010):
            titled_scheme = steps.scheme_move(scheme=titled_scheme, target=stage, by=city.olivia)


@pytest.mark.django_db
def test_copying_a_scheme_to_the_next_year(city, titled_scheme):
    item = AssessmentItem.objects.filter(category__scheme=titled_scheme).first()
    item.milestones.add(city.ms_zhijian)  # so the copy's notes are written a second time
    factories.PlanYearFactory(year=2011)
    with honest_writes(2011):
        copy = assessment_services.scheme_copy_to_next_year(scheme=titled_scheme, by=city.adam)
    assert "需重新关联" in AssessmentScheme.objects.get(pk=copy.pk).change_notes


# --- the admin and the demo --------------------------------------------------------------


@pytest.mark.django_db
def test_editing_a_milestone_in_the_admin(city, client):
    client.force_login(city.adam)
    url = reverse("admin:projects_milestone_change", args=[city.ms_zhijian.pk])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    with honest_writes(2010):
        response = client.post(url, {**data, "due_date": "2010-07-31", "_save": "保存"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_loading_the_demo():
    with honest_writes(2010):
        call_command("load_demo", stdout=io.StringIO())
