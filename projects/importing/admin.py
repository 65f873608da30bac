"""The admin's import pages, export download and template download for targets.

``TargetsImportAdmin`` is mixed into ``ProjectAdmin``. Importing is three steps:

1. **Upload** (``import/``): the jurisdiction (among those the user may write,
   ``projects.importing.jurisdiction.writable_jurisdictions``; checked again on
   every request), the year and the workbook. The file is checked and
   read once, then kept under its SHA-256 (``projects.importing.uploads``).
2. **Review** (``import/<sha256>/?year=``): how the file was read (the sheet,
   rows not imported, columns we do not know, each with a choice of what it
   is), every unit, person or vice-mayor the database does not know (each to be
   confirmed as new or matched to a known one, nearest first), and the dry run's
   list of changes. Changing a choice shows the preview again.
3. **Confirm**: the same choices, only if they are the ones previewed; the import
   is written by a task (``projects.services.import_runs``), all or nothing, and
   the user lands on the project list with the counts: at once with no broker,
   else after a 导入中 page (``import/run/<id>/``) that refreshes until the
   worker is done. Confirming again while it runs joins the same run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common import clock
from common.fields import PlainTextField
from projects.importing.columns import ALIASES, KEY_LABELS
from projects.importing.jurisdiction import jurisdiction_name, writable_jurisdictions
from projects.importing.results import (
    INTERNAL_ERROR,
    ImportResult,
    NameChoices,
    RowError,
    UnknownName,
    WorkbookError,
)
from projects.importing.uploads import Upload, find_upload, forget_upload, keep_upload, read_upload
from projects.importing.workbook import max_bytes, size_label
from projects.models import ImportRun, PlanYear
from projects.services.import_runs import import_run_start
from projects.services.targets import (
    YEAR_RANGE,
    targets_export,
    targets_import_table,
    targets_template,
)
from responsibility.jurisdictions import user_jurisdiction
from responsibility.models import existing_home_jurisdiction

logger = logging.getLogger("zhucheng.importing")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DIGEST = re.compile(r"^[0-9a-f]{64}$")
# How often the page of an import being written refreshes itself.
RUN_REFRESH_SECONDS = 3
# Longest list of changes a preview shows (all are counted).
PREVIEW_CHANGES = 500


class JurisdictionField(forms.ModelChoiceField):
    """The jurisdiction to import into, among those the user may write. A value
    outside them (a forged id) is refused with a message next to the field."""

    def __init__(self, user, **kwargs):
        queryset = writable_jurisdictions(user).select_related("jurisdiction")
        first_two = list(queryset[:2])
        # The only jurisdiction the user may write need not be posted; with none
        # yet (a first import), None stands for the home one, made on writing.
        self.only = first_two[0] if len(first_two) == 1 else None
        super().__init__(
            queryset=queryset,
            label=_("导入到辖区"),
            required=len(first_two) > 1,
            empty_label=None,
            error_messages={
                "required": _("请选择要导入到的辖区。"),
                "invalid_choice": _("不能导入到这个辖区：只能选择您有权管理的辖区。"),
            },
            help_text=_("名称只在所选辖区的责任单位、责任人、分管市长中对应；年度目标写入该辖区。"),
            **kwargs,
        )

    def clean(self, value):
        found = super().clean(value)
        return self.only if found is None else found

    def label_from_instance(self, obj):
        above = obj.jurisdiction
        return f"{above.name} / {obj.name}" if above is not None else obj.name


def _jurisdiction_id(jurisdiction) -> str:
    return str(jurisdiction.pk) if jurisdiction is not None else ""


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


class UploadForm(forms.Form):
    field_order = ["jurisdiction", "year", "import_file", "sheet"]

    year = forms.IntegerField(
        label=_("导入到年度"),
        min_value=YEAR_RANGE.start,
        max_value=YEAR_RANGE.stop - 1,
        help_text=_("“6月底前”这类不带年份的完成时限按此年度计算。"),
    )
    import_file = forms.FileField(label=_("Excel 文件"))
    sheet = PlainTextField(
        label=_("工作表名称"),
        required=False,
        max_length=31,  # Excel's own limit
        error_messages={"max_length": _("工作表名称最多%(limit_value)d个字。")},
        help_text=_(
            "通常留空：系统会找出表头最完整的工作表。文件中有几张同样的表时，填写要导入的那一张的名称。"
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].widget.attrs["accept"] = ".xlsx,.xls"
        field = JurisdictionField(user)
        self.fields["jurisdiction"] = field
        self.order_fields(self.field_order)
        # With one jurisdiction to choose from (or none yet), the page names it.
        self.jurisdiction_text = (
            field.label_from_instance(field.only) if field.only else jurisdiction_name(None)
        )
        if not field.required:
            field.widget = forms.HiddenInput()
        if field.only is not None:
            field.initial = field.only.pk

    def initial_jurisdiction(self, user) -> None:
        """Preselect the user's own jurisdiction, else the home one."""
        field = self.fields["jurisdiction"]
        assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
        for candidate in (user_jurisdiction(user), existing_home_jurisdiction()):
            if candidate is not None and field.queryset.filter(pk=candidate.pk).exists():
                field.initial = candidate.pk
                return

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


