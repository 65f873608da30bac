"""Assessment pages: the year's ranking, a unit's card, one item (raw value entry
and override), publish and recompute. Who may do what: ``assessment.access``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessment import access, procedure, selectors, services, tasks
from assessment.forms import (
    AnswerForm,
    ObjectionForm,
    OverrideForm,
    RawEntryForm,
    SelfEntryForm,
    StageMoveForm,
    VerifyForm,
)
from assessment.models import (
    AssessmentEntry,
    AssessmentItem,
    AssessmentScheme,
    ComputeRun,
    ItemScore,
    Objection,
    SelfEntry,
)
from assessment.services import runs, steps
from common import clock
from common.evidence import FORMATS, extension
from common.params import BadParameter, int_param
from projects.access import can_read_unit_report


def _jurisdiction(request) -> int | None:
    """The jurisdiction whose assessment the page shows: ``?j=<id>`` when the user
    may read it (``access.can_read_jurisdiction``: their own, or one below for the
    office of a higher one), else the user's own (None: the home jurisdiction, for
    an account attached to none)."""
    own = access.own_jurisdiction_id(request.user)
    if request.GET.get("j"):
        asked = int_param(request.GET, "j", label=_("辖区"))
        if asked != own and access.can_read_jurisdiction(request.user, asked):
            return asked
    return own


def _j_query(request, jurisdiction_id: int | None) -> str:
    """The ``j`` parameter that keeps a page on another jurisdiction than the
    user's own (empty on their own: the single-city URLs stay as they were)."""
    if jurisdiction_id is None or jurisdiction_id == access.own_jurisdiction_id(request.user):
        return ""
    return f"j={jurisdiction_id}"


@login_required
def index(request):
    """The latest year that has a scheme of the jurisdiction."""
    jurisdiction = _jurisdiction(request)
    scheme = AssessmentScheme.objects.of(jurisdiction).order_by("-year").first()
    if scheme is None:
        return render(request, "assessment/ranking.html", {"table": None, "year": None})
    url = reverse("assessment_ranking", kwargs={"year": scheme.year})
    jq = _j_query(request, jurisdiction)
    return redirect(f"{url}?{jq}" if jq else url)


RANKING_PAGE_SIZE = 50


