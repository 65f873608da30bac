"""A deadline day: bureau clerks reporting, the mayor's office and vice-mayors watching
the dashboards, downloading PDFs and exports.

Every simulated user signs in through the login form (with its CSRF token) once, then
loops over weighted tasks. Each request goes to one of $LOADTEST_HOSTS at random (the app
servers behind one database and Redis, as behind a load balancer without sticky sessions),
so a session, a CSRF token and a form made on one server are used on the other.
Run by loadtest/run.sh; users come from loadtest/out/users.txt.

A PDF request succeeds with 200 (the file) or 202 (生成中: a worker renders it);
anything else is an error.
"""

import itertools
import os
import random
import re
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "")
YEAR = os.environ.get("LOADTEST_YEAR", "")
HOSTS = [h.strip().rstrip("/") for h in os.environ.get("LOADTEST_HOSTS", "").split(",") if h]
USERS_FILE = Path(__file__).resolve().parent / "out" / "users.txt"
_accounts: dict[str, list[tuple[str, str]]] = {"clerk": [], "office": [], "mayor": []}
for line in USERS_FILE.read_text(encoding="utf-8").split("\n") if USERS_FILE.exists() else []:
    if line.strip():
        kind, name, extra = line.split()
        _accounts[kind].append((name, extra))
