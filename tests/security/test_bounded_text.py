"""Every text that reaches a bounded column is validated or cut by one rule (issue 16,
item 2).

PostgreSQL refuses a value longer than a varchar's bound where SQLite stores it, so
these tests matter on PostgreSQL (CI runs them on both). They walk:

- every bounded text column of the app's models, historical models included: a
  value of its max length is stored, one more is refused by validation in Chinese,
  and any change reason, however long, fits the history's varchar(100);
- every admin change form, through the test client: at the limit it saves, over it
  the page says why in Chinese and the database is unchanged;
- the app's own forms whose text reaches a bounded column, the 依据说明 and 调整理由
  that are copied into the history's change reason, and the services that write
  bounded columns without a form (copy to next year, evidence file names).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse

from assessment import services
from assessment.forms import RawEntryForm
from assessment.models import (
    AssessmentEntry,
    AssessmentItem,
    AssessmentScheme,
    ComputeRun,
    ItemScore,
    TitleAward,
)
from common.history import HISTORY_REASON_MAX, history_reason
from projects.forms import (
    ProgressReportForm,
    ReturnForm,
    SupervisionAnswerForm,
    SupervisionCloseForm,
    SupervisionEscalateForm,
    SupervisionSendForm,
)
from projects.models import (
    DeadlineExtension,
    Evidence,
    ImportRun,
    ProgressReport,
    Reminder,
    Supervision,
    SupervisionFile,
)
from projects.services import supervision as supervision_service
from tests import factories
from tests.assessment import builders
from tests.security.bounded import (
    APP_LABELS,
    as_post,
    bounded_fields,
    checksum,
    fill,
    is_chinese,
    read_form,
)

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(city, media):
    """One row of every app model: the city, a computed scheme with an entry, a title,
    a report with evidence, a reminder, a 督办单 with a file, a deadline extension request."""
    scheme = builders.bureau_scheme()
    services.assessment_compute(scheme=scheme)
    exam = AssessmentItem.objects.get(category__scheme=scheme, name="培训考试")
    services.assessment_enter_raw(
        item=exam, unit=city.zhijian, by=city.olivia, reason="考试成绩58分", state="not_done"
    )
    TitleAward.objects.create(year=2010, unit=city.zhijian, name="质量工作先进单位", reason="表彰")
    factories.PersonFactory(unit=city.zhijian, name="张三")
    factories.IndicatorFactory(project=city.project1, subitem=city.sub_zhijian)
    report = factories.make_report(city.ms_zhijian, city.alice)
    Evidence.objects.create(
        report=report,
        file=SimpleUploadedFile("a.pdf", PDF),
        original_name="a.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    Reminder.objects.create(
        milestone=city.ms_zhijian,
        sent_to=city.zhijian,
        kind=Reminder.Kind.MANUAL,
        sent_by=city.olivia,
        sent_on=city.plan.first_day,
    )
    [item] = supervision_service.supervision_send(
        milestones=[city.ms_zhijian], level=factories.ladder()[0], sender=city.olivia
    )
    SupervisionFile.objects.create(
        supervision=item,
        file=SimpleUploadedFile("s.pdf", PDF),
        original_name="s.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=city.alice,
    )
    DeadlineExtension.objects.create(
        milestone=city.ms_zhijian,
        requested_by=city.alice,
        old_due_date=city.ms_zhijian.due_date,
        new_due_date=city.plan.last_day,
        reason="延期理由",
        progress="目前进展",
    )
    ComputeRun.objects.create(scheme=scheme, requested_by=city.olivia)
    ImportRun.objects.create(
        user=city.adam, year=2010, digest="a" * 64, filename="附件.xlsx", fingerprint="b" * 64
    )
    return scheme


# --- The rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        (None, ""),
        ("理" * 100, "理" * 100),
        ("理" * 101, "理" * 99 + "…"),
        ("理" * 10_000, "理" * 99 + "…"),
    ],
)
def test_history_reason_cuts_to_the_column_with_an_ellipsis(text, expected):
    assert history_reason(text) == expected


def test_the_rule_knows_the_columns_length():
    lengths = {
        m._meta.get_field("history_change_reason").max_length
        for m in apps.get_models()
        if m._meta.app_label in APP_LABELS and m.__name__.startswith("Historical")
    }
    assert lengths == {HISTORY_REASON_MAX}


# --- Every bounded column of every model, historical ones included -------------------------


def _history_models():
    return sorted(
        (
            m
            for m in apps.get_models()
            if m._meta.app_label in APP_LABELS and m.__name__.startswith("Historical")
        ),
        key=lambda m: m._meta.label,
    )


def _own_bounded(model):
    return [f for m, f in bounded_fields(historical=False) if m is model]


@pytest.mark.parametrize("history", _history_models(), ids=lambda m: m.instance_type.__name__)
def test_every_tracked_model_stores_its_longest_texts_and_any_change_reason(world, history):
    model = history.instance_type
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the world fixture has no {model.__name__}"
    fields = _own_bounded(model)
    for field in fields:
        setattr(obj, field.attname, fill(field.max_length))
    obj._change_reason = "理" * 1000
    # Reports are append-only: only their review fields may be saved again.
    obj.save(**({"update_fields": ["return_reason"]} if model is ProgressReport else {}))

    record = obj.history.order_by("-history_id").first()
    assert record.history_change_reason == "理" * 99 + "…"
    for field in fields:
        assert len(getattr(record, field.attname)) == field.max_length
        obj.refresh_from_db()
        assert len(getattr(obj, field.attname)) == field.max_length


@pytest.mark.parametrize(
    ("model", "field"),
    list(bounded_fields(historical=False)),
    ids=lambda v: v.__name__ if isinstance(v, type) else v.name,
)
def test_one_character_too_many_is_refused_by_validation_in_chinese(world, model, field):
    obj = model._default_manager.order_by("pk").first()
    setattr(obj, field.attname, fill(field.max_length + 1))
    with pytest.raises(ValidationError) as refused:
        obj.clean_fields()
    messages = refused.value.message_dict[field.name]
    assert messages and all(is_chinese(m) for m in messages)


# --- Every admin change form, through the client -------------------------------------------


def _admin_models():
    return sorted(
        (
            m
            for m in admin.site._registry
            if m._meta.app_label in (*APP_LABELS, "auth")
            and m not in (ProgressReport, Reminder, Supervision)  # read-only in the admin
        ),
        key=lambda m: m._meta.label,
    )


def _change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def _bounded_text_inputs(context) -> dict[str, int]:
    """html name → the length the column allows, for every text field of the page's
    form and inline forms (the model field's bound if it has one, else the form's)."""
    found = {}
    page_forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        page_forms.extend(inline.formset.forms[:1])  # one row per inline is enough
    for form in page_forms:
        model = getattr(getattr(form, "_meta", None), "model", None)
        for bound in form:
            if not isinstance(bound.field, forms.CharField) or bound.field.disabled:
                continue
            if isinstance(bound.field.widget, forms.HiddenInput | forms.PasswordInput):
                continue
            limit = bound.field.max_length
            if model is not None:
                try:
                    model_field = model._meta.get_field(bound.name)
                except Exception:
                    model_field = None
                if isinstance(model_field, models.CharField) and model_field.max_length:
                    limit = model_field.max_length
            if limit:
                found[bound.html_name] = limit
    return found


def _tables_of(model) -> list[str]:
    """The model, its inlines' models and their histories: what its admin page writes."""
    chosen = [model, *(i.model for i in admin.site._registry[model].inlines)]
    labels = []
    for m in chosen:
        labels.append(m._meta.label)
        history = getattr(m, "history", None)
        if history is not None:
            labels.append(history.model._meta.label)
    return labels


