"""Celery tasks of the printed documents: build a generated file, expire old ones.

``build_file`` is retried twice with a growing delay (``ZHUCHENG_FILE_RETRY_BACKOFF``
seconds, then twice that) after an error; after the last failure the row says
so in Chinese and the user may queue it again (see ``documents.files``).
"""

from __future__ import annotations

from celery import shared_task  # untyped: hence the type: ignore on each task
from django.conf import settings

from documents import files


@shared_task(  # type: ignore[untyped-decorator]
    bind=True,
    autoretry_for=(files.BuildFailed,),
    max_retries=2,
    retry_backoff=settings.ZHUCHENG_FILE_RETRY_BACKOFF,
    retry_backoff_max=600,
    retry_jitter=False,
)
def build_file(self, pk: int) -> None:
    files.build_row(pk, last_attempt=self.request.retries >= self.max_retries)


@shared_task  # type: ignore[untyped-decorator]
def expire_files() -> int:
    """Daily (celery beat): delete generated files older than ZHUCHENG_FILE_KEEP_DAYS."""
    return files.expire_files(settings.ZHUCHENG_FILE_KEEP_DAYS)
