"""Usage per tenant per UTC day, recent queries, and what a tenant holds (for quotas)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from kosha.adapters.sql.tables import RecentQueryRow, RepoFileRow, RepoRow, UsageDayRow

RECENT_KEPT = 20
COUNTERS = ("queries", "chunks_written", "chunks_embedded", "bytes_indexed")


def today() -> str:
    return datetime.now(UTC).date().isoformat()


class SqlUsageStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._session()

    def _ensure_day(self, s: Session, tenant_id: str, day: str) -> None:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        s.execute(dialect.insert(UsageDayRow).values(
            tenant_id=tenant_id, day=day, queries=0, chunks_written=0, chunks_embedded=0,
            bytes_indexed=0).on_conflict_do_nothing(index_elements=["tenant_id", "day"]))

    def count_query(self, tenant_id: str, limit: int | None) -> bool:
        """Count one query for today unless `limit` is reached: one atomic UPDATE."""
        day = today()
        with self.session() as s, s.begin():
            self._ensure_day(s, tenant_id, day)
            q = update(UsageDayRow).where(UsageDayRow.tenant_id == tenant_id,
                                          UsageDayRow.day == day)
            if limit is not None:
                q = q.where(UsageDayRow.queries < limit)
            return s.execute(q.values(queries=UsageDayRow.queries + 1)).rowcount == 1

    def add(self, tenant_id: str, *, chunks_written: int = 0, chunks_embedded: int = 0,
            bytes_indexed: int = 0) -> None:
        """Add indexing work to today's row."""
        day = today()
        with self.session() as s, s.begin():
            self._ensure_day(s, tenant_id, day)
            s.execute(update(UsageDayRow).where(UsageDayRow.tenant_id == tenant_id,
                                                UsageDayRow.day == day).values(
                chunks_written=UsageDayRow.chunks_written + chunks_written,
                chunks_embedded=UsageDayRow.chunks_embedded + chunks_embedded,
                bytes_indexed=UsageDayRow.bytes_indexed + bytes_indexed))

    def days(self, tenant_id: str, last: int = 30) -> list[dict]:
        """Usage rows of the last `last` days, newest first."""
        since = (datetime.now(UTC).date() - timedelta(days=last - 1)).isoformat()
        with self.session() as s:
            rows = s.scalars(select(UsageDayRow).where(
                UsageDayRow.tenant_id == tenant_id, UsageDayRow.day >= since)
                .order_by(UsageDayRow.day.desc()))
            return [{"day": r.day, **{c: getattr(r, c) for c in COUNTERS}} for r in rows]

    def queries_today(self, tenant_id: str) -> int:
        with self.session() as s:
            return s.scalar(select(UsageDayRow.queries).where(
                UsageDayRow.tenant_id == tenant_id, UsageDayRow.day == today())) or 0

    def record_query(self, tenant_id: str, query: str, mode: str, hits: int) -> None:
        """Remember a query for the dashboard; only the newest RECENT_KEPT are kept."""
        with self.session() as s, s.begin():
            s.add(RecentQueryRow(tenant_id=tenant_id, query=query[:2000], mode=mode, hits=hits,
                                 created_at=datetime.now(UTC)))
            s.flush()
            ids = s.scalars(select(RecentQueryRow.id).where(
                RecentQueryRow.tenant_id == tenant_id).order_by(RecentQueryRow.id.desc())
                .offset(RECENT_KEPT)).all()
            if ids:
                s.execute(delete(RecentQueryRow).where(RecentQueryRow.tenant_id == tenant_id,
                                                       RecentQueryRow.id.in_(ids)))

    def recent_queries(self, tenant_id: str, limit: int = RECENT_KEPT) -> list[dict]:
        with self.session() as s:
            rows = s.scalars(select(RecentQueryRow).where(RecentQueryRow.tenant_id == tenant_id)
                             .order_by(RecentQueryRow.id.desc()).limit(limit))
            return [{"query": r.query, "mode": r.mode, "hits": r.hits,
                     "at": r.created_at.replace(tzinfo=UTC).isoformat()
                     if r.created_at.tzinfo is None else r.created_at.isoformat()} for r in rows]

    def repo_chunks(self, tenant_id: str) -> dict[int, int]:
        """Live chunks per repo of a tenant."""
        with self.session() as s:
            rows = s.execute(select(RepoRow.id, func.coalesce(func.sum(RepoFileRow.chunk_count),
                                                              0))
                             .outerjoin(RepoFileRow, RepoFileRow.repo_id == RepoRow.id)
                             .where(RepoRow.tenant_id == tenant_id).group_by(RepoRow.id))
            return {int(r): int(c) for r, c in rows}
