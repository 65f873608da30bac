#!/usr/bin/env bash
# `make loadtest`: a bounded load test against gunicorn on 127.0.0.1 only.
#
# Fresh PostgreSQL database zhucheng_load ← migrate, demo plan, seed_scale --factor 10
# for this year; 40 clerk and 10 office accounts; gunicorn with production settings
# (plain HTTP); locust headless, 50 users spawned 10/s, for 60 s. Prints requests/s,
# p95 and the error count per request kind; exits 1 when any request failed.
# Knobs: LOADTEST_USERS, LOADTEST_SPAWN_RATE, LOADTEST_DURATION, LOADTEST_FACTOR,
# LOADTEST_WORKERS, LOADTEST_PORT, PGHOST/PGUSER.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
OUT=loadtest/out
USERS=${LOADTEST_USERS:-50}
RATE=${LOADTEST_SPAWN_RATE:-10}
DURATION=${LOADTEST_DURATION:-60s}
FACTOR=${LOADTEST_FACTOR:-10}
WORKERS=${LOADTEST_WORKERS:-3}
PORT=${LOADTEST_PORT:-8001}
PGHOST=${PGHOST:-127.0.0.1}
PGUSER=${PGUSER:-postgres}
DB=zhucheng_load
YEAR=$(date +%Y)

mkdir -p "$OUT"
rm -f "$OUT"/run_*.csv

export DJANGO_ENV=production
SECRET_KEY=$($PY -c "from django.core.management.utils import get_random_secret_key as k; print(k())")
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:5432/${DB}"
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export STATIC_ROOT="$PWD/$OUT/static"
export ZHUCHENG_TODAY=""
# A cache the workers share, as production requires: Redis when REDIS_URL is set.
export CACHE_BACKEND=${CACHE_BACKEND:-database}
export ERROR_LOG="$PWD/$OUT/errors.log"
LOADTEST_PASSWORD=$($PY -c "import secrets; print(secrets.token_urlsafe(16))")
export LOADTEST_PASSWORD

echo "== database ${DB} (seed_scale --factor ${FACTOR} --year ${YEAR})"
psql -h "$PGHOST" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS ${DB}"
psql -h "$PGHOST" -U "$PGUSER" -d postgres -qc "CREATE DATABASE ${DB}"
$PY manage.py migrate --noinput -v0
$PY manage.py createcachetable
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_demo >/dev/null
$PY manage.py seed_scale --factor "$FACTOR" --year "$YEAR"
$PY loadtest/prepare.py "$YEAR" 40 10 > "$OUT/users.txt"
echo "accounts: $(grep -c clerk "$OUT/users.txt") clerks, $(grep -c office "$OUT/users.txt") office"

echo "== gunicorn on 127.0.0.1:${PORT} (${WORKERS} workers)"
.venv/bin/gunicorn zhucheng.wsgi --bind "127.0.0.1:${PORT}" --workers "$WORKERS" \
  --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs -o /dev/null "http://127.0.0.1:${PORT}/accounts/login/" && break
  sleep 0.5
done

echo "== locust: ${USERS} users, spawn ${RATE}/s, ${DURATION} (load average before: $(cut -d" " -f1-3 /proc/loadavg))"
set +e
.venv/bin/locust -f loadtest/locustfile.py --headless --only-summary \
  -u "$USERS" -r "$RATE" -t "$DURATION" --stop-timeout 5 \
  --host "http://127.0.0.1:${PORT}" --csv "$OUT/run" >"$OUT/locust.log" 2>&1
set -e
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine skews the figures)"

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
# Steady state: requests started after the last of the 50 sign-ins had finished (each
# sign-in costs ~0.3 s of CPU by design: PBKDF2 with 1,000,000 iterations).
ready = max(float(r["start"]) + float(r["ms"]) / 1000 for r in rows if r["name"] == "login")
steady = [r for r in rows if float(r["start"]) > ready]
if steady:
    steady_seconds = max(float(r["start"]) for r in steady) - ready or 1.0
    s_errors, s_p95 = line(f"steady state (after {ready - min(starts):.0f} s of sign-ins)", steady, steady_seconds)
    s_rps = len(steady) / steady_seconds
else:
    s_errors, s_p95, s_rps = 0, float("nan"), 0.0
print(
    f"\nwhole run: {len(rows) / seconds:.1f} requests/s, p95 {p95:.0f} ms, errors {errors}"
    f"\nsteady state: {s_rps:.1f} requests/s, p95 {s_p95:.0f} ms, errors {s_errors}"
    f" (aim: 0 errors, p95 < 300 ms: {'met' if errors == 0 and s_p95 < 300 else 'NOT met'})"
)
sys.exit(1 if errors else 0)
PYEOF
