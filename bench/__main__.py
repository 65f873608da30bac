"""Run the benchmarks on a fresh PostgreSQL database and print their figures."""

import importlib
import os
import sys
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zhucheng_bench"


def _fresh_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str]) -> int:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    # BENCH_REUSE=1: keep the database (and the years a benchmark seeded in it) to
    # save the seeding time, e.g. on a copy of a `seed_scale --factor 150` database.
    if os.environ.get("BENCH_REUSE") != "1":
        _fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhucheng.settings")
    os.environ["ZHUCHENG_TODAY"] = ""
    os.environ["DEBUG"] = "false"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    from bench import BENCHMARKS

    names = argv or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    print(f"Benchmarks on {url}")
    for name in names:
        started = time.perf_counter()
        print(f"\n== {name}")
        importlib.import_module(f"bench.{name}").run()
        print(f"({name} took {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