@login_required
def ranking(request, year: int):
    """The year's ranking: in full for the office and vice-mayors; once public
    (公示, final), its public columns for every unit (``access.ranking_access``).
    The jurisdiction's (``?j=``, else the user's own)."""
    jurisdiction = _jurisdiction(request)
    schemes = selectors.schemes_for_year(year, jurisdiction)
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
    table = page = None
    if scheme is not None:
        page = Paginator(selectors.ranked_results(scheme), RANKING_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        table = selectors.assessment_table(
            year,
            scheme=scheme,
            with_last_year=True,
            last_year_public_only=not reach.full,
            results=list(page.object_list),
        )
    query = request.GET.copy()
    query.pop("page", None)
    jq = _j_query(request, jurisdiction)
    return render(
        request,
        "assessment/ranking.html",
        {
            "year": year,
            "table": table,
            "page": page,
            "query": query.urlencode(),
            "reach": reach,
            "jq": jq,
            "schemes": access.readable_rankings(request.user, schemes),
            "changes": selectors.scheme_changes(table.scheme) if table else [],
            "can_compute": table is not None and access.can_edit(request.user, table.scheme),
            **(_procedure_context(request, table.scheme) if table else {}),
        },
    )


def _procedure_context(request, scheme: AssessmentScheme) -> dict:
    """The procedure panel of a scheme: its stage, notice period, record of moves,
    the moves this user may make now and what stands in their way, open objections."""
    today = clock.today()
    moves = []
    for target in (procedure.next_stage(scheme.stage), procedure.previous_stage(scheme.stage)):
        if target is None or not access.can_move(request.user, scheme, target):
            continue
        back = procedure.position(target) < procedure.position(scheme.stage)
        moves.append(
            {
                "target": target,
                "label": _("退回“%(stage)s”") % {"stage": target.label}
                if back
                else procedure.FORWARD_WORDS[target],
                "back": back,
                "blockers": steps.move_blockers(scheme, target, today=today),
                "form": StageMoveForm(initial={"target": target.value}),
            }
        )
    return {
        "procedure_stages": procedure.ORDER,
        "stage_changes": list(scheme.stage_changes.select_related("by")),
        "moves": moves,
        "year_open": scheme.year >= today.year,
        "open_objections": list(
            scheme.objections.filter(state=Objection.State.OPEN).select_related("unit", "item")
        )
        if access.is_office(request.user)
        else [],
    }


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
    scheme = card.scheme
    own = {e.item_id: e for e in SelfEntry.objects.filter(item__category__scheme=scheme, unit=unit)}
    for line in card.items:
        line.own = own.get(line.item.pk)
        line.self_assessed = steps.self_assessed(line.item)
    objections = list(
        Objection.objects.filter(scheme=scheme, unit=unit).select_related(
            "item", "lodged_by", "answered_by"
        )
    )
    today = clock.today()
    return render(
        request,
        "assessment/unit.html",
        {
            "year": year,
            "card": card,
            "can_edit": access.can_edit(request.user, scheme),
            "can_read_ranking": access.ranking_access(request.user, scheme) is not None,
            "jq": _j_query(request, scheme.jurisdiction_id),
            "unit_card_pdf": can_read_unit_report(request.user, unit),
            "show_self": procedure.position(scheme.stage)
            >= procedure.position(procedure.Stage.SELF),
            "self_open": access.can_self_assess(request.user, unit, scheme),
            "self_done": sum(1 for line in card.items if line.own),
            "self_total": sum(1 for line in card.items if line.self_assessed),
            "can_lodge": access.can_lodge(request.user, unit, scheme, today=today),
            "objections": objections,
        },
    )


def _raw_args(data: dict) -> dict:
    return {
        "value": data.get("value"),
        "state": data.get("state") or "",
        "target": data.get("target"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def item_detail(request, year: int, unit_id: int, item_id: int):
    """One item for one unit: rule, raw value and its history, and what the stage
    allows this user here: the unit's own value (自评), its verification (核查), an
    objection and its answer (公示); the office's raw value and override (draft, 核查).

    POST ``form``: entry / override / self / verify / objection / answer."""
    unit = access.get_assessed_unit(request.user, unit_id)
    item = get_object_or_404(
        AssessmentItem.objects.select_related("category__scheme"),
        pk=item_id,
        category__scheme__year=year,
        category__scheme__unit_kind=unit.kind,
        category__scheme__jurisdiction_id=unit.jurisdiction_id,
    )
    scheme = item.category.scheme
    today = clock.today()
    score = (
        ItemScore.objects.filter(result__scheme=scheme, result__unit=unit, item=item)
        .select_related("overridden_by", "result")
        .first()
    )
    entry = AssessmentEntry.objects.filter(item=item, unit=unit).first()
    own = (
        SelfEntry.objects.filter(item=item, unit=unit)
        .select_related("entered_by", "verified_by")
        .first()
    )
    objections = list(
        Objection.objects.filter(scheme=scheme, unit=unit, item=item).select_related(
            "lodged_by", "answered_by"
        )
    )
    open_objection = next((o for o in objections if o.state == Objection.State.OPEN), None)
    rights = {
        "edit": access.can_edit(request.user, scheme),
        "self": access.can_self_assess(request.user, unit, scheme) and steps.self_assessed(item),
        "verify": own is not None and access.can_verify(request.user, scheme),
        "lodge": access.can_lodge(request.user, unit, scheme, today=today)
        and open_objection is None,
        "answer": open_objection is not None and access.can_answer(request.user, scheme),
    }
    forms: dict = {}
    if request.method == "POST":
        kind = request.POST.get("form") or ("override" if "override" in request.POST else "entry")
        needed = {"entry": "edit", "override": "edit", "objection": "lodge"}.get(kind, kind)
        if needed not in rights:
            raise BadParameter(_("参数“表单”无效。"))
        if not rights[needed]:
            raise PermissionDenied(_refusal(needed, request.user, unit, scheme, open_objection))
        done = _item_post(
            request,
            kind,
            item=item,
            unit=unit,
            scheme=scheme,
            score=score,
            own=own,
            open_objection=open_objection,
            forms=forms,
        )
        if done:
            return redirect(request.path)
    if rights["edit"]:
        initial = {}
        if entry is not None:
            initial = {
                "value": entry.value,
                "state": entry.state,
                "target": entry.target,
                "reason": entry.reason,
                "evidence_ref": entry.evidence_ref,
            }
        forms.setdefault("entry", RawEntryForm(item=item, initial=initial))
        forms.setdefault(
            "override",
            OverrideForm(
                item=item,
                initial={
                    "points": score.override_points if score else None,
                    "money": score.override_money if score else None,
                    "reason": score.override_reason if score else "",
                },
            ),
        )
    if rights["self"]:
        initial = (
            {"value": own.value, "state": own.state, "target": own.target, "reason": own.note}
            if own
            else {}
        )
        forms.setdefault("self", SelfEntryForm(item=item, initial=initial))
    if rights["verify"]:
        forms.setdefault("verify", VerifyForm(item=item))
    if rights["lodge"]:
        forms.setdefault("objection", ObjectionForm())
    if rights["answer"]:
        forms.setdefault("answer", AnswerForm(item=item))
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
            "own": own,
            "computed": not steps.self_assessed(item),
            "cost": selectors.cost_of(item, unit, today=today, user=request.user)
            if not steps.self_assessed(item)
            else None,
            "objections": objections,
            "open_objection": open_objection,
            "history": history,
            "entry_form": forms.get("entry"),
            "override_form": forms.get("override"),
            "self_form": forms.get("self"),
            "verify_form": forms.get("verify"),
            "objection_form": forms.get("objection"),
            "answer_form": forms.get("answer"),
            "can_edit": rights["edit"],
        },
    )


def _refusal(step: str, user, unit, scheme, open_objection) -> str:
    """Why ``user`` may not take ``step`` on this item now, in Chinese."""
    stage = scheme.get_stage_display()
    if step == "edit":
        if access.is_office(user):
            return _("当前为“%(stage)s”阶段，不能录入或调整原始数据和得分。") % {"stage": stage}
        return _("只有市政府办公室可以录入或调整考核数据。")
    if step == "self":
        mine = access.own_unit(user)
        if mine is not None and mine.pk == unit.pk:
            return _("当前为“%(stage)s”阶段，不能填报自评。") % {"stage": stage}
        return _("只有本单位的填报员或负责人可以填报自评。")
    if step == "verify":
        if access.is_office(user):
            return _("当前为“%(stage)s”阶段，不能核查自评。") % {"stage": stage}
        return _("只有市政府办公室可以核查自评。")
    if step == "lodge":
        if open_objection is not None:
            return _("该项已有一份复核申请待答复，请等待答复。")
        if not procedure.objections_open(
            scheme.stage, until=scheme.notice_until, today=clock.today()
        ):
            return _("只能在考核结果公示期间申请复核。")
        return _("复核申请须由本单位负责人提出。")
    if open_objection is None:
        return _("该项没有待答复的复核申请。")
    return _("只有市政府办公室可以在公示阶段答复复核申请。")


def _item_post(request, kind, *, item, unit, scheme, score, own, open_objection, forms) -> bool:
    """Take the POSTed step on an item page; True when done (the page redirects),
    False with the form's errors in ``forms``."""
    user = request.user
    form: Form
    if kind == "override":
        form = OverrideForm(request.POST, item=item)
        forms["override"] = form
        if score is None:
            form.add_error(None, _("请先计算考核结果后再调整得分。"))
            return False
        if not form.is_valid():
            return False
        d = form.cleaned_data
        return _run(
            request,
            form,
            _("已保存得分调整。"),
            services.assessment_override,
            score=score,
            by=user,
            reason=d["reason"],
            points=d["points"],
            money=d["money"],
        )
    if kind == "entry":
        form = RawEntryForm(request.POST, request.FILES, item=item)
        forms["entry"] = form
        if not form.is_valid():
            return False
        d = form.cleaned_data
        return _run(
            request,
            form,
            _("已保存原始数据并重新计算。"),
            services.assessment_enter_raw,
            item=item,
            unit=unit,
            by=user,
            reason=d["reason"],
            **_raw_args(d),
            evidence=d.get("evidence"),
            evidence_ref=d.get("evidence_ref") or "",
        )
    if kind == "self":
        form = SelfEntryForm(request.POST, request.FILES, item=item)
        forms["self"] = form
        if not form.is_valid():
            return False
        d = form.cleaned_data
        return _run(
            request,
            form,
            _("自评已保存，核查阶段由市政府办公室核查。"),
            steps.self_entry_save,
            item=item,
            unit=unit,
            by=user,
            note=d["reason"],
            **_raw_args(d),
            evidence_file=d.get("evidence"),
        )
    if kind == "verify":
        form = VerifyForm(request.POST, item=item)
        forms["verify"] = form
        if not form.is_valid():
            return False
        d = form.cleaned_data
        accept = d["decision"] == "accept"
        return _run(
            request,
            form,
            _("已核查。"),
            steps.self_entry_verify,
            entry=own,
            by=user,
            accept=accept,
            reason=d.get("reason") or "",
            **({} if accept else _raw_args(d)),
        )
    if kind == "objection":
        form = ObjectionForm(request.POST, request.FILES)
        forms["objection"] = form
        if not form.is_valid():
            return False
        d = form.cleaned_data
        return _run(
            request,
            form,
            _("复核申请已提交，等待市政府办公室答复。"),
            steps.objection_lodge,
            scheme=scheme,
            unit=unit,
            item=item,
            by=user,
            reason=d["reason"],
            evidence_file=d.get("evidence"),
        )
    form = AnswerForm(request.POST, item=item)
    forms["answer"] = form
    if not form.is_valid():
        return False
    d = form.cleaned_data
    uphold = d["decision"] == "uphold"
    change = steps.Change(points=d.get("points"), **_raw_args(d)) if uphold else None
    return _run(
        request,
        form,
        _("已答复复核申请。"),
        steps.objection_answer,
        objection=open_objection,
        by=user,
        uphold=uphold,
        answer=d["reason"],
        change=change,
    )


def _run(request, form, done: str, service, **kwargs) -> bool:
    """Call a service; its refusal goes onto the form (nothing was changed)."""
    try:
        service(**kwargs)
    except steps.StageError as exc:
        messages.info(request, exc.messages[0])
        return True
    except ValidationError as exc:
        _attach(form, exc)
        return False
    messages.success(request, done)
    return True


@login_required
def evidence(request, year: int, unit_id: int, item_id: int):
    """The evidence file behind a raw value, for whoever may read the unit's card."""
    unit = access.get_assessed_unit(request.user, unit_id)
    entry = get_object_or_404(
        AssessmentEntry,
        unit=unit,
        item_id=item_id,
        item__category__scheme__year=year,
        item__category__scheme__jurisdiction_id=unit.jurisdiction_id,
    )
    return _download(entry.evidence, f"{unit.name}-{entry.item.name}")


@login_required
def self_evidence(request, year: int, unit_id: int, item_id: int):
    """The evidence file of a unit's own value (自评), for whoever may read its card."""
    unit = access.get_assessed_unit(request.user, unit_id)
    own = get_object_or_404(
        SelfEntry,
        unit=unit,
        item_id=item_id,
        item__category__scheme__year=year,
        item__category__scheme__jurisdiction_id=unit.jurisdiction_id,
    )
    return _download(own.evidence, own.evidence_name or f"{unit.name}-{own.item.name}")


@login_required
def objection_evidence(request, pk: int):
    """The evidence file of an objection, for whoever may read the unit's card."""
    objection = get_object_or_404(Objection.objects.select_related("unit", "item"), pk=pk)
    access.get_assessed_unit(request.user, objection.unit_id)
    return _download(objection.evidence, objection.evidence_name or objection.item.name)


def _download(stored, name: str):
    """A stored evidence file as a download, typed by what it is (never inline)."""
    if not stored:
        raise Http404
    fmt = FORMATS.get(extension(stored.name))
    if fmt is None:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    filename = name if extension(name) else f"{name}{extension(stored.name)}"
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=fmt.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)


