"""Import and export per jurisdiction (issue 17): every city has a 质监局, and a
workbook imported into one jurisdiction matches that jurisdiction's names only,
writes its plan there and leaves the others alone. The commands name the
jurisdiction (--jurisdiction); the admin offers those the user may write and
refuses any other, even forged."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from projects.models import ImportRun, PlanYear, Project, ProjectUnit
from responsibility import roles
from responsibility.models import Person, Unit, ViceMayor, home_jurisdiction
from tests import factories
from tests.projects.import_support import simple
from tests.projects.test_import_admin import _body, _messages, _post

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:projects_project_import"
ROWS = [[1, "实施名牌战略", "", "", "争创名牌", "质监局", "王磊", "王副市长", "6月底前"]]
TYPO_ROWS = [[1, "实施名牌战略", "", "", "争创名牌", "质检局", "王磊", "王副市长", "6月底前"]]


@pytest.fixture(autouse=True)
def _no_kept_uploads():
    cache.clear()


class Two:
    """诸城市 (home) and 青州市, each with its own 质监局, 王磊 and 王副市长."""

    def __init__(self):
        self.home = home_jurisdiction()
        self.other = Unit.objects.create(
            name="青州市", full_name="青州市人民政府", kind=Unit.Kind.CITY, jurisdiction=None
        )
        self.units = {}
        for place in (self.home, self.other):
            unit = Unit.objects.create(
                name="质监局", full_name="质量技术监督局", jurisdiction=place
            )
            Person.objects.create(name="王磊", unit=unit, title="局长")
            ViceMayor.objects.create(name="王副市长", jurisdiction=place)
            self.units[place.pk] = unit


@pytest.fixture
def two() -> Two:
    return Two()


def _snapshot(place: Unit) -> tuple:
    """What a jurisdiction holds: its units, people, vice-mayors and plans."""
    return (
        sorted(Unit.objects.filter(jurisdiction=place).values_list("pk", "name", "full_name")),
        sorted(Person.objects.filter(unit__jurisdiction=place).values_list("pk", "name")),
        sorted(ViceMayor.objects.filter(jurisdiction=place).values_list("pk", "name")),
        sorted(PlanYear.objects.filter(jurisdiction=place).values_list("pk", "year")),
    )


def _command(tmp_path, data: bytes, *args: str):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_targets", str(path), "--year", "2011", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- the commands ---------------------------------------------------------------


def test_importing_into_one_jurisdiction_matches_its_own_units_only(tmp_path, two):
    before = _snapshot(two.home)

    out, _err = _command(tmp_path, simple(ROWS), "--jurisdiction", "青州市")

    assert "辖区：青州市" in out
    plan = PlanYear.objects.get(year=2011)
    assert plan.jurisdiction == two.other
    lead = ProjectUnit.objects.get(project__plan=plan)
    assert lead.unit == two.units[two.other.pk]
    assert lead.person.unit == two.units[two.other.pk]
    assert Project.objects.get(plan=plan).mayor.jurisdiction == two.other
    assert _snapshot(two.home) == before  # the home city's 质监局 untouched


def test_the_full_name_names_a_jurisdiction_too(tmp_path, two):
    _command(tmp_path, simple(ROWS), "--jurisdiction", "青州市人民政府")
    assert PlanYear.objects.get(year=2011).jurisdiction == two.other


def test_without_jurisdiction_the_home_one_is_imported_into(tmp_path, two):
    out, _err = _command(tmp_path, simple(ROWS))
    assert "辖区：诸城市" in out
    assert PlanYear.objects.get(year=2011).jurisdiction == two.home


def test_an_unknown_jurisdiction_is_refused_with_the_close_names(tmp_path, two):
    before = (_snapshot(two.home), _snapshot(two.other), Unit.objects.count())
    with pytest.raises(CommandError) as refused:
        _command(tmp_path, simple(ROWS), "--jurisdiction", "青州", "--allow-new")
    assert "没有名为“青州”的辖区" in str(refused.value)
    assert "青州市" in str(refused.value)
    assert (_snapshot(two.home), _snapshot(two.other), Unit.objects.count()) == before
    assert not PlanYear.objects.filter(year=2011).exists()


def test_a_bureau_is_not_a_jurisdiction(tmp_path, two):
    with pytest.raises(CommandError, match="没有名为“质监局”的辖区"):
        _command(tmp_path, simple(ROWS), "--jurisdiction", "质监局")
    assert not PlanYear.objects.filter(year=2011).exists()


def test_an_ambiguous_jurisdiction_name_is_refused(tmp_path, two):
    shandong = Unit.objects.create(name="山东省", kind=Unit.Kind.PROVINCE, jurisdiction=None)
    hebei = Unit.objects.create(name="河北省", kind=Unit.Kind.PROVINCE, jurisdiction=None)
    for province in (shandong, hebei):
        Unit.objects.create(name="新华区", kind=Unit.Kind.COUNTY, jurisdiction=province)
    with pytest.raises(CommandError) as refused:
        _command(tmp_path, simple(ROWS), "--jurisdiction", "新华区", "--allow-new")
    assert "“新华区”对应多个辖区" in str(refused.value)
    assert "山东省 / 新华区" in str(refused.value) and "河北省 / 新华区" in str(refused.value)
    assert not PlanYear.objects.filter(year=2011).exists()


def test_same_maps_to_the_named_jurisdictions_unit(tmp_path, two):
    _command(tmp_path, simple(TYPO_ROWS), "--jurisdiction", "青州市", "--same", "质检局=质监局")
    lead = ProjectUnit.objects.get(project__plan__year=2011)
    assert lead.unit == two.units[two.other.pk]


def test_same_does_not_reach_another_jurisdictions_names(tmp_path, two):
    third = Unit.objects.create(name="安丘市", kind=Unit.Kind.CITY, jurisdiction=None)
    with pytest.raises(CommandError, match="质监局"):
        _command(tmp_path, simple(TYPO_ROWS), "--jurisdiction", "安丘市", "--same", "质检局=质监局")
    assert not PlanYear.objects.filter(jurisdiction=third).exists()


def test_suggestions_come_from_the_jurisdiction_only(tmp_path, two):
    Unit.objects.create(name="安丘市", kind=Unit.Kind.CITY, jurisdiction=None)
    with pytest.raises(CommandError, match="导入失败"):
        _command(tmp_path, simple(TYPO_ROWS), "--jurisdiction", "安丘市")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_targets",
            str(tmp_path / "annex.xlsx"),
            "--year",
            "2011",
            "--jurisdiction",
            "青州市",
            stderr=err,
        )
    assert "相近：质监局" in err.getvalue()  # 青州市's own, offered within it
    assert not PlanYear.objects.filter(year=2011).exists()


def test_a_typo_in_an_empty_jurisdiction_is_offered_nothing(tmp_path, two):
    Unit.objects.create(name="安丘市", kind=Unit.Kind.CITY, jurisdiction=None)
    path = tmp_path / "annex.xlsx"
    path.write_bytes(simple(TYPO_ROWS))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_targets", str(path), "--year", "2011", "--jurisdiction", "安丘市", stderr=err
        )
    assert "“质检局”不是已有的责任单位" in err.getvalue()
    assert "相近：质监局" not in err.getvalue()  # the other cities' are not its own


def test_the_same_workbook_into_two_jurisdictions_makes_two_plans(tmp_path, two):
    _command(tmp_path, simple(ROWS), "--jurisdiction", "诸城市")
    _command(tmp_path, simple(ROWS), "--jurisdiction", "青州市")

    plans = PlanYear.objects.filter(year=2011)
    assert {plan.jurisdiction for plan in plans} == {two.home, two.other}
    for plan in plans:
        lead = ProjectUnit.objects.get(project__plan=plan)
        assert lead.unit == two.units[plan.jurisdiction_id]

    # Importing again changes nothing in either.
    _command(tmp_path, simple(ROWS), "--jurisdiction", "青州市")
    assert PlanYear.objects.filter(year=2011).count() == 2
    assert Project.objects.filter(plan__year=2011).count() == 2


def test_export_writes_the_named_jurisdictions_plan(tmp_path, two):
    _command(tmp_path, simple(ROWS), "--jurisdiction", "诸城市")
    other_rows = [[1, "青州项目", "", "", "争创名牌", "质监局", "王磊", "王副市长", "6月底前"]]
    _command(tmp_path, simple(other_rows), "--jurisdiction", "青州市")

    out = tmp_path / "out.xlsx"
    call_command("export_targets", "--year", "2011", "--jurisdiction", "青州市", "-o", str(out))
    names = {
        row[1] for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True) if row
    }
    assert "青州项目" in names and "实施名牌战略" not in names

    call_command("export_targets", "--year", "2011", "-o", str(out))  # the home one's
    names = {
        row[1] for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True) if row
    }
    assert "实施名牌战略" in names and "青州项目" not in names


def test_export_refuses_an_unknown_jurisdiction_or_a_missing_plan(tmp_path, two):
    with pytest.raises(CommandError, match="没有名为“潍坊”的辖区"):
        call_command("export_targets", "--year", "2011", "--jurisdiction", "潍坊", "-o", "x.xlsx")
    with pytest.raises(CommandError, match="青州市没有 2011 年度的目标"):
        call_command("export_targets", "--year", "2011", "--jurisdiction", "青州市", "-o", "x.xlsx")


# --- the admin ------------------------------------------------------------------


def _importer(username: str, unit: Unit | None, **extra):
    """An administrator-role account with the project permissions the admin asks."""
    user = factories.make_user(username, roles.ADMIN, unit, is_staff=True, **extra)
    for codename in ("add_project", "change_project", "view_project"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def _upload(client, data: bytes, jurisdiction=None, year: int = 2011):
    post = {"year": year, "import_file": SimpleUploadedFile("附件.xlsx", data)}
    if jurisdiction is not None:
        post["jurisdiction"] = jurisdiction
    return client.post(reverse(IMPORT_URL), post)


def test_a_superuser_chooses_among_every_jurisdiction(client, two):
    client.force_login(_importer("root", None, is_superuser=True))
    response = client.get(reverse(IMPORT_URL))
    field = response.context["form"]["jurisdiction"]
    offered = {int(str(value)) for value, _label in field.field.choices}
    assert offered == set(Unit.objects.jurisdictions().values_list("pk", flat=True))
    assert {two.home.pk, two.other.pk} <= offered
    body = _body(response)
    assert '<select name="jurisdiction"' in body
    assert "青州市" in body and "诸城市" in body


def test_an_admin_with_no_unit_chooses_among_every_jurisdiction(client, two):
    client.force_login(_importer("deploy", None))
    body = _body(client.get(reverse(IMPORT_URL)))
    assert '<select name="jurisdiction"' in body


def test_an_admin_of_one_jurisdiction_is_shown_it_as_text(client, two):
    client.force_login(_importer("qz", two.units[two.other.pk]))
    body = _body(client.get(reverse(IMPORT_URL)))
    assert '<select name="jurisdiction"' not in body
    assert f'type="hidden" name="jurisdiction" value="{two.other.pk}"' in body
    assert "青州市" in body and "诸城市" not in body.split("导入到辖区")[1].split("</div>")[0]


def test_a_forged_jurisdiction_is_refused_next_to_the_field(client, two):
    client.force_login(_importer("qz", two.units[two.other.pk]))
    before = (_snapshot(two.home), _snapshot(two.other))

    response = _upload(client, simple(ROWS), jurisdiction=two.home.pk)

    assert response.status_code == 200
    assert response.context["form"].errors["jurisdiction"] == [
        "不能导入到这个辖区：只能选择您有权管理的辖区。"
    ]
    assert "不能导入到这个辖区" in _body(response)
    assert (_snapshot(two.home), _snapshot(two.other)) == before
    assert not ImportRun.objects.exists()


def test_a_forged_jurisdiction_on_the_review_page_is_refused(client, two):
    client.force_login(_importer("qz", two.units[two.other.pk]))
    response = _upload(client, simple(ROWS), jurisdiction=two.other.pk)
    assert response.status_code == 302
    url = response["Location"].replace(
        f"jurisdiction={two.other.pk}", f"jurisdiction={two.home.pk}"
    )
    assert url != response["Location"]

    refused = client.get(url)

    assert refused.status_code == 302 and refused["Location"] == reverse(IMPORT_URL)
    assert "不能导入到所选辖区，请重新上传并选择辖区。" in _messages(refused)
    path = response["Location"].split("?")[0]
    posted = client.post(
        path, {"year": 2011, "jurisdiction": two.home.pk, "confirm": "1", "all_new": "1"}
    )
    assert posted.status_code == 302 and posted["Location"] == reverse(IMPORT_URL)
    assert not PlanYear.objects.filter(year=2011).exists()
    assert not ImportRun.objects.exists()


def test_the_admin_imports_into_the_chosen_jurisdiction(client, two):
    client.force_login(_importer("root", None, is_superuser=True))
    before = _snapshot(two.home)
    response = _upload(client, simple(ROWS), jurisdiction=two.other.pk)
    assert response.status_code == 302, response.context["form"].errors
    review = client.get(response["Location"])
    assert "辖区：青州市。" in _body(review)
    assert not review.context["names"]  # 质监局, 王磊, 王副市长: all 青州市's own

    preview = _post(client, review)
    done = _post(client, preview, confirm="1")

    assert done.status_code == 302, _messages(done)
    run = ImportRun.objects.get()
    assert run.jurisdiction == two.other
    plan = PlanYear.objects.get(year=2011)
    assert plan.jurisdiction == two.other
    assert ProjectUnit.objects.get(project__plan=plan).unit == two.units[two.other.pk]
    assert _snapshot(two.home) == before


def test_the_admin_offers_suggestions_of_the_chosen_jurisdiction_only(client, two):
    third = Unit.objects.create(name="安丘市", kind=Unit.Kind.CITY, jurisdiction=None)
    client.force_login(_importer("root", None, is_superuser=True))
    response = _upload(client, simple(TYPO_ROWS), jurisdiction=third.pk)
    review = client.get(response["Location"])
    rows = {row["unknown"].name: row for row in review.context["names"]}
    assert [value for value, _label in rows["质检局"]["options"]] == ["", "new"]


def test_the_export_page_names_each_jurisdictions_plan(client, two, tmp_path):
    _command(tmp_path, simple(ROWS), "--jurisdiction", "诸城市")
    other_rows = [[1, "青州项目", "", "", "争创名牌", "质监局", "王磊", "王副市长", "6月底前"]]
    _command(tmp_path, simple(other_rows), "--jurisdiction", "青州市")
    client.force_login(_importer("root", None, is_superuser=True))
    url = reverse("admin:projects_project_export_targets")
    body = _body(client.get(url))
    assert "青州市 2011 年度责任分解表" in body and "诸城市 2011 年度责任分解表" in body

    response = client.get(url, {"year": 2011, "jurisdiction": two.other.pk})
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = {row[1] for row in ws.iter_rows(values_only=True) if row}
    assert "青州项目" in names and "实施名牌战略" not in names


# --- the changelists and the plan year's form ----------------------------------------


def test_changelists_show_and_filter_by_jurisdiction(client, two):
    PlanYear.objects.create(jurisdiction=two.other, year=2012, title="青州 2012")
    client.force_login(_importer("root", None, is_superuser=True))
    for name in ("projects_planyear", "responsibility_unit", "responsibility_vicemayor"):
        url = reverse(f"admin:{name}_changelist")
        response = client.get(url)
        assert response.status_code == 200
        body = _body(response)
        assert "column-jurisdiction" in body
        assert f"jurisdiction__id__exact={two.other.pk}" in body
        # The filter lists jurisdictions, not every unit.
        assert f"jurisdiction__id__exact={two.units[two.other.pk].pk}" not in body
        filtered = client.get(url, {"jurisdiction__id__exact": two.other.pk})
        shown = filtered.context["cl"].result_list
        assert shown and all(obj.jurisdiction_id == two.other.pk for obj in shown)


def test_the_plan_year_form_refuses_a_second_plan_of_a_year_in_chinese(client, two):
    PlanYear.objects.create(jurisdiction=two.other, year=2012, title="青州 2012")
    client.force_login(_importer("root", None, is_superuser=True))
    add = reverse("admin:projects_planyear_add")
    data = {"jurisdiction": two.other.pk, "year": 2012, "title": "又一个", "doc_number": ""}

    response = client.post(add, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["__all__"] == ["包含 辖区 和 年度 的 年度责任制文件 已经存在。"], errors
    assert PlanYear.objects.filter(year=2012).count() == 1

    # Another jurisdiction may have a plan of the same year.
    data["jurisdiction"] = two.home.pk
    created = client.post(add, data)
    assert created.status_code == 302, created.context["adminform"].form.errors
    assert PlanYear.objects.filter(year=2012).count() == 2
