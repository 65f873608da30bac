"""PDF rendering: the annual report of the demo year and of seed_scale ×10.

Prints pages, seconds and pages per second of a real render, and the time of
a repeat download through the view (Django test client), which the cache
serves without rendering. Aim: demo-year annual report < 5 s, cached < 100 ms.
"""

import datetime as dt
import os
import statistics
import time

REPEATS = 5


def _render(label: str, render, *, runs: int = 1) -> None:
    """Render ``runs`` times with an empty cache; print the median."""
    from django.core.cache import cache

    timings = []
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        rendered = render()
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    print(
        f"{label:<34} {rendered.pages:>4} pages  {seconds:6.2f} s  "
        f"{rendered.pages / seconds:6.1f} pages/s  {len(rendered.data) / 1024:7.0f} KiB"
    )


def _download(label: str, client, url: str) -> None:
    from documents import render

    first = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - first
    assert response.status_code == 200, response.status_code
    renders = render.render_count
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    assert render.render_count == renders, "a repeat download rendered again"
    print(
        f"{label:<34} first {first:6.2f} s, cached repeat median "
        f"{statistics.median(times) * 1000:6.1f} ms (max {max(times) * 1000:.1f} ms)"
    )


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from assessment.scale import scale_seed
    from documents import pdfs as pdf
    from projects.services.demo import demo_load
    from responsibility.models import Unit

    demo_load()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="dubanshi"))

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (figures are wall time)")
    _render("annual 2010 (demo, cold fonts)", lambda: pdf.annual_pdf(2010))
    _render("annual 2010 (demo, median of 3)", lambda: pdf.annual_pdf(2010), runs=3)
    _render("responsibility 2010", lambda: pdf.responsibility_pdf(2010))
    _render("bulletin 2010-09-30", lambda: pdf.bulletin_pdf(dt.date(2010, 9, 30)))
    zhijian = Unit.objects.get(name="质监局")
    _render("unit card 2010 质监局", lambda: pdf.unit_pdf(2010, zhijian))
    _download("GET /reports/2010/annual.pdf", client, "/reports/2010/annual.pdf")

    scale_seed(factor=10, year=2031)
    _render("annual 2031 (seed_scale ×10)", lambda: pdf.annual_pdf(2031))
    _render("responsibility 2031 (×10)", lambda: pdf.responsibility_pdf(2031))
    _download("GET /reports/2031/annual.pdf", client, "/reports/2031/annual.pdf")
