"""The read-replica router: read-only pages read from the replica, writers from the primary.

The replica here is a second connection to the test database (what ``TEST: {"MIRROR":
"default"}`` gives when DATABASE_REPLICA_URL is set), added for this module only, so
every test commits (``transaction=True``) and a query's alias says which copy served it.
"""

import time

import pytest
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import ProgressReport
from responsibility.models import Unit, home_jurisdiction
from tests.projects.reporting_support import report_data
from zhucheng.routers import PIN_COOKIE, PRIMARY, REPLICA, replica_reads

pytestmark = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])


@pytest.fixture(scope="module", autouse=True)
def _replica_alias(django_db_setup):
    """DATABASES["replica"], mirroring the test database, for this module's tests only
    (module scope: it must exist before each test declares the databases it uses)."""
    primary = connections[PRIMARY].settings_dict
    connections.settings[REPLICA] = {**primary, "TEST": {**primary["TEST"], "MIRROR": PRIMARY}}
    try:
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica():
    return connections[REPLICA]


@pytest.fixture
def no_replica():
    """As without DATABASE_REPLICA_URL."""
    kept = connections.settings.pop(REPLICA)
    try:
        yield
    finally:
        connections.settings[REPLICA] = kept


class Served:
    """The SQL each copy ran inside the block."""

    def __enter__(self):
        self._captures = {alias: CaptureQueriesContext(connections[alias]) for alias in connections}
        assert set(self._captures) == {PRIMARY, REPLICA}
        for capture in self._captures.values():
            capture.__enter__()
        return self

    def __exit__(self, *exc):
        for capture in self._captures.values():
            capture.__exit__(*exc)

    def sql(self, alias: str) -> list[str]:
        return [q["sql"] for q in self._captures[alias].captured_queries]

    def page_sql(self, alias: str) -> list[str]:
        """Everything but the session row's save (always on the primary) and the
        BEGIN/COMMIT around it."""
        return [
            s
            for s in self.sql(alias)
            if "django_session" not in s
            and s.split()[0] not in ("BEGIN", "COMMIT")
            and not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        ]


def test_read_only_page_reads_from_the_replica(client, city, replica):
    client.force_login(city.alice)
    with Served() as served:
        response = client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk]))
    assert response.status_code == 200
    assert "申报名牌" in response.content.decode()
    assert served.page_sql(REPLICA), "the page's reads went to the replica"
    assert served.page_sql(PRIMARY) == []
    # The sign-in state is read and saved where it is written.
    assert any("django_session" in s for s in served.sql(PRIMARY))
    assert not any("django_session" in s for s in served.sql(REPLICA))
    assert PIN_COOKIE not in response.cookies  # reading does not pin


def test_post_reads_and_writes_on_the_primary_and_pins_the_writer(client, city, replica):
    client.force_login(city.alice)
    url = reverse("milestone_report", args=[city.ms_zhijian.pk])
    with Served() as served:
        response = client.post(url, report_data())
    assert response.status_code == 302
    assert ProgressReport.objects.filter(milestone=city.ms_zhijian).exists()
    assert served.sql(REPLICA) == []
    primary = served.sql(PRIMARY)
    assert any(s.startswith("SELECT") for s in primary)
    assert any(s.startswith("INSERT") for s in primary)
    pin = response.cookies[PIN_COOKIE]
    assert pin["httponly"] and 0 < int(pin["max-age"]) <= 10

    # Right after their own write the clerk reads from the primary (the replica may lag)…
    with Served() as served:
        page = client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk]))
    assert page.status_code == 200
    assert served.sql(REPLICA) == []
    assert served.page_sql(PRIMARY)
    assert PIN_COOKIE not in page.cookies  # browsing does not stretch the pin

    # …and from the replica again once the pin has run out.
    client.cookies[PIN_COOKIE] = str(int(time.time()) - 1)
    with Served() as served:
        assert client.get(reverse("my_work")).status_code == 200
    assert served.page_sql(REPLICA) and served.page_sql(PRIMARY) == []


def test_a_garbled_pin_cookie_is_no_pin(client, city, replica):
    client.force_login(city.alice)
    client.cookies[PIN_COOKIE] = "x" * 20
    with Served() as served:
        assert client.get(reverse("my_work")).status_code == 200
    assert served.page_sql(REPLICA)


def test_a_failed_post_still_pins_its_user(client, city, replica):
    client.force_login(city.alice)
    url = reverse("milestone_report", args=[city.ms_zhijian.pk])
    with Served() as served:
        response = client.post(url, report_data(percent="abc"))
    assert response.status_code == 200  # the form again, with its error
    assert served.sql(REPLICA) == []
    assert PIN_COOKIE in response.cookies


def test_a_read_after_a_write_in_the_same_request_uses_the_primary(city, replica):
    home = home_jurisdiction()
    with replica_reads(), Served() as served:
        Unit.objects.count()
        assert served.sql(REPLICA) and served.sql(PRIMARY) == []
        Unit.objects.create(name="新成立的局", jurisdiction=home)
        assert Unit.objects.filter(name="新成立的局").exists()
    assert served.sql(REPLICA) == [served.sql(REPLICA)[0]]
    primary = [s.split()[0] for s in served.sql(PRIMARY)]
    assert primary[0] == "INSERT" and primary[-1] == "SELECT"  # the unit, its history, then


def test_reads_inside_a_transaction_use_the_primary(city, replica):
    with replica_reads(), Served() as served, transaction.atomic():
        Unit.objects.count()
    assert served.sql(REPLICA) == []
    assert any("COUNT" in s for s in served.sql(PRIMARY))


def test_outside_a_read_only_request_everything_is_primary(city, replica):
    """Management commands, Celery tasks: no middleware, no replica."""
    assert router.db_for_read(Unit) == PRIMARY
    assert router.db_for_write(Unit) == PRIMARY
    with replica_reads(allowed=False):
        assert router.db_for_read(Unit) == PRIMARY


def test_migrations_run_on_the_primary_only(replica):
    assert router.allow_migrate(REPLICA, "projects") is False
    assert router.allow_migrate(PRIMARY, "projects") is True


def test_without_a_replica_nothing_changes(client, city, no_replica):
    assert REPLICA not in connections.settings
    assert router.db_for_read(Unit) == PRIMARY
    with replica_reads():
        assert router.db_for_read(Unit) == PRIMARY
    client.force_login(city.alice)
    url = reverse("milestone_report", args=[city.ms_zhijian.pk])
    assert client.post(url, report_data()).status_code == 302
    response = client.get(reverse("my_work"))
    assert response.status_code == 200
    assert PIN_COOKIE not in response.cookies and PIN_COOKIE not in client.cookies