_next = {kind: itertools.cycle(names) for kind, names in _accounts.items() if names}
UNIT_IDS = [extra for _name, extra in _accounts["clerk"]] or [""]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEEN = re.compile(r'name="seen_report"(?: value="(\d*)")?')
REPORT_LINK = re.compile(r'href="/milestones/(\d+)/report/"')
MILESTONE_LINK = re.compile(r'href="/milestones/(\d+)/"')
PROJECT_LINK = re.compile(r'href="/projects/(\d+)/"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


class Staff(FastHttpUser):
    abstract = True
    kind = ""
    wait_time = between(1, 3)

    def at(self, path: str) -> str:
        """``path`` on one of the app servers, chosen afresh for every request."""
        return f"{random.choice(HOSTS)}{path}" if HOSTS else path

    def get(self, path: str, name: str):
        return self.client.get(self.at(path), name=name)

    def download(self, path: str, name: str, ok=(200,)):
        """A PDF (200 or 202 生成中) or an export (200): read whole, any other status fails."""
        with self.client.get(
            self.at(path), name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code in ok:
                response.success()
            else:
                response.failure(f"{name}: HTTP {response.status_code}")

    def pdf(self, path: str, name: str):
        self.download(path, name, ok=(200, 202))

    def on_start(self):
        self.username, self.extra = next(_next[self.kind])
        page = self.get("/accounts/login/", name="login form")
        with self.client.post(
            self.at("/accounts/login/"),
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf_of(page.text),
            },
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.username} gave {response.status_code}")


class Clerk(Staff):
    """A bureau clerk: their work list, milestone pages, and a progress report now and then."""

    kind = "clerk"
    weight = 4

    def on_start(self):
        super().on_start()
        page = self.get("/my/", name="/my/")
        self.report_ids = sorted(set(REPORT_LINK.findall(page.text)))
        self.milestone_ids = sorted(set(MILESTONE_LINK.findall(page.text)))

    @task(4)
    def my_work(self):
        self.get("/my/", name="/my/")

    @task(3)
    def milestone(self):
        if self.milestone_ids:
            pk = random.choice(self.milestone_ids)
            self.get(f"/milestones/{pk}/", name="/milestones/[id]/")

    @task(2)
    def report(self):
        if not self.report_ids:
            return
        pk = random.choice(self.report_ids)
        form = self.get(f"/milestones/{pk}/report/", name="/milestones/[id]/report/ (form)")
        seen = SEEN.search(form.text)
        data = {
            "csrfmiddlewaretoken": csrf_of(form.text),
            "status": "in_progress",
            "percent": str(random.choice([30, 50, 70, 90])),
            "narrative": "本周已完成现场核查，材料正在汇总。",
            "done_date": "",
            "seen_report": (seen.group(1) or "") if seen else "",
        }
        with self.client.post(
            self.at(f"/milestones/{pk}/report/"),
            data,
            allow_redirects=False,
            name="/milestones/[id]/report/ (submit)",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"report not accepted: HTTP {response.status_code}")

    @task(1)
    def projects(self):
        self.get("/projects/", name="/projects/")

    @task(1)
    def unit_pdf(self):
        self.pdf(f"/reports/{YEAR}/units/{self.extra}.pdf", name="PDF unit card")


class Office(Staff):
    """The mayor's office: the dashboard, filtered project lists, projects, the review list."""

    kind = "office"
    weight = 1

    def on_start(self):
        super().on_start()
        page = self.get("/projects/", name="/projects/")
        self.project_ids = sorted(set(PROJECT_LINK.findall(page.text))) or []

    @task(4)
    def dashboard(self):
        self.get("/", name="/ (dashboard)")

    @task(3)
    def filtered_list(self):
        params = random.choice(
            [
                {"colour": "red"},
                {"overdue": "on", "sort": "-percent"},
                {"unit": random.choice(UNIT_IDS)},
                {"q": "测试项目01"},
                {"category": "service", "sort": "-colour"},
            ]
        )
        self.get(f"/projects/?{urlencode(params)}", name="/projects/?filters")

    @task(2)
    def project(self):
        if self.project_ids:
            pk = random.choice(self.project_ids)
            self.get(f"/projects/{pk}/", name="/projects/[id]/")

    @task(1)
    def review(self):
        self.get("/review/", name="/review/")

    @task(1)
    def export(self):
        path, name = random.choice(
            [
                ("/projects/export.xlsx", "export /projects/export.xlsx"),
                ("/milestones/export.xlsx", "export /milestones/export.xlsx"),
            ]
        )
        self.download(path, name=name)

    @task(1)
    def city_pdf(self):
        path, name = random.choice(
            [
                (f"/reports/{YEAR}/annual.pdf", "PDF annual"),
                ("/reports/bulletin.pdf", "PDF bulletin"),
                (f"/reports/{YEAR}/responsibility.pdf", "PDF responsibility"),
            ]
        )
        self.pdf(path, name=name)


class Mayor(Staff):
    """A vice-mayor: the dashboard of their portfolio, their page, their projects, the PDFs."""

    kind = "mayor"
    weight = 1

    def on_start(self):
        super().on_start()
        page = self.get(f"/mayors/{self.extra}/", name="/mayors/[id]/")
        self.project_ids = sorted(set(PROJECT_LINK.findall(page.text))) or []

    @task(3)
    def dashboard(self):
        self.get("/", name="/ (dashboard)")

    @task(2)
    def mine(self):
        self.get(f"/mayors/{self.extra}/", name="/mayors/[id]/")

    @task(2)
    def project(self):
        if self.project_ids:
            pk = random.choice(self.project_ids)
            self.get(f"/projects/{pk}/", name="/projects/[id]/")

    @task(1)
    def annual_pdf(self):
        self.pdf(f"/reports/{YEAR}/annual.pdf", name="PDF annual")


_samples: list[tuple[float, str, str, float, int]] = []


@events.request.add_listener
def _record(request_type, name, response_time, exception=None, start_time=None, **kwargs):
    """Every request's time, for exact percentiles over any subset (run.sh summarises)."""
    _samples.append(
        (start_time or 0.0, request_type, name, response_time, int(exception is not None))
    )


@events.quitting.add_listener
def _dump(environment, **kwargs):
    with (USERS_FILE.parent / "requests.csv").open("w", encoding="utf-8") as fh:
        fh.write("start,method,name,ms,error\n")
        for start, method, name, ms, error in _samples:
            fh.write(f"{start:.3f},{method},{name},{ms:.1f},{error}\n")


@events.test_start.add_listener
def _check_accounts(environment, **kwargs):
    if not _accounts["clerk"] or not _accounts["office"] or not _accounts["mayor"]:
        raise SystemExit(f"no load-test accounts in {USERS_FILE}; run loadtest/run.sh")
