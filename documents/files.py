"""The file store: generated files built by a task and kept in the default storage.

    row = file_request(kind=..., params=...)   # the file for the current data, or its build
    row.status                         # queued → running → done | failed

A *kind* (see :func:`register`) says how to build a file from its parameters
and which year's data it prints. :func:`file_request` computes the data version
(:func:`current_version`, the one place it is computed), hashes it with the
kind, the parameters, the language and the layout version into the row's
``key``, and gets or creates that row. The unique key makes an identical
request *join* the build already queued or running, in any process; a change
in the data gives a new key, so a file built for older data is never served.

The build runs as the Celery task ``documents.tasks.build_file``: on a worker
when a broker is configured, in the calling process when not (``make run``,
most tests; same task, same builder). Parameters whose name starts with ``_``
are given to the builder but are not part of the file's identity (who asked).
Once a version is done, the older versions of the same kind and parameters are
deleted (file and row); ``expire_files`` removes whatever is older than N days.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable

from celery.exceptions import Retry
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import clock
from documents.builders import ReportNotFound
from documents.cache import LAYOUT_VERSION, PRINTS, data_version, report_version
from documents.models import GeneratedFile
from documents.render import RenderedPdf

logger = logging.getLogger(__name__)

Status = GeneratedFile.Status

# A build queued or running for longer than this is taken for lost and queued again
# by the next request for it. (A worker that dies mid-task is covered first by
# acks_late: Redis hands the message out again after its visibility timeout, 1 h.)
STALE_AFTER = dt.timedelta(hours=2)


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    build: Callable[[dict], RenderedPdf]  # params → the file; raises ReportNotFound for bad params
    year: Callable[[dict], int]  # the year whose data the file prints (its data version)
    suffix: str = ".pdf"
    content_type: str = "application/pdf"
    attachment: bool = False  # served as a download rather than shown inline
    # What else the file prints that the year's data version does not cover.
    extra_version: Callable[[dict], str] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def current_version(kind: str, params: dict) -> str | None:
    """The data version a file of ``kind`` for ``params`` must carry; None when
    the jurisdiction it prints (``params["j"]``) has no plan for its year.
    The ONE place the data version is computed."""
    spec = KINDS[kind]
    # The PDFs by what each report prints; the list exports by their plan's.
    if kind in PRINTS:
        version = report_version(kind, params)
    else:
        version = data_version(spec.year(params), params.get("j"))
    if version is None or spec.extra_version is None:
        return version
    return _digest(version, spec.extra_version(params))[:16]


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _with_context(params: dict) -> dict:
    """``params`` plus what every build depends on: the language and today."""
    return {
        **params,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "today": clock.today().isoformat(),
    }


def file_request(*, kind: str, params: dict) -> GeneratedFile:
    """The row of the file of ``kind`` for ``params`` in the current data version:
    done, or queued (its build enqueued once the row is committed), or joined
    while another request's build runs, or failed. ``params`` must be JSON values.

    Raises :class:`ReportNotFound` when the year has no plan.
    """
    spec = KINDS[kind]
    params = _with_context(params)
    version = current_version(kind, params)
    if version is None:
        raise ReportNotFound(_("没有 %(year)s 年度的责任制文件。") % {"year": spec.year(params)})
    identity = json.dumps(
        {k: v for k, v in params.items() if not k.startswith("_")}, sort_keys=True
    )
    family = _digest(LAYOUT_VERSION, kind, identity)
    key = _digest(family, version)
    row, created = GeneratedFile.objects.get_or_create(
        key=key, defaults={"family": family, "kind": kind, "params": params}
    )
    if created:
        _enqueue(row)
    elif row.pending and row.updated_at < timezone.now() - STALE_AFTER:
        logger.warning(
            "generated file %s was %s since %s: queued again", row.pk, row.status, row.updated_at
        )
        if GeneratedFile.objects.filter(pk=row.pk, updated_at=row.updated_at).update(
            status=Status.QUEUED, updated_at=timezone.now()
        ):
            _enqueue(row)
    return row


def file_retry(*, row: GeneratedFile) -> GeneratedFile:
    """Queue a failed file again (the user's 重新生成); a no-op unless it failed."""
    if GeneratedFile.objects.filter(pk=row.pk, status=Status.FAILED).update(
        status=Status.QUEUED, error="", attempts=0, updated_at=timezone.now()
    ):
        _enqueue(row)
    row.refresh_from_db()
    return row


def file_forget(*, row: GeneratedFile) -> None:
    """Delete a row whose file has gone from the storage, so it is built again."""
    GeneratedFile.objects.filter(pk=row.pk).delete()


def _enqueue(row: GeneratedFile) -> None:
    from documents.tasks import build_file

    if build_file.app.conf.task_always_eager:
        # No broker: the task runs here and now, on this database connection, so
        # it sees the row even inside the caller's transaction. An eager task's
        # retry comes back to its caller as Retry (task_eager_propagates): run
        # the retry here too, as a worker would (without the wait).
        signature = build_file.s(row.pk)
        while True:
            try:
                signature.apply()
                break
            except Retry as retry:
                signature = retry.sig
        row.refresh_from_db()
    else:
        # A worker must find the row: send the message once it is committed.
        transaction.on_commit(lambda: build_file.delay(row.pk))


# --- the task's side ----------------------------------------------------------


def build_now(kind: str, params: dict) -> RenderedPdf:
    """Build a file synchronously, in the language and on the day it was asked
    for (``render_report`` and the task both come here)."""
    params = params if "today" in params else _with_context(params)
    with (
        translation.override(params["language"]),
        clock.as_of(dt.date.fromisoformat(params["today"])),
    ):
        return KINDS[kind].build(params)


class BuildFailed(Exception):
    """A build attempt failed and will be retried."""


def build_row(pk: int, *, last_attempt: bool) -> None:
    """Build the file of row ``pk`` and store it; on an error, raise
    :class:`BuildFailed` to be retried, or on the last attempt mark the row
    failed with a message for the user."""
    claimed = GeneratedFile.objects.filter(pk=pk, status__in=[Status.QUEUED, Status.RUNNING])
    if not claimed.update(
        status=Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        updated_at=timezone.now(),
    ):
        return  # done, failed or deleted meanwhile: a repeated message
    row = GeneratedFile.objects.get(pk=pk)
    spec = KINDS[row.kind]
    try:
        built = build_now(row.kind, row.params)
        name = f"{row.kind}-{row.key[:24]}{spec.suffix}"
        row.file.save(name, ContentFile(built.data), save=False)
    except ReportNotFound as exc:  # the year, unit... went away: retrying will not help
        _fail(row, str(exc))
        return
    except Exception as exc:
        logger.exception(
            "building generated file %s (%s) failed, attempt %s", pk, row.kind, row.attempts
        )
        if not last_attempt:
            GeneratedFile.objects.filter(pk=pk).update(
                status=Status.QUEUED,
                error=_("第 %(n)s 次生成失败，稍后自动重试。") % {"n": row.attempts},
                updated_at=timezone.now(),
            )
            raise BuildFailed(str(exc)) from exc
        _fail(
            row,
            _("文件生成失败（已尝试 %(n)s 次）。请稍后点击“重新生成”；如仍失败，请联系系统管理员。")
            % {"n": row.attempts},
        )
        return
    row.filename = built.filename
    row.pages = built.pages
    row.status = Status.DONE
    row.error = ""
    row.finished_at = timezone.now()
    row.save(
        update_fields=["file", "filename", "pages", "status", "error", "finished_at", "updated_at"]
    )
    _drop_older_versions(row)


def _fail(row: GeneratedFile, message: str) -> None:
    GeneratedFile.objects.filter(pk=row.pk).update(
        status=Status.FAILED, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )


def _delete(rows) -> int:
    count = 0
    for old in rows:
        if old.file:
            old.file.delete(save=False)
        old.delete()
        count += 1
    return count


def _drop_older_versions(row: GeneratedFile) -> None:
    """Delete the files of older data versions of the same kind and parameters."""
    _delete(
        GeneratedFile.objects.filter(family=row.family, created_at__lt=row.created_at)
        .exclude(pk=row.pk)
        .exclude(status__in=[Status.QUEUED, Status.RUNNING])
    )


def expire_files(days: int) -> int:
    """Delete generated files (and rows) last built or changed more than ``days`` days ago."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    return _delete(GeneratedFile.objects.filter(updated_at__lt=cutoff).iterator())
