"""The list exports (/projects/export.xlsx, /milestones/export.xlsx) come from the
file store: one file per reader scope and normalized filter query, shared by
readers of the same scope, never served after the data changed. No broker in
these tests: the build runs in the request, so the first answer is the file."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from documents.models import GeneratedFile
from projects.services import supervision as service
from tests import factories

pytestmark = pytest.mark.django_db

FROZEN = dt.datetime(2010, 9, 28, 4, 0, tzinfo=dt.UTC)  # 2010-09-28 in Shanghai


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[2:]


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_anonymous_reader_is_sent_to_sign_in(client, city):
    for url in ("/projects/export.xlsx", "/milestones/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not GeneratedFile.objects.exists()


def test_the_same_filters_in_any_order_join_one_file(client, city):
    first = _get(client, city.olivia, "/projects/export.xlsx?year=2010&sort=-number")
    again = client.get("/projects/export.xlsx?sort=-number&page=3&q=")  # 2010: the default

    assert first.content == again.content
    row = GeneratedFile.objects.get()
    assert row.kind == "project_export" and row.status == "done" and row.attempts == 1
    assert row.filename == "projects-2010.xlsx"
    assert again["Content-Disposition"] == 'attachment; filename="projects-2010.xlsx"'
    assert [r[1] for r in _rows(again)] == [2, 1]


def test_readers_of_the_same_scope_share_a_file_and_others_get_their_own(client, city):
    office = _rows(_get(client, city.olivia, "/projects/export.xlsx"))
    admin = _rows(_get(client, city.adam, "/projects/export.xlsx"))  # also the whole city
    clerk = _rows(_get(client, city.alice, "/projects/export.xlsx"))  # 质监局's project only
    mayor = _rows(_get(client, city.victor, "/projects/export.xlsx"))  # project 1 only

    assert office == admin
    assert [r[1] for r in office] == [1, 2] and [r[1] for r in clerk] == [1]
    assert [r[1] for r in mayor] == [1]
    scopes = sorted(GeneratedFile.objects.values_list("params__scope", flat=True))
    assert scopes == ["all", f"mayor:{city.mayor.pk}", f"unit:{city.zhijian.pk}"]


def test_a_data_change_gives_a_new_file_never_the_old_one(client, city):
    before = _rows(_get(client, city.olivia, "/projects/export.xlsx"))
    factories.ProjectFactory(plan=city.plan, number=9, name="新增项目")

    after = _rows(client.get("/projects/export.xlsx"))

    assert len(after) == len(before) + 1 and "新增项目" in {r[2] for r in after}


def test_a_new_supervision_shows_in_the_next_milestone_export(client, city):
    def flags():
        rows = _rows(_get(client, city.olivia, "/milestones/export.xlsx"))
        return {r[4]: r[12] for r in rows}

    assert set(flags().values()) == {"否"}
    level = factories.ladder()[1]  # 督办
    service.supervision_send(milestones=[city.ms_zhijian], level=level, sender=city.olivia)

    assert flags()[city.ms_zhijian.name].startswith("是")


def test_a_pending_export_answers_with_the_generating_page(client, city, monkeypatch):
    from documents import files

    monkeypatch.setattr(files, "_enqueue", lambda row: None)  # as if a worker had not begun

    response = _get(client, city.olivia, "/milestones/export.xlsx")

    assert response.status_code == 202
    page = response.content.decode()
    assert "进度节点一览（Excel）" in page and '<meta http-equiv="refresh"' in page


def test_the_list_page_format_xlsx_leads_to_the_export(client, city):
    response = _get(client, city.olivia, "/projects/?format=xlsx&unit=1&page=2")
    assert response.status_code == 302
    assert response["Location"] == "/projects/export.xlsx?unit=1&page=2"
