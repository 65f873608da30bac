"""督办 pages: the inbox (a unit's 督办单, or all of them for the mayor's office),
one 督办单 with the steps its reader may take now, the send page (one milestone,
a selection, or a whole filtered list; one 督办单 per unit), and the answer's
evidence files.

Every view fetches and authorises through ``projects.access`` and writes through
``projects.services.supervision``; steps are POST (CSRF-checked).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from common import clock
from common.params import MAX_ID, BadParameter
from projects import access, supervision
from projects.filters import milestone_filterset
from projects.forms import (
    SupervisionAnswerForm,
    SupervisionCloseForm,
    SupervisionEscalateForm,
    SupervisionLevelFormSet,
    SupervisionSendForm,
)
from projects.models import MailDelivery, Milestone, Supervision, SupervisionLevel
from projects.services import supervision as service
from projects.views.reporting import attachment_response

PAGE_SIZE = 50
# The most milestones one send page takes (a whole filtered list included).
SEND_MAX = 500

Action = supervision.Action
State = supervision.State

TABS = {
    "todo": gettext_lazy("待处理"),
    "late": gettext_lazy("逾期未签收/未反馈"),
    "open": gettext_lazy("未办结"),
    "done": gettext_lazy("已办结/已升级"),
    "all": gettext_lazy("全部"),
}


def _milestones_prefetch() -> Prefetch:
    return Prefetch(
        "milestones",
        queryset=Milestone.objects.select_related("project", "subitem").order_by("due_date", "pk"),
    )


@login_required
def supervision_inbox(request):
    """``/supervision/``: the 督办单 the user may read. Tabs: waiting for the
    user's side (default), past a deadline, open, done, all."""
    if not access.has_supervision_inbox(request.user):
        raise PermissionDenied
    tab = request.GET.get("tab", "todo")
    if tab not in TABS:
        tab = "todo"
    items = access.visible_supervisions(request.user).for_list()
    if tab == "todo":
        items = access.supervision_waiting(request.user, items)
    elif tab == "late":
        items = items.filter(supervision.escalation_due_q(clock.today()))
    elif tab == "open":
        items = items.open()
    elif tab == "done":
        items = items.exclude(state__in=sorted(supervision.OPEN_STATES))
    page = Paginator(
        items.prefetch_related(_milestones_prefetch()).order_by("-sent_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    today = clock.today()
    for item in page:
        item.ack_is_late = item.ack_late(today)
        item.answer_is_late = item.answer_late(today)
        item.next_action = _next_action(access.supervision_actions(request.user, item))
    return render(
        request,
        "projects/supervision_inbox.html",
        {
            "page": page,
            "tab": tab,
            "tabs": TABS,
            "today": today,
            "is_office": access.can_send_supervision(request.user),
            "waiting": access.supervision_waiting(request.user).count(),
        },
    )


# The one action an inbox card offers, in the order the work goes.
_CARD_ACTIONS = (
    supervision.Action.ACKNOWLEDGE,
    supervision.Action.ANSWER,
    supervision.Action.CLOSE,
)


def _next_action(allowed) -> str:
    """The action the inbox card offers (a value of ``Action``, or "" for none)."""
    return next((a.value for a in _CARD_ACTIONS if a in allowed), "")


def _detail_context(request, item: Supervision, **forms) -> dict:
    today = clock.today()
    allowed = access.supervision_actions(request.user, item)
    # Earlier 督办单 to the unit about any of these milestones (the escalation chain
    # included): one query whatever their number.
    earlier = list(
        Supervision.objects.filter(
            unit_id=item.unit_id,
            milestones__in=item.milestones.values("pk"),
            sent_at__lt=item.sent_at,
        )
        .exclude(pk=item.pk)
        .select_related("level")
        .distinct()
        .order_by("-sent_at", "-pk")
    )
    successor = Supervision.objects.filter(previous=item).select_related("level").first()
    next_level = item.level.next_level() if Action.ESCALATE in allowed else None
    return {
        "item": item,
        "milestones": list(item.milestones.select_related("project", "subitem", "unit")),
        "files": list(item.files.all()),
        "allowed": {a.value for a in allowed},
        "answer_form": forms.get("answer_form") or SupervisionAnswerForm(),
        "close_form": forms.get("close_form") or SupervisionCloseForm(),
        "escalate_form": forms.get("escalate_form") or SupervisionEscalateForm(),
        "next_level": next_level,
        "earlier": earlier,
        "successor": successor,
        "today": today,
        "ack_is_late": item.ack_late(today),
        "answer_is_late": item.answer_late(today),
        "is_office": access.can_send_supervision(request.user),
    }


_DONE = {
    Action.ACKNOWLEDGE: gettext_lazy("已签收。请在反馈时限前反馈办理情况。"),
    Action.ANSWER: gettext_lazy("反馈已提交，等待市政府办公室办结。"),
    Action.CLOSE: gettext_lazy("督办单已办结（销号）。"),
}


@login_required
@require_http_methods(["GET", "POST"])
def supervision_detail(request, pk: int):
    """One 督办单. POST ``action``: acknowledge / answer / close / escalate.

    A step already taken (a double click, or a colleague was quicker) is answered
    with a message and the page again; a step the user's side does not take is 403.
    """
    item = access.get_supervision(
        request.user,
        pk,
        queryset=Supervision.objects.for_list().select_related(
            "acknowledged_by", "answered_by", "closed_by", "previous__level"
        ),
    )
    forms: dict = {}
    if request.method == "POST":
        try:
            action = Action(request.POST.get("action", ""))
        except ValueError as exc:
            raise BadParameter(_("参数“操作”无效。")) from exc
        if not access.may_act_on_supervision(request.user, item, action):
            raise PermissionDenied
        try:
            if action is Action.ACKNOWLEDGE:
                service.supervision_acknowledge(item=item, user=request.user)
            elif action is Action.ANSWER:
                answer = SupervisionAnswerForm(request.POST, request.FILES)
                forms["answer_form"] = answer
                if answer.is_valid():
                    service.supervision_answer(
                        item=item,
                        user=request.user,
                        text=answer.cleaned_data["answer"],
                        files=answer.cleaned_data["evidence"],
                    )
            elif action is Action.CLOSE:
                close = SupervisionCloseForm(request.POST)
                forms["close_form"] = close
                if close.is_valid():
                    service.supervision_close(
                        item=item, user=request.user, note=close.cleaned_data["note"]
                    )
            else:
                escalate = SupervisionEscalateForm(request.POST)
                forms["escalate_form"] = escalate
                if escalate.is_valid():
                    successor = service.supervision_escalate(
                        item=item,
                        user=request.user,
                        note=escalate.cleaned_data["note"],
                        text=escalate.cleaned_data["text"],
                    )
                    messages.success(
                        request,
                        _("已升级为%(level)s单并发送至%(unit)s。")
                        % {"level": successor.level.name, "unit": successor.unit.name},
                    )
                    _tell_delivery(request, [successor])
                    return redirect("supervision_detail", pk=successor.pk)
        except service.SupervisionStateError as exc:
            messages.info(request, exc.messages[0])
            return redirect("supervision_detail", pk=item.pk)
        except ValidationError as exc:
            # TopOfLadder, and the services' own checks of what the forms let through.
            target = forms.get(f"{action.value}_form")
            if target is not None:
                target.add_error(None, exc)
            else:
                messages.error(request, exc.messages[0])
                return redirect("supervision_detail", pk=item.pk)
        else:
            if all(f.is_valid() for f in forms.values()):
                messages.success(request, _DONE[action])
                return redirect("supervision_detail", pk=item.pk)
        item.refresh_from_db()
    return render(
        request, "projects/supervision_detail.html", _detail_context(request, item, **forms)
    )


def _tell_delivery(request, items) -> None:
    """Tell the office which units got no e-mail, and which e-mails failed."""
    none = [i.unit.name for i in items if i.delivery == MailDelivery.Delivery.NO_RECIPIENT]
    failed = [i for i in items if i.delivery == MailDelivery.Delivery.FAILED]
    if none:
        messages.warning(
            request,
            _("%(units)s没有填写邮箱的填报员或负责人，未发邮件：督办单只在平台内可见，请电话通知。")
            % {"units": "、".join(none)},
        )
    for item in failed:
        messages.error(
            request,
            _("给%(unit)s的邮件未发出：%(reason)s。督办单已记录，系统将在每日任务中重发。")
            % {"unit": item.unit.name, "reason": item.delivery_error},
        )


def _milestone_ids(data) -> list[int]:
    ids = []
    for raw in data.getlist("m"):
        text = str(raw).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:
            raise BadParameter(_("参数“进度节点”应为整数。"))
        ids.append(int(text))
    return sorted(set(ids))


def _chosen_milestones(request, data) -> list[Milestone]:
    """The milestones a send page is about: ``m=`` ids, or (``all=1``) every
    milestone of the filtered list the page came from. 404 for an id the user may
    not read."""
    if data.get("all"):
        filterset = milestone_filterset(request, data)
        chosen = list(filterset.qs[: SEND_MAX + 1])
    else:
        ids = _milestone_ids(data)
        chosen = list(
            access.visible_milestones(request.user)
            .filter(pk__in=ids)
            .select_related("project__plan", "subitem", "unit")
        )
        if len(chosen) != len(ids):
            raise Http404
    return chosen


@login_required
@require_http_methods(["GET", "POST"])
def supervision_new(request):
    """``/supervision/new/``: send 督办单 (office only). GET previews, per unit,
    what would be sent, who would get the e-mail (and which units nobody), and
    what was sent at the same level today; POST sends."""
    if not access.can_send_supervision(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    chosen = _chosen_milestones(request, data)
    too_many = len(chosen) > SEND_MAX
    chosen = chosen[:SEND_MAX]
    form = SupervisionSendForm(request.POST if request.method == "POST" else None)
    level = None
    if request.method == "POST" and form.is_valid() and not too_many:
        level = form.cleaned_data["level"]
        try:
            items = service.supervision_send(
                milestones=chosen,
                level=level,
                sender=request.user,
                text=form.cleaned_data["text"],
                answer_due=form.cleaned_data["answer_due"],
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已向%(n)s个单位发出%(level)s单（%(m)s个进度节点）。")
                % {"n": len(items), "level": level.name, "m": sum(1 for _ in chosen)},
            )
            _tell_delivery(request, items)
            if len(items) == 1:
                return redirect("supervision_detail", pk=items[0].pk)
            return redirect(reverse("supervision_inbox") + "?tab=open")
    if level is None:
        level = form.fields["level"].queryset.first()  # type: ignore[attr-defined]
        if form.is_bound and form.is_valid():
            level = form.cleaned_data["level"]
    batches = service.supervision_preview(milestones=chosen, level=level) if chosen else []
    return render(
        request,
        "projects/supervision_new.html",
        {
            "form": form,
            "batches": batches,
            "chosen": chosen,
            "too_many": too_many,
            "send_max": SEND_MAX,
            "level": level,
            "no_levels": level is None,
            "sendable": sum(len(b.milestones) for b in batches),
            "duplicates": any(b.duplicates for b in batches),
            "today": clock.today(),
        },
    )


@login_required
def supervision_file(request, pk: int):
    """An answer's evidence file, to users who may read the 督办单; never inline."""
    item = access.get_supervision_file(request.user, pk)
    return attachment_response(item.file, item.original_name, item.content_type)


@login_required
@require_http_methods(["GET", "POST"])
def supervision_levels(request):
    """``/supervision/levels/``: the office sets its 督办 ladder (names, colours,
    deadlines, escalation by rule). Levels are switched off, never deleted."""
    if not access.can_send_supervision(request.user):
        raise PermissionDenied
    queryset = SupervisionLevel.objects.order_by("rank", "pk")
    if request.method == "POST":
        formset = SupervisionLevelFormSet(request.POST, queryset=queryset)
        if formset.is_valid():
            service.supervision_levels_save(formset=formset, user=request.user)
            messages.success(request, _("督办级别已保存。"))
            return redirect("supervision_levels")
    else:
        formset = SupervisionLevelFormSet(queryset=queryset)
    return render(request, "projects/supervision_levels.html", {"formset": formset})
