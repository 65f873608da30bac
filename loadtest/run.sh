#!/usr/bin/env bash
# `make loadtest`: a bounded load test against two app servers on 127.0.0.1 only.
#
# PostgreSQL database $LOADTEST_DB ← migrate, demo plan, seed_scale --factor $FACTOR for
# this year (or a copy of $LOADTEST_TEMPLATE, a database already seeded so, e.g.
# zhucheng_x150); 40 clerks of different units, 10 office reviewers, 5 vice-mayors.
# Two gunicorn instances (production settings, plain HTTP) on $PORT and $PORT+1 behind
# the same database (sessions) and Redis (cache, Celery broker), one MEDIA_ROOT, and a
# Celery worker. First a check that the two servers serve one signed-in
# user interchangeably (loadtest/two_servers.py), then locust headless, 50 users spawned
# 10/s for 60 s, every request sent to either server at random. Prints requests/s,
# median, p95 and errors per request kind, the pages' p95, and the load average; exits 1
# when any request failed.
# Knobs: FACTOR (or LOADTEST_FACTOR), LOADTEST_TEMPLATE, LOADTEST_DB, LOADTEST_USERS,
# LOADTEST_SPAWN_RATE, LOADTEST_DURATION, LOADTEST_WORKERS (per server), LOADTEST_PORT,
# LOADTEST_CELERY_CONCURRENCY, REDIS_URL (default redis://127.0.0.1:6379/15, emptied at
# the start), PGHOST/PGUSER.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
OUT=loadtest/out
USERS=${LOADTEST_USERS:-50}
RATE=${LOADTEST_SPAWN_RATE:-10}
DURATION=${LOADTEST_DURATION:-60s}
FACTOR=${FACTOR:-${LOADTEST_FACTOR:-10}}
TEMPLATE=${LOADTEST_TEMPLATE:-}
WORKERS=${LOADTEST_WORKERS:-3}
PORT=${LOADTEST_PORT:-8001}
PORT_B=$((PORT + 1))
PGHOST=${PGHOST:-127.0.0.1}
PGUSER=${PGUSER:-postgres}
DB=${LOADTEST_DB:-zhucheng_load}
YEAR=${LOADTEST_YEAR:-$(date +%Y)}

mkdir -p "$OUT"
rm -f "$OUT"/run_*.csv "$OUT"/requests.csv

export DJANGO_ENV=production
SECRET_KEY=$($PY -c "from django.core.management.utils import get_random_secret_key as k; print(k())")
export SECRET_KEY  # one key for both servers: sessions and CSRF tokens are signed with it
export ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:5432/${DB}"
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export STATIC_ROOT="$PWD/$OUT/static"
export MEDIA_ROOT="$PWD/$OUT/media"  # one storage for both servers and the worker
export ZHUCHENG_TODAY=""
# Cache (rendered files' locks, importer uploads) and Celery broker, shared by all.
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
export ERROR_LOG="$PWD/$OUT/errors.log"
LOADTEST_PASSWORD=$($PY -c "import secrets; print(secrets.token_urlsafe(16))")
export LOADTEST_PASSWORD LOADTEST_YEAR=$YEAR
export LOADTEST_HOSTS="http://127.0.0.1:${PORT},http://127.0.0.1:${PORT_B}"

psql -h "$PGHOST" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS ${DB}"
if [ -n "$TEMPLATE" ]; then
  echo "== database ${DB} (a copy of ${TEMPLATE})"
  psql -h "$PGHOST" -U "$PGUSER" -d postgres -qc "CREATE DATABASE ${DB} TEMPLATE ${TEMPLATE}"
  $PY manage.py migrate --noinput -v0
else
  echo "== database ${DB} (seed_scale --factor ${FACTOR} --year ${YEAR})"
  psql -h "$PGHOST" -U "$PGUSER" -d postgres -qc "CREATE DATABASE ${DB}"
  $PY manage.py migrate --noinput -v0
  $PY manage.py load_demo >/dev/null
  $PY manage.py seed_scale --factor "$FACTOR" --year "$YEAR"
fi
$PY manage.py collectstatic --noinput -v0
$PY -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL"
$PY loadtest/prepare.py "$YEAR" 40 10 5 > "$OUT/users.txt"
echo "accounts: $(grep -c ^clerk "$OUT/users.txt") clerks, $(grep -c ^office "$OUT/users.txt") office, $(grep -c ^mayor "$OUT/users.txt") vice-mayors"

