"""Every URL that takes an object id refuses objects outside the user's reach (404),
and every URL refuses anonymous users.

``OUTSIDE_ALICE`` names, for each such URL, an object of 商务局 or of project 2 —
which alice, the clerk of 质监局, must not reach. A guard test fails when a new URL
with an id appears without an entry here, so coverage keeps up with the URL conf.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessment.models import AssessmentEntry, AssessmentItem
from projects.models import DeadlineExtension, Evidence, Milestone
from tests import factories
from tests.assessment import builders

# URLs with ids that are not object references: the year, or the password-reset token.
NOT_OBJECT_IDS = {"password_reset_confirm"}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # the admin checks is_staff + model permissions itself
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name, dict(p.pattern.converters)


def app_urls():
    return [(route, name, conv) for route, name, conv in walk(get_resolver().url_patterns)]


def object_urls():
    return [
        (name, sorted(conv))
        for route, name, conv in app_urls()
        if set(conv) - {"year"} and name not in NOT_OBJECT_IDS
    ]


@pytest.fixture
def foreign(city, settings, tmp_path):
    """Objects of 商务局 (bob's unit): a report with evidence on its milestone."""
    settings.MEDIA_ROOT = tmp_path
    report = factories.make_report(city.ms_shangwu, city.bob, narrative="商务局的填报")
    evidence = Evidence.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4 bob", name="bob.pdf"),
        original_name="bob.pdf",
        content_type="application/pdf",
        size=12,
    )
    item = AssessmentItem.objects.filter(category__scheme=builders.bureau_scheme(year=2010)).first()
    entry = AssessmentEntry.objects.create(
        item=item,
        unit=city.shangwu,
        state="done",
        reason="检查记录",
        evidence=ContentFile(b"%PDF-1.4 entry", name="entry.pdf"),
        entered_by=city.olivia,
    )
    from projects.models import SupervisionFile
    from projects.services import supervision as service

    [sv] = service.supervision_send(
        milestones=[city.ms_shangwu], level=factories.ladder()[0], sender=city.olivia
    )
    sv_file = SupervisionFile.objects.create(
        supervision=sv,
        file=ContentFile(b"%PDF-1.4 sv", name="sv.pdf"),
        original_name="sv.pdf",
        content_type="application/pdf",
        size=11,
        uploaded_by=city.bob,
    )
    extension = DeadlineExtension.objects.create(
        milestone=city.ms_shangwu,
        requested_by=city.bob,
        old_due_date=city.ms_shangwu.due_date,
        new_due_date=city.ms_shangwu.due_date + dt.timedelta(days=30),
        reason="商务局的延期理由",
        progress="商务局的进展",
    )
    from assessment.models import Objection, SelfEntry

    own = SelfEntry.objects.create(
        item=item,
        unit=city.shangwu,
        state="done",
        note="商务局的自评",
        evidence=ContentFile(b"%PDF-1.4 self", name="self.pdf"),
        evidence_name="self.pdf",
        entered_by=city.bob,
    )
    objection = Objection.objects.create(
        scheme=item.category.scheme,
        unit=city.shangwu,
        item=item,
        reason="商务局的复核申请",
        evidence=ContentFile(b"%PDF-1.4 objection", name="objection.pdf"),
        evidence_name="objection.pdf",
        lodged_by=city.bob,
    )
    from assessment.models import ComputeRun

    run = ComputeRun.objects.create(scheme=item.category.scheme, requested_by=city.olivia)
    return {
        "compute_run": run,
        "self": own,
        "objection": objection,
        "report": report,
        "evidence": evidence,
        "entry": entry,
        "extension": extension,
        "supervision": sv,
        "supervision_file": sv_file,
    }


def outside_alice(city, foreign) -> dict[str, list[dict]]:
    """URL name → kwargs of objects alice must not reach."""
    return {
        "project_detail": [{"pk": city.project2.pk}],
        "unit_detail": [{"pk": city.shangwu.pk}, {"pk": city.office.pk}],
        "mayor_detail": [{"pk": city.other_mayor.pk}, {"pk": city.mayor.pk}],
        "milestone_detail": [{"pk": city.ms_shangwu.pk}, {"pk": city.ms_project2.pk}],
        "milestone_report": [{"pk": city.ms_shangwu.pk}, {"pk": city.ms_project2.pk}],
        "supervision_detail": [{"pk": foreign["supervision"].pk}],
        "supervision_file": [{"pk": foreign["supervision_file"].pk}],
        "evidence_download": [{"pk": foreign["evidence"].pk}],
        "report_review": [{"pk": foreign["report"].pk}],
        "milestone_extension": [{"pk": city.ms_shangwu.pk}, {"pk": city.ms_project2.pk}],
        "extension_detail": [{"pk": foreign["extension"].pk}],
        "pdf_unit": [{"year": 2010, "unit_id": city.shangwu.pk}],
        "assessment_unit": [{"year": 2010, "unit_id": city.shangwu.pk}],
        "assessment_item": [
            {"year": 2010, "unit_id": city.shangwu.pk, "item_id": foreign["entry"].item_id}
        ],
        "assessment_evidence": [
            {"year": 2010, "unit_id": city.shangwu.pk, "item_id": foreign["entry"].item_id}
        ],
        "assessment_self_evidence": [
            {"year": 2010, "unit_id": city.shangwu.pk, "item_id": foreign["self"].item_id}
        ],
        "assessment_objection_evidence": [{"pk": foreign["objection"].pk}],
        "assessment_compute_run": [{"year": 2010, "run_id": foreign["compute_run"].pk}],
        # A clerk reads no roll-up (issue 17), not even of their own jurisdiction.
        "jurisdiction_rollup": [{"pk": city.office.jurisdiction_id}],
        "jurisdiction_rollup_pdf": [{"pk": city.office.jurisdiction_id}],
        "jurisdiction_rollup_xlsx": [{"pk": city.office.jurisdiction_id}],
    }


