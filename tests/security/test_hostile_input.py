"""Hostile input through every form view and upload, as the role that may use it
(issue 16, "a hostile-input test set that stays").

Each target is a form view with a submission that succeeds; the generator
(tests/security/hostile.py) replaces one field at a time by a hostile value: lengths
at and over the limit, NUL, control, bidi and zero-width characters, characters
outside the BMP, wrong types in number, date and choice fields, hostile file names
and contents; drops the field or sends it twice. Every post runs in a savepoint that
is rolled back, so each starts from the same database. For every one: no HTTP 500
(nor any status but 200/302/400/403/404/405/429), a refusal says why in Chinese, and
a refusal leaves the target's tables exactly as they were (a checksum of every row).

The faults these find are PostgreSQL's (NUL in text, varchar bounds), so the set runs
on both databases like the rest of the suite; it takes a few seconds on each.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessment import services
from assessment.models import AssessmentItem
from projects.models import ProgressReport, Project
from tests import factories
from tests.assessment import builders
from tests.projects.test_import_targets import clerk_workbook
from tests.security.bounded import checksum
from tests.security.hostile import (
    BOOLEAN,
    CHOICE,
    DATE,
    DECIMAL,
    DECIMAL_SHORT,
    INTEGER,
    INTEGER_SHORT,
    PDF,
    TEXT_SHORT,
    Target,
    evidence_files,
    probe,
    text_values,
    variants,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "Zhucheng@2010"

REPORT_TABLES = (
    "projects.ProgressReport",
    "projects.HistoricalProgressReport",
    "projects.Evidence",
    "projects.IndicatorValue",
    "projects.Milestone",
    "projects.HistoricalMilestone",
    "projects.Indicator",
)
ASSESSMENT_TABLES = (
    "assessment.AssessmentEntry",
    "assessment.HistoricalAssessmentEntry",
    "assessment.ItemScore",
    "assessment.HistoricalItemScore",
    "assessment.AssessmentResult",
    "assessment.AssessmentScheme",
    "assessment.HistoricalAssessmentScheme",
    "assessment.TitleAward",
)
PLAN_TABLES = (
    "projects.PlanYear",
    "projects.Project",
    "projects.SubItem",
    "projects.Milestone",
    "projects.Indicator",
    "responsibility.Unit",
    "responsibility.Person",
)


@pytest.fixture(autouse=True)
def _quiet_request_log(caplog):
    """A 500 is reported by the test with its input; the traceback log is noise."""
    caplog.set_level(logging.CRITICAL, logger="django.request")


@pytest.fixture
def stage(city, settings, tmp_path):
    """2010-09-28 in Zhucheng; a report waiting for the head of 质监局, one waiting for
    the office, an indicator to report on, a computed assessment."""
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        for user in (city.alice, city.helen, city.olivia, city.adam):
            user.set_password(PASSWORD)
            user.email = f"{user.username}@example.com"
            user.save()
        indicator = factories.IndicatorFactory(
            project=city.project1, subitem=city.sub_zhijian, name="山东名牌", target=5
        )
        waiting_head = factories.make_report(city.ms_zhijian, city.alice)
        waiting_office = factories.make_report(
            city.ms_shangwu, city.bob, review_state=ProgressReport.Review.HEAD_APPROVED
        )
        scheme = builders.bureau_scheme()
        services.assessment_compute(scheme=scheme)
        yield {
            "indicator": indicator,
            "waiting_head": waiting_head,
            "waiting_office": waiting_office,
            "scheme": scheme,
        }


def client_for(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def run(client, target: Target, cases, user=None, before_each=None) -> list[str]:
    """Probe every case; ``user`` signs in afresh before each (a password change
    changes the session), ``before_each`` prepares each; the list of problems."""
    problems, count = [], 0

    def prepare():
        if user is not None:
            client.force_login(user)
        if before_each is not None:
            before_each()

    # The unmodified submission succeeds, else every probe would be a mere refusal.
    prepare()
    before = checksum(*target.tables)  # the same for every probe: each is rolled back
    problem, status = probe(client, target, target.base, before)
    assert problem is None and status == target.ok_status, (
        f"{target.name}: the base submission gives HTTP {status} {problem or ''}"
    )
    for label, data in cases:
        count += 1
        prepare()
        problem, _status = probe(client, target, data, before)
        if problem:
            problems.append(f"{target.name}: {label}: {problem}")
    assert count >= 10, f"{target.name}: only {count} cases"
    return problems


def assert_none(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


# --- Signing in and the password ----------------------------------------------------------


def test_login(stage, city, settings):
    settings.AXES_ENABLED = True
    target = Target(
        "login",
        reverse("login"),
        {"username": "alice", "password": PASSWORD},
        ("auth.User",),
    )
    cases = variants(
        target.base,
        {
            "username": [*text_values(150), ("256", "a" * 256), ("10k", "a" * 10000)],
            "password": text_values(None, short=True),
            "next": TEXT_SHORT,
        },
    )
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert_none(run(client_for(), target, cases))


def test_password_change(stage, city):
    new = "Lantern#river42"
    target = Target(
        "password change",
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        ("auth.User",),
    )
    cases = list(
        variants(
            target.base,
            {
                "old_password": TEXT_SHORT,
                "new_password1": TEXT_SHORT,
                "new_password2": TEXT_SHORT,
            },
        )
    )
    # Both new passwords the same hostile value: the password rules decide.
    cases += [
        (f"both new={label}", {**target.base, "new_password1": v, "new_password2": v})
        for label, v in text_values(None)
    ]
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert_none(run(client_for(), target, cases, user=city.alice))


# --- Progress report, review, 督办 ---------------------------------------------------------


def report_target(city, stage) -> Target:
    latest = city.ms_zhijian.reports.order_by("-created_at", "-pk").first()
    return Target(
        "report",
        reverse("milestone_report", kwargs={"pk": city.ms_zhijian.pk}),
        {
            "status": "in_progress",
            "percent": "60",
            "narrative": "已组织企业申报山东名牌。",
            "done_date": "",
            "seen_report": str(latest.pk),
            f"indicator_{stage['indicator'].pk}": "3",
        },
        REPORT_TABLES,
    )


def test_progress_report_form(stage, city):
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        target = report_target(city, stage)
        done = {**target.base, "status": "done", "percent": "100", "done_date": "2010-09-20"}
        indicator = f"indicator_{stage['indicator'].pk}"
        cases = list(
            variants(
                target.base,
                {
                    "status": CHOICE,
                    "percent": INTEGER,
                    "narrative": text_values(2000),
                    "seen_report": INTEGER_SHORT,
                    "confirm_newer": BOOLEAN,
                    indicator: DECIMAL_SHORT + DECIMAL[-8:-4],
                    "indicator_999999": INTEGER_SHORT[:3],
                },
            )
        )
        cases += [(f"done, {label}", data) for label, data in variants(done, {"done_date": DATE})]
        client = client_for(city.alice)
        problems = run(client, target, cases)
        problems += run(
            client,
            target,
            [
                (f"evidence={label}", {**target.base, "evidence": files})
                for label, files in evidence_files()
            ],
        )
    assert_none(problems)


def test_review_decisions(stage, city):
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        problems = []
        for user, report, actions in [
            (city.helen, stage["waiting_head"], ["approve", "return"]),
            (city.olivia, stage["waiting_office"], ["accept", "return"]),
        ]:
            url = reverse("report_review", kwargs={"pk": report.pk})
            for action in actions:
                target = Target(
                    f"review {action} by {user.username}",
                    url,
                    {"action": action, "reason": "请补充佐证材料。"},
                    REPORT_TABLES,
                )
                fields = {"reason": text_values(1000)} if action == "return" else {}
                fields["action"] = [*CHOICE, ("other action", actions[0] + "x")]
                problems += run(client_for(user), target, variants(target.base, fields))
    assert_none(problems)


SUPERVISION_TABLES = (
    "projects.Supervision",
    "projects.HistoricalSupervision",
    "projects.SupervisionFile",
    "projects.Milestone",
)


def test_supervision_send(stage, city, mailoutbox):
    """交办: the office's send page."""
    level = factories.ladder()[0]
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        target = Target(
            "督办 交办",
            reverse("supervision_new"),
            {
                "m": [str(city.ms_zhijian.pk)],
                "level": str(level.pk),
                "text": "请于月底前完成。",
                "answer_due": "2010-10-08",
            },
            SUPERVISION_TABLES,
        )
        cases = variants(
            target.base,
            {
                "text": text_values(2000),
                "level": CHOICE,
                "answer_due": DATE,
                "m": INTEGER_SHORT,
                "confirm_duplicate": BOOLEAN,
            },
        )
        assert_none(run(client_for(city.olivia), target, cases))