COLUMN_PREFIX = "column:"
NAME_PREFIX = "name:"
NEW = "new"
SAME = "same:"


class ReviewForm(forms.Form):
    """The user's choices on the review page: what each unknown column is, and
    whether each unknown name is new or a known one. Fields are named after
    the column's header and the name's key, so a choice survives a change of
    the other choices (which changes the list of unknown names)."""

    year = forms.IntegerField(
        widget=forms.HiddenInput, min_value=YEAR_RANGE.start, max_value=YEAR_RANGE.stop - 1
    )
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)
    sheet = PlainTextField(widget=forms.HiddenInput, required=False, max_length=31)

    def __init__(self, *args, columns: list[tuple[str, str]], user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"] = JurisdictionField(user, widget=forms.HiddenInput)
        choices = [("", gettext("不导入此列"))] + [
            (key, gettext("作为“%(label)s”") % {"label": KEY_LABELS[key]}) for key in ALIASES
        ]
        for label, letter in columns:
            self.fields[COLUMN_PREFIX + label] = forms.ChoiceField(
                label=gettext("%(col)s 列“%(label)s”") % {"col": letter, "label": label},
                choices=choices,
                required=False,
            )

    def mapping(self) -> dict[str, str]:
        """Header label → our key, for the columns the user gave a meaning."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {
            name.removeprefix(COLUMN_PREFIX): value
            for name, value in data.items()
            if name.startswith(COLUMN_PREFIX) and value
        }

    def column_fields(self):
        return [self[name] for name in self.fields if name.startswith(COLUMN_PREFIX)]


def name_choices(data, *, all_new: bool) -> NameChoices:
    """The decisions about unknown names posted as ``name:<key>`` fields;
    with ``all_new`` every name left undecided is new."""
    new: set[str] = set()
    same_as: dict[str, int] = {}
    for field, value in data.items():
        if not field.startswith(NAME_PREFIX):
            continue
        key = field.removeprefix(NAME_PREFIX)
        if value == NEW:
            new.add(key)
        elif value.startswith(SAME) and value.removeprefix(SAME).isdigit():
            same_as[key] = int(value.removeprefix(SAME))
    return NameChoices(allow_new=all_new, new=frozenset(new), same_as=same_as)


def name_rows(names: list[UnknownName]) -> list[dict]:
    """What the review page shows for each unknown name: its field and options."""
    rows = []
    for unknown in names:
        options = [("", gettext("请选择")), (NEW, gettext("确认为新增"))] + [
            (f"{SAME}{pk}", gettext("即已有的：%(label)s") % {"label": label})
            for pk, label in unknown.suggestions
        ]
        rows.append({"unknown": unknown, "field": NAME_PREFIX + unknown.key, "options": options})
    return rows


def _fingerprint(
    upload: Upload,
    year: int,
    sheet: str,
    mapping: dict,
    names: list[UnknownName],
    jurisdiction=None,
) -> str:
    """What a preview was made from: confirm only runs on the same choices."""
    decided = sorted((u.key, u.decision) for u in names)
    place = [jurisdiction.pk] if jurisdiction is not None else []
    text = json.dumps(
        [upload.digest, year, sheet, sorted(mapping.items()), decided, *place],
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


class TargetsImportAdmin(admin.ModelAdmin):
    """Import, export and template download on the project changelist."""

    change_list_template = "admin/projects/project/change_list.html"

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("projects.add_project") and request.user.has_perm(
            "projects.change_project"
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="projects_project_import"),
            path(
                "import/<str:digest>/",
                view(self.import_review_view),
                name="projects_project_import_review",
            ),
            path(
                "import/run/<int:pk>/",
                view(self.import_run_view),
                name="projects_project_import_run",
            ),
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
            *super().get_urls(),
        ]

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **extra,
        }

    # --- step 1: upload ---------------------------------------------------------

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES, user=request.user)
            if form.is_valid():
                file = form.cleaned_data["import_file"]
                upload = keep_upload(request.user.pk, file.name, file.read(max_bytes() + 1))
                sheet = form.cleaned_data["sheet"]
                try:
                    read_upload(upload, sheet=sheet or None)
                except WorkbookError as exc:
                    forget_upload(request.user.pk, upload.digest)
                    form.add_error("import_file", str(exc))
                except Exception:  # a clear message, never an error page
                    logger.exception("targets workbook could not be read")
                    forget_upload(request.user.pk, upload.digest)
                    form.add_error("import_file", gettext(INTERNAL_ERROR))
                else:
                    review = reverse("admin:projects_project_import_review", args=[upload.digest])
                    query = urlencode(
                        {
                            "jurisdiction": _jurisdiction_id(form.cleaned_data["jurisdiction"]),
                            "year": form.cleaned_data["year"],
                            "sheet": sheet,
                        }
                    )
                    return HttpResponseRedirect(f"{review}?{query}")
        else:
            form = UploadForm(initial={"year": clock.today().year}, user=request.user)
            form.initial_jurisdiction(request.user)
        columns = [
            (KEY_LABELS[key], [alias for alias in aliases if alias != KEY_LABELS[key]])
            for key, aliases in ALIASES.items()
        ]
        context = self._context(request, _("导入年度目标"), form=form, columns=columns)
        return TemplateResponse(request, "admin/projects/project/import.html", context)

    # --- steps 2 and 3: review and confirm ------------------------------------------

    def import_review_view(self, request, digest: str):
        if not self.has_import_permission(request):
            raise PermissionDenied
        upload = find_upload(request.user.pk, digest) if DIGEST.match(digest) else None
        if upload is None:
            messages.error(request, gettext("上传的文件已过期或不存在，请重新上传。"))
            return HttpResponseRedirect(reverse("admin:projects_project_import"))
        data = request.POST if request.method == "POST" else request.GET
        sheet = data.get("sheet", "")
        try:
            base = read_upload(upload, sheet=sheet or None)
        except WorkbookError as exc:  # e.g. a setting changed since the upload
            forget_upload(request.user.pk, digest)
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("admin:projects_project_import"))

        form = ReviewForm(data, columns=base.unknown_columns, user=request.user)
        if not form.is_valid():
            if "jurisdiction" in form.errors:  # not one the user may write
                messages.error(request, gettext("不能导入到所选辖区，请重新上传并选择辖区。"))
            else:
                messages.error(request, gettext("年度不正确，请重新上传。"))
            return HttpResponseRedirect(reverse("admin:projects_project_import"))
        year = form.cleaned_data["year"]
        jurisdiction = form.cleaned_data["jurisdiction"]
        mapping = form.mapping()
        choices = name_choices(data, all_new="all_new" in data)
        confirm = request.method == "POST" and "confirm" in data

        result = self._dry_run(upload, sheet, mapping, year, choices, request.user, jurisdiction)
        fingerprint = _fingerprint(upload, year, sheet, mapping, result.unknown_names, jurisdiction)
        if confirm and result.ok and form.cleaned_data["previewed"] == fingerprint:
            return self._confirm(
                request, upload, sheet, mapping, year, choices, fingerprint, jurisdiction
            )
        if confirm and not result.ok:
            messages.error(request, gettext("没有导入：请先处理下面列出的问题。"))
        elif confirm:
            messages.error(
                request, gettext("选择已改变，没有导入：请核对下面新的预览，再确认导入。")
            )

        initial = {
            "jurisdiction": _jurisdiction_id(jurisdiction),
            "year": year,
            "previewed": fingerprint,
            "sheet": sheet,
            **{COLUMN_PREFIX + label: key for label, key in mapping.items()},
        }
        form = ReviewForm(initial=initial, columns=base.unknown_columns, user=request.user)
        context = self._context(
            request,
            _("导入年度目标：核对"),
            form=form,
            upload=upload,
            jurisdiction_text=jurisdiction_name(jurisdiction),
            targets=result,
            names=name_rows(result.unknown_names),
            undecided=[u for u in result.unknown_names if not u.decision],
            row_errors=[e for e in result.errors if not e.name_key],
            preview_changes=PREVIEW_CHANGES,
        )
        return TemplateResponse(request, "admin/projects/project/import_review.html", context)

    def _dry_run(self, upload, sheet, mapping, year, choices, user, jurisdiction) -> ImportResult:
        try:
            table = read_upload(upload, mapping=mapping, sheet=sheet or None)
            return targets_import_table(
                table=table,
                year=year,
                dry_run=True,
                user=user,
                names=choices,
                jurisdiction=jurisdiction,
            )
        except WorkbookError as exc:
            result = ImportResult(year=year, dry_run=True)
            result.errors.append(RowError(None, "", str(exc)))
            return result

    def _confirm(self, request, upload, sheet, mapping, year, choices, fingerprint, jurisdiction):
        run = import_run_start(
            jurisdiction=jurisdiction,
            user=request.user,
            upload=upload,
            year=year,
            sheet=sheet,
            mapping=mapping,
            names=choices,
            fingerprint=fingerprint,
        )
        return self._run_outcome(request, run)

    def _run_outcome(self, request, run: ImportRun):
        """Where a run leads: its page while it is written; once done, the project
        list with the counts; once refused, the review page with the reasons."""
        if run.pending:
            return HttpResponseRedirect(reverse("admin:projects_project_import_run", args=[run.pk]))
        if run.status == ImportRun.Status.FAILED:
            messages.error(
                request,
                gettext("导入未完成，没有写入任何数据：%(errors)s")
                % {"errors": "；".join(run.errors)},
            )
            review = reverse("admin:projects_project_import_review", args=[run.digest])
            query = urlencode(
                {
                    "jurisdiction": run.jurisdiction_id
                    or _jurisdiction_id(existing_home_jurisdiction()),
                    "year": run.year,
                    "sheet": run.choices.get("sheet", ""),
                }
            )
            return HttpResponseRedirect(f"{review}?{query}")
        messages.success(
            request,
            gettext("%(year)d 年度目标导入完成。%(summary)s")
            % {"year": run.year, "summary": run.summary},
        )
        for warning in run.warnings:
            messages.warning(request, warning)
        return HttpResponseRedirect(reverse("admin:projects_project_changelist"))

    def import_run_view(self, request, pk: int):
        """``import/run/<id>/``: 导入中 until the task has written the run (the page
        refreshes itself), then where :meth:`_run_outcome` leads."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        run = ImportRun.objects.filter(pk=pk, user=request.user).first()
        if run is None:
            raise Http404
        if not run.pending:
            return self._run_outcome(request, run)
        context = self._context(
            request, _("导入年度目标：导入中"), run=run, refresh=RUN_REFRESH_SECONDS
        )
        response = TemplateResponse(request, "admin/projects/project/import_run.html", context)
        response.status_code = 202
        response["Cache-Control"] = "no-store"
        return response

    # --- downloads -------------------------------------------------------------

    def export_targets_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        plans = PlanYear.objects.select_related("jurisdiction").order_by(
            "-year", "jurisdiction__order", "jurisdiction__name"
        )
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = None
        # One jurisdiction's plan (issue 17); without ?jurisdiction=, the home one's.
        raw = request.GET.get("jurisdiction", "")
        if year is None:
            plan = None
        elif raw.isdigit() and len(raw) < 19:
            plan = plans.filter(year=year, jurisdiction_id=int(raw)).first()
        else:
            plan = plans.filter(year=year, jurisdiction=existing_home_jurisdiction()).first()
        if plan is None:
            several = plans.values("jurisdiction").distinct().count() > 1
            context = self._context(
                request,
                _("导出责任分解表"),
                years=[p.year for p in plans],
                plans=plans,
                several=several,
            )
            return TemplateResponse(request, "admin/projects/project/export_targets.html", context)
        data = targets_export(year=plan.year, jurisdiction=plan.jurisdiction)
        return _xlsx_response(data, f"{plan.year}-targets.xlsx")

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = clock.today().year
        year = year if year in YEAR_RANGE else clock.today().year
        return _xlsx_response(targets_template(year=year), f"{year}-targets-template.xlsx")

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["has_targets_export"] = self.has_view_permission(request)
        extra_context["has_import_permission"] = self.has_import_permission(request)
        return super().changelist_view(request, extra_context)
