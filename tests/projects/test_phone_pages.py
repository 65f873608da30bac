"""What the phone layout needs from the pages' HTML (issue 14): the folded menu,
tables marked as cards with labelled cells, the camera and the upload script on
evidence forms, and the one action on each 督办 card. The layout itself is
checked in Chromium (tests/e2e/test_phone.py)."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import re

import pytest
from django.urls import reverse

from projects import supervision
from projects.services import supervision as service
from tests import factories
from tests.projects.reporting_support import frozen  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def body(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_base_links_phone_css_after_app_css_and_folds_the_menu(client, frozen, city):
    client.force_login(city.alice)
    html = body(client, reverse("my_work"))
    assert html.index("css/app.css") < html.index("css/phone.css")
    assert re.search(r'<details class="menu-phone">\s*<summary>菜单</summary>', html)
    # the menu's links, once inline and once folded (phone.css shows one of them)
    assert html.count(f'href="{reverse("my_work")}"') == 2


@pytest.mark.parametrize(
    ("user", "url_name"),
    [("alice", "my_work"), ("helen", "review"), ("olivia", "project_list")],
)
def test_list_tables_become_cards_with_labelled_cells(client, frozen, city, user, url_name):
    factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(getattr(city, user))
    html = body(client, reverse(url_name))
    assert re.search(r'class="table [\w -]*table-cards"', html)
    assert 'data-label="' in html and 'class="card-title"' in html


def test_unit_assessment_table_becomes_cards(client, city):
    from tests.assessment import builders

    builders.bureau_scheme(year=2010)
    client.force_login(city.alice)
    html = body(client, reverse("assessment_unit", args=[2010, city.zhijian.pk]))
    assert 'class="table assess-table table-cards"' in html
    assert 'data-label="得分"' in html


def test_report_form_offers_the_camera_and_the_upload_script(client, frozen, city):
    client.force_login(city.alice)
    html = body(client, reverse("milestone_report", args=[city.ms_zhijian.pk]))
    files = re.search(r'<input type="file" name="evidence"[^>]*id="id_evidence"[^>]*>', html)
    assert files and 'accept="image/*,.pdf,' in files.group(0) and "multiple" in files.group(0)
    camera = re.search(r'<input type="file" name="evidence" id="id_evidence_photo"[^>]*>', html)
    assert camera and 'capture="environment"' in camera.group(0)
    assert "image/*" in camera.group(0)
    assert re.search(r'<script src="[^"]*js/upload\.js" defer></script>', html)
    assert "data-upload-progress" in html and '<progress id="upload-bar"' in html
    assert "<script>" not in html  # the CSP forbids inline script


def test_a_camera_photo_and_a_file_arrive_as_one_reports_evidence(
    client, frozen, city, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.models import ProgressReport
    from tests.projects.reporting_support import pdf_bytes, png_bytes, report_data

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(city.alice)
    data = report_data()
    # the browser sends both inputs under the one name "evidence"
    data["evidence"] = [
        SimpleUploadedFile("回执.pdf", pdf_bytes(), "application/pdf"),
        SimpleUploadedFile("照片.png", png_bytes(), "image/png"),
    ]
    response = client.post(reverse("milestone_report", args=[city.ms_zhijian.pk]), data)
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert sorted(e.original_name for e in report.evidence.all()) == ["回执.pdf", "照片.png"]


def test_inbox_cards_offer_the_one_next_action(client, city):
    level = factories.ladder()[0]
    [sent] = service.supervision_send(milestones=[city.ms_zhijian], level=level, sender=city.olivia)
    [acked] = service.supervision_send(
        milestones=[city.ms_zhijian], level=level, sender=city.olivia, confirm_duplicate=True
    )
    service.supervision_acknowledge(item=acked, user=city.alice)
    detail = reverse("supervision_detail", args=[sent.pk])

    client.force_login(city.alice)
    html = body(client, reverse("supervision_inbox"))
    assert f'action="{detail}"' in html and 'value="acknowledge"' in html
    assert f"{reverse('supervision_detail', args=[acked.pk])}#sv-answer" in html
    # the card's 签收 is the detail page's own: it acknowledges
    client.post(detail, {"action": "acknowledge"})
    sent.refresh_from_db()
    assert sent.state == supervision.State.ACKNOWLEDGED

    # the office has nothing to do on items waiting for the unit
    client.force_login(city.olivia)
    html = body(client, reverse("supervision_inbox") + "?tab=all")
    assert 'value="acknowledge"' not in html and "#sv-answer" not in html
