"""Two app servers serve one signed-in user interchangeably (run by loadtest/run.sh).

Usage: two_servers.py URL_A URL_B  (password in $LOADTEST_PASSWORD, accounts in
loadtest/out/users.txt). A clerk signs in on A; B knows the session; a report form
fetched from A (its CSRF token made by A) is submitted to B; A shows the report; the
clerk signs out on B and A no longer knows them. Exits 1, saying which step failed.
"""

import os
import re
import sys
import time
from pathlib import Path

import requests

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEEN = re.compile(r'name="seen_report"(?: value="(\d*)")?')
REPORT_LINK = re.compile(r'href="/milestones/(\d+)/report/"')


def step(ok: bool, what: str) -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        sys.exit(1)


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


def main() -> None:
    a, b = (url.rstrip("/") for url in sys.argv[1:3])
    users = Path(__file__).resolve().parent / "out" / "users.txt"
    username = next(line.split()[1] for line in users.read_text().split("\n") if line.strip())
    browser = requests.Session()  # one cookie jar: the same browser, whichever server answers

    form = browser.get(f"{a}/accounts/login/", timeout=30)
    signed_in = browser.post(
        f"{a}/accounts/login/",
        {
            "username": username,
            "password": os.environ["LOADTEST_PASSWORD"],
            "csrfmiddlewaretoken": csrf_of(form.text),
        },
        allow_redirects=False,
        timeout=30,
    )
    step(signed_in.status_code == 302, f"{username} signs in on A ({a})")

    work = browser.get(f"{b}/my/", allow_redirects=False, timeout=30)
    step(work.status_code == 200, f"B ({b}) knows the session: /my/ is {work.status_code}")
    ids = REPORT_LINK.findall(work.text)
    step(bool(ids), "the work list on B has a milestone to report on")

    url = f"/milestones/{ids[0]}/report/"
    form = browser.get(f"{a}{url}", timeout=30)
    narrative = f"两台服务器核对 {time.time():.0f}"
    seen = SEEN.search(form.text)
    sent = browser.post(
        f"{b}{url}",
        {
            "csrfmiddlewaretoken": csrf_of(form.text),
            "status": "in_progress",
            "percent": "40",
            "narrative": narrative,
            "done_date": "",
            "seen_report": (seen.group(1) or "") if seen else "",
        },
        allow_redirects=False,
        timeout=30,
    )
    step(sent.status_code == 302, f"a form from A is accepted by B: HTTP {sent.status_code}")
    shown = browser.get(f"{a}/milestones/{ids[0]}/", timeout=30)
    step(narrative in shown.text, "A shows the report submitted on B")

    page = browser.get(f"{a}/my/", timeout=30)
    out = browser.post(
        f"{b}/accounts/logout/",
        {"csrfmiddlewaretoken": csrf_of(page.text)},
        allow_redirects=False,
        timeout=30,
    )
    step(out.status_code == 302, f"signs out on B: HTTP {out.status_code}")
    gone = browser.get(f"{a}/my/", allow_redirects=False, timeout=30)
    step(gone.status_code == 302, "A no longer knows the session (sign-in page)")


if __name__ == "__main__":
    main()
