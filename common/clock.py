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
    """Run the code inside as if today were ``day``: the dates and times it
    records as facts (a 督办单 sent, acknowledged, answered; a request made) carry
    that day, at the current time of day. For loading sample data that tells a
    story over past days (the demo's 督办 and 延期申请) through the real services.

    The audit stamps are not part of the story: ``updated_at`` and the history
    rows say when the write really happened (:func:`recorded_now`), so the PDF
    cache and the admin's "changed meanwhile" check still see every write."""
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
    return settings_pinned_date()


def settings_pinned_date() -> dt.date | None:
    """The date ``ZHUCHENG_TODAY`` pins, or None (whatever :func:`as_of` says)."""
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
    return _on(pinned_date())


def recorded_now() -> dt.datetime:
    """When a write really happens, for the audit stamps (``updated_at``, history):
    :func:`now`, except that an :func:`as_of` story does not move it."""
    return _on(settings_pinned_date())


def _on(pinned: dt.date | None) -> dt.datetime:
    real = timezone.now()
    if pinned is None:
        return real
    local = timezone.localtime(real)
    return local.replace(year=pinned.year, month=pinned.month, day=pinned.day).astimezone(dt.UTC)


def warning_days() -> int:
    return settings.ZHUCHENG_WARNING_DAYS