def test_supervision_steps(stage, city, mailoutbox):
    """签收, 反馈 (with files), 办结 and 升级 on a 督办单."""
    from projects.services import supervision as service

    cuiban = factories.ladder()[0]
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        [item] = service.supervision_send(
            milestones=[city.ms_zhijian], level=cuiban, sender=city.olivia
        )
        url = reverse("supervision_detail", kwargs={"pk": item.pk})
        problems = []
        for user, base, fields in [
            (
                city.alice,
                {"action": "answer", "answer": "已完成整改。"},
                {"answer": text_values(2000), "evidence": evidence_files(), "action": CHOICE},
            ),
            (city.helen, {"action": "acknowledge"}, {"action": CHOICE}),
            (city.olivia, {"action": "close", "note": "销号"}, {"note": text_values(1000)}),
            (
                city.olivia,
                {"action": "escalate", "note": "升级", "text": "请局长亲自过问。"},
                {"note": text_values(1000), "text": text_values(2000)},
            ),
        ]:
            target = Target(f"督办 {base['action']}", url, base, SUPERVISION_TABLES)
            problems += run(client_for(user), target, variants(target.base, fields))
        assert_none(problems)


# --- Assessment -------------------------------------------------------------------------------


def item_url(unit, item) -> str:
    return reverse("assessment_item", kwargs={"year": 2010, "unit_id": unit.pk, "item_id": item.pk})