def _errors(context) -> list[str]:
    found = []
    for errors in context["errors"]:
        found.extend([errors] if isinstance(errors, str) else [str(e) for e in errors])
    return found


@pytest.mark.parametrize("model", _admin_models(), ids=lambda m: m._meta.label)
def test_admin_forms_save_at_the_limit_and_refuse_over_it_in_chinese(client, city, world, model):
    client.force_login(city.adam)
    obj = model._default_manager.order_by("pk").first()
    url = _change_url(obj)
    page = client.get(url)
    assert page.status_code == 200
    inputs = _bounded_text_inputs(page.context)
    if not inputs:  # e.g. results: figures only, their texts come from choices
        assert not _own_bounded(model), f"no bounded text field found on {url}"
        return
    form_id = f"{model._meta.model_name}_form"
    tables = _tables_of(model)
    saved = []
    for n, (name, limit) in enumerate(inputs.items()):
        char = chr(0x20000 + n)  # a different character per field: names are unique
        page = client.get(url)
        data = read_form(page.content.decode(), form_id)
        assert name in data, f"{name} not rendered on {url}"
        data["_save"] = ["1"]
        # One over the limit: refused, nothing written. Then the limit itself.
        data[name] = [fill(limit + 1, char)]
        before = checksum(*tables)
        response = client.post(url, as_post(data))
        assert response.status_code == 200, f"{name} accepted {limit + 1} characters"
        errors = _errors(response.context)
        assert errors and all(is_chinese(e) for e in errors), (name, errors)
        assert checksum(*tables) == before, f"{name}: refused, yet the database changed"

        data[name] = [fill(limit, char)]
        response = client.post(url, as_post(data))
        assert response.status_code in (200, 302), f"{name}={limit}: {response.status_code}"
        if response.status_code == 200:  # another rule (e-mail syntax, a cross-field check)
            errors = _errors(response.context)
            assert errors and all(is_chinese(e) for e in errors), (name, errors)
        else:
            saved.append(name)
    # Refusing everything would pass the loop: most fields must take their longest value.
    assert len(saved) >= len(inputs) // 2 + 1, (saved, inputs)


# --- The app's forms and the texts copied into the change reason ---------------------------


def item_url(unit, item, year=2010):
    return reverse("assessment_item", kwargs={"year": year, "unit_id": unit.pk, "item_id": item.pk})


def _exam(scheme):
    return AssessmentItem.objects.get(category__scheme=scheme, name="培训考试")


