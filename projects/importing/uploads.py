"""An uploaded targets workbook kept between the admin's preview and confirm.

The upload is kept in the shared cache under its SHA-256 for the user who sent
it, and the table read from it (for a given column mapping and sheet) next to
it, so the preview and the confirm read the file once between them and any
web worker can serve either step. Nothing here touches the database.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping

from django.core.cache import cache

from projects.importing.workbook import ReadTable, read_targets_workbook

# How long an upload waits for its confirm: a working day.
KEEP_SECONDS = 8 * 60 * 60


@dataclasses.dataclass(frozen=True)
class Upload:
    digest: str
    name: str
    data: bytes


def _key(user_pk: int, digest: str) -> str:
    return f"targets-import:upload:{user_pk}:{digest}"


def keep_upload(user_pk: int, name: str, data: bytes) -> Upload:
    """Keep ``data`` for ``user_pk``; the same file sent twice is kept once."""
    digest = hashlib.sha256(data).hexdigest()
    upload = Upload(digest=digest, name=name, data=data)
    cache.set(_key(user_pk, digest), (name, data), KEEP_SECONDS)
    return upload


def find_upload(user_pk: int, digest: str) -> Upload | None:
    """The upload ``user_pk`` sent with this digest, or None (expired, or another user's)."""
    kept = cache.get(_key(user_pk, digest))
    if kept is None:
        return None
    name, data = kept
    return Upload(digest=digest, name=name, data=data)


def forget_upload(user_pk: int, digest: str) -> None:
    cache.delete(_key(user_pk, digest))


def read_upload(
    upload: Upload, *, mapping: Mapping[str, str | None] | None = None, sheet: str | None = None
) -> ReadTable:
    """The table read from ``upload``: read once per mapping and sheet, then from
    the cache. Raises ``WorkbookError`` as ``read_targets_workbook`` does (a
    refusal is not kept: it is cheap to find again)."""
    how = json.dumps([sorted((mapping or {}).items()), sheet or ""], ensure_ascii=False)
    key = f"targets-import:table:{upload.digest}:{hashlib.sha256(how.encode()).hexdigest()}"
    table = cache.get(key)
    if table is None:
        table = read_targets_workbook(upload.data, mapping=mapping, sheet=sheet)
        cache.set(key, table, KEEP_SECONDS)
    return table
