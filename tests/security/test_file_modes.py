"""Files the application writes are its own: evidence uploads are 0600 in 0700
directories, and the web process runs under umask 077 (issue 16, item 11).
Backups: tests/test_backup.py."""

import os
import stat
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Evidence

PDF = b"%PDF-1.4\n%%EOF\n"

pytestmark = pytest.mark.django_db


@pytest.fixture
def common_umask():
    """The umask most servers run with (022), so that nothing is private by luck."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory", "temporary-file"])
def test_an_uploaded_evidence_file_is_private(
    client, city, settings, tmp_path, common_umask, in_memory
):
    settings.MEDIA_ROOT = media = tmp_path / "media"
    if not in_memory:  # larger uploads reach the storage as a temporary file, moved in
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    client.force_login(city.alice)
    response = client.post(
        reverse("milestone_report", kwargs={"pk": city.ms_zhijian.pk}),
        {
            "status": "in_progress",
            "percent": "40",
            "narrative": "推进中",
            "evidence": [SimpleUploadedFile("检测报告.pdf", PDF, "application/pdf")],
        },
    )
    assert response.status_code == 302

    path = media / Evidence.objects.get().file.name
    assert path.read_bytes() == PDF
    assert _mode(path) == "0o600"
    directories = [p for p in path.parents if p.is_relative_to(media)]
    assert [d.relative_to(media).as_posix() for d in directories][-2:] == ["evidence", "."]
    assert {d.name: _mode(d) for d in directories} == {d.name: "0o700" for d in directories}


def test_the_web_process_runs_under_umask_077(common_umask):
    """gunicorn (and runserver) load zhucheng.wsgi before any file is written."""
    code = "import os, zhucheng.wsgi; print(oct(os.umask(0)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "zhucheng.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "0o77"


def test_collected_static_files_stay_world_readable(settings, tmp_path, common_umask):
    """They are public, and nginx may serve them (README): the upload modes are not theirs."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    css = next((tmp_path / "static").rglob("*.css"))
    assert _mode(css) == "0o644"
    assert _mode(css.parent) == "0o755"
