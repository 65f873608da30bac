"""Shared pieces of the reporting, review, reminder and history tests."""

import datetime as dt
import io
import socket
import struct
import zipfile
import zlib
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2010, 9, 28)


@pytest.fixture
def frozen():
    """2010-09-28 10:00 in Zhucheng: 申报名牌 (due 6-30) is overdue, 超市评比 (9-30)
    due soon, 服务承诺 (10-31) not yet due."""
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI)) as traveller:
        yield traveller


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_bytes() -> bytes:
    """A real one-page PDF."""
    import weasyprint

    return weasyprint.HTML(string="<p>Evidence</p>").write_pdf()


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def xlsx_bytes() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "名牌产品"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "not an office file")
    return out.getvalue()


def report_data(**overrides) -> dict:
    data = {
        "status": "in_progress",
        "percent": "60",
        "narrative": "已组织企业申报山东名牌，材料已报省局。",
        "done_date": "",
    }
    data.update(overrides)
    return data


def at_the_same_moment(*requests, lock_milestone=None) -> list:
    """Run the callables in threads of their own (each with its own database
    connection) so that they act at the same moment; return their results in
    order (an ``OperationalError`` is returned, not raised, and fails the test's
    assertions).

    Needs a ``transaction=True`` test. On PostgreSQL, with ``lock_milestone``,
    the test holds that milestone's row lock until every request waits for it:
    the worst interleaving, in which all of them did their reading before any
    of them writes. SQLite has no row locks and lets one writer in at a time
    ("database table is locked" for the others): there a barrier lines them up.
    """
    import threading
    import time

    from django.db import OperationalError, connection, transaction

    from projects.models import Milestone

    results: list = [None] * len(requests)
    if connection.vendor == "sqlite":
        for n, request in enumerate(requests):
            try:
                results[n] = request()
            except OperationalError as exc:
                results[n] = exc
        return results
    barrier = threading.Barrier(len(requests), timeout=30)

    def run(n, request):
        try:
            barrier.wait()
            results[n] = request()
        except OperationalError as exc:
            results[n] = exc
        finally:
            connection.close()

    def waiting() -> int:
        with connection.cursor() as cursor:
            # pg_stat_activity is read once per transaction unless the snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    hold = lock_milestone is not None and connection.vendor == "postgresql"
    threads = [threading.Thread(target=run, args=item) for item in enumerate(requests)]
    with transaction.atomic():
        if hold:
            Milestone.objects.select_for_update().get(pk=lock_milestone.pk)
        for thread in threads:
            thread.start()
        if hold:
            deadline = time.monotonic() + 30
            while waiting() < len(requests) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert waiting() == len(requests), "every request should wait for the milestone"
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def smtp_down(settings):
    """The real SMTP backend, pointed at a port on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return settings
