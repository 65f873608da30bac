"""The admin's import pages (upload → review: columns, new names, preview →
confirm), export and template downloads, through the test client."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.importing import workbook
from projects.models import Milestone, PlanYear, Project, ProjectUnit, Unit, ViceMayor
from tests import factories
from tests.projects.import_support import simple
from tests.projects.test_import_targets import clerk_workbook

IMPORT_URL = "admin:projects_project_import"


@pytest.fixture(autouse=True)
def _no_kept_uploads():
    """Uploads and tables are kept in the shared cache by the file's hash: an
    earlier test's upload of the same bytes must not be found here."""
    cache.clear()


@pytest.fixture
def admin_client_(client, city):
    client.force_login(city.adam)
    return client


def _upload(client, data: bytes, year: int = 2011, name: str = "附件.xlsx"):
    return client.post(
        reverse(IMPORT_URL), {"year": year, "import_file": SimpleUploadedFile(name, data)}
    )


def _review(client, data: bytes, year: int = 2011):
    """Upload ``data`` and open the review page it leads to."""
    response = _upload(client, data, year)
    assert response.status_code == 302, response.context["form"].errors
    return client.get(response["Location"])


def _choices(response, **changes) -> dict:
    """The review form's fields as the page would post them, with ``changes``."""
    data = {field.html_name: field.value() for field in response.context["form"]}
    for row in response.context["names"]:
        data[row["field"]] = row["unknown"].decision
    data.update(changes)
    return {key: "" if value is None else value for key, value in data.items()}


def _post(client, response, **changes):
    return client.post(response.wsgi_request.path, _choices(response, **changes))


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _body(response) -> str:
    return response.content.decode()


ONE_PROJECT = [[1, "实施名牌战略", "", "", "", "质检局", "", "王市长", "6月底前"]]


def test_changelist_links_to_import_and_export(admin_client_):
    body = _body(admin_client_.get(reverse("admin:projects_project_changelist")))
    assert reverse(IMPORT_URL) in body
    assert reverse("admin:projects_project_export_targets") in body


def test_import_page_offers_the_template_and_the_column_names(admin_client_):
    response = admin_client_.get(reverse(IMPORT_URL))
    body = _body(response)
    assert response.status_code == 200
    assert reverse("admin:projects_project_import_template") in body
    assert "导入到年度" in body
    assert "完成时间节点" in body and "重点任务" in body  # names a header may have


def test_upload_leads_to_a_review_that_writes_nothing(admin_client_, city):
    response = _review(admin_client_, clerk_workbook())

    body = _body(response)
    assert response.status_code == 200
    assert "文件“附件.xlsx”，导入到 2011 年度。" in body
    assert not PlanYear.objects.filter(year=2011).exists()
    # 卫生局 and the people are not known: each one is a decision, and no confirm yet.
    unknown = {row["unknown"].label for row in response.context["names"]}
    assert {"卫生局", "陈建民（商务局）", "王世和"} <= unknown
    assert 'name="confirm"' not in body
    assert "全部确认后才能导入" in body


def test_all_new_then_confirm_writes_the_previewed_changes(admin_client_, city):
    review = _review(admin_client_, clerk_workbook())
    units_before = Unit.objects.count()

    preview = _post(admin_client_, review, all_new="1")

    body = _body(preview)
    assert 'name="confirm"' in body
    assert "将新建 2011 年度" in body
    assert "第16项 提高服务质量" in body and "医疗服务质量提升（第三季度）" in body
    assert not PlanYear.objects.filter(year=2011).exists()
    assert {row["unknown"].decision for row in preview.context["names"]} == {"new"}

    done = _post(admin_client_, preview, confirm="1")

    assert done.status_code == 302 and done["Location"] == reverse(
        "admin:projects_project_changelist"
    )
    assert Project.objects.filter(plan__year=2011).count() == 2
    assert Milestone.objects.filter(project__plan__year=2011).count() == 4
    assert Unit.objects.count() > units_before
    assert any(
        m.startswith("2011 年度目标导入完成。项目 新增2 修改0 未变0") for m in _messages(done)
    )
    assert (
        Milestone.history.filter(project__plan__year=2011).first().history_user.username == "adam"
    )


