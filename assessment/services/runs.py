"""Computing a scheme as a task: the request (which joins one already queued or
running), the run itself, and its failure, kept in ``ComputeRun`` for the page
that says 计算中. The task (``assessment.tasks``) calls these; so do the tests.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assessment.models import AssessmentScheme, ComputeRun
from assessment.services import _require_editable, assessment_compute
from common import clock

logger = logging.getLogger(__name__)


def compute_run_request(*, scheme: AssessmentScheme, by) -> tuple[ComputeRun, bool]:
    """A compute of ``scheme`` asked for by ``by``: the run already queued or running
    for it (joined, ``False``), else a new queued run (``True``: enqueue it).
    Raises ``PermissionDenied`` when ``by`` may not compute the scheme now."""
    _require_editable(scheme, by)
    active = ComputeRun.objects.filter(scheme=scheme, status__in=ComputeRun.ACTIVE).first()
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            return ComputeRun.objects.create(scheme=scheme, requested_by=by), True
    except IntegrityError:
        # Another request created it between the check and the insert: join that one.
        return ComputeRun.objects.get(scheme=scheme, status__in=ComputeRun.ACTIVE), False


def compute_run_execute(*, run_id: int) -> ComputeRun | None:
    """Run the compute of a queued run. A run already finished is left alone (a task
    delivered twice). A scheme that cannot be computed (wrong weights, a stage that
    no longer allows it) fails the run with the reason in Chinese; any other error
    is raised for the task to retry (see :func:`compute_run_fail`)."""
    run = ComputeRun.objects.select_related("scheme", "requested_by").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return run
    run.status, run.started_at, run.attempts = (
        ComputeRun.Status.RUNNING,
        clock.now(),
        run.attempts + 1,
    )
    run.save(update_fields=["status", "started_at", "attempts"])
    try:
        summary = assessment_compute(scheme=run.scheme, by=run.requested_by)
    except ValidationError as exc:
        return _finish(run, error=_("考核办法有误，未能计算：") + "；".join(exc.messages))
    except PermissionDenied as exc:
        return _finish(run, error=str(exc) or _("当前阶段不能重新计算考核结果。"))
    run.units, run.missing = summary.units, summary.missing
    return _finish(run)


def compute_run_fail(*, run_id: int, exc: BaseException) -> None:
    """The run failed for good (retries used up): record it for the page, in Chinese."""
    logger.error("assessment compute run %s failed", run_id, exc_info=exc)
    run = ComputeRun.objects.filter(pk=run_id).first()
    if run is not None and run.is_active:
        _finish(
            run,
            error=_("计算过程中出现系统错误，已重试仍未成功。请稍后重新计算，或联系系统管理员。"),
        )


def _finish(run: ComputeRun, *, error: str = "") -> ComputeRun:
    run.status = ComputeRun.Status.FAILED if error else ComputeRun.Status.DONE
    run.error, run.finished_at = error, clock.now()
    run.save(update_fields=["status", "error", "finished_at", "units", "missing"])
    return run


def compute_run_requeue(*, run_id: int) -> None:
    """The attempt failed and will be tried again: the run waits in the queue."""
    ComputeRun.objects.filter(pk=run_id, status=ComputeRun.Status.RUNNING).update(
        status=ComputeRun.Status.QUEUED
    )
