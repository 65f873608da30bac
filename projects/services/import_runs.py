"""Confirmed imports of targets workbooks, written by a task.

    run = import_run_start(user=..., upload=..., year=..., sheet=..., mapping=...,
                           names=..., fingerprint=..., jurisdiction=...)
    run.status        # queued → running → done | failed

The admin's confirm calls :func:`import_run_start`: it records the run (an
:class:`~projects.models.ImportRun`) and queues ``projects.tasks.run_import``,
which calls :func:`import_run_execute`. With no broker the task runs in the
calling process, so the run is finished when ``import_run_start`` returns; with
one, a worker writes it and the admin's run page refreshes until it is. A
second confirm of the same choices while the run is pending joins it.

The write is ``targets_import_table`` as before: all or nothing, in one
transaction, so a failed run (errors, or the worker stopping mid-way) has
written nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from projects.importing.results import INTERNAL_ERROR, NameChoices, WorkbookError
from projects.importing.uploads import Upload, find_upload, forget_upload, read_upload
from projects.models import ImportRun
from projects.services.targets import targets_import_table
from responsibility.models import Unit

logger = logging.getLogger("zhucheng.importing")

Status = ImportRun.Status
# Reasons listed at most on the page after a failed run.
MAX_ERRORS = 20


def import_run_start(
    *,
    user,
    upload: Upload,
    year: int,
    sheet: str,
    mapping: Mapping[str, str],
    names: NameChoices,
    fingerprint: str,
    jurisdiction: Unit | None = None,
) -> ImportRun:
    """The run of these confirmed choices: a new one, queued (run at once
    without a broker), or the one already queued or running for them. The run
    records ``jurisdiction`` (None: the home one), and the task imports into it."""
    pending = ImportRun.objects.filter(
        user=user, fingerprint=fingerprint, status__in=ImportRun.PENDING
    )
    if (joined := pending.first()) is not None:
        return joined
    choices = {
        "sheet": sheet,
        "mapping": dict(mapping),
        "allow_new": names.allow_new,
        "new": sorted(names.new),
        "same_as": names.same_as,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                user=user,
                year=year,
                jurisdiction=jurisdiction,
                digest=upload.digest,
                filename=upload.name[:255],
                fingerprint=fingerprint,
                choices=choices,
            )
    except IntegrityError:  # another request confirmed the same choices meanwhile
        return pending.get()
    _enqueue(run)
    run.refresh_from_db()
    return run


def _enqueue(run: ImportRun) -> None:
    from projects.tasks import run_import

    if run_import.app.conf.task_always_eager:
        run_import.apply((run.pk,))  # here and now, on this connection
    else:
        # A worker must find the row: send the message once it is committed.
        transaction.on_commit(lambda: run_import.delay(run.pk))


def import_run_execute(*, pk: int) -> None:
    """Write the import of run ``pk`` and record its outcome (the task's body).
    A run already finished is left alone (a message delivered twice)."""
    claimed = ImportRun.objects.filter(pk=pk, status__in=ImportRun.PENDING)
    if not claimed.update(status=Status.RUNNING, started_at=timezone.now()):
        return
    run = ImportRun.objects.select_related("user", "jurisdiction").get(pk=pk)
    with translation.override(run.choices.get("language") or settings.LANGUAGE_CODE):
        _execute(run)


def _execute(run: ImportRun) -> None:
    upload = find_upload(run.user_id, run.digest)
    if upload is None:
        _finish(run, errors=[gettext("上传的文件已过期或不存在，请重新上传。")])
        return
    choices = run.choices
    names = NameChoices(
        allow_new=choices["allow_new"],
        new=frozenset(choices["new"]),
        same_as={key: int(pk) for key, pk in choices["same_as"].items()},
    )
    sheet = choices["sheet"] or None
    try:
        table = read_upload(upload, mapping=choices["mapping"], sheet=sheet)
        result = targets_import_table(
            table=table,
            year=run.year,
            dry_run=False,
            user=run.user,
            names=names,
            jurisdiction=run.jurisdiction,
        )
    except WorkbookError as exc:
        _finish(run, errors=[str(exc)])
        return
    except Exception:  # rolled back by the import's transaction: nothing written
        logger.exception("targets import run %s failed", run.pk)
        _finish(run, errors=[gettext(INTERNAL_ERROR)])
        return
    if result.errors:
        # The database changed since the preview (another import, an edit).
        _finish(run, errors=[str(e) for e in result.errors[:MAX_ERRORS]])
        return
    forget_upload(run.user_id, run.digest)
    _finish(run, summary=result.summary(), warnings=[str(w) for w in result.warnings])


def _finish(
    run: ImportRun,
    *,
    summary: str = "",
    warnings: list[str] | None = None,
    errors: list[str] | None = None,
) -> None:
    run.status = Status.FAILED if errors else Status.DONE
    run.summary = summary
    run.warnings = warnings or []
    run.errors = errors or []
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "warnings", "errors", "finished_at"])
