"""Assessment pages: the year's ranking, a unit's card, one item (raw value entry
and override), publish and recompute. Who may do what: ``assessment.access``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import access, selectors, services
from assessment.forms import OverrideForm, RawEntryForm
from assessment.models import AssessmentEntry, AssessmentItem, AssessmentScheme, ItemScore
from common.evidence import FORMATS, extension
from common.params import int_param
from projects.access import can_read_unit_report


@login_required
def index(request):
    """The latest year that has a scheme."""
    scheme = AssessmentScheme.objects.order_by("-year").first()
    if scheme is None:
        return render(request, "assessment/ranking.html", {"table": None, "year": None})
    return redirect("assessment_ranking", year=scheme.year)


@login_required
def ranking(request, year: int):
    """The year's ranking: in full for the office and vice-mayors; once public
    (公示, final), its public columns for every unit (``access.ranking_access``)."""
    schemes = selectors.schemes_for_year(year)
    kind = request.GET.get("kind") or None
    scheme = _ranking_scheme(request.user, schemes, kind)
    reach = access.ranking_access(request.user, scheme)
    if reach is None:
        unit = access.own_unit(request.user)
        if unit is not None:
            return redirect("assessment_unit", year=year, unit_id=unit.pk)
        raise PermissionDenied
    if scheme is None and kind:
        raise Http404
    table = (
        selectors.assessment_table(
            year, scheme=scheme, with_last_year=True, last_year_public_only=not reach.full
        )
        if scheme
        else None
    )
    return render(
        request,
        "assessment/ranking.html",
        {
            "year": year,
            "table": table,
            "reach": reach,
            "schemes": access.readable_rankings(request.user, schemes),
            "changes": selectors.scheme_changes(table.scheme) if table else [],
            "can_publish": table is not None
            and access.can_publish(request.user)
            and not table.scheme.is_published,
            "can_compute": table is not None and access.can_edit(request.user, table.scheme),
        },
    )


def _ranking_scheme(
    user, schemes: list[AssessmentScheme], kind: str | None
) -> AssessmentScheme | None:
    """The scheme asked for by ``?kind=``; by default the user's own kind of unit
    (a township's users see the townships), else the first (bureaus)."""
    if kind:
        return next((s for s in schemes if s.unit_kind == kind), None)
    mine = access.own_unit(user)
    own = [s for s in schemes if mine is not None and s.unit_kind == mine.kind]
    return next(iter(own or schemes), None)


@login_required
def unit_detail(request, year: int, unit_id: int):
    unit = access.get_assessed_unit(request.user, unit_id)
    card = selectors.unit_card(year, unit, with_last_year=True)
    if card is None:
        raise Http404
    return render(
        request,
        "assessment/unit.html",
        {
            "year": year,
            "card": card,
            "can_edit": access.can_edit(request.user, card.scheme),
            "can_read_ranking": access.ranking_access(request.user, card.scheme) is not None,
            "unit_card_pdf": can_read_unit_report(request.user, unit),
        },
    )


@login_required
def item_detail(request, year: int, unit_id: int, item_id: int):
    """One item for one unit: rule, raw value and its history; the office enters the
    raw value or overrides the score here."""
    unit = access.get_assessed_unit(request.user, unit_id)
    item = get_object_or_404(
        AssessmentItem.objects.select_related("category__scheme"),
        pk=item_id,
        category__scheme__year=year,
        category__scheme__unit_kind=unit.kind,
    )
    scheme = item.category.scheme
    score = (
        ItemScore.objects.filter(result__scheme=scheme, result__unit=unit, item=item)
        .select_related("overridden_by", "result")
        .first()
    )
    entry = AssessmentEntry.objects.filter(item=item, unit=unit).first()
    can_edit = access.can_edit(request.user, scheme)
    entry_form = override_form = None
    if request.method == "POST":
        access.require_edit(request.user, scheme)
        if "override" in request.POST:
            override_form = OverrideForm(request.POST, item=item)
            if score is None:
                override_form.add_error(None, _("请先计算考核结果后再调整得分。"))
            elif override_form.is_valid():
                d = override_form.cleaned_data
                try:
                    services.assessment_override(
                        score=score,
                        by=request.user,
                        reason=d["reason"],
                        points=d["points"],
                        money=d["money"],
                    )
                except ValidationError as exc:
                    _attach(override_form, exc)
                else:
                    messages.success(request, _("已保存得分调整。"))
                    return redirect(request.path)
        else:
            entry_form = RawEntryForm(request.POST, request.FILES, item=item)
            if entry_form.is_valid():
                d = entry_form.cleaned_data
                try:
                    services.assessment_enter_raw(
                        item=item,
                        unit=unit,
                        by=request.user,
                        reason=d["reason"],
                        value=d.get("value"),
                        state=d.get("state") or "",
                        target=d.get("target"),
                        evidence=d.get("evidence"),
                        evidence_ref=d.get("evidence_ref") or "",
                    )
                except ValidationError as exc:
                    _attach(entry_form, exc)
                else:
                    messages.success(request, _("已保存原始数据并重新计算。"))
                    return redirect(request.path)
    if can_edit:
        initial = {}
        if entry is not None:
            initial = {
                "value": entry.value,
                "state": entry.state,
                "target": entry.target,
                "reason": entry.reason,
                "evidence_ref": entry.evidence_ref,
            }
        entry_form = entry_form or RawEntryForm(item=item, initial=initial)
        override_form = override_form or OverrideForm(
            item=item,
            initial={
                "points": score.override_points if score else None,
                "money": score.override_money if score else None,
                "reason": score.override_reason if score else "",
            },
        )
    history = list(entry.history.select_related("history_user")[:20]) if entry else []
    return render(
        request,
        "assessment/item.html",
        {
            "year": year,
            "unit": unit,
            "item": item,
            "scheme": scheme,
            "score": score,
            "entry": entry,
            "history": history,
            "entry_form": entry_form,
            "override_form": override_form,
            "can_edit": can_edit,
        },
    )


@login_required
def evidence(request, year: int, unit_id: int, item_id: int):
    """The evidence file behind a raw value, for whoever may read the unit's card."""
    unit = access.get_assessed_unit(request.user, unit_id)
    entry = get_object_or_404(
        AssessmentEntry, unit=unit, item_id=item_id, item__category__scheme__year=year
    )
    if not entry.evidence:
        raise Http404
    ext = extension(entry.evidence.name)
    fmt = FORMATS.get(ext)
    if fmt is None:
        raise Http404
    return FileResponse(
        entry.evidence.open("rb"),
        as_attachment=True,
        filename=f"{unit.name}-{entry.item.name}{ext}",
        content_type=fmt.content_type,
    )


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)


