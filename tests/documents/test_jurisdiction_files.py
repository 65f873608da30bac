"""Documents per jurisdiction (issue 17): two jurisdictions with a plan for the
same year. Each office's PDFs and exports print its own plan only, as different
files; a change in one programme leaves the other's version alone; a sibling
office asking for the other's ``?j=`` gets its own programme; a unit card of
another jurisdiction's unit is a 404."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from documents import cache as versions
from documents import pdfs
from documents.models import GeneratedFile
from projects.access import Portion
from projects.models import Milestone, PlanYear
from responsibility import roles
from responsibility.models import Unit, ViceMayor, existing_home_jurisdiction
from tests import factories
from tests.documents.pdf_support import _empty_pdf_cache, demo_day, pdf_text  # noqa: F401

pytestmark = pytest.mark.django_db

HOME_PROJECT, SIBLING_PROJECT = "提高产品质量", "高密特色农业"
SIBLING_MILESTONE = "高密节点申报"
# The bulletin lists milestones, not projects: 诸城市's overdue and due-soon ones.
HOME_MILESTONES = ("申报名牌", "超市评比", "服务承诺")


def own_and_not_other(kind: str, text: str, *, home: bool) -> bool:
    if kind == "bulletin":
        mine = any(name in text for name in HOME_MILESTONES) if home else SIBLING_MILESTONE in text
        theirs = SIBLING_MILESTONE in text if home else any(n in text for n in HOME_MILESTONES)
        return mine and not theirs
    mine, theirs = (HOME_PROJECT, SIBLING_PROJECT) if home else (SIBLING_PROJECT, HOME_PROJECT)
    return mine in text and theirs not in text


@pytest.fixture
def two(city):
    """The city of ``tests/conftest.py`` (诸城市, the home jurisdiction) and a
    sibling city, 高密市, with its own office, bureau, vice-mayor and 2010 plan."""
    home = existing_home_jurisdiction()
    assert home is not None
    sibling = Unit.objects.create(name="高密市", kind=Unit.Kind.CITY, jurisdiction=None)
    office = Unit.objects.create(name="市政府办公室", kind=Unit.Kind.OFFICE, jurisdiction=sibling)
    bureau = Unit.objects.create(name="质监局", kind=Unit.Kind.BUREAU, jurisdiction=sibling)
    mayor = ViceMayor.objects.create(name="高副市长", jurisdiction=sibling)
    plan = PlanYear.objects.create(
        year=2010, jurisdiction=sibling, doc_number="高政发〔2010〕3号", title="高密市责任制"
    )
    project = factories.ProjectFactory(plan=plan, number=1, name=SIBLING_PROJECT, mayor=mayor)
    factories.ProjectUnitFactory(project=project, unit=bureau, is_lead=True)
    milestone = factories.MilestoneFactory(
        project=project, unit=bureau, name=SIBLING_MILESTONE, due_date=dt.date(2010, 9, 20)
    )
    city.home, city.sibling, city.sibling_bureau = home, sibling, bureau
    city.sibling_milestone = milestone
    city.gina = factories.make_user("gina", roles.REVIEWER, office)
    return city


def documents(j=None):
    query = f"?j={j}" if j is not None else ""
    return {
        "annual": reverse("pdf_annual", args=[2010]) + query,
        "responsibility": reverse("pdf_responsibility", args=[2010]) + query,
        "bulletin": reverse("pdf_bulletin") + (query + "&" if query else "?") + "as_of=2010-09-30",
    }


def texts(client, user, j=None) -> dict[str, str]:
    client.force_login(user)
    out = {}
    for kind, url in documents(j).items():
        response = client.get(url)
        assert response.status_code == 200, (kind, user, response.status_code)
        out[kind] = pdf_text(response.getvalue())
    return out


def test_each_office_prints_its_own_plan_in_its_own_file(client, two, demo_day):
    home = texts(client, two.olivia)
    sibling = texts(client, two.gina)
    for kind in home:
        assert own_and_not_other(kind, home[kind], home=True), kind
        assert own_and_not_other(kind, sibling[kind], home=False), kind
    assert "高政发" in sibling["annual"] and "高政发" not in home["annual"]

    for kind in home:
        rows = list(GeneratedFile.objects.filter(kind=kind))
        assert len(rows) == 2, kind
        assert {row.params["j"] for row in rows} == {two.home.pk, two.sibling.pk}
        assert len({row.key for row in rows}) == 2 and len({row.family for row in rows}) == 2


def test_a_sibling_office_asking_for_the_others_programme_gets_its_own(client, two, demo_day):
    for user, is_home, other_j in (
        (two.gina, False, two.home.pk),
        (two.olivia, True, two.sibling.pk),
    ):
        for kind, text in texts(client, user, j=other_j).items():
            assert own_and_not_other(kind, text, home=is_home), (user, kind)
    assert not GeneratedFile.objects.filter(params__j=None).exists()


def test_the_dashboard_links_carry_the_pages_jurisdiction(client, two, demo_day):
    client.force_login(two.gina)
    page = client.get(reverse("home"), {"year": 2010}).content.decode()
    for url in documents().values():
        assert f"{url.split('?')[0]}?j={two.sibling.pk}" in page


def _export_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def _cells(rows) -> str:
    return " ".join(str(cell) for row in rows for cell in row if cell is not None)


@pytest.mark.parametrize("url", ["/projects/export.xlsx", "/milestones/export.xlsx"])
def test_each_office_exports_its_own_programme(client, two, demo_day, url):
    client.force_login(two.olivia)
    home = _cells(_export_rows(client.get(url + "?year=2010")))
    client.force_login(two.gina)
    sibling = _cells(_export_rows(client.get(url + "?year=2010")))
    asked_other = _cells(_export_rows(client.get(url + f"?year=2010&j={two.home.pk}")))

    assert HOME_PROJECT in home and SIBLING_PROJECT not in home
    assert SIBLING_PROJECT in sibling and HOME_PROJECT not in sibling
    assert asked_other == sibling
    rows = list(GeneratedFile.objects.all())
    assert len(rows) == 2
    assert {row.params["j"] for row in rows} == {two.home.pk, two.sibling.pk}
    assert len({row.params["scope"] for row in rows}) == 2


def test_a_change_in_one_programme_leaves_the_others_version(two, demo_day):
    def both():
        out = {}
        for j in (two.home.pk, two.sibling.pk):
            out[j] = (
                versions.data_version(2010, j),
                versions.report_version("annual", pdfs.annual_params(2010, jurisdiction=j)),
                versions.report_version(
                    "bulletin", pdfs.bulletin_params(dt.date(2010, 9, 30), jurisdiction=j)
                ),
            )
        return out

    before = both()
    assert before[two.home.pk] != before[two.sibling.pk]
    milestone = Milestone.objects.get(pk=two.sibling_milestone.pk)
    milestone.name = "高密节点改名"
    milestone.save()
    after = both()
    assert after[two.home.pk] == before[two.home.pk]
    assert all(a != b for a, b in zip(after[two.sibling.pk], before[two.sibling.pk], strict=True))


def test_the_plan_is_that_of_the_jurisdiction(two, demo_day):
    home_plan = pdfs.reports.get_plan(2010, two.home.pk)
    sibling_plan = pdfs.reports.get_plan(2010, two.sibling)
    assert home_plan.pk == two.plan.pk and sibling_plan.jurisdiction_id == two.sibling.pk
    assert pdfs.reports.get_plan(2010).pk == home_plan.pk  # default: the home jurisdiction
    portion = Portion(two.gina)
    assert portion.key != Portion(two.olivia).key
    assert str(two.sibling.pk) in portion.key


def test_a_unit_card_of_another_jurisdictions_unit_is_404(client, two, demo_day):
    client.force_login(two.gina)
    assert client.get(reverse("pdf_unit", args=[2010, two.zhijian.pk])).status_code == 404
    response = client.get(reverse("pdf_unit", args=[2010, two.sibling_bureau.pk]))
    assert response.status_code == 200
    text = pdf_text(response.getvalue())
    assert SIBLING_PROJECT in text and HOME_PROJECT not in text
    assert GeneratedFile.objects.get().params["j"] == two.sibling.pk

    client.force_login(two.olivia)
    assert client.get(reverse("pdf_unit", args=[2010, two.sibling_bureau.pk])).status_code == 404
    response = client.get(reverse("pdf_unit", args=[2010, two.zhijian.pk]))
    assert response.status_code == 200
    assert SIBLING_PROJECT not in pdf_text(response.getvalue())


def test_the_command_prints_the_jurisdiction_asked_for(two, demo_day, tmp_path):
    out = tmp_path / "annual.pdf"
    call_command(
        "render_report", "annual", "--year", "2010", "--jurisdiction", "高密市", "-o", str(out)
    )
    text = pdf_text(out.read_bytes())
    assert SIBLING_PROJECT in text and HOME_PROJECT not in text

    call_command("render_report", "annual", "--year", "2010", "-o", str(out))  # the home one
    text = pdf_text(out.read_bytes())
    assert HOME_PROJECT in text and SIBLING_PROJECT not in text

    call_command(
        "render_report",
        "unit",
        "--year",
        "2010",
        "--unit",
        "质监局",
        "--jurisdiction",
        "高密市",
        "-o",
        str(out),
    )
    text = pdf_text(out.read_bytes())
    assert SIBLING_PROJECT in text and HOME_PROJECT not in text

    with pytest.raises(CommandError, match="没有名为“不存在市”的辖区"):
        call_command("render_report", "annual", "--year", "2010", "--jurisdiction", "不存在市")
