"""The one rule for the change reasons django-simple-history records.

A history row's ``history_change_reason`` is a varchar(100). The reasons the services
give are often the user's own words: a 依据说明, a 调整理由, the notes of a copied
scheme. Those texts are kept whole in their own (unbounded) columns; the history
keeps a label, cut to the column's length with an ellipsis. PostgreSQL refuses a
longer value (HTTP 500), SQLite silently stores it, so the rule must hold everywhere:

- every place that sets a change reason passes it through :func:`history_reason`
  (``_change_reason`` before ``save()``, ``default_change_reason`` of the bulk
  helpers, the importer's own ``INSERT … SELECT``);
- :func:`cut_history_reason`, connected to simple-history's
  ``pre_create_historical_record`` signal, applies the same rule to any history row
  written by ``save()`` (the admin, or a call site that forgot).
"""

from __future__ import annotations

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

# simple-history's default: CharField(max_length=100) unless
# SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD is set (it is not).
HISTORY_REASON_MAX = 100
ELLIPSIS = "…"


def history_reason(text: str | None, limit: int | None = HISTORY_REASON_MAX) -> str:
    """``text`` as a history change reason: at most ``limit`` characters, the cut
    marked with an ellipsis. ``None`` (no limit) leaves it whole."""
    text = text or ""
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS


@receiver(pre_create_historical_record, dispatch_uid="common.history.cut_history_reason")
def cut_history_reason(sender, history_instance, **kwargs) -> None:
    """Cut the reason of a history row about to be saved to its column's length."""
    reason = history_instance.history_change_reason
    if reason:
        limit = sender._meta.get_field("history_change_reason").max_length
        history_instance.history_change_reason = history_reason(reason, limit)
