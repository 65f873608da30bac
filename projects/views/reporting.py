"""Bureau staff's work list and progress reports; the review of reports by the
unit head and the mayor's office; evidence downloads. (督办单 are in
``projects.views.supervision``.)

Every view fetches and authorises through ``projects.access`` and writes
through ``projects.services``; changing requests are POST (CSRF-checked).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from common import clock
from projects import access, review
from projects.forms import BulkReviewForm, ProgressReportForm, ReturnForm
from projects.models import Evidence, IndicatorValue, Milestone, ProgressReport
from projects.services import progress
from projects.services.supervision import supervisions_by_milestone
from projects.status import Colour
from projects.timeline import milestone_timeline
from projects.views import extensions as extension_views

Review = ProgressReport.Review

REVIEW_PAGE_SIZE = 50
SUPERVISION_LIMIT = 10  # 督办单 shown on /my/; the inbox has them all


def waiting_for(review_state: str | None, reason: str | None = "") -> str:
    """What a milestone waits for, from its newest report (in words, for /my/)."""
    if review_state is None:
        return _("未填报")
    stage = review.waiting_for(review_state, head_approval=access.head_approval_on())
    if stage is not None:
        return str(review.WAITING_WORDS[stage])
    if review_state == Review.RETURNED:
        return _("已退回：%(reason)s") % {"reason": reason or ""}
    return _("已通过")


def _year_param(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


# The count chips of /my/, each a filter of the list (``?show=red``): the
# milestone's colour, and what its newest report waits for.
WORK_CHIPS = {
    "red": gettext_lazy("逾期未完成"),
    "amber": gettext_lazy("临期"),
    "late": gettext_lazy("逾期完成"),
    "returned": gettext_lazy("已退回"),
    "waiting": gettext_lazy("待审核"),
    "unreported": gettext_lazy("未填报"),
}


def _chips_of(m) -> frozenset[str]:
    """The chips of /my/ that count milestone ``m`` (its colour and review fields
    set by ``my_work``)."""
    keys = set()
    if m.current_colour is not Colour.GREEN:
        keys.add(m.current_colour.css)
    if m.latest_review == Review.RETURNED:
        keys.add("returned")
    elif m.latest_review in review.OPEN_STATES:
        keys.add("waiting")
    elif m.latest_review is None and not m.is_done:
        keys.add("unreported")
    return frozenset(keys)


@login_required
def my_work(request):
    """The unit's milestones of the year: overdue first, then due soon, then the rest."""
    if not access.has_work_list(request.user):
        return redirect("review" if access.can_open_review(request.user) else "home")
    today = clock.today()
    year = _year_param(request, today.year)
    milestones = list(
        access.visible_milestones(request.user, Milestone.objects.for_year(year))
        .for_list()
        .with_latest_report()
        .by_urgency(today)
    )
    extension_views.mark_open_requests(milestones)
    open_items = supervisions_by_milestone([m.pk for m in milestones])
    for m in milestones:
        m.open_supervisions = open_items.get(m.pk, [])
        m.current_colour = m.colour(today)
        if m.is_done and m.latest_review is None:
            m.waiting = _("已完成")  # set in the admin or loaded, without a report
        else:
            m.waiting = waiting_for(m.latest_review, m.latest_reason)
        m.in_review = m.latest_review in review.OPEN_STATES
        m.can_report = access.can_report(request.user, m) and not m.project.plan.is_closed
        m.chips = _chips_of(m)
    counts = {key: sum(key in m.chips for m in milestones) for key in WORK_CHIPS}
    all_count = len(milestones)
    show = request.GET.get("show", "")
    if show in WORK_CHIPS:
        milestones = [m for m in milestones if show in m.chips]
    else:
        show = ""
    base: dict[str, int | str] = {"year": year} if "year" in request.GET else {}
    chips = [
        {
            "key": key,
            "label": label,
            "css": key if key in ("red", "amber", "late") else "",
            "count": counts[key],
            "query": urlencode({**base, "show": key}),
        }
        for key, label in WORK_CHIPS.items()
    ]
    return render(
        request,
        "projects/my_work.html",
        {
            "milestones": milestones,
            "today": today,
            "year": year,
            "unit": access.user_unit(request.user),
            "counts": counts,
            "chips": chips,
            "show": show,
            "all_query": urlencode(base),
            "all_count": all_count,
            "years": [year - 1, year, year + 1],
            "supervisions": list(
                access.supervision_waiting(request.user)
                .for_list()
                .order_by("answer_due", "pk")[:SUPERVISION_LIMIT]
            ),
        },
    )


def _values_prefetch() -> Prefetch:
    return Prefetch("indicator_values", queryset=IndicatorValue.objects.select_related("indicator"))


def _reports_for_page(milestone: Milestone):
    return milestone.reports.select_related(
        "author", "head_approved_by", "reviewed_by"
    ).prefetch_related("evidence", _values_prefetch())


