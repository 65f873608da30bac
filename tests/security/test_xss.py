"""Free text typed by users — project names, milestone names, narratives, file names,
return reasons — is shown escaped on every page, and as literal text in PDFs."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse

from projects.models import Evidence, Milestone, ProgressReport
from tests import factories
from tests.documents.pdf_support import pdf_text

SCRIPT = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'
RAW_MARKERS = ["<script>alert", "<img src=x onerror", "onerror=alert(1)>"]


@pytest.fixture
def hostile(city, settings, tmp_path):
    """Payloads in every free-text field a user or an import can fill."""
    settings.MEDIA_ROOT = tmp_path
    settings.ZHUCHENG_TODAY = "2010-07-15"
    cache.clear()
    project = city.project1
    project.name = f"恶意项目{SCRIPT}"
    project.target = f"目标{IMG}"
    project.measures = f"措施{SCRIPT}"
    project.save()
    city.sub_zhijian.name = f"小项{SCRIPT}"
    city.sub_zhijian.save()
    city.ms_zhijian.name = f"节点{SCRIPT}"
    city.ms_zhijian.save()
    report = factories.make_report(
        city.ms_zhijian,
        city.alice,
        narrative=f"进展{SCRIPT}{IMG}",
        review_state=ProgressReport.Review.RETURNED,
        return_reason=f"退回{SCRIPT}",
    )
    factories.make_report(city.ms_zhijian, city.alice, narrative=f"再报{SCRIPT}")
    Evidence.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4 x", name="e.pdf"),
        original_name=f"{IMG}.pdf",
        content_type="application/pdf",
        size=10,
    )
    city.alice.first_name = f"<b>艾</b>{SCRIPT}"
    city.alice.save()
    return city


def assert_escaped(html: str, where: str):
    for marker in RAW_MARKERS:
        assert marker not in html, f"{where}: raw {marker!r} in page"


def test_pages_escape_user_text(hostile, client):
    city = hostile
    pages = {
        "olivia": [
            "/",
            "/projects/",
            f"/projects/{city.project1.pk}/",
            f"/milestones/{city.ms_zhijian.pk}/",
            f"/units/{city.zhijian.pk}/",
            f"/mayors/{city.mayor.pk}/",
            "/review/",
            f"/reports/{ProgressReport.objects.order_by('pk').last().pk}/review/",
        ],
        "alice": ["/my/", f"/milestones/{city.ms_zhijian.pk}/report/"],
    }
    shown = 0
    for who, urls in pages.items():
        client.force_login(getattr(city, who))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert_escaped(html, url)
            shown += html.count("&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;")
    # The payloads were on the pages (escaped), not simply absent.
    assert shown >= 10


def test_pdfs_print_user_text_literally(hostile, client):
    client.force_login(hostile.olivia)
    for url in ["/reports/2010/annual.pdf", "/reports/bulletin.pdf?as_of=2010-07-15"]:
        response = client.get(url)
        assert response.status_code == 200, url
        data = response.getvalue()  # a FileResponse: its content can be read once
        assert data[:5] == b"%PDF-"
        text = pdf_text(data)
        assert "<script>alert(" in text, f"{url}: the payload should print as plain text"
    assert Milestone.objects.get(pk=hostile.ms_zhijian.pk).due_date < dt.date(2010, 7, 15)


def test_xlsx_export_keeps_text_as_text(hostile, client):
    import io

    from openpyxl import load_workbook

    client.force_login(hostile.olivia)
    response = client.get(reverse("project_export"), {"year": 2010})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    values = [c.value for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(SCRIPT in v for v in values)