def _scheme_from_post(request, year: int) -> AssessmentScheme:
    """The scheme named by the form's ``scheme`` field: 400 when it is not an id,
    404 when the user may not read it (another jurisdiction's)."""
    pk = int_param(request.POST, "scheme", label=_("考核办法"))
    scheme = get_object_or_404(AssessmentScheme, year=year, pk=pk)
    return access.require_scheme(request.user, scheme)


def _move_refusal(user, scheme: AssessmentScheme, target: str) -> str:
    if procedure.who_moves(scheme.stage, target) is procedure.Who.ADMIN:
        return _("退回上一阶段须由系统管理员操作。")
    if procedure.who_moves(scheme.stage, target) is procedure.Who.OFFICE:
        return _("只有市政府办公室可以推进考核阶段。")
    return _("考核只能逐级推进或退回一级（当前：%(stage)s）。") % {
        "stage": scheme.get_stage_display()
    }


@login_required
@require_POST
def stage(request, year: int):
    """Move the year's scheme to another stage (``target``): forward by the office,
    confirmed; back by an administrator, with a reason."""
    scheme = _scheme_from_post(request, year)
    form = StageMoveForm(request.POST)
    if not form.is_valid():
        target = request.POST.get("target", "")
        if target not in procedure.Stage.values:
            raise BadParameter(_("参数“考核阶段”无效。"))
        if not access.can_move(request.user, scheme, target):
            raise PermissionDenied(_move_refusal(request.user, scheme, target))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_ranking_url(scheme, request))
    target = form.cleaned_data["target"]
    if not access.can_move(request.user, scheme, target):
        raise PermissionDenied(_move_refusal(request.user, scheme, target))
    try:
        steps.scheme_move(
            scheme=scheme, target=target, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s 已进入“%(stage)s”阶段。")
            % {"name": scheme.name, "stage": procedure.Stage(target).label},
        )
    return redirect(_ranking_url(scheme, request))


