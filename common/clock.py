"""What "today" and "now" are for the application.

Normally the local date in ``TIME_ZONE`` and the current time. A demo of a past
year can pin the date with the ``ZHUCHENG_TODAY`` setting (YYYY-MM-DD): then
:func:`now` is that date at the current time of day, and every time the
application records (reports, reviews, history, assessment runs; see
``common.timestamps``) carries it. Tests freeze time with time-machine instead.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

# A day set by :func:`as_of` for the code running inside it (this thread or task only).
_as_of: ContextVar[dt.date | None] = ContextVar("zhucheng_as_of", default=None)


@contextlib.contextmanager
def as_of(day: dt.date) -> Iterator[None]:
    """Run the code inside as if today were ``day``: what it records carries that
    day, at the current time of day. For loading sample data that tells a story
    over past days (the demo's 督办 and 延期申请) through the real services."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)


def pinned_date() -> dt.date | None:
    """The day :func:`as_of` sets, else the date ``ZHUCHENG_TODAY`` pins, or None."""
    inside = _as_of.get()
    if inside is not None:
        return inside
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
