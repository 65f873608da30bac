"""延期申请 pages: a clerk or head asks to move a milestone's due date
(``/milestones/<pk>/extension/``); the unit head and the mayor's office decide on
``/extensions/<pk>/``, which other readers of the milestone see read-only; the
requests waiting for a user are listed on ``/review/``, those of a milestone on
its page.

Every view fetches and authorises through ``projects.access`` and writes through
``projects.services.extensions``; changing requests are POST (CSRF-checked).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from common import clock
from projects import access, review
from projects.forms import ExtensionRefuseForm, ExtensionRequestForm
from projects.models import DeadlineExtension, Milestone
from projects.services import extensions

REVIEW_PAGE_SIZE = 50
OPEN_WORDS = gettext_lazy("延期申请审批中")


def _for_page():
    """A request with what its page shows (the milestone head and the people)."""
    return DeadlineExtension.objects.for_list().select_related(
        "milestone__subitem__person", "head_approved_by", "reviewed_by"
    )


# --- Pieces of other pages (the milestone page, /my/, /review/) ----------------------------


def milestone_extensions(user, milestone: Milestone) -> dict:
    """The milestone page's part: its requests (newest first), whether the user may
    ask now, and why not. Two queries."""
    requests = list(
        milestone.extensions.select_related("requested_by", "head_approved_by", "reviewed_by")
    )
    may_ask = access.can_request_extension(user, milestone)
    blockers = extensions.request_blockers(milestone, today=clock.today()) if may_ask else []
    waiting = any(e.review_state in review.OPEN_STATES for e in requests)
    return {
        "extensions": requests,
        "can_request_extension": may_ask and not blockers and not waiting,
    }


def mark_open_requests(milestones: Iterable[Milestone]) -> None:
    """Set ``extension_open`` on each milestone (for /my/): whether a request on it
    waits for a decision. One query."""
    milestones = list(milestones)
    waiting = set(
        DeadlineExtension.objects.filter(milestone__in=[m.pk for m in milestones])
        .waiting_for_review()
        .values_list("milestone_id", flat=True)
    )
    for m in milestones:
        m.extension_open = m.pk in waiting  # type: ignore[attr-defined]


def review_page(request) -> Page:
    """The requests waiting for the user's decision, oldest first (for /review/;
    403 for users with no review role)."""
    waiting = (
        access.extensions_to_review(request.user)
        .for_list()
        .select_related("milestone__subitem__project")
        .order_by("created_at", "pk")
    )
    return Paginator(waiting, REVIEW_PAGE_SIZE).get_page(request.GET.get("extensions_page"))


# --- Asking -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def milestone_extension(request, pk: int):
    """GET: the request form (or why no request can be made now). POST: ask."""
    milestone = access.get_milestone(
        request.user,
        pk,
        queryset=Milestone.objects.for_list(),
    )
    if not access.can_request_extension(request.user, milestone):
        raise PermissionDenied
    today = clock.today()
    waiting = extensions.open_extension(milestone)
    if request.method == "POST":
        form = ExtensionRequestForm(request.POST)
        if form.is_valid():
            try:
                extension = extensions.extension_request(
                    milestone=milestone,
                    user=request.user,
                    new_due_date=form.cleaned_data["new_due_date"],
                    reason=form.cleaned_data["reason"],
                    progress=form.cleaned_data["progress"],
                )
            except extensions.OpenExtensionError as exc:
                waiting = exc.extension
                form.add_error(None, exc)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if extension.route_note:
                    messages.success(
                        request,
                        _("延期申请已提交。%(note)s。")
                        % {"note": extension.get_route_note_display()},
                    )
                else:
                    messages.success(request, _("延期申请已提交，等待单位负责人审核。"))
                return redirect("extension_detail", pk=extension.pk)
    else:
        form = ExtensionRequestForm()
    return render(
        request,
        "projects/extension_request.html",
        {
            "milestone": milestone,
            "colour": milestone.colour(),
            "closed": milestone.project.plan.is_closed,
            "form": form,
            "blockers": extensions.request_blockers(milestone, today=today),
            "waiting": waiting,
            "today": today,
        },
    )


# --- Deciding -----------------------------------------------------------------------------

_DONE_MESSAGES = {
    review.Action.APPROVE: gettext_lazy("已同意延期，报送市政府办公室审批。"),
    review.Action.ACCEPT: gettext_lazy("已批准延期，节点完成时限已调整。"),
    review.Action.RETURN: gettext_lazy("已不予批准，申请单位将看到理由。"),
}


@login_required
@require_http_methods(["GET", "POST"])
def extension_detail(request, pk: int):
    """One request: with its decision forms for whoever may decide on it now,
    read-only for the other readers of its milestone. POST ``action``: approve
    (the head) / accept (the office) / return (either; with a reason).

    A decision already taken (a double click, two tabs, a colleague first) is
    answered with a message and the page again; one the user may not take (their
    own request, or not their turn) with a message and nothing changed (403); a
    user with no review role for it gets a 403.
    """
    refuse_form = ExtensionRefuseForm()
    status = 200
    if request.method == "POST":
        extension = access.get_extension_for_review(request.user, pk, queryset=_for_page())
        try:
            action = review.Action(request.POST.get("action", ""))
        except ValueError as exc:
            raise PermissionDenied from exc
        refusal = access.extension_refusal(request.user, extension, action)
        if refusal is review.Refusal.SETTLED:
            messages.info(request, extensions.refusal_message(refusal, extension, request.user))
            return redirect("extension_detail", pk=extension.pk)
        if refusal is not None:
            messages.error(request, extensions.refusal_message(refusal, extension, request.user))
            status = 403
        else:
            reason: str | None = ""
            if action is review.Action.RETURN:
                refuse_form = ExtensionRefuseForm(request.POST)
                reason = refuse_form.cleaned_data["reason"] if refuse_form.is_valid() else None
            if reason is not None:
                try:
                    extensions.extension_decide(
                        extension=extension, user=request.user, action=action, reason=reason
                    )
                except extensions.ExtensionStateError as exc:
                    # Decided by someone else meanwhile (the service checks under the lock).
                    messages.info(request, exc.messages[0])
                    return redirect("extension_detail", pk=extension.pk)
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                    return redirect("extension_detail", pk=extension.pk)
                messages.success(request, _DONE_MESSAGES[action])
                return redirect("review")
    else:
        extension = access.get_extension(request.user, pk, queryset=_for_page())
    milestone = extension.milestone
    allowed = access.extension_actions(request.user, extension)
    stage = review.waiting_for(extension.review_state, head_approval=access.head_approval_on())
    return render(
        request,
        "projects/extension_detail.html",
        {
            "extension": extension,
            "milestone": milestone,
            "colour": milestone.colour(),
            "closed": milestone.project.plan.is_closed,
            "allowed": {a.value for a in allowed},
            "own_request": extension.requested_by_id == request.user.pk,
            "waiting_words": review.WAITING_WORDS[stage] if stage else "",
            "refuse_form": refuse_form,
            "can_open_review": access.can_open_review(request.user),
        },
        status=status,
    )