def _item(scheme, name) -> AssessmentItem:
    return AssessmentItem.objects.get(category__scheme=scheme, name=name)


def test_assessment_entry_and_override(stage, city):
    scheme = stage["scheme"]
    exam = _item(scheme, "培训考试")  # fixed: a completion state
    records = _item(scheme, "服务企业记录、检定记录")  # deduct: a count
    tiers = _item(scheme, "进度节点按期完成率")  # tiers: a value and a target
    client = client_for(city.olivia)
    problems = []
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        entry = Target(
            "entry (state)",
            item_url(city.zhijian, exam),
            {"entry": "1", "state": "done", "reason": "考试成绩合格", "evidence_ref": "成绩单"},
            ASSESSMENT_TABLES,
        )
        problems += run(
            client,
            entry,
            variants(
                entry.base,
                {
                    "state": CHOICE,
                    # Accepted reasons recompute the scheme: the kinds, and long ones.
                    "reason": text_values(None, short=True),
                    "evidence_ref": text_values(200, short=True),
                },
            ),
        )
        problems += run(
            client,
            entry,
            [
                (f"evidence={label}", {**entry.base, "evidence": files[0]})
                for label, files in evidence_files()
            ],
        )
        count = Target(
            "entry (count)",
            item_url(city.zhijian, records),
            {"entry": "1", "value": "2", "reason": "检查记录"},
            ASSESSMENT_TABLES,
        )
        problems += run(client, count, variants(count.base, {"value": DECIMAL}))
        rate = Target(
            "entry (tiers)",
            item_url(city.zhijian, tiers),
            {"entry": "1", "value": "8", "target": "10", "reason": "节点统计"},
            ASSESSMENT_TABLES,
        )
        problems += run(
            client, rate, variants(rate.base, {"value": INTEGER_SHORT, "target": DECIMAL_SHORT})
        )
        override = Target(
            "override",
            item_url(city.zhijian, exam),
            {"override": "1", "points": "10", "money": "", "reason": "复核后调整"},
            ASSESSMENT_TABLES,
        )
        problems += run(
            client,
            override,
            variants(
                override.base,
                {
                    "points": DECIMAL_SHORT,
                    "money": INTEGER_SHORT,
                    "reason": text_values(None, short=True),
                    "clear": BOOLEAN,
                },
            ),
        )
    assert_none(problems)