def test_a_typo_is_offered_the_known_name_and_mapped_to_it(admin_client_, city):
    review = _review(admin_client_, simple(ONE_PROJECT))
    rows = {row["unknown"].name: row for row in review.context["names"]}

    # 质检局 → 质监局?, 王市长 → 王副市长?: the nearest known names come first.
    assert rows["质检局"]["options"][2] == (f"same:{city.zhijian.pk}", "即已有的：质监局")
    mayor = ViceMayor.objects.get(name="王副市长")
    assert rows["王市长"]["options"][2] == (f"same:{mayor.pk}", "即已有的：王副市长")
    units, mayors = Unit.objects.count(), ViceMayor.objects.count()

    preview = _post(
        admin_client_,
        review,
        **{rows["质检局"]["field"]: f"same:{city.zhijian.pk}"},
        **{rows["王市长"]["field"]: f"same:{mayor.pk}"},
    )
    assert 'name="confirm"' in _body(preview)
    done = _post(admin_client_, preview, confirm="1")

    assert done.status_code == 302
    project = Project.objects.get(plan__year=2011, number=1)
    assert project.mayor == mayor
    assert list(ProjectUnit.objects.filter(project=project).values_list("unit", flat=True)) == [
        city.zhijian.pk
    ]
    assert (Unit.objects.count(), ViceMayor.objects.count()) == (units, mayors)


def test_confirm_runs_only_on_the_choices_previewed(admin_client_, city):
    review = _review(admin_client_, simple(ONE_PROJECT))
    preview = _post(admin_client_, review, all_new="1")
    field = next(
        row["field"] for row in preview.context["names"] if row["unknown"].name == "质检局"
    )

    # The user switched a name after the preview and pressed confirm at once.
    again = _post(admin_client_, preview, confirm="1", **{field: f"same:{city.zhijian.pk}"})

    assert again.status_code == 200
    assert "选择已改变，没有导入：请核对下面新的预览，再确认导入。" in _messages(again)
    assert not PlanYear.objects.filter(year=2011).exists()
    done = _post(admin_client_, again, confirm="1")
    assert done.status_code == 302
    assert not Unit.objects.filter(name="质检局").exists()


def test_an_unknown_column_is_listed_and_can_be_given_a_meaning(admin_client_, city):
    header = ["序号", "项目名称", "责任单位", "节点安排要求"]
    data = simple([[1, "实施名牌战略", "质监局", "6月底前"]], header=header)
    review = _review(admin_client_, data)
    field = "column:节点安排要求"
    assert field in review.context["form"].fields
    assert "节点安排要求" in _body(review)
    assert review.context["targets"].counts["milestones"].created == 0

    preview = _post(admin_client_, review, **{field: "deadline"})

    assert preview.context["targets"].counts["milestones"].created == 1
    assert preview.context["form"][field].value() == "deadline"
    _post(admin_client_, preview, confirm="1")
    milestone = Milestone.objects.get(project__plan__year=2011)
    assert str(milestone.due_date) == "2011-06-30"


def test_the_workbook_is_read_once_from_upload_to_confirm(admin_client_, city, monkeypatch):
    reads = []
    real = workbook.read_targets_workbook

    def counting(data, **kwargs):
        reads.append(kwargs)
        return real(data, **kwargs)

    monkeypatch.setattr("projects.importing.uploads.read_targets_workbook", counting)
    review = _review(admin_client_, simple(ONE_PROJECT))
    preview = _post(admin_client_, review, all_new="1")
    done = _post(admin_client_, preview, confirm="1")

    assert done.status_code == 302
    assert Project.objects.filter(plan__year=2011).count() == 1
    assert len(reads) == 1


def test_another_users_upload_cannot_be_opened(admin_client_, client, city):
    url = _upload(admin_client_, simple(ONE_PROJECT))["Location"]
    other = factories.UserFactory(username="eve", is_staff=True, is_superuser=True)
    client.force_login(other)

    response = client.get(url)

    assert response.status_code == 302 and response["Location"] == reverse(IMPORT_URL)
    assert "上传的文件已过期或不存在，请重新上传。" in _messages(response)


