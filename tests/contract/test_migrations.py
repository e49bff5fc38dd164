"""Processes that start together (an API and its workers) migrate one at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import inspect

from kosha.adapters.sql.engine import make_engine, migrate


def test_concurrent_migrations_of_an_empty_database_all_succeed(sql_url: str) -> None:
    engines = [make_engine(sql_url) for _ in range(4)]
    try:
        pool = ThreadPoolExecutor(4)
        futures = [pool.submit(migrate, e) for e in engines]
        for f in futures:
            f.result(timeout=60)  # raises if one failed (or, unguarded, hung on another)
        pool.shutdown(wait=False)
        tables = set(inspect(engines[0]).get_table_names())
        assert {"users", "index_jobs", "index_job_repos", "alembic_version"} <= tables
    finally:
        for e in engines:
            e.dispose()
