"""Writes that bypass ``Model.save()`` still move ``updated_at``.

Django fills an ``auto_now`` field (``updated_at``, ``computed_at``…) only in
``Model.save()``, and writes it only when ``update_fields`` names it;
``bulk_update()`` and ``QuerySet.update()`` leave it as it was. Yet the PDF cache
(``documents.cache.data_version``: MAX(updated_at) per table) and the admin's
"changed meanwhile" check (``projects.admin.OptimisticLockForm``) rely on it.
So every partial write names its fields through :func:`touch_fields` (with
``save(update_fields=…)``) or :func:`touch` (with ``bulk_update``): one rule, no
queries of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import models

from common import clock


def auto_now_fields(model: type[models.Model]) -> list[str]:
    """Names of the model's ``auto_now`` fields (not ``auto_now_add``)."""
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def touch_fields(model: type[models.Model], fields: Iterable[str]) -> list[str]:
    """``fields`` plus the model's ``auto_now`` fields, for ``save(update_fields=…)``
    (``save()`` itself sets their value)."""
    names = list(dict.fromkeys(fields))
    return names + [f for f in auto_now_fields(model) if f not in names]


def touch(objs: Sequence[models.Model], fields: Iterable[str]) -> list[str]:
    """Set the ``auto_now`` fields of ``objs`` to now and return ``fields`` plus
    them, for ``bulk_update(objs, touch(objs, fields))`` (or simple-history's
    ``bulk_update_with_history``)."""
    if not objs:
        return list(fields)
    model = type(objs[0])
    now = clock.recorded_now()
    for name in auto_now_fields(model):
        for obj in objs:
            setattr(obj, name, now)
    return touch_fields(model, fields)