@login_required
@require_POST
def compute(request, year: int):
    """Recompute the scheme's results as a task and answer at once with its page
    (计算中). A compute already queued or running for the scheme is joined. With no
    broker the task runs here, before the answer, through the same code."""
    scheme = _scheme_from_post(request, year)
    access.require_edit(request.user, scheme)
    run, created = runs.compute_run_request(scheme=scheme, by=request.user)
    if created:
        tasks.assessment_compute_run.delay(run.pk)
    return redirect("assessment_compute_run", year=scheme.year, run_id=run.pk)


@login_required
def compute_run(request, year: int, run_id: int):
    """A compute's page: 计算中 (refreshing itself every few seconds, no script)
    until done, then the ranking with its summary; a failure in Chinese, with a
    button to try again. For whoever asked for it and whoever may compute the
    scheme; 404 for anyone else."""
    run = get_object_or_404(
        ComputeRun.objects.select_related("scheme"), pk=run_id, scheme__year=year
    )
    if run.requested_by_id != request.user.pk and not access.can_edit(request.user, run.scheme):
        raise Http404
    access.require_scheme(request.user, run.scheme)
    if run.status == ComputeRun.Status.DONE:
        messages.success(
            request,
            _("已重新计算 %(units)s 个单位的考核结果，待录入 %(missing)s 项。")
            % {"units": run.units, "missing": run.missing},
        )
        return redirect(_ranking_url(run.scheme, request))
    return render(
        request,
        "assessment/compute_run.html",
        {
            "year": year,
            "run": run,
            "refresh_seconds": COMPUTE_REFRESH_SECONDS,
            "can_retry": access.can_edit(request.user, run.scheme),
            "ranking_url": _ranking_url(run.scheme, request),
        },
    )


# How often the 计算中 page reloads itself (meta refresh: the CSP allows no script).
COMPUTE_REFRESH_SECONDS = 3


def _ranking_url(scheme: AssessmentScheme, request) -> str:
    url = reverse("assessment_ranking", kwargs={"year": scheme.year}) + f"?kind={scheme.unit_kind}"
    jq = _j_query(request, scheme.jurisdiction_id)
    return f"{url}&{jq}" if jq else url