def _milestone_context(request, milestone: Milestone) -> dict:
    reports = list(_reports_for_page(milestone))
    extension_part = extension_views.milestone_extensions(request.user, milestone)
    return {
        **extension_part,
        "milestone": milestone,
        "colour": milestone.colour(),
        "reports": reports,
        "timeline": milestone_timeline(milestone, reports, extension_part["extensions"]),
        "can_report": access.can_report(request.user, milestone),
        "supervisions": list(
            access.visible_supervisions(request.user)
            .filter(milestones=milestone)
            .select_related("level", "unit")
            .order_by("-sent_at", "-pk")
        ),
        "can_send_supervision": access.can_send_supervision_on(request.user, milestone),
        "closed": milestone.project.plan.is_closed,
        "today": clock.today(),
    }


@login_required
def milestone_detail(request, pk: int):
    milestone = access.get_milestone(request.user, pk, queryset=Milestone.objects.for_list())
    context = _milestone_context(request, milestone)
    return render(request, "projects/milestone_detail.html", context)


def _latest_report_id(milestone: Milestone) -> int | None:
    return milestone.reports.order_by("-created_at", "-pk").values_list("pk", flat=True).first()


@login_required
@require_http_methods(["GET", "POST"])
def milestone_report(request, pk: int):
    """GET: the report form with the milestone's history. POST: submit a report."""
    milestone = access.get_milestone(
        request.user, pk, for_report=True, queryset=Milestone.objects.for_list()
    )
    indicators = progress.milestone_indicators(milestone)
    newer_report = None
    if request.method == "POST":
        form = ProgressReportForm(
            request.POST, request.FILES, milestone=milestone, indicators=indicators
        )
        if form.is_valid():
            try:
                progress.progress_report_submit(
                    milestone=milestone,
                    author=request.user,
                    status=form.cleaned_data["status"],
                    percent=form.cleaned_data["percent"],
                    narrative=form.cleaned_data["narrative"],
                    done_date=form.cleaned_data["done_date"],
                    indicator_values=form.indicator_values(),
                    files=form.cleaned_data["evidence"],
                    seen_report=form.cleaned_data.get("seen_report"),
                    confirm_newer=form.cleaned_data["confirm_newer"],
                )
            except progress.NewerReportError as exc:
                # Someone reported on this milestone since the form was opened (the
                # service checked under the milestone's lock). Reports are append-only,
                # so nothing would be overwritten; still, make the clerk look before
                # adding another one. Their input stays in the form.
                newer_report = exc.report
                data = request.POST.copy()
                data["seen_report"] = str(newer_report.pk)
                form = ProgressReportForm(
                    data, request.FILES, milestone=milestone, indicators=indicators
                )
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "在您填写期间，%(who)s 已于 %(when)s 提交了该节点的新填报（见下方记录）。"
                        "您填写的内容仍在表单中；请核对后勾选“仍要提交”再提交，附件需重新选择。"
                    )
                    % {
                        "who": newer_report.author.get_full_name()
                        or newer_report.author.get_username(),
                        "when": f"{timezone.localtime(newer_report.created_at):%Y-%m-%d %H:%M}",
                    },
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("进展已提交，等待审核。"))
                return redirect("milestone_detail", pk=milestone.pk)
    else:
        form = ProgressReportForm(
            initial={
                "status": milestone.status,
                "percent": milestone.percent,
                "done_date": milestone.done_date,
                "seen_report": _latest_report_id(milestone),
            },
            milestone=milestone,
            indicators=indicators,
        )
    context = _milestone_context(request, milestone)
    context.update(form=form, newer_report=newer_report)
    return render(request, "projects/milestone_report.html", context)


@login_required
def evidence_download(request, pk: int):
    """An evidence file, to users who may read its milestone; never inline."""
    item: Evidence = access.get_evidence(request.user, pk)
    return attachment_response(item.file, item.original_name, item.content_type)


def attachment_response(file, name: str, content_type: str) -> FileResponse:
    """A stored file as a download: never shown inline, never sniffed, sandboxed."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def review_list(request):
    """Reports waiting for this user's decision, oldest first, with the bulk form."""
    return _render_review_list(request, BulkReviewForm())


