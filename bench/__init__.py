"""Benchmarks: `make bench` (or `python -m bench [name ...]`). Not part of the test suite.

Each module in this package named in ``BENCHMARKS`` has a ``run()`` that prints
its figures. They run on PostgreSQL: ``BENCH_DATABASE_URL`` (default a fresh
``zhucheng_bench`` database on 127.0.0.1) is created, migrated and used.
"""

BENCHMARKS: list[str] = ["pages", "reporting", "pdf", "assessment", "importing", "jurisdictions"]