def _scheme_from_post(request, year: int) -> AssessmentScheme:
    """The scheme named by the form's ``scheme`` field: 400 when it is not an id."""
    pk = int_param(request.POST, "scheme", label=_("考核办法"))
    return get_object_or_404(AssessmentScheme, year=year, pk=pk)


@login_required
@require_POST
def publish(request, year: int):
    scheme = _scheme_from_post(request, year)
    if not access.can_publish(request.user):
        raise PermissionDenied
    try:
        services.assessment_publish(scheme=scheme, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("%(name)s 考核结果已发布，结果已锁定。") % {"name": scheme})
    return redirect(_ranking_url(scheme))


@login_required
@require_POST
def compute(request, year: int):
    scheme = _scheme_from_post(request, year)
    access.require_edit(request.user, scheme)
    try:
        summary = services.assessment_compute(scheme=scheme, by=request.user)
    except ValidationError as exc:
        messages.error(request, _("考核办法有误，未能计算：") + "；".join(exc.messages))
    else:
        messages.success(
            request,
            _("已重新计算 %(units)s 个单位的考核结果，待录入 %(missing)s 项。")
            % {"units": summary.units, "missing": summary.missing},
        )
    return redirect(_ranking_url(scheme))


def _ranking_url(scheme: AssessmentScheme) -> str:
    return reverse("assessment_ranking", kwargs={"year": scheme.year}) + f"?kind={scheme.unit_kind}"
