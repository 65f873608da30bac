"""The assessment compute as a task: the page answers at once with 计算中 and a
worker computes (``assessment.services.runs``). With no broker configured the task
runs eagerly inside the request, through the same code."""

from __future__ import annotations

from celery import shared_task

from assessment.services import runs

# A scheme that cannot be computed fails the run at once (``compute_run_execute``);
# anything else (a lost database connection, a deadlock) is tried twice more.
RETRIES = 2


@shared_task(bind=True, max_retries=RETRIES, acks_late=True)  # type: ignore[untyped-decorator]
def assessment_compute_run(self, run_id: int) -> None:
    """Compute the scheme of ``ComputeRun`` ``run_id``; on the last failed attempt
    the run is marked failed, with a message in Chinese, for the page to show."""
    try:
        runs.compute_run_execute(run_id=run_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            runs.compute_run_fail(run_id=run_id, exc=exc)
            return
        runs.compute_run_requeue(run_id=run_id)
        if self.request.is_eager:
            # No broker: Celery would raise its Retry out of the request
            # (CELERY_TASK_EAGER_PROPAGATES); the next attempt runs here instead.
            self.apply(args=(run_id,), retries=self.request.retries + 1)
            return
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


def _backoff(retries: int) -> int:
    """Seconds before the next attempt: 5, 25 (none when run eagerly)."""
    return 5 ** (retries + 1)
