"""A real Celery worker for the task tests: ``celery -A zhucheng worker --pool=solo``
in a subprocess, on a real Redis, reading the test database.

One worker per test module (starting one costs seconds). The tests using it must
be ``transaction=True``: the worker sees only committed rows. While it runs, the
test process sends tasks to it instead of running them eagerly.

- Database: the worker's ``DATABASE_URL`` is the test database pytest-django made
  (``connection.settings_dict``). On SQLite that database lives in memory, which
  no other process can open, so for this module the connection moves to a file
  copy of it (SQLite's backup API) and moves back afterwards.
- Broker: ``redis://127.0.0.1:6379/<db>`` (``TEST_REDIS_URL`` overrides the
  server, ``TEST_REDIS_DB`` the first db number; each xdist worker adds its
  index), and a queue named for this run alone, so runs sharing a Redis never
  take each other's messages. No Redis answering is a failure, not a skip.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import pools as kombu_pools

BASE_DIR = Path(__file__).resolve().parents[2]
START_SECONDS = 180  # a loaded 2-core machine imports Django and WeasyPrint slowly


@dataclasses.dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    media: Path
    queue: str

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait_for(self, predicate, what: str, seconds: float = 240) -> None:
        """Poll the database until ``predicate()`` holds (the worker is another process)."""
        for _ in range(int(seconds / 0.25)):
            if predicate():
                return
            if self.process.poll() is not None:
                pytest.fail(
                    f"the Celery worker exited while waiting for {what}:\n{self.log_tail()}"
                )
            time.sleep(0.25)
        pytest.fail(f"timed out waiting for {what}; worker log:\n{self.log_tail()}")


def _redis_url() -> str:
    server = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    first = int(os.environ.get("TEST_REDIS_DB", "1"))
    xdist = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    db = (first + int(xdist or 0)) % 16
    return f"{server}/{db}"


def _check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is not reachable at {url} ({exc}). The task tests need a real Redis: "
            "start one with `redis-server --daemonize yes --save ''` (.ci/run does)."
        )


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    assert db["ENGINE"] == "django.db.backends.postgresql", db["ENGINE"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    login = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{login}{host}{port}/{db['NAME']}"


@pytest.fixture(scope="module")
def _database_in_a_file(django_db_setup, django_db_blocker, tmp_path_factory):
    """On SQLite, the test database as a file for this module (see the docstring)."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    with django_db_blocker.unblock():
        connection.ensure_connection()
        memory = connection.connection
        path = tmp_path_factory.mktemp("worker-db") / "test.sqlite3"
        copy = sqlite3.connect(path)
        memory.backup(copy)
        copy.close()
        name = connection.settings_dict["NAME"]
        connection.connection = None  # keep the in-memory database open, unused
        connection.settings_dict["NAME"] = str(path)
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["NAME"] = name
            connection.connection = memory


@pytest.fixture(scope="module")
def celery_worker(_database_in_a_file, django_db_blocker, tmp_path_factory):
    from zhucheng.celery import app

    broker = _redis_url()
    _check_redis(broker)
    folder = tmp_path_factory.mktemp("worker")
    media = folder / "media"
    media.mkdir()
    queue = f"zhucheng-test-{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        database = _database_url()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CELERY_", "DJANGO_ENV", "REDIS_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="zhucheng.settings",
        DATABASE_URL=database,
        DB_CONN_MAX_AGE="0",  # no connection left open when a test flushes the tables
        CELERY_BROKER_URL=broker,
        MEDIA_ROOT=str(media),
        ZHUCHENG_TODAY="",
        ZHUCHENG_FILE_RETRY_BACKOFF="1",
        PYTHONUNBUFFERED="1",
        # This checkout's code, whatever an editable install of the venv points at.
        PYTHONPATH=os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])),
    )
    log = folder / "worker.log"
    command = [
        *(sys.executable, "-m", "celery", "-A", "zhucheng", "worker"),
        *("--pool=solo", "--queues", queue, "--hostname", f"{queue}@%h"),
        *("--without-mingle", "--without-gossip", "--without-heartbeat"),
        "--loglevel=INFO",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    worker = Worker(process, log, media, queue)
    try:
        for _ in range(START_SECONDS * 4):
            if " ready." in log.read_text(errors="replace"):
                break
            if process.poll() is not None:
                pytest.fail(f"the Celery worker did not start:\n{worker.log_tail()}")
            time.sleep(0.25)
        else:
            pytest.fail(
                f"the Celery worker was not ready in {START_SECONDS} s:\n{worker.log_tail()}"
            )
        # This process now sends the tasks to that worker instead of running them.
        saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
        app.conf.update(task_always_eager=False, broker_url=broker, task_default_queue=queue)
        app.__dict__.pop("amqp", None)  # queues and routes are read from the conf on first use
        app._pool = None
        try:
            yield worker
        finally:
            app.conf.update(saved)
            app.__dict__.pop("amqp", None)
            if app._pool is not None:
                app._pool.force_close_all()
            app._pool = None
            # kombu keeps producer and connection pools per broker URL in module
            # globals; the next module's worker on the same URL must not be handed
            # the pool just closed ("Acquire on closed pool").
            kombu_pools.reset()
    finally:
        process.terminate()  # warm shutdown: the solo pool finishes its task first
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _forget_queue(broker, queue)


def _forget_queue(url: str, queue: str) -> None:
    """Remove this run's queue and kombu's bindings of it from Redis."""
    import redis

    client = redis.Redis.from_url(url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()
