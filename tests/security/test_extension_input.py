"""Hostile input through the 延期申请 forms (the request, and the head's and the
office's decisions), as the roles that may use them: no HTTP 500, a refusal says
why in Chinese, and a refusal leaves the request and milestone tables as they were
(tests/security/hostile.py). The texts end in unbounded columns with bounds of their
own, like the report's narrative."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import models
from django.test import Client
from django.urls import reverse

from projects.forms import ExtensionRefuseForm, ExtensionRequestForm
from projects.models import DeadlineExtension
from projects.services import extensions
from tests.security.hostile import CHOICE, DATE, Target, probe, text_values, variants

SHANGHAI = ZoneInfo("Asia/Shanghai")
TABLES = (
    "projects.DeadlineExtension",
    "projects.HistoricalDeadlineExtension",
    "projects.Milestone",
    "projects.HistoricalMilestone",
)


@pytest.fixture(autouse=True)
def _quiet_request_log(caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")


@pytest.fixture
def june():
    with time_machine.travel(dt.datetime(2010, 6, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def run(user, target: Target, cases) -> list[str]:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    problem, status = probe(client, target, target.base)
    assert problem is None and status == target.ok_status, (target.name, status, problem)
    problems, count = [], 0
    for label, data in cases:
        count += 1
        problem, _status = probe(client, target, data)
        if problem:
            problems.append(f"{target.name}: {label}: {problem}")
    assert count >= 10
    return problems


def test_request_form(june, city):
    target = Target(
        "延期申请",
        reverse("milestone_extension", kwargs={"pk": city.ms_zhijian.pk}),
        {"new_due_date": "2010-07-31", "reason": "省局推迟受理。", "progress": "材料已备齐。"},
        TABLES,
    )
    cases = variants(
        target.base,
        {
            "new_due_date": DATE,
            "reason": text_values(extensions.REASON_MAX),
            "progress": text_values(extensions.PROGRESS_MAX),
        },
    )
    problems = run(city.alice, target, cases)
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize(
    ("who", "state", "actions"),
    [
        ("helen", DeadlineExtension.Review.SUBMITTED, ["approve", "return"]),
        ("olivia", DeadlineExtension.Review.HEAD_APPROVED, ["accept", "return"]),
    ],
)
def test_decisions(june, city, who, state, actions):
    extension = DeadlineExtension.objects.create(
        milestone=city.ms_zhijian,
        requested_by=city.alice,
        old_due_date=city.ms_zhijian.due_date,
        new_due_date=dt.date(2010, 7, 31),
        reason="省局推迟受理。",
        progress="材料已备齐。",
        review_state=state,
        head_approved_by=city.helen if state != DeadlineExtension.Review.SUBMITTED else None,
    )
    problems = []
    for action in actions:
        target = Target(
            f"{action} by {who}",
            reverse("extension_detail", kwargs={"pk": extension.pk}),
            {"action": action, "reason": "理由不充分。"},
            TABLES,
        )
        fields = {"reason": text_values(extensions.REFUSAL_MAX)} if action == "return" else {}
        fields["action"] = [*CHOICE, ("other action", actions[0] + "x")]
        problems += run(getattr(city, who), target, variants(target.base, fields))
    assert not problems, "\n".join(problems[:40])


def test_the_forms_texts_are_bounded():
    """They end in unbounded columns (TextField), with the service's bounds."""
    for form, name, column, limit in [
        (ExtensionRequestForm, "reason", "reason", extensions.REASON_MAX),
        (ExtensionRequestForm, "progress", "progress", extensions.PROGRESS_MAX),
        (ExtensionRefuseForm, "reason", "return_reason", extensions.REFUSAL_MAX),
    ]:
        assert isinstance(DeadlineExtension._meta.get_field(column), models.TextField)
        assert form.base_fields[name].max_length == limit


SCRIPT = '<script>alert("xss")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"


def test_extension_pages_escape_user_text(june, city, client):
    """The request's texts, the refusal's reason and the milestone's name are shown
    escaped on every page that shows them, and the pages carry no inline script."""
    city.ms_zhijian.name = f"节点{SCRIPT}"
    city.ms_zhijian.save()
    refused = extensions.extension_request(
        milestone=city.ms_zhijian,
        user=city.alice,
        new_due_date=dt.date(2010, 7, 31),
        reason=f"理由{SCRIPT}",
        progress=f"进展{SCRIPT}",
    )
    extensions.extension_decide(
        extension=refused, user=city.helen, action="return", reason=f"不同意{SCRIPT}"
    )
    waiting = extensions.extension_request(
        milestone=city.ms_zhijian,
        user=city.alice,
        new_due_date=dt.date(2010, 8, 31),
        reason=f"再次{SCRIPT}",
        progress=f"进展{SCRIPT}",
    )
    pages = [
        (city.helen, reverse("review")),
        (city.helen, reverse("extension_detail", args=[waiting.pk])),
        (city.alice, reverse("extension_detail", args=[refused.pk])),
        (city.alice, reverse("milestone_detail", args=[city.ms_zhijian.pk])),
        (city.alice, reverse("milestone_extension", args=[city.ms_zhijian.pk])),
        (city.alice, reverse("my_work")),
    ]
    shown = 0
    for user, url in pages:
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<script" not in html and ' style="' not in html, url
        shown += html.count(ESCAPED)
    assert shown >= 10
    # A refused request echoes the typed text back, escaped.
    response = client.post(
        reverse("milestone_extension", args=[city.ms_zhijian.pk]),
        {"new_due_date": "2011-01-01", "reason": SCRIPT, "progress": SCRIPT},
    )
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_the_review_pages_extension_pager_takes_any_value(june, city):
    """``extensions_page`` is read by the view itself (like ``page``): never a 500."""
    from tests.security.test_bad_parameters import GARBAGE
    from tests.security.test_hostile_input import QUERY_VALUES

    client = Client(raise_request_exception=False)
    for user in (city.olivia, city.helen):
        client.force_login(user)
        for value in [*GARBAGE, *(v for _label, v in QUERY_VALUES)]:
            response = client.get(reverse("review"), {"extensions_page": value})
            assert response.status_code in (200, 400), (user, value)
