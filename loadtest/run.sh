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
LOADTEST_PASSWORD=$($PY -c "import secrets; print(secrets.token_urlsafe(16))")
export LOADTEST_PASSWORD

echo "== database ${DB} (seed_scale --factor ${FACTOR} --year ${YEAR})"
psql -h "$PGHOST" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS ${DB}"
psql -h "$PGHOST" -U "$PGUSER" -d postgres -qc "CREATE DATABASE ${DB}"
$PY manage.py migrate --noinput -v0
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

echo "== locust: ${USERS} users, spawn ${RATE}/s, ${DURATION}"
set +e
.venv/bin/locust -f loadtest/locustfile.py --headless --only-summary \
  -u "$USERS" -r "$RATE" -t "$DURATION" --stop-timeout 5 \
  --host "http://127.0.0.1:${PORT}" --csv "$OUT/run" >"$OUT/locust.log" 2>&1
set -e

$PY - "$OUT/run_stats.csv" <<'PYEOF'
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
print(f"{'request':<42} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
for r in rows:
    name = "ALL" if r["Name"] == "Aggregated" else f"{r['Type']} {r['Name']}"
    print(
        f"{name:<42} {r['Request Count']:>7} {r['Failure Count']:>6} "
        f"{float(r['Requests/s']):>7.1f} {r['50%']:>7} {r['95%']:>7}"
    )
total = next(r for r in rows if r["Name"] == "Aggregated")
errors, p95 = int(total["Failure Count"]), int(float(total["95%"]))
print(
    f"\nrequests/s {float(total['Requests/s']):.1f}, p95 {p95} ms, errors {errors} "
    f"(aim: 0 errors, p95 < 300 ms: {'met' if errors == 0 and p95 < 300 else 'NOT met'})"
)
sys.exit(1 if errors else 0)
PYEOF