@pytest.mark.parametrize("action", ["assessment_compute", "assessment_stage"])
def test_compute_and_publish(stage, city, action):
    scheme = stage["scheme"]
    base = {"scheme": str(scheme.pk)}
    fields = {"scheme": INTEGER_SHORT + CHOICE}
    if action == "assessment_stage":
        base |= {"target": "self", "confirm": "on", "reason": ""}
        fields |= {"target": CHOICE, "confirm": BOOLEAN, "reason": text_values(2000)}
    target = Target(
        action,
        reverse(action, kwargs={"year": 2010}),
        base,
        (*ASSESSMENT_TABLES, "assessment.AssessmentStageChange"),
    )
    cases = variants(target.base, fields)
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert_none(run(client_for(city.olivia), target, cases))


# --- The admin's targets import ----------------------------------------------------------------


def _review_url(digest: str) -> str:
    return reverse("admin:projects_project_import_review", args=[digest])


def test_targets_import_upload_and_confirm(stage, city, settings):
    client = client_for(city.adam)
    upload_url = reverse("admin:projects_project_import")
    workbook = clerk_workbook()

    def upload(name="附件.xlsx", content=workbook):
        return SimpleUploadedFile(name, content)

    base = {"year": "2011"}
    target = Target(
        "import upload",
        upload_url,
        {**base, "import_file": upload()},
        PLAN_TABLES,
        ok_status=302,  # on to the review page
    )
    cases = [
        (label, {**data, "import_file": upload()})
        for label, data in variants(base, {"year": INTEGER_SHORT})
    ]
    cases += [
        (f"import_file={label}", {**base, "import_file": files[0]})
        for label, files in evidence_files()
    ]
    cases += [
        ("no file", base),
        ("xlsx named with nul", {**base, "import_file": upload("a\x00.xlsx")}),
        ("xlsx 1000-character name", {**base, "import_file": upload("表" * 995 + ".xlsx")}),
        ("pdf named xlsx", {**base, "import_file": upload("a.xlsx", PDF)}),
        ("zip named xlsx", {**base, "import_file": upload("a.xlsx", b"PK\x03\x04" + b"0" * 64)}),
        ("empty xlsx", {**base, "import_file": upload("a.xlsx", b"")}),
    ]
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        problems = run(client, target, cases)

        uploaded = client.post(upload_url, {**base, "import_file": upload()})
        review = uploaded["Location"].split("?")[0]
        preview = client.post(review, {**base, "all_new": "1"})
        confirm = {**base, "all_new": "1", "confirm": "1"}
        confirm["previewed"] = preview.context["form"].initial["previewed"]
        confirm_target = Target("import confirm", review, confirm, PLAN_TABLES)
        unknown_field = "name:" + preview.context["targets"].unknown_names[0].key
        problems += run(
            client,
            confirm_target,
            variants(
                confirm,
                {
                    "previewed": TEXT_SHORT,
                    "year": INTEGER_SHORT,
                    # A decision naming no known unit, or garbage.
                    unknown_field: [
                        ("unknown pk", "same:999999"),
                        ("not a pk", "same:abc"),
                        ("garbage", "\x00"),
                    ],
                },
            ),
            # A confirmed import forgets its upload: send it again each time.
            before_each=lambda: client.post(upload_url, {**base, "import_file": upload()}),
        )
    assert_none(problems)


