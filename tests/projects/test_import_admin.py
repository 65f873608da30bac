"""The admin's import page (upload → preview → confirm), export and template
downloads, through the test client."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Milestone, PlanYear, Project
from tests import factories
from tests.projects.import_support import simple
from tests.projects.test_import_targets import clerk_workbook

IMPORT_URL = "admin:projects_project_import"


@pytest.fixture
def admin_client_(client, city):
    client.force_login(city.adam)
    return client


def _upload(client, data: bytes, year: int = 2011, name: str = "附件.xlsx"):
    return client.post(
        reverse(IMPORT_URL),
        {
            "year": year,
            "format": "0",
            "resource": "0",
            "import_file": SimpleUploadedFile(name, data),
        },
    )


def test_changelist_links_to_import_and_export(admin_client_):
    body = admin_client_.get(reverse("admin:projects_project_changelist")).content.decode()
    assert reverse(IMPORT_URL) in body
    assert reverse("admin:projects_project_export_targets") in body


def test_import_page_offers_the_template(admin_client_):
    response = admin_client_.get(reverse(IMPORT_URL))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:projects_project_import_template") in body
    assert "导入到年度" in body


def test_upload_previews_changes_and_confirm_writes_them(admin_client_):
    response = _upload(admin_client_, clerk_workbook())

    assert response.status_code == 200
    body = response.content.decode()
    assert "预览" in body and "将新建 2011 年度" in body
    assert "第16项 提高服务质量" in body and "医疗服务质量提升（第三季度）" in body
    assert not PlanYear.objects.filter(year=2011).exists()  # a preview writes nothing
    confirm = response.context["confirm_form"]
    assert confirm.initial["year"] == 2011

    response = admin_client_.post(reverse("admin:projects_project_process_import"), confirm.initial)

    assert response.status_code == 302
    assert Project.objects.filter(plan__year=2011).count() == 2
    assert Milestone.objects.filter(project__plan__year=2011).count() == 4
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any(m.startswith("2011 年度目标导入完成。项目 新增2 修改0 未变0") for m in messages)
    assert (
        Milestone.history.filter(project__plan__year=2011).first().history_user.username == "adam"
    )


def test_reupload_preview_says_nothing_changes(admin_client_):
    _upload_and_confirm(admin_client_, clerk_workbook())
    body = _upload(admin_client_, clerk_workbook()).content.decode()
    assert "表格与现有数据一致，导入不会改动任何数据。" in body


def _upload_and_confirm(client, data):
    response = _upload(client, data)
    return client.post(
        reverse("admin:projects_project_process_import"), response.context["confirm_form"].initial
    )


def test_bad_workbook_lists_every_problem_and_offers_no_confirm(admin_client_):
    rows = [
        [1, "实施名牌战略", "", "", "", "质监局", "", "", "尽快"],
        [2, "提高服务质量", "", "", "", "商务局", "", "", "下个月"],
    ]
    response = _upload(admin_client_, simple(rows))
    body = response.content.decode()
    assert response.status_code == 200
    assert "发现 2 处问题，整表未导入" in body
    assert "第2行「完成时限」：无法识别的日期“尽快”" in body
    assert "第3行「完成时限」：无法识别的日期“下个月”" in body
    assert response.context.get("confirm_form") is None
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


def test_confirm_with_a_vanished_upload_is_a_message_not_an_error_page(admin_client_):
    response = admin_client_.post(
        reverse("admin:projects_project_process_import"),
        {
            "import_file_name": "gone-123",
            "original_file_name": "附件.xlsx",
            "format": "0",
            "resource": "0",
            "year": 2011,
        },
    )
    assert response.status_code == 302
    assert not PlanYear.objects.filter(year=2011).exists()


def test_template_download_is_an_xlsx_with_the_header(admin_client_):
    response = admin_client_.get(reverse("admin:projects_project_import_template"), {"year": 2012})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["A2"].value == "序号" and ws["B2"].value == "项目名称"


def test_export_page_lists_years_and_downloads_one(admin_client_, city):
    page = admin_client_.get(reverse("admin:projects_project_export_targets"))
    assert "2010 年度责任分解表" in page.content.decode()
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
