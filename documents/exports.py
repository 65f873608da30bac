"""The project and milestone list exports (XLSX) as generated files.

The workbooks are built by ``projects.exports``; here they become two kinds of
the file store (``documents.files``), so a large export runs on a worker and a
second identical request joins it. A file's identity is the reader's *scope*
(who may see which rows: an office's jurisdictions, one vice-mayor's portfolio,
one unit), the jurisdiction whose programme the list shows (``j``, as the page:
``access.page_jurisdiction``) and the normalized filter query, so readers with
the same scope share a file, and two offices of different jurisdictions never; the
user who asked is passed along (``_user``, not part of the key) so the worker
rebuilds the same filtered queryset for that user. Its data version is that of
the jurisdiction's plan for the year (``documents.cache``) plus the state of
that plan's 督办单, which the milestone export prints.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Max
from django.http import QueryDict
from django.utils.translation import gettext as _

from common import clock
from documents import files
from documents.builders import ReportNotFound
from documents.cache import jurisdiction_id
from documents.render import RenderedPdf
from projects import access
from projects.dashboard import pick_year, plan_years
from projects.exports import ExportFile, build_milestone_export, build_project_export
from projects.models import Supervision, SupervisionLevel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Query-string keys that do not change the rows of an export.
IGNORED = frozenset({"page", "format"})


def scope_key(user) -> str:
    """Who may see which rows, as a string: ``all`` (reads everything),
    ``all:<jurisdiction id>`` (an office: its jurisdiction and those below),
    ``mayor:<id>``, ``unit:<id>``, ``none``."""
    scope = access.scope_for(user)
    if scope.reach is access.Reach.MAYOR and scope.mayor is not None:
        return f"mayor:{scope.mayor.pk}"
    if scope.reach is access.Reach.UNIT and scope.unit is not None:
        return f"unit:{scope.unit.pk}"
    if scope.reach is access.Reach.ALL and not scope.sees_all:
        return f"all:{scope.jurisdiction.pk if scope.jurisdiction else ''}"
    return scope.reach.value


# Set by the export itself, never taken from the query as typed.
OWN_KEYS = frozenset({"year", "j"})


def export_params(user, query: QueryDict) -> dict | None:
    """The file-store parameters of an export of ``query`` for ``user``: the
    scope, the jurisdiction and year the list shows (as the page picks them:
    ``?j=`` when the user reads it, else their own) and the normalized query
    (sorted pairs, empty values and paging left out). None when that
    jurisdiction has no plan."""
    jurisdiction = access.page_jurisdiction(user, query.get("j"))
    if jurisdiction is None:
        return None
    year = pick_year(query.get("year"), plan_years(jurisdiction), clock.today())
    if year is None:
        return None
    pairs = sorted(
        (key, value.strip())
        for key, values in query.lists()
        if key not in IGNORED and key not in OWN_KEYS
        for value in values
        if value.strip()
    )
    pairs += [("j", str(jurisdiction.pk)), ("year", str(year))]
    return {
        "scope": scope_key(user),
        "j": jurisdiction.pk,
        "year": year,
        "query": pairs,
        "_user": user.pk,
    }


def _reader(params: dict):
    user = get_user_model().objects.filter(pk=params["_user"], is_active=True).first()
    if user is None or scope_key(user) != params["scope"]:
        # The reader's rights changed between the request and the build.
        raise ReportNotFound(_("您的查看范围已变更，请返回列表重新导出。"))
    query = QueryDict(mutable=True)
    for key, value in params["query"]:
        query.appendlist(key, value)
    return user, query


def _file(export: ExportFile) -> RenderedPdf:
    return RenderedPdf(data=export.content, pages=0, filename=export.filename)


def _build_projects(params: dict) -> RenderedPdf:
    return _file(build_project_export(*_reader(params), today=clock.today()))


def _build_milestones(params: dict) -> RenderedPdf:
    return _file(build_milestone_export(*_reader(params), today=clock.today()))


def _year(params: dict) -> int:
    return params["year"]


def _supervision_version(params: dict) -> str:
    """The 督办单 of the plan the export prints (its jurisdiction's for the year)
    by state, their milestone links and the level names: one query."""
    rows = (
        Supervision.objects.filter(
            plan__year=params["year"], plan__jurisdiction_id=jurisdiction_id(params.get("j"))
        )
        .values("state")
        .annotate(n=Count("pk"), last=Max("pk"), links=Count("milestones"))
        .order_by("state")
    )
    levels = SupervisionLevel.objects.aggregate(changed=Max("updated_at"), n=Count("pk"))
    return repr(([tuple(r.values()) for r in rows], levels["changed"], levels["n"]))


files.register(
    files.Kind(
        "project_export", _build_projects, _year, suffix=".xlsx", content_type=XLSX, attachment=True
    )
)
files.register(
    files.Kind(
        "milestone_export",
        _build_milestones,
        _year,
        suffix=".xlsx",
        content_type=XLSX,
        attachment=True,
        extra_version=_supervision_version,
    )
)
