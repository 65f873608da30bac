"""Recorded times follow ``common.clock.now()``, so that a demo with a pinned
day (``ZHUCHENG_TODAY``) records that day, not the real one.

- :class:`ClockDateTimeField` is ``DateTimeField`` whose ``auto_now`` reads
  ``clock.recorded_now()`` and ``auto_now_add`` ``clock.now()``. It deconstructs as a plain
  ``DateTimeField``: the column is the same, so migrations do not see it.
- :func:`pin_history_date` gives django-simple-history's rows the same time
  (its ``pre_create_historical_record`` signal; ``bulk_create_with_history``
  callers pass ``default_date=clock.recorded_now()``). A ``_history_date`` set on the
  instance on purpose is kept.
"""

from __future__ import annotations

from django.db import models

from common import clock


class ClockDateTimeField(models.DateTimeField):
    def pre_save(self, model_instance, add):
        # auto_now is an audit stamp (when the row was last written); auto_now_add
        # is the moment of a fact (a report made, a file uploaded), which a demo
        # story told with clock.as_of() places on its day.
        if self.auto_now:
            value = clock.recorded_now()
        elif self.auto_now_add and add:
            value = clock.now()
        else:
            return super().pre_save(model_instance, add)
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


def pin_history_date(sender, instance, history_instance, **kwargs) -> None:
    """``pre_create_historical_record`` receiver (connected in ``ProjectsConfig.ready``).
    History is an audit record: it says when the write happened (``recorded_now``)."""
    if clock.settings_pinned_date() is not None and not hasattr(instance, "_history_date"):
        history_instance.history_date = clock.recorded_now()
