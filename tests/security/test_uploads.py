"""Uploaded evidence cannot be executed or served to the wrong user: HTML and other
formats are refused (by name and by content), files are stored under random names
outside any URL, and downloads are attachments with nosniff and a sandboxing CSP."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Evidence, ProgressReport

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def report(client, city, *files):
    return client.post(
        reverse("milestone_report", kwargs={"pk": city.ms_zhijian.pk}),
        {
            "status": "in_progress",
            "percent": "40",
            "narrative": "推进中",
            "evidence": list(files),
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("page.htm", b"<html></html>", "text/html"),
        (
            "image.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
        ),
        ("fake.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        ("run.exe", b"MZ\x90\x00", "application/octet-stream"),
        ("script.js", b"alert(1)", "text/javascript"),
    ],
)
def test_dangerous_uploads_are_refused_with_a_message(city, client, media, name, content, mime):
    client.force_login(city.alice)
    response = report(client, city, SimpleUploadedFile(name, content, content_type=mime))
    assert response.status_code == 200  # the form again
    assert "errorlist" in response.content.decode()
    assert not ProgressReport.objects.exists()
    assert not Evidence.objects.exists()
    assert not any(media.rglob("*.*"))


def test_evidence_is_stored_under_a_random_name_and_downloaded_as_attachment(city, client, media):
    client.force_login(city.alice)
    response = report(
        client, city, SimpleUploadedFile("../../检测 报告.pdf", PDF, content_type="text/html")
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert "检测" not in evidence.file.name and ".." not in evidence.file.name
    assert evidence.file.name.startswith("evidence/") and evidence.file.name.endswith(".pdf")
    assert evidence.content_type == "application/pdf"  # ours, not the browser's text/html
    stored = list(media.rglob("*.pdf"))
    assert len(stored) == 1 and media in stored[0].parents

    download = client.get(reverse("evidence_download", kwargs={"pk": evidence.pk}))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == PDF


def test_evidence_is_not_served_to_another_unit(city, client, media):
    client.force_login(city.alice)
    report(client, city, SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"))
    url = reverse("evidence_download", kwargs={"pk": Evidence.objects.get().pk})
    client.force_login(city.bob)
    assert client.get(url).status_code == 404
    client.force_login(city.olivia)
    assert client.get(url).status_code == 200