def _render_review_list(request, bulk_form: BulkReviewForm, *, status: int = 200):
    reports = (
        access.reports_to_review(request.user)
        .for_list()
        .select_related("milestone__subitem__project")
        .order_by("created_at", "pk")
    )
    page = Paginator(reports, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    as_head = not access.can_review(request.user)
    checked = set(bulk_form.cleaned_data.get("report", ())) if bulk_form.is_bound else set()
    for r in page:
        r.checked = r.pk in checked
    return render(
        request,
        "projects/review_list.html",
        {
            "page": page,
            "as_head": as_head,
            "head_approval": access.head_approval_on(),
            "bulk_form": bulk_form,
            "extension_page": extension_views.review_page(request),
        },
        status=status,
    )


@login_required
@require_http_methods(["POST"])
def review_bulk(request):
    """Pass or return the ticked reports on /review/, each as if decided singly.

    A return without a reason (or nothing ticked) is refused next to the field and
    nothing changes. Otherwise every report goes through the single-decision
    service; those the user may not decide are named in a message, the rest are
    decided.
    """
    if not access.can_open_review(request.user):
        raise PermissionDenied
    form = BulkReviewForm(request.POST)
    if not form.is_valid():
        return _render_review_list(request, form)
    ids = form.cleaned_data["report"]
    found = {
        r.pk: r
        for r in access.visible_reports(request.user, ProgressReport.objects.for_list()).filter(
            pk__in=ids
        )
    }
    reports = [found[pk] for pk in dict.fromkeys(ids) if pk in found]
    outcome = progress.progress_reports_decide_bulk(
        reports=reports,
        user=request.user,
        verdict=form.cleaned_data["verdict"],
        reason=form.cleaned_data["reason"],
    )
    if outcome.decided:
        if form.cleaned_data["verdict"] == "return":
            done = ngettext("已退回 %(n)d 份填报。", "已退回 %(n)d 份填报。", len(outcome.decided))
        else:
            done = ngettext("已通过 %(n)d 份填报。", "已通过 %(n)d 份填报。", len(outcome.decided))
        messages.success(request, done % {"n": len(outcome.decided)})
    for report, why in outcome.refused:
        messages.error(
            request,
            _("未处理“%(milestone)s”（%(author)s 填报）：%(why)s")
            % {
                "milestone": report.milestone.name,
                "author": report.author.get_full_name() or report.author.get_username(),
                "why": why,
            },
        )
    missing = len(set(ids) - set(found))
    if missing:
        messages.error(
            request,
            ngettext(
                "有 %(n)d 份所选填报不存在或不在您的查看范围内，未处理。",
                "有 %(n)d 份所选填报不存在或不在您的查看范围内，未处理。",
                missing,
            )
            % {"n": missing},
        )
    return redirect("review")


_DONE_MESSAGES = {
    review.Action.APPROVE: gettext_lazy("已审核通过，报送市政府办公室。"),
    review.Action.ACCEPT: gettext_lazy("已审核通过。"),
    review.Action.RETURN: gettext_lazy("已退回填报单位。"),
}


@login_required
@require_http_methods(["GET", "POST"])
def report_review(request, pk: int):
    """One report with its decision forms. POST ``action``: approve / accept / return.

    The page offers the actions the state machine allows this user
    (``access.review_actions``). A decision the user already took, or one that
    another took first (a double click, two tabs), is answered with a message
    and the page again, not an error; an action the user may not take is a 403.
    """
    queryset = (
        ProgressReport.objects.for_list()
        .select_related("head_approved_by", "reviewed_by", "milestone__subitem__person")
        .prefetch_related("evidence", _values_prefetch())
    )
    report = access.get_report_for_review(request.user, pk, queryset=queryset)
    return_form = ReturnForm()
    if request.method == "POST":
        try:
            action = review.Action(request.POST.get("action", ""))
        except ValueError as exc:
            raise PermissionDenied from exc
        refusal = access.review_refusal(request.user, report, action)
        if refusal is review.Refusal.SETTLED:
            messages.info(
                request, review.refusal_message(refusal, report.get_review_state_display())
            )
            return redirect("report_review", pk=report.pk)
        if refusal is not None:
            raise PermissionDenied
        reason: str | None = ""
        if action is review.Action.RETURN:
            return_form = ReturnForm(request.POST)
            reason = return_form.cleaned_data["reason"] if return_form.is_valid() else None
        if reason is not None:
            try:
                progress.progress_report_decide(
                    report=report, user=request.user, action=action, reason=reason
                )
            except progress.ReviewStateError as exc:
                # Decided by someone else meanwhile (the service checks under the lock).
                messages.info(request, exc.messages[0])
                return redirect("report_review", pk=report.pk)
            messages.success(request, _DONE_MESSAGES[action])
            return redirect("review")
    milestone = report.milestone
    allowed = access.review_actions(request.user, report)
    return render(
        request,
        "projects/review_detail.html",
        {
            "report": report,
            "milestone": milestone,
            "colour": milestone.colour(),
            "allowed": {a.value for a in allowed},
            "own_report": report.author_id == request.user.pk,
            "return_form": return_form,
            "earlier": milestone.reports.exclude(pk=report.pk)
            .select_related("author")
            .prefetch_related("evidence", _values_prefetch())
            .order_by("-created_at", "-pk")[:10],
            "back": reverse("review"),
        },
    )