@pytest.mark.parametrize("length", [100, 101, 2000, 10_000])
def test_a_long_basis_note_is_kept_whole_and_labelled_in_the_history(client, city, world, length):
    client.force_login(city.olivia)
    reason = fill(length, "依")
    response = client.post(
        item_url(city.zhijian, _exam(world)), {"entry": "1", "state": "done", "reason": reason}
    )
    assert response.status_code == 302
    entry = AssessmentEntry.objects.get(unit=city.zhijian, item=_exam(world))
    assert entry.reason == reason
    label = entry.history.first().history_change_reason
    assert len(label) == min(length, HISTORY_REASON_MAX)
    assert label == history_reason(reason)


@pytest.mark.parametrize("length", [101, 5000])
def test_a_long_override_reason_is_kept_whole_and_labelled_in_the_history(
    client, city, world, length
):
    client.force_login(city.olivia)
    reason = fill(length, "调")
    response = client.post(
        item_url(city.zhijian, _exam(world)),
        {"override": "1", "points": "10", "reason": reason},
    )
    assert response.status_code == 302
    score = ItemScore.objects.get(result__unit=city.zhijian, item=_exam(world))
    assert score.override_reason == reason and score.override_points == D(10)
    assert score.history.first().history_change_reason == "调" * 99 + "…"


def test_after_publishing_the_prefixed_label_is_cut_too(client, city, world):
    builders.advance(world, "final", city.olivia)
    client.force_login(city.adam)
    reason = fill(300, "复")
    response = client.post(
        item_url(city.zhijian, _exam(world)), {"entry": "1", "state": "partly", "reason": reason}
    )
    assert response.status_code == 302
    entry = AssessmentEntry.objects.get(unit=city.zhijian, item=_exam(world))
    label = entry.history.first().history_change_reason
    assert label.startswith("[最终结果后修改] 复复") and label.endswith("…")
    assert len(label) == HISTORY_REASON_MAX


@pytest.mark.parametrize("length", [200, 201])
def test_evidence_reference_at_and_over_its_limit(client, city, world, length):
    client.force_login(city.olivia)
    before = checksum()
    response = client.post(
        item_url(city.zhijian, _exam(world)),
        {"entry": "1", "state": "done", "reason": "依据", "evidence_ref": fill(length)},
    )
    if length <= 200:
        assert response.status_code == 302
        entry = AssessmentEntry.objects.get(unit=city.zhijian, item=_exam(world))
        assert entry.evidence_ref == fill(length)
    else:
        assert response.status_code == 200
        assert "确保该变量包含不超过 200 字符" in response.content.decode()
        assert checksum() == before


def test_every_app_form_text_field_is_bounded_by_its_column():
    """The app's forms' text fields that end in a bounded column carry that bound."""
    assert RawEntryForm.base_fields["evidence_ref"].max_length == (
        AssessmentEntry._meta.get_field("evidence_ref").max_length
    )
    # The others end in unbounded columns (TextField), with a bound of their own.
    for form, name, column in [
        (ProgressReportForm, "narrative", ProgressReport._meta.get_field("narrative")),
        (ReturnForm, "reason", ProgressReport._meta.get_field("return_reason")),
        (SupervisionSendForm, "text", Supervision._meta.get_field("text")),
        (SupervisionAnswerForm, "answer", Supervision._meta.get_field("answer")),
        (SupervisionCloseForm, "note", Supervision._meta.get_field("close_note")),
        (SupervisionEscalateForm, "note", Supervision._meta.get_field("close_note")),
        (SupervisionEscalateForm, "text", Supervision._meta.get_field("text")),
    ]:
        assert isinstance(column, models.TextField)
        assert form.base_fields[name].max_length


def test_copying_a_scheme_with_the_longest_name_to_next_year(client, city, world):
    """The copy's notes quote the scheme's name and were its change reason."""
    AssessmentScheme.objects.filter(pk=world.pk).update(name="2010" + fill(196, "名"))
    client.force_login(city.adam)
    response = client.post(
        reverse("admin:assessment_assessmentscheme_changelist"),
        {"action": "copy_to_next_year", "_selected_action": [world.pk]},
        follow=True,
    )
    assert response.status_code == 200
    copy = AssessmentScheme.objects.get(year=2011)
    assert copy.name == "2011" + fill(196, "名")
    assert copy.change_notes.startswith("由2010年“2010名名")
    assert len(copy.history.first().history_change_reason) == HISTORY_REASON_MAX


@pytest.mark.parametrize("length", [5, 200, 255])
def test_evidence_with_the_longest_file_names(client, city, media, length):
    """Evidence.original_name (200) is written by the report service, not by a form."""
    client.force_login(city.alice)
    name = fill(length - 4, "证") + ".pdf"
    response = client.post(
        reverse("milestone_report", kwargs={"pk": city.ms_zhijian.pk}),
        {
            "status": "in_progress",
            "percent": "40",
            "narrative": "推进中",
            "evidence": [SimpleUploadedFile(name, PDF, content_type="application/pdf")],
        },
    )
    assert response.status_code == 302
    stored = Evidence.objects.get()
    assert stored.original_name == name[:200]
