"""An optional read replica: read-only pages read from it, everything else from the primary.

With ``DATABASE_REPLICA_URL`` set, settings add ``DATABASES["replica"]`` and this router
sends a query to the replica only when all of these hold:

- it is a read (``db_for_read``); writes, ``select_for_update`` and ``get_or_create``
  always go to the primary;
- it runs inside a GET or HEAD request (``ReplicaMiddleware``) — management commands,
  Celery tasks and POSTs read from the primary;
- the user has not written in the last ``DATABASE_REPLICA_PIN_SECONDS`` (a write request,
  or a GET that wrote, sets a short-lived cookie that pins the browser to the primary,
  so a clerk sees their own report at once whatever the replica's lag);
- this request has not written yet, and no transaction is open on the primary;
- the model is not a session (the sign-in state is always read where it is written).

Migrations run on the primary only. Without a replica the router answers None to every
question, which is Django's default behaviour.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "zh_primary"
# Models whose rows every request needs fresh: the session (its row is written by
# every request, SESSION_SAVE_EVERY_REQUEST).
PRIMARY_ONLY_APPS = frozenset({"sessions"})

# "replica": reads may go to the replica; "primary": this request reads from the primary
# (not a GET/HEAD, pinned, or it has written). Outside any request: primary.
_reads: contextvars.ContextVar[str] = contextvars.ContextVar("zhucheng_reads", default="primary")
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("zhucheng_wrote", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def pin_seconds() -> int:
    return int(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 10))


@contextmanager
def replica_reads(allowed: bool = True) -> Iterator[None]:
    """Reads in this block may go to the replica (the middleware's GET/HEAD requests)
    until the block writes; with ``allowed=False`` they go to the primary."""
    reads_token = _reads.set("replica" if allowed else "primary")
    wrote_token = _wrote.set(False)
    try:
        yield
    finally:
        _reads.reset(reads_token)
        _wrote.reset(wrote_token)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if not replica_configured():
            return None
        if (
            _reads.get() != "replica"
            or _wrote.get()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints) -> str | None:
        if not replica_configured():
            return None
        if model._meta.app_label not in PRIMARY_ONLY_APPS:
            _wrote.set(True)  # the rest of this request reads its own write from the primary
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        return True if replica_configured() else None  # one database, two copies

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        return False if db == REPLICA else None


class ReplicaMiddleware:
    """Lets GET/HEAD requests read from the replica, and pins writers to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = self.get_response(request)
            wrote = True  # a POST may have written even when it answers with an error
        else:
            with replica_reads(allowed=not self._pinned(request)):
                response = self.get_response(request)
                wrote = _wrote.get()
        if wrote:
            seconds = pin_seconds()
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    @staticmethod
    def _pinned(request: HttpRequest) -> bool:
        try:
            until = int(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            return False
        return until > time.time()
