"""The list export built by a real Celery worker over a real Redis (see
conftest.py): the web answers 生成中 at once, the worker builds the workbook, the
web then serves it; a second reader of the same scope joins the same file."""

import io

import pytest
from openpyxl import load_workbook

from documents.models import GeneratedFile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(celery_worker, settings):
    settings.MEDIA_ROOT = celery_worker.media  # the web serves what the worker wrote
    return celery_worker


def test_an_export_is_built_by_the_worker_and_joined_by_the_same_scope(worker, client, city):
    url = "/projects/export.xlsx?sort=-number"
    client.force_login(city.olivia)

    waiting = client.get(url)
    client.force_login(city.adam)  # also reads the whole city
    joined = client.get(url)

    assert waiting.status_code == 202 and "生成中" in waiting.content.decode()
    row = GeneratedFile.objects.get()  # one file for both readers
    worker.wait_for(
        lambda: GeneratedFile.objects.filter(pk=row.pk, status="done").exists(),
        "the export to be built",
    )
    assert joined.status_code in (200, 202)
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Disposition"] == 'attachment; filename="projects-2010.xlsx"'
    rows = list(load_workbook(io.BytesIO(served.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[2:]] == [2, 1]
    assert GeneratedFile.objects.count() == 1