PIDS=()
stop() {
  # SIGTERM: gunicorn and the worker finish what they are doing; a worker still
  # rendering a province-size report after 10 s is stopped cold (SIGQUIT): its task
  # stays in Redis unacknowledged (acks_late), and this Redis db is emptied next run.
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${PIDS[@]}"; do kill -QUIT "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT

echo "== celery worker ($(printf %s "${LOADTEST_CELERY_CONCURRENCY:-1}") process)"
rm -f "$OUT/celery.log"
.venv/bin/celery -A zhucheng worker --concurrency "${LOADTEST_CELERY_CONCURRENCY:-1}" \
  --loglevel INFO --logfile "$OUT/celery.log" >"$OUT/celery.out" 2>&1 &
PIDS+=($!)
for port in "$PORT" "$PORT_B"; do
  echo "== gunicorn on 127.0.0.1:${port} (${WORKERS} workers)"
  .venv/bin/gunicorn zhucheng.wsgi --bind "127.0.0.1:${port}" --workers "$WORKERS" \
    --access-logfile /dev/null --error-logfile "$OUT/gunicorn-${port}.log" &
  PIDS+=($!)
done
for port in "$PORT" "$PORT_B"; do
  for _ in $(seq 1 120); do
    curl -fs -o /dev/null "http://127.0.0.1:${port}/accounts/login/" && break
    sleep 0.5
  done
done
for _ in $(seq 1 120); do
  grep -q "ready" "$OUT/celery.log" 2>/dev/null && break
  sleep 0.5
done
grep -q "ready" "$OUT/celery.log" || { echo "the celery worker did not start; see $OUT/celery.log"; exit 1; }

echo "== two servers, one user"
$PY loadtest/two_servers.py "http://127.0.0.1:${PORT}" "http://127.0.0.1:${PORT_B}"

echo "== locust: ${USERS} users, spawn ${RATE}/s, ${DURATION}, on both servers (load average before: $(cut -d" " -f1-3 /proc/loadavg))"
set +e
.venv/bin/locust -f loadtest/locustfile.py --headless --only-summary \
  -u "$USERS" -r "$RATE" -t "$DURATION" --stop-timeout 5 \
  --host "http://127.0.0.1:${PORT}" --csv "$OUT/run" >"$OUT/locust.log" 2>&1
set -e
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine skews the figures)"
echo "celery: $(grep -c "succeeded in" "$OUT/celery.log" || true) tasks succeeded, $(grep -c "raised\|ERROR" "$OUT/celery.log" || true) failed"

$PY - "$OUT/requests.csv" <<'PYEOF'
import csv
import statistics
import sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
if not rows:
    sys.exit("no requests recorded; see loadtest/out/locust.log")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def line(label, sample, seconds):
    ms = [float(r["ms"]) for r in sample]
    errors = sum(int(r["error"]) for r in sample)
    print(
        f"{label:<42} {len(sample):>7} {errors:>6} {len(sample) / seconds:>7.1f} "
        f"{statistics.median(ms):>7.0f} {pct(ms, 95):>7.0f} {pct(ms, 99):>7.0f}"
    )
    return errors, pct(ms, 95)


starts = [float(r["start"]) for r in rows]
seconds = max(starts) - min(starts) or 1.0
by_name = defaultdict(list)
for r in rows:
    by_name[f"{r['method']} {r['name']}"].append(r)
print(f"{'request':<42} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
for name in sorted(by_name):
    line(name, by_name[name], seconds)
errors, p95 = line("ALL", rows, seconds)


def is_page(r):
    """An HTML page: not a PDF (200 or 202 生成中), an export or a sign-in (slow by design)."""
    return not r["name"].startswith(("PDF", "export", "login"))


# Steady state: requests started after the last of the sign-ins had finished (each
# sign-in costs a deliberate ~0.2 s of CPU: Argon2).
ready = max(float(r["start"]) + float(r["ms"]) / 1000 for r in rows if r["name"] == "login")
steady = [r for r in rows if float(r["start"]) > ready]
if steady:
    steady_seconds = max(float(r["start"]) for r in steady) - ready or 1.0
    s_errors, s_p95 = line(f"steady state (after {ready - min(starts):.0f} s of sign-ins)", steady, steady_seconds)
    pages = [r for r in steady if is_page(r)]
    _, pages_p95 = line("steady state, pages only", pages, steady_seconds) if pages else (0, float("nan"))
    s_rps = len(steady) / steady_seconds
else:
    s_errors, s_p95, pages_p95, s_rps = 0, float("nan"), float("nan"), 0.0
print(
    f"\nwhole run: {len(rows) / seconds:.1f} requests/s, p95 {p95:.0f} ms, errors {errors}"
    f"\nsteady state: {s_rps:.1f} requests/s, p95 {s_p95:.0f} ms (pages {pages_p95:.0f} ms), errors {s_errors}"
    f" (aim: 0 errors, pages' p95 <= 300 ms: {'met' if errors == 0 and pages_p95 <= 300 else 'NOT met'})"
)
sys.exit(1 if errors else 0)
PYEOF
