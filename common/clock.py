"""What "today" and "now" are for the application.

Normally the local date in ``TIME_ZONE`` and the current time. A demo of a past
year can pin the date with the ``ZHUCHENG_TODAY`` setting (YYYY-MM-DD): then
:func:`now` is that date at the current time of day, and every time the
application records (reports, reviews, history, assessment runs; see
``common.timestamps``) carries it. Tests freeze time with time-machine instead.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def pinned_date() -> dt.date | None:
    """The date ``ZHUCHENG_TODAY`` pins, or None."""
    pinned = getattr(settings, "ZHUCHENG_TODAY", "")
    if not pinned:
        return None
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError as exc:
        raise ImproperlyConfigured(f"ZHUCHENG_TODAY must be YYYY-MM-DD, not {pinned!r}") from exc


def today() -> dt.date:
    return pinned_date() or timezone.localdate()


def now() -> dt.datetime:
    """The current time (aware); on a pinned day, that day at the current local time."""
    real = timezone.now()
    pinned = pinned_date()
    if pinned is None:
        return real
    local = timezone.localtime(real)
    return local.replace(year=pinned.year, month=pinned.month, day=pinned.day).astimezone(dt.UTC)


def warning_days() -> int:
    return settings.ZHUCHENG_WARNING_DAYS