@pytest.mark.parametrize("digest", ["0" * 64, "not-a-hash", "../../etc"])
def test_an_unknown_upload_is_a_message_not_an_error_page(admin_client_, digest):
    response = admin_client_.get(reverse(IMPORT_URL) + f"{digest}/?year=2011")
    assert response.status_code in (302, 404)
    assert not PlanYear.objects.filter(year=2011).exists()


@pytest.mark.parametrize("year", ["", "abc", "1999", "2101"])
def test_a_bad_year_on_the_review_page_sends_back_to_upload(admin_client_, year):
    url = _upload(admin_client_, simple(ONE_PROJECT))["Location"].split("?")[0]
    response = admin_client_.get(url, {"year": year})
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT_URL)


def test_bad_workbook_lists_every_problem_and_offers_no_confirm(admin_client_):
    rows = [
        [1, "实施名牌战略", "", "", "", "质监局", "", "", "尽快"],
        [2, "提高服务质量", "", "", "", "商务局", "", "", "下个月"],
    ]
    response = _review(admin_client_, simple(rows))
    body = _body(response)
    assert response.status_code == 200
    assert "发现 2 处问题，整表不能导入" in body
    assert "第2行「完成时限」：无法识别的日期“尽快”" in body
    assert "第3行「完成时限」：无法识别的日期“下个月”" in body
    assert 'name="confirm"' not in body
    assert not PlanYear.objects.filter(year=2011).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,phone\n", "文件不是 Excel 工作簿（.xlsx 或 .xls）"),
        (b"PK\x03\x04broken", "文件已损坏，无法读取"),
    ],
)
def test_unreadable_files_get_one_message_next_to_the_field(admin_client_, data, message):
    response = _upload(admin_client_, data)
    assert response.status_code == 200
    errors = response.context["form"].errors["import_file"]
    assert len(errors) == 1 and message in errors[0]


def test_oversized_upload_is_refused_by_the_form(admin_client_, settings):
    settings.ZHUCHENG_IMPORT_MAX_BYTES = 1024
    response = _upload(admin_client_, clerk_workbook())
    assert "超过了 1 KB 的上限" in response.context["form"].errors["import_file"][0]


def test_template_download_is_an_xlsx_with_the_header(admin_client_):
    response = admin_client_.get(reverse("admin:projects_project_import_template"), {"year": 2012})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["A2"].value == "序号" and ws["B2"].value == "项目名称"


def test_export_page_lists_years_and_downloads_one(admin_client_, city):
    page = admin_client_.get(reverse("admin:projects_project_export_targets"))
    assert "2010 年度责任分解表" in _body(page)
    response = admin_client_.get(reverse("admin:projects_project_export_targets"), {"year": 2010})
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["B3"].value == "提高产品质量"


def test_clerk_cannot_reach_the_import_page(client, city):
    client.force_login(city.alice)
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_without_project_permissions_cannot_import(client, city):
    user = factories.UserFactory(username="viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_project"))
    client.force_login(user)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.get(reverse("admin:projects_project_import_template")).status_code == 403
    assert client.get(reverse("admin:projects_project_export_targets")).status_code == 200
    body = _body(client.get(reverse("admin:projects_project_changelist")))
    assert reverse(IMPORT_URL) not in body


@pytest.mark.parametrize(
    "sheet, message",
    [
        ("表" * 32, "工作表名称最多31个字。"),
        ("2011\x00年", "不能含有空字符"),
        ("没有这张表", "文件中没有名为“没有这张表”的工作表。"),
    ],
    ids=["longer-than-excel-allows", "nul-byte", "unknown-sheet"],
)
def test_a_sheet_name_that_cannot_be_read_is_refused_next_to_the_field(
    admin_client_, sheet, message
):
    before = (Project.objects.count(), Milestone.objects.count(), Unit.objects.count())
    response = admin_client_.post(
        reverse(IMPORT_URL),
        {
            "year": 2011,
            "sheet": sheet,
            "import_file": SimpleUploadedFile("附件.xlsx", simple(ONE_PROJECT)),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert message in _body(response)
    assert (Project.objects.count(), Milestone.objects.count(), Unit.objects.count()) == before