def test_an_office_of_another_jurisdiction_gets_404_for_every_object(city, foreign, client):
    """Issue 17: the office of a sibling jurisdiction (another city with its own
    programme) reaches none of this city's objects, through any URL with an id."""
    from responsibility import roles
    from responsibility.models import Unit

    other = Unit.objects.create(name="另一市", kind=Unit.Kind.CITY, jurisdiction=None)
    office = Unit.objects.create(name="政府办公室", kind=Unit.Kind.OFFICE, jurisdiction=other)
    factories.PlanYearFactory(jurisdiction=other, year=2010)
    client.force_login(factories.make_user("other_ban", roles.REVIEWER, office))
    everything = outside_alice(city, foreign)
    everything["project_detail"].append({"pk": city.project1.pk})
    everything["milestone_detail"].append({"pk": city.ms_zhijian.pk})
    everything["unit_detail"].append({"pk": city.zhijian.pk})
    failures = []
    for name, kwargs_list in everything.items():
        for kwargs in kwargs_list:
            url = reverse(name, kwargs=kwargs)
            statuses = {m: getattr(client, m)(url).status_code for m in ("get", "post")}
            if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
                failures.append(f"{url} → {statuses}")
    assert not failures, "\n".join(failures)


def test_every_url_with_an_object_id_is_covered(city, foreign):
    covered = outside_alice(city, foreign)
    missing = [name for name, _ in object_urls() if name not in covered]
    assert not missing, f"add these URLs to outside_alice(): {missing}"


def test_clerk_gets_404_for_every_object_of_another_unit(city, foreign, client):
    client.force_login(city.alice)
    failures = []
    for name, kwargs_list in outside_alice(city, foreign).items():
        for kwargs in kwargs_list:
            url = reverse(name, kwargs=kwargs)
            statuses = {m: getattr(client, m)(url).status_code for m in ("get", "post")}
            # 405 only for the method a view does not take; the other must be 404.
            if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
                failures.append(f"{url} → {statuses}")
    assert not failures, "\n".join(failures)


def test_the_same_urls_work_for_the_owner(city, foreign, client):
    """The 404s above are about reach, not broken URLs: bob reaches his own objects."""
    client.force_login(city.bob)
    for name, kwargs in [
        ("project_detail", {"pk": city.project2.pk}),
        ("milestone_detail", {"pk": city.ms_shangwu.pk}),
        ("milestone_report", {"pk": city.ms_shangwu.pk}),
        ("evidence_download", {"pk": foreign["evidence"].pk}),
        ("supervision_detail", {"pk": foreign["supervision"].pk}),
        ("supervision_file", {"pk": foreign["supervision_file"].pk}),
        ("milestone_extension", {"pk": city.ms_shangwu.pk}),
        ("extension_detail", {"pk": foreign["extension"].pk}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200, name
    client.force_login(city.olivia)
    entry = foreign["entry"]
    url = reverse(
        "assessment_evidence",
        kwargs={"year": 2010, "unit_id": city.shangwu.pk, "item_id": entry.item_id},
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_vice_mayor_gets_404_outside_the_portfolio(city, foreign, client):
    client.force_login(city.victor)  # supervises project 1 only
    for url in [
        reverse("project_detail", kwargs={"pk": city.project2.pk}),
        reverse("milestone_detail", kwargs={"pk": city.ms_project2.pk}),
        reverse("mayor_detail", kwargs={"pk": city.other_mayor.pk}),
    ]:
        assert client.get(url).status_code == 404, url


def test_milestone_ids_are_not_guessable_into_a_report(city, client):
    """A clerk posting a report on another unit's milestone creates nothing."""
    client.force_login(city.alice)
    response = client.post(
        reverse("milestone_report", kwargs={"pk": city.ms_shangwu.pk}),
        {"status": "in_progress", "percent": "50", "narrative": "越权填报"},
    )
    assert response.status_code == 404
    assert not Milestone.objects.get(pk=city.ms_shangwu.pk).reports.exists()


PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "logout",
    # The public results (考核结果公示): tests/assessment/test_public.py checks
    # what they show and that an unpublished year is a 404.
    "public_index",
    "public_year",
}


def test_anonymous_users_are_sent_to_login_everywhere(city, foreign, client):
    examples = {name: kwargs[0] for name, kwargs in outside_alice(city, foreign).items()}
    failures = []
    for _route, name, conv in app_urls():
        if name in PUBLIC:
            continue
        kwargs = examples.get(name) or {key: 2010 if key == "year" else 1 for key in conv}
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        if response.status_code != 302 or "/accounts/login/" not in response["Location"]:
            failures.append(f"GET {url} → {response.status_code}")
    assert not failures, "\n".join(failures)