@pytest.mark.parametrize(
    ("field", "value"),
    [("previewed", "abc"), ("year", "2012"), ("name", "same:999999")],
)
def test_a_tampered_import_confirmation_is_refused_and_imports_nothing(stage, city, field, value):
    """Confirm runs only on the choices the user saw previewed."""
    client = client_for(city.adam)
    uploaded = client.post(
        reverse("admin:projects_project_import"),
        {"year": "2011", "import_file": SimpleUploadedFile("附件.xlsx", clerk_workbook())},
    )
    review = uploaded["Location"].split("?")[0]
    preview = client.post(review, {"year": "2011", "all_new": "1"})
    confirm = {
        "year": "2011",
        "all_new": "1",
        "confirm": "1",
        "previewed": preview.context["form"].initial["previewed"],
    }
    if field == "name":  # a decision naming no known object, for a name the file brings
        field = "name:" + preview.context["targets"].unknown_names[0].key
    confirm[field] = value
    response = client.post(review, confirm)
    assert response.status_code == 200
    assert not Project.objects.filter(plan__year__in=[2011, 2012]).exists()
    shown = [str(m) for m in response.context["messages"]] + [
        str(e) for e in response.context["targets"].errors
    ]
    assert any(
        "选择已改变" in text or "所对应的已有对象不存在" in text or "不在 2012 年度内" in text
        for text in shown
    ), shown


# --- Without the CSRF token --------------------------------------------------------------------


def test_every_form_refuses_a_post_without_csrf_token_and_changes_nothing(stage, city):
    scheme = stage["scheme"]
    exam = _item(scheme, "培训考试")
    forms = [
        (None, reverse("login"), {"username": "alice", "password": PASSWORD}),
        (city.alice, reverse("password_change"), {"old_password": PASSWORD}),
        (city.alice, report_target(city, stage).url, report_target(city, stage).base),
        (
            city.helen,
            reverse("report_review", kwargs={"pk": stage["waiting_head"].pk}),
            {"action": "approve"},
        ),
        (
            city.olivia,
            reverse("report_review", kwargs={"pk": stage["waiting_office"].pk}),
            {"action": "accept"},
        ),
        (
            city.olivia,
            reverse("supervision_new"),
            {"m": [str(city.ms_zhijian.pk)], "level": str(factories.ladder()[0].pk)},
        ),
        (
            city.olivia,
            item_url(city.zhijian, exam),
            {"entry": "1", "state": "done", "reason": "x"},
        ),
        (
            city.olivia,
            item_url(city.zhijian, exam),
            {"override": "1", "points": "1", "reason": "x"},
        ),
        (city.olivia, reverse("assessment_compute", kwargs={"year": 2010}), {"scheme": scheme.pk}),
        (
            city.olivia,
            reverse("assessment_stage", kwargs={"year": 2010}),
            {"scheme": scheme.pk, "target": "self", "confirm": "on"},
        ),
        (
            city.adam,
            reverse("admin:projects_project_import"),
            {"year": "2011", "format": "0", "resource": "0"},
        ),
    ]
    tables = (
        REPORT_TABLES
        + ASSESSMENT_TABLES
        + PLAN_TABLES
        + SUPERVISION_TABLES
        + ("projects.Reminder", "auth.User")
    )
    problems = []
    for user, url, data in forms:
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for label, extra in [
            ("no token", {}),
            ("wrong token", {"csrfmiddlewaretoken": "x" * 64}),
            ("nul token", {"csrfmiddlewaretoken": "\x00" * 64}),
        ]:
            target = Target(f"csrf {url}", url, {}, tables)
            problem, status = probe(client, target, {**data, **extra})
            if status != 403:
                problem = problem or f"HTTP {status}, not 403"
            if problem:
                problems.append(f"{url} {label}: {problem}")
    assert_none(problems)


