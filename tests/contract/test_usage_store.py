"""Usage counters on SQLite and PostgreSQL: the daily query quota is counted atomically."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kosha.adapters.sql.usage import RECENT_KEPT, SqlUsageStore
from kosha.domain.tenancy import parse_tenant_key


def test_concurrent_queries_never_pass_the_limit(meta) -> None:  # noqa: ANN001
    tenant = meta.ensure_tenant(parse_tenant_key("account:abc"))
    other = meta.ensure_tenant(parse_tenant_key("account:def"))
    usage = SqlUsageStore(meta.engine)
    with ThreadPoolExecutor(8) as pool:
        allowed = list(pool.map(lambda _: usage.count_query(tenant.id, 25), range(60)))
    assert sum(allowed) == 25 and usage.queries_today(tenant.id) == 25
    assert usage.count_query(other.id, 25)  # another tenant has its own count
    assert usage.count_query(tenant.id, None)  # unlimited tiers are only counted
    assert usage.queries_today(tenant.id) == 26


def test_indexing_work_adds_up_and_recent_queries_keep_the_newest(meta) -> None:  # noqa: ANN001
    tenant = meta.ensure_tenant(parse_tenant_key("account:abc"))
    usage = SqlUsageStore(meta.engine)
    usage.add(tenant.id, chunks_written=10, chunks_embedded=4, bytes_indexed=1000)
    usage.add(tenant.id, chunks_written=5, bytes_indexed=24)
    (today,) = usage.days(tenant.id)
    assert (today["chunks_written"], today["chunks_embedded"], today["bytes_indexed"]) == \
        (15, 4, 1024)
    for i in range(RECENT_KEPT + 5):
        usage.record_query(tenant.id, f"q{i}", "my", i)
    recent = usage.recent_queries(tenant.id)
    assert [q["query"] for q in recent] == [f"q{i}" for i in range(RECENT_KEPT + 4, 4, -1)]
    assert usage.recent_queries(meta.ensure_tenant(parse_tenant_key("account:x")).id) == []
