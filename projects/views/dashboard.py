"""The city dashboard and the pages that drill into it: the project list (with
its XLSX export), one project, one unit's and one vice-mayor's work.

Views only parse input, ask ``projects.access`` for what the user may read and
call the selectors in ``projects.dashboard`` and ``projects.filters``.
"""

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from common import clock
from projects import access, charts, review, status
from projects.dashboard import dashboard_for, mayor_rows, pick_plan
from projects.filters import milestone_filterset, project_filterset
from projects.models import Indicator, Milestone, ProgressReport, Project, SubItem
from projects.services.supervision import supervisions_by_milestone

PAGE_SIZE = 50


@login_required
def home(request):
    """``/``: the city dashboard (a vice-mayor's portfolio for a vice-mayor)."""
    scope = access.scope_for(request.user)
    if scope.reach is access.Reach.UNIT:
        return redirect("my_work")
    today = clock.today()
    jurisdiction = access.page_jurisdiction(request.user, request.GET.get("j"))
    plan, years = pick_plan(request.GET.get("year"), today, jurisdiction=jurisdiction)
    board = dashboard_for(request.user, plan=plan, today=today)
    whole = scope.reach is access.Reach.ALL
    return render(
        request,
        "projects/home.html",
        {
            "board": board,
            "years": years,
            "mayor_list": whole,
            "jurisdiction": jurisdiction,
            # The roll-up of the programmes below (issue 17), and the way back up.
            "rollup": whole
            and jurisdiction is not None
            and access.has_programmes_below(jurisdiction),
            "up": (
                jurisdiction.jurisdiction_id
                if jurisdiction is not None
                and jurisdiction.jurisdiction_id
                and access.can_read_rollup(request.user, jurisdiction.jurisdiction_id)
                else None
            ),
        },
    )


@login_required
def project_list(request):
    """``/projects/``: filter, sort, page; ``?format=xlsx`` downloads the same set."""
    today = clock.today()
    if request.GET.get("format") == "xlsx":
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{reverse('project_export')}?{query.urlencode()}")
    filterset = project_filterset(request, today=today)
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            "sort": filterset.form.cleaned_data.get("sort") if filterset.is_valid() else None,
            "today": today,
        },
    )


MILESTONE_PAGE_SIZE = 100


@login_required
def milestone_list(request):
    """``/milestones/``: a year's milestones the user may read, by unit, vice-mayor,
    status and text, most urgent first. The office sends 督办单 from here: for the
    ticked milestones, or for the whole filtered list (one per unit)."""
    today = clock.today()
    filterset = milestone_filterset(request, today=today)
    page = Paginator(filterset.qs, MILESTONE_PAGE_SIZE).get_page(request.GET.get("page"))
    open_items = supervisions_by_milestone([m.pk for m in page])
    for m in page:
        m.current_colour = status.Colour(m.colour_code)
        m.label = m.current_colour.milestone_label(done=status.is_done_by(m.done_date, today))
        m.late_days = m.days_late(today)
        m.open_supervisions = open_items.get(m.pk, [])
        m.in_review = m.latest_review in review.OPEN_STATES
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/milestone_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "can_send": access.can_send_supervision(request.user),
        },
    )


@login_required
def project_detail(request, pk):
    """``/projects/<id>/``: target, measures, units, sub-items, milestones,
    indicators and the progress history of one project."""
    today = clock.today()
    project = access.get_project(request.user, pk, Project.objects.for_list().with_progress(today))
    subitems = list(
        access.visible_subitems(request.user, SubItem.objects.filter(project=project))
        .select_related("unit", "person", "mayor")
        .with_progress(today)
        .order_by("number")
    )
    milestones = list(
        access.visible_milestones(request.user, Milestone.objects.filter(project=project))
        .select_related("subitem", "unit")
        .order_by("due_date", "pk")
    )
    for m in milestones:
        m.status_colour = m.colour(today)
    indicators = list(
        Indicator.objects.filter(project=project).select_related("subitem").order_by("pk")
    )
    reports = list(
        ProgressReport.objects.filter(milestone__in=[m.pk for m in milestones] or [0])
        .select_related("milestone", "author")
        .order_by("-created_at", "-pk")[:100]
    )
    chart = charts.target_vs_actual(
        [
            (
                i.name + (f"（{i.measure}）" if i.measure else ""),
                i.target,
                i.actual,
            )
            for i in indicators
        ],
        title=_("量化指标：目标与实际"),
    )
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "subitems": subitems,
            "milestones": milestones,
            "indicators": indicators,
            "reports": reports,
            "indicator_chart": chart,
            "today": today,
        },
    )


MAYOR_PAGE_SIZE = 50


@login_required
def mayor_list(request):
    """``/mayors/``: every vice-mayor's portfolio of the year, paged (the dashboard
    shows the first cards only). For those who read the whole city."""
    if access.scope_for(request.user).reach is not access.Reach.ALL:
        raise PermissionDenied
    today = clock.today()
    jurisdiction = access.page_jurisdiction(request.user, request.GET.get("j"))
    plan, years = pick_plan(request.GET.get("year"), today, jurisdiction=jurisdiction)
    rows = mayor_rows(request.user, plan=plan, today=today) if plan is not None else []
    page = Paginator(rows, MAYOR_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/mayor_list.html",
        {
            "board": SimpleNamespace(year=plan.year if plan else None, today=today, plan=plan),
            "years": years,
            "page": page,
            "query": urlencode({"year": plan.year}) if plan else "",
        },
    )


@login_required
def unit_detail(request, pk):
    """``/units/<id>/``: one unit's projects, sub-items and milestones."""
    unit = access.get_unit(request.user, pk)
    return _scoped_page(request, "projects/unit_detail.html", unit=unit)


@login_required
def mayor_detail(request, pk):
    """``/mayors/<id>/``: one vice-mayor's portfolio."""
    mayor = access.get_mayor(request.user, pk)
    return _scoped_page(request, "projects/mayor_detail.html", mayor=mayor)


def _scoped_page(request, template, *, unit=None, mayor=None):
    today = clock.today()
    # A unit or vice-mayor works in one jurisdiction's programme.
    jurisdiction = (unit or mayor).jurisdiction
    plan, years = pick_plan(request.GET.get("year"), today, jurisdiction=jurisdiction)
    board = dashboard_for(request.user, plan=plan, unit=unit, mayor=mayor, today=today)
    subitems = access.visible_subitems(request.user, SubItem.objects.filter(project__plan=plan))
    subitems = subitems.for_unit(unit) if unit is not None else subitems.for_mayor(mayor)
    subitems = list(
        subitems.select_related("project", "unit", "person")
        .with_progress(today)
        .order_by("project__number", "number")
    )
    return render(
        request,
        template,
        {
            "board": board,
            "years": years,
            "unit": unit,
            "mayor": mayor,
            "subitems": subitems,
            "unit_card_pdf": unit is not None and access.can_read_unit_report(request.user, unit),
        },
    )
