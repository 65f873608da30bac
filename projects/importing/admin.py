"""The admin's import page, export download and template download for targets.

``TargetsImportAdmin`` is mixed into ``ProjectAdmin``. It is django-import-export's
``ImportMixin`` (upload → dry-run preview → confirm) with our one format and
resource, a year field on the form, and our messages; plus two plain admin
views for the export and the blank template workbook.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from common import clock
from projects.importing.results import WorkbookError
from projects.importing.workbook import max_bytes, size_label
from projects.models import PlanYear
from projects.resources import TargetsResource, TargetsWorkbookFormat
from projects.services.targets import targets_export, targets_template

logger = logging.getLogger("zhucheng.importing")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


class TargetsImportForm(ImportForm):
    year = forms.IntegerField(
        label=_("导入到年度"),
        min_value=2000,
        max_value=2100,
        help_text=_("“6月底前”这类不带年份的完成时限按此年度计算。"),
    )
    field_order = ["resource", "year", "import_file", "format"]

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["import_file"].label = _("Excel 文件")
        self.fields["import_file"].widget.attrs["accept"] = ".xlsx,.xls"

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                gettext(
                    "文件大小为 %(size)s，超过了 %(limit)s 的上限，请拆分或删除无关工作表后再导入。"
                )
                % {"size": size_label(upload.size), "limit": size_label(max_bytes())}
            )
        return upload


class TargetsConfirmForm(ConfirmImportForm):
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    # The page offers one format and one resource, both at index 0. django-import-export
    # indexes its lists with these hidden values unchecked (HTTP 500 on anything else).
    format = forms.ChoiceField(choices=[("0", "Excel")], widget=forms.HiddenInput)
    resource = forms.ChoiceField(  # type: ignore[assignment]  # a choice, not free text
        choices=[("", ""), ("0", "0")], widget=forms.HiddenInput, required=False
    )


class TargetsImportAdmin(ImportMixin, admin.ModelAdmin):  # type: ignore[misc]  # import-export's stub types change_list_template apart from django-stubs
    """Import, export and template download on the project changelist."""

    resource_classes = [TargetsResource]
    import_form_class = TargetsImportForm
    confirm_form_class = TargetsConfirmForm
    import_template_name = "admin/projects/project/import.html"
    import_export_change_list_template = "admin/projects/project/change_list.html"
    # simple-history already records every imported row with the user.
    skip_admin_log = True

    def get_import_formats(self):
        return [TargetsWorkbookFormat]

    def has_import_permission(self, request):
        return request.user.has_perm("projects.add_project") and request.user.has_perm(
            "projects.change_project"
        )

    def get_import_form_initial(self, request):
        return {"year": clock.today().year}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["year"] = import_form.cleaned_data["year"]
        return initial

    def get_import_data_kwargs(self, **kwargs):
        return {"year": kwargs["form"].cleaned_data["year"]}

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, WorkbookError):
            form.add_error("import_file", str(e))
        else:
            logger.exception("targets workbook could not be read")
            form.add_error("import_file", gettext("文件无法读取，请确认是 Excel 工作簿后重试。"))

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except (WorkbookError, OSError) as exc:
            logger.warning("confirming an import failed: %r", exc)
            messages.error(request, gettext("导入未完成：上传的文件已失效，请重新上传。"))
            return HttpResponseRedirect(reverse("admin:projects_project_import"))

    def process_result(self, result, request):
        targets = result.targets
        if targets.errors:
            messages.error(
                request,
                gettext("导入未完成，没有写入任何数据：%(errors)s")
                % {"errors": "；".join(str(e) for e in targets.errors[:20])},
            )
            return HttpResponseRedirect(reverse("admin:projects_project_import"))
        messages.success(
            request,
            gettext("%(year)d 年度目标导入完成。%(summary)s")
            % {"year": targets.year, "summary": targets.summary()},
        )
        for warning in targets.warnings:
            messages.warning(request, warning)
        return HttpResponseRedirect(reverse("admin:projects_project_changelist"))

    def get_urls(self):
        urls = super().get_urls()
        view = self.admin_site.admin_view
        return [
            path(
                "export-targets/",
                view(self.export_targets_view),
                name="projects_project_export_targets",
            ),
            path(
                "import-template/",
                view(self.import_template_view),
                name="projects_project_import_template",
            ),
            *urls,
        ]

    def export_targets_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        years = list(PlanYear.objects.order_by("-year").values_list("year", flat=True))
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = None
        if year not in years:
            context = {
                **self.admin_site.each_context(request),
                "title": _("导出责任分解表"),
                "opts": self.model._meta,
                "years": years,
            }
            return TemplateResponse(request, "admin/projects/project/export_targets.html", context)
        return _xlsx_response(targets_export(year=year), f"{year}-targets.xlsx")

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = clock.today().year
        year = year if 2000 <= year <= 2100 else clock.today().year
        return _xlsx_response(targets_template(year=year), f"{year}-targets-template.xlsx")

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["has_targets_export"] = self.has_view_permission(request)
        return super().changelist_view(request, extra_context)
