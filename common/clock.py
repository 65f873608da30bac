"""What "today" is for the application.

Normally the local date in ``TIME_ZONE``. A demo of a past year can pin it with
the ``ZHUCHENG_TODAY`` setting (YYYY-MM-DD); tests freeze time with
time-machine instead.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def today() -> dt.date:
    pinned = getattr(settings, "ZHUCHENG_TODAY", "")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"ZHUCHENG_TODAY must be YYYY-MM-DD, not {pinned!r}"
            ) from exc
    return timezone.localdate()


def warning_days() -> int:
    return settings.ZHUCHENG_WARNING_DAYS