# --- Query strings of the pages ------------------------------------------------------------------


QUERY_VALUES = [
    ("nul", "\x00"),
    ("nul inside", "1\x00"),
    ("c0 controls", "\x01\x1b\x7f"),
    ("cjk ext b", "𠀀"),
    ("letters", "abc"),
    ("4300 digits", "9" * 4300),
    ("long", "x" * 5000),
    ("list", ["1", "2"]),
]


@pytest.mark.parametrize(
    ("who", "url_name", "params"),
    [
        ("olivia", "project_list", ["q", "year", "unit", "colour", "sort", "page"]),
        ("alice", "my_work", ["year"]),
        ("olivia", "review", ["page"]),
        ("olivia", "home", ["year"]),
        ("olivia", "assessment_ranking", ["kind"]),
        ("adam", "admin:projects_project_changelist", ["q", "o", "plan__id__exact"]),
        ("adam", "admin:responsibility_unit_changelist", ["q", "kind__exact"]),
    ],
)
def test_query_parameters_of_the_pages(stage, city, who, url_name, params):
    client = client_for(getattr(city, who))
    kwargs = {"year": 2010} if url_name == "assessment_ranking" else {}
    url = reverse(url_name, kwargs=kwargs)
    problems = []
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert client.get(url).status_code == 200
        for param in params:
            for label, value in QUERY_VALUES:
                response = client.get(url, {param: value})
                if response.status_code not in (200, 302, 400, 404):
                    problems.append(f"{url}?{param}={label}: HTTP {response.status_code}")
    assert_none(problems)


def test_raw_bodies_that_are_not_utf8_or_too_big(stage, city, settings):
    """What no browser sends: broken UTF-8, more fields or bytes than Django reads."""
    client = client_for(city.alice)
    url = report_target(city, stage).url
    problems = []
    bodies = [
        ("invalid utf-8", b"status=in_progress&percent=60&narrative=%FF%FE%80"),
        ("raw invalid utf-8", b"status=in_progress&percent=60&narrative=\xff\xfe\x80"),
        ("overlong nul", b"narrative=%C0%80"),
        ("percent nul", b"narrative=%00"),
        ("too many fields", b"&".join(b"f%d=1" % i for i in range(1500))),
        ("too big", b"narrative=" + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)),
    ]
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        for label, body in bodies:
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
            if response.status_code not in (200, 400):
                problems.append(f"{label}: HTTP {response.status_code}")
        response = client.post(
            url, b"--x\r\nbroken", content_type="multipart/form-data; boundary=x"
        )
        if response.status_code not in (200, 400):
            problems.append(f"broken multipart: HTTP {response.status_code}")
    assert (
        not ProgressReport.objects.filter(author=city.alice)
        .exclude(pk=stage["waiting_head"].pk)
        .exists()
    )
    assert_none(problems)


# --- What the set found, one test each ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/admin/responsibility/unit/?kind__exact=%00", "/projects/?q=a%00b", "/my/?year=%00"],
)
def test_a_nul_in_the_query_string_is_a_400_with_a_message(stage, city, url):
    """PostgreSQL: the admin's list filters put it straight into SQL (HTTP 500)."""
    response = client_for(city.adam).get(url)
    assert response.status_code == 400
    assert "链接中含有不允许的字符" in response.content.decode()


@pytest.mark.parametrize("action", ["assessment_compute", "assessment_stage"])
@pytest.mark.parametrize("value", ["abc", "", "1.5", "\x00"])
def test_a_malformed_scheme_id_is_a_400(stage, city, action, value):
    before = checksum(*ASSESSMENT_TABLES)
    response = client_for(city.olivia).post(
        reverse(action, kwargs={"year": 2010}), {"scheme": value}
    )
    assert response.status_code == 400
    assert checksum(*ASSESSMENT_TABLES) == before
