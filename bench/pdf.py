"""PDF rendering at province size: the annual report and the bulletin of a year
seeded with ``seed_scale --factor BENCH_FACTOR`` (default 150), rendered in one
piece (WeasyPrint alone: the baseline, as before issue 18) and in parts
(``documents.render``: laid out part by part, merged with pypdf), same run.

Each render runs in a child process of a fresh helper process, which reads the
child's peak memory with ``getrusage(RUSAGE_CHILDREN).ru_maxrss``, so one
render's peak is not hidden by another's. Printed: pages, seconds, pages per
second (wall time, and per CPU second: the machine may be shared), peak
memory. Aim: the annual report in parts within 1 GB at ≥ 8 pages/s.

``BENCH_REPORTS=bulletin`` measures only the reports named (comma-separated).
``BENCH_REUSE=1`` (as for ``bench.pages``) renders from the benchmark's database
as it is, seeded before (e.g. ``BENCH_DATABASE_URL`` naming a copy of a
``seed_scale --factor 150 --year 2026`` database); ``BENCH_REUSE=postgres://…/db``
renders from that other database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time

YEAR = 2026
REPORTS = ("annual", "bulletin")


def _bulletin_date() -> dt.date:
    from common import clock

    return min(clock.today(), dt.date(YEAR, 12, 31))


def _render_child(kind: str, in_parts: bool) -> None:
    """In the render process: lay the report out and write it; print its figures."""
    import django

    django.setup()
    from django.template.loader import render_to_string

    from documents import builders, render

    started = time.perf_counter()
    if kind == "annual":
        html = render_to_string("pdf/annual.html", builders.annual_context(YEAR))
    else:
        html = render_to_string("pdf/bulletin.html", builders.bulletin_context(_bulletin_date()))
    with open(os.devnull, "wb") as sink:
        pages = render.html_to_file(html, sink, in_parts=in_parts)
    seconds = time.perf_counter() - started
    laid_out = html.count(render.CHUNK_MARK) + 1 if in_parts else 1
    print(json.dumps({"pages": pages, "seconds": seconds, "parts": laid_out}))


def _measure(kind: str, in_parts: bool) -> None:
    """In the helper process: run one render as a child, add its peak memory."""
    child = subprocess.run(
        [sys.executable, "-m", "bench.pdf", "render", kind, "parts" if in_parts else "whole"],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        print(json.dumps({"error": child.stderr[-2000:]}))
        return
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["peak_kib"] = usage.ru_maxrss
    figures["cpu"] = usage.ru_utime + usage.ru_stime
    print(json.dumps(figures))


def _line(label: str, figures: dict) -> str:
    if "error" in figures:
        return f"{label:<32} failed: {figures['error']}"
    return (
        f"{label:<32} {figures['pages']:>5} pages  {figures['seconds']:7.1f} s  "
        f"{figures['pages'] / figures['seconds']:5.1f} pages/s  "
        f"(CPU {figures['cpu']:6.1f} s, {figures['pages'] / figures['cpu']:5.1f} pages/CPU-s)  "
        f"peak {figures['peak_kib'] / 1024:6.0f} MiB  {figures['parts']} part(s)"
    )


def run() -> None:
    from django.conf import settings
    from django.core.management import call_command

    factor = int(os.environ.get("BENCH_FACTOR", "150"))
    reuse = os.environ.get("BENCH_REUSE", "")
    if reuse == "1":  # the benchmark's own database, seeded before
        reuse = os.environ["DATABASE_URL"]
    env = dict(os.environ, ZHUCHENG_TODAY="")
    if reuse:
        env["DATABASE_URL"] = reuse
        print(f"reusing {reuse} (seeded before)")
    else:
        started = time.perf_counter()
        call_command("load_demo", verbosity=0)
        call_command("seed_scale", factor=factor, year=YEAR, verbosity=0)
        print(f"seed_scale --factor {factor} --year {YEAR}: {time.perf_counter() - started:.0f} s")
        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time)")
    # Parts first: a one-piece render of the same report is the baseline.
    for kind in os.environ.get("BENCH_REPORTS", ",".join(REPORTS)).split(","):
        for in_parts in (True, False):
            helper = subprocess.run(
                [sys.executable, "-m", "bench.pdf", "measure", kind, str(int(in_parts))],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            lines = helper.stdout.strip().splitlines()
            figures = json.loads(lines[-1]) if lines else {"error": helper.stderr[-2000:]}
            how = "in parts" if in_parts else "one piece (before)"
            print(_line(f"{kind} ×{factor} {how}", figures), flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhucheng.settings")
    if sys.argv[1] == "render":
        _render_child(sys.argv[2], sys.argv[3] == "parts")
    else:
        _measure(sys.argv[2], sys.argv[3] == "1")
