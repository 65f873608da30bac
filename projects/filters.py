"""Filters of the project list (django-filter), shared by the page, its XLSX
export and the PDF reports.

:func:`project_filterset` is the selector: it scopes the projects to what the
user may read (``projects.access``), annotates their progress, and binds the
filters to the request's query string. A value the form rejects (an unknown
unit, colour or sort key) is shown as an error next to its field and that
filter is left out; the rest of the page still works.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, NullIf
from django.forms.utils import flatatt
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common import clock
from projects import access, search, status
from projects.dashboard import DUE_SOON_DAYS, AsOf, pick_year, plan_years
from projects.models import Category, Milestone, Project
from projects.status import COLOUR_LABELS, Colour


class FastSelect(forms.Select):
    """A ``<select>`` rendered in Python: Django's widget renders a template per
    option, which for a few hundred units costs more than the page's SQL."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        selected = mark_safe(" selected")
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(v), selected if str(v) in chosen else "", label) for v, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class SortFilter(django_filters.OrderingFilter):
    """``?sort=percent`` / ``?sort=-percent``; ties broken by project number."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "plan__year", "number", "pk")
        return qs


SELECT_LIMIT = 50  # more units or vice-mayors than this: a text box instead of a <select>
SUGGESTIONS = 5  # names listed when a typed name matches several


class NamedObjectField(forms.Field):
    """One object of ``queryset``, given by id (the dashboards' links:
    ``?unit=12``) or by name as typed (``?unit=质监局``, read with the text
    search's parser, ``projects.search``): its exact name, else the only one
    whose names contain every word typed. Unknown or ambiguous → a message in
    Chinese next to the field, and the filter is left out.

    Rendered as a ``<select>`` while the choices are few (:data:`SELECT_LIMIT`),
    else as a text box: no page carries thousands of ``<option>``s, and it needs
    no JavaScript."""

    def __init__(self, *, queryset, name_fields=("name",), empty_label="", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.queryset = queryset
        self.name_fields = tuple(name_fields)
        self.empty_label = empty_label
        self.resolved: tuple[str, Any] | None = None  # (raw value, object) once cleaned

    def to_python(self, value):
        raw = str(value or "").strip()
        if not raw:
            return None
        found = self._resolve(raw)
        self.resolved = (raw, found)
        return found

    def _resolve(self, raw: str):
        if raw.isdigit():
            found = self.queryset.filter(pk=int(raw)).first()
            if found is None:
                raise forms.ValidationError(
                    gettext("找不到编号为 %(value)s 的%(noun)s（或无权查看），已忽略此条件。")
                    % {"value": raw, "noun": self.label},
                    code="unknown",
                )
            return found
        query = search.parse(raw)
        if query is None:
            return None
        exact = Q()
        for field in self.name_fields:
            exact |= Q(**{field: query.text})
        candidates = list(
            self.queryset.filter(exact | search.matches(query, self.name_fields))
            .annotate(is_exact=Case(When(exact, then=1), default=0, output_field=IntegerField()))
            .order_by("-is_exact", *self.queryset.query.order_by)[: SUGGESTIONS + 1]
        )
        if candidates and (candidates[0].is_exact or len(candidates) == 1):
            return candidates[0]
        if not candidates:
            raise forms.ValidationError(
                gettext("找不到名称含“%(value)s”的%(noun)s（或无权查看），已忽略此条件。")
                % {"value": query.text, "noun": self.label},
                code="unknown",
            )
        names = "、".join(str(c) for c in candidates[:SUGGESTIONS])
        more = "……" if len(candidates) > SUGGESTIONS else ""
        raise forms.ValidationError(
            gettext(
                "“%(value)s”对应多个%(noun)s：%(names)s%(more)s，请输入完整名称。已忽略此条件。"
            )
            % {"value": query.text, "noun": self.label, "names": names, "more": more},
            code="ambiguous",
        )

    def prepare_value(self, value):
        """What the widget shows: the chosen object's id in a ``<select>``, its
        name in the text box."""
        if self.resolved is not None and self.resolved[1] is not None:
            raw, found = self.resolved
            if str(value).strip() == raw:
                return found.pk if isinstance(self.widget, forms.Select) else str(found)
        return value


class NamedObjectFilter(django_filters.filters.QuerySetRequestMixin, django_filters.Filter):
    """A filter on one unit or vice-mayor, by id or by name (:class:`NamedObjectField`)."""

    field_class = NamedObjectField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


def _programme(user, data) -> tuple:
    """The jurisdiction whose programme a list shows (``?j=``, else the user's own;
    kept in ``data`` so that the filter form and the export carry it) and the
    years it has a plan for."""
    jurisdiction = access.page_jurisdiction(user, data.get("j"))
    if jurisdiction is not None:
        data["j"] = str(jurisdiction.pk)
    return jurisdiction, plan_years(jurisdiction) if jurisdiction is not None else []


def _year_and_scope_choices(filterset: django_filters.FilterSet, years: list[int]) -> None:
    """The year choices; for the unit and vice-mayor filters, a ``<select>`` of the
    readable ones while there are at most :data:`SELECT_LIMIT` (one plain query
    each, capped), else a text box where a name is typed."""
    filterset.filters["year"].extra["choices"] = [(str(y), _("%(y)s年") % {"y": y}) for y in years]
    for name in ("unit", "mayor"):
        field = filterset.form.fields[name]
        assert isinstance(field, NamedObjectField)
        first = list(field.queryset[: SELECT_LIMIT + 1])
        widget: forms.Widget
        if len(first) <= SELECT_LIMIT:
            widget = FastSelect()
            widget.choices = [("", field.empty_label)] + [(obj.pk, str(obj)) for obj in first]
        else:
            widget = forms.TextInput(
                attrs={
                    "type": "search",
                    "placeholder": gettext("输入名称，如“%(example)s”")
                    % {"example": str(first[0])},
                    "maxlength": search.MAX_LENGTH,
                }
            )
        field.widget = widget


class ProjectFilter(django_filters.FilterSet):
    # The programme shown (``_programme``): kept across the form's submissions.
    j = django_filters.NumberFilter(method="filter_programme", widget=forms.HiddenInput)
    year = django_filters.ChoiceFilter(
        label=_("年度"), field_name="plan__year", choices=(), empty_label=None, widget=FastSelect
    )
    q = django_filters.CharFilter(
        label=_("搜索"), method="filter_text", widget=forms.TextInput(attrs={"type": "search"})
    )
    category = django_filters.ChoiceFilter(
        label=_("类别"), choices=Category.choices, empty_label=_("全部类别"), widget=FastSelect
    )
    unit = NamedObjectFilter(
        label=_("责任单位"),
        queryset=lambda request: access.visible_units(request.user).order_by("order", "name"),
        name_fields=("name", "full_name"),
        method="filter_unit",
        empty_label=_("全部单位"),
    )
    mayor = NamedObjectFilter(
        label=_("分管市长"),
        queryset=lambda request: access.visible_mayors(request.user).order_by("order", "name"),
        method="filter_mayor",
        empty_label=_("全部分管市长"),
    )
    colour = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[(c.css, COLOUR_LABELS[c]) for c in Colour],
        method="filter_colour",
        empty_label=_("全部状态"),
        widget=FastSelect,
    )
    overdue = django_filters.BooleanFilter(
        label=_("只看有逾期未完成节点的项目"), method="filter_overdue", widget=forms.CheckboxInput
    )
    sort = SortFilter(
        label=_("排序"),
        fields=(
            ("number", "number"),
            ("name", "name"),
            ("percent_sort", "percent"),
            ("colour_rank", "colour"),
        ),
        field_labels={
            "number": _("序号"),
            "-number": _("序号（倒序）"),
            "name": _("项目名称"),
            "-name": _("项目名称（倒序）"),
            "percent_sort": _("完成率（低到高）"),
            "-percent": _("完成率（高到低）"),
            "colour_rank": _("状态（正常在前）"),
            "-colour": _("状态（逾期未完成在前）"),
        },
        empty_label=_("按序号"),
        widget=FastSelect,
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args, years: list[int], today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        _year_and_scope_choices(self, years)
        self.today = today

    def filter_programme(self, queryset, name, value):
        return queryset  # already cut to the programme by ``project_filterset``

    def filter_text(self, queryset, name, value):
        """Name or target, or the project number (16, 第16项): ``projects.search``."""
        return search.filter_text(queryset, value, ["name", "target"], number="number")

    def filter_unit(self, queryset, name, value):
        return queryset.for_unit(value) if value else queryset

    def filter_mayor(self, queryset, name, value):
        return queryset.for_mayor(value) if value else queryset

    def filter_colour(self, queryset, name, value):
        colour = next((c for c in Colour if c.css == value), None)
        if colour is None:
            return queryset
        return queryset.filter(status.counts_colour_q(colour, into="ms_"))

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(self.today) if value else queryset


def project_filterset(request, data=None, *, today: dt.date | None = None) -> ProjectFilter:
    """The bound filter of the project list for this request.

    ``filterset.qs`` holds the projects the user may read, filtered and sorted,
    annotated with ``with_page_progress()`` and prefetched for a list (``for_list``).
    The year defaults to that of the dashboard (this year if planned, else the
    latest plan); a year without a plan is replaced by that default.
    """
    today = today or clock.today()
    data = (request.GET if data is None else data).copy()
    jurisdiction, years = _programme(request.user, data)
    year = pick_year(data.get("year"), years, today)
    if year is not None:
        data["year"] = str(year)
    return ProjectFilter(
        data,
        queryset=project_list_queryset(request.user, today=today).filter(
            plan__jurisdiction=jurisdiction
        ),
        request=request,
        years=years,
        today=today,
    )


def project_list_queryset(user, *, today: dt.date) -> QuerySet:
    """Projects the user may read, with progress (counted for the page's rows only
    when sorted by number: ``with_page_progress``) and the sort keys of the list."""
    return (
        access.visible_projects(user)
        .for_list()
        .with_page_progress(today)
        .annotate(
            percent_sort=Coalesce(
                Cast(F("ms_done"), FloatField()) * 100.0 / NullIf(F("ms_total"), 0),
                Value(0.0),
            ),
            colour_rank=status.counts_colour_case(into="ms_"),
        )
        .order_by("plan__year", "number")
    )


# --- Milestones (the list the office sends 督办单 from) ---------------------------------


def _due_soon_words() -> str:
    return gettext("%(d)s日内到期") % {"d": DUE_SOON_DAYS}


_due_soon_label = lazy(_due_soon_words, str)


class MilestoneFilter(django_filters.FilterSet):
    """Filters of ``/milestones/``: a year's milestones by unit, vice-mayor, status
    (the colours of ``projects.status``, 逾期完成 included) and text."""

    # The programme shown (``_programme``): kept across the form's submissions.
    j = django_filters.NumberFilter(method="filter_programme", widget=forms.HiddenInput)
    year = django_filters.ChoiceFilter(
        label=_("年度"),
        field_name="project__plan__year",
        choices=(),
        empty_label=None,
        widget=FastSelect,
    )
    q = django_filters.CharFilter(
        label=_("搜索"), method="filter_text", widget=forms.TextInput(attrs={"type": "search"})
    )
    unit = NamedObjectFilter(
        label=_("责任单位"),
        queryset=lambda request: access.milestone_units(request.user).order_by("order", "name"),
        name_fields=("name", "full_name"),
        field_name="unit",
        empty_label=_("全部单位"),
    )
    mayor = NamedObjectFilter(
        label=_("分管市长"),
        queryset=lambda request: access.milestone_mayors(request.user).order_by("order", "name"),
        method="filter_mayor",
        empty_label=_("全部分管市长"),
    )
    colour = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[(c.css, COLOUR_LABELS[c]) for c in Colour],
        method="filter_colour",
        empty_label=_("全部状态"),
        widget=FastSelect,
    )

    state = django_filters.ChoiceFilter(
        label=_("进度"),
        choices=[
            ("done", _("已完成")),
            ("due", _("已到期")),
            ("soon", _due_soon_label()),
        ],
        method="filter_state",
        empty_label=_("全部进度"),
        widget=FastSelect,
    )
    # The dashboards' counts of one project or sub-item link here (issue 14).
    project = django_filters.NumberFilter(field_name="project", widget=forms.HiddenInput)
    subitem = django_filters.NumberFilter(field_name="subitem", widget=forms.HiddenInput)

    class Meta:
        model = Milestone
        fields: list[str] = []

    def __init__(self, *args, years: list[int], today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        _year_and_scope_choices(self, years)
        self.today = today

    def filter_programme(self, queryset, name, value):
        return queryset  # already cut to the programme by ``milestone_filterset``

    def filter_text(self, queryset, name, value):
        """The milestone's, project's, sub-item's or unit's name, or the project number (16,
        第16项) or sub-item number (16-2): ``projects.search``."""
        return search.filter_text(
            queryset,
            value,
            ["name", "project__name", "subitem__name", "unit__name"],
            number="project__number",
            sub_number=("project__number", "subitem__number"),
        )

    def filter_mayor(self, queryset, name, value):
        return queryset.for_mayor(value) if value else queryset

    def filter_colour(self, queryset, name, value):
        colour = next((c for c in Colour if c.css == value), None)
        if colour is None:
            return queryset
        return queryset.filter(colour_code=int(colour))

    def filter_state(self, queryset, name, value):
        """What the dashboards count besides colours: done, due, due soon (the
        same conditions, ``projects.dashboard.AsOf``)."""
        on = AsOf(self.today, clock.warning_days())
        conditions = {"done": on.done, "due": on.due, "soon": on.due_soon(DUE_SOON_DAYS)}
        return queryset.filter(conditions[value]) if value in conditions else queryset


def milestone_filterset(request, data=None, *, today: dt.date | None = None) -> MilestoneFilter:
    """The bound filter of the milestone list: the milestones the user may read,
    with their colour as of today (``colour_code``), most urgent first."""
    today = today or clock.today()
    data = (request.GET if data is None else data).copy()
    jurisdiction, years = _programme(request.user, data)
    year = pick_year(data.get("year"), years, today)
    if year is not None:
        data["year"] = str(year)
    queryset = (
        access.visible_milestones(request.user)
        .filter(project__plan__jurisdiction=jurisdiction)
        .for_list()
        .with_colour(today)
        .with_latest_report()
        .by_urgency(today)
    )
    return MilestoneFilter(data, queryset=queryset, request=request, years=years, today=today)
