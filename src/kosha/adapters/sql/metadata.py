"""Metadata store on SQLAlchemy 2: tenants, repos, live manifests, intents, locks, caches."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kosha.adapters.sql.tables import (
    EmbeddingCacheRow,
    IndexIntentRow,
    IndexRunRow,
    JobRow,
    RepoFileRow,
    RepoRow,
    TenantRow,
)
from kosha.domain.models import LiveFile, RepoRecord, TenantRecord
from kosha.domain.tenancy import TenantKey, parse_tenant_key

_BATCH = 500


def _now() -> datetime:
    return datetime.now(UTC)


def _batches(items: Sequence, size: int = _BATCH) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class SqlMetadataStore:
    """Every method that touches tenant data takes the tenant (or a repo id of it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._session()

    # --- tenants ---------------------------------------------------------------------------
    def ensure_tenant(self, key: TenantKey) -> TenantRecord:
        """Create the tenant row for `key` if missing (race-safe) and return it."""
        text = str(key)
        with self.session() as s:
            row = s.scalar(select(TenantRow).where(TenantRow.key == text))
            if row is None:
                row = TenantRow(id=str(uuid.uuid4()), key=text,
                                kind="named" if key.is_named else "workspace",
                                gitlab_domain=key.domain, root_group_path=key.root_group_path,
                                is_active=True, created_at=_now())
                s.add(row)
                try:
                    s.commit()
                except IntegrityError:  # a concurrent request created it first
                    s.rollback()
                    row = s.scalar(select(TenantRow).where(TenantRow.key == text))
                    if row is None:
                        raise
            return TenantRecord(id=row.id, key=row.key)

    def find_tenant(self, key: TenantKey) -> TenantRecord | None:
        with self.session() as s:
            row = s.scalar(select(TenantRow).where(TenantRow.key == str(key)))
            return TenantRecord(id=row.id, key=row.key) if row else None

    def tenants_read_by(self, key: TenantKey) -> list[TenantRecord]:
        """The tenant itself, or for a region wildcard every team tenant below it."""
        with self.session() as s:
            if not key.wildcard:
                rows = s.scalars(select(TenantRow).where(TenantRow.key == str(key),
                                                         TenantRow.is_active.is_(True)))
            else:
                prefix = f"{key.domain}//{'/'.join(key.path)}/"
                rows = s.scalars(select(TenantRow).where(
                    TenantRow.key.startswith(prefix, autoescape=True),
                    TenantRow.is_active.is_(True)))
            found = [TenantRecord(id=r.id, key=r.key) for r in rows]
        return [t for t in found if key.covers_tenant(parse_tenant_key(t.key))]

    def delete_tenant(self, tenant_id: str) -> None:
        """Remove a tenant's rows: its own, by cascade everything keyed by it, and its jobs."""
        with self.session() as s, s.begin():
            key = s.scalar(select(TenantRow.key).where(TenantRow.id == tenant_id))
            if key is not None:
                s.execute(delete(JobRow).where(JobRow.tenant_key == key))
            s.execute(delete(TenantRow).where(TenantRow.id == tenant_id))

    # --- repos -----------------------------------------------------------------------------
    def ensure_repo(self, tenant: TenantRecord, repo_url: str, *, source: str,
                    group_path: str | None = None,
                    forge_project_id: int | None = None) -> RepoRecord:
        with self.session() as s:
            row = s.scalar(select(RepoRow).where(RepoRow.tenant_id == tenant.id,
                                                 RepoRow.repo_url == repo_url))
            if row is None:
                row = RepoRow(tenant_id=tenant.id, repo_url=repo_url, source=source,
                              group_path=group_path, forge_project_id=forge_project_id)
                s.add(row)
                try:
                    s.commit()
                except IntegrityError:
                    s.rollback()
                    row = s.scalar(select(RepoRow).where(RepoRow.tenant_id == tenant.id,
                                                         RepoRow.repo_url == repo_url))
                    if row is None:
                        raise
            elif forge_project_id is not None and row.forge_project_id != forge_project_id:
                row.forge_project_id = forge_project_id
                s.commit()
            return _repo(row, tenant.key)

    def find_repo(self, tenant: TenantRecord, repo_url: str) -> RepoRecord | None:
        with self.session() as s:
            row = s.scalar(select(RepoRow).where(RepoRow.tenant_id == tenant.id,
                                                 RepoRow.repo_url == repo_url))
            return _repo(row, tenant.key) if row else None

    def get_repo(self, tenant: TenantRecord, repo_id: int) -> RepoRecord | None:
        with self.session() as s:
            row = s.scalar(select(RepoRow).where(RepoRow.tenant_id == tenant.id,
                                                 RepoRow.id == repo_id))
            return _repo(row, tenant.key) if row else None

    def list_repos(self, tenants: Sequence[TenantRecord], *,
                   indexed_only: bool = False) -> list[RepoRecord]:
        keys = {t.id: t.key for t in tenants}
        if not keys:
            return []
        with self.session() as s:
            q = select(RepoRow).where(RepoRow.tenant_id.in_(keys)).order_by(RepoRow.id)
            if indexed_only:
                q = q.where(RepoRow.last_indexed_commit.is_not(None))
            return [_repo(r, keys[r.tenant_id]) for r in s.scalars(q)]

    def delete_repo(self, tenant: TenantRecord, repo_id: int) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(RepoRow).where(RepoRow.tenant_id == tenant.id,
                                            RepoRow.id == repo_id))

    def tenant_chunks(self, tenant_id: str, *, excluding_repo: int | None = None) -> int:
        """Live chunks of a tenant's repos (optionally all but one): what quotas count."""
        with self.session() as s:
            q = select(func.coalesce(func.sum(RepoFileRow.chunk_count), 0)).join(
                RepoRow, RepoRow.id == RepoFileRow.repo_id).where(RepoRow.tenant_id == tenant_id)
            if excluding_repo is not None:
                q = q.where(RepoRow.id != excluding_repo)
            return int(s.scalar(q) or 0)

    # --- per-repo index lease ----------------------------------------------------------------
    def acquire_lock(self, repo_id: int, token: str, ttl: timedelta) -> bool:
        """Take the repo's index lease unless another live holder has it."""
        now = _now()
        with self.session() as s, s.begin():
            result = s.execute(update(RepoRow).where(
                RepoRow.id == repo_id,
                or_(RepoRow.lock_token.is_(None), RepoRow.lock_token == token,
                    RepoRow.lock_expires_at < now),
            ).values(lock_token=token, lock_expires_at=now + ttl))
            return result.rowcount == 1

    def release_lock(self, repo_id: int, token: str) -> None:
        with self.session() as s, s.begin():
            s.execute(update(RepoRow).where(RepoRow.id == repo_id, RepoRow.lock_token == token)
                      .values(lock_token=None, lock_expires_at=None))

    # --- live manifest and intents -----------------------------------------------------------
    def live_files(self, repo_id: int) -> dict[str, LiveFile]:
        with self.session() as s:
            rows = s.scalars(select(RepoFileRow).where(RepoFileRow.repo_id == repo_id))
            return {r.rel_path: _live(r) for r in rows}

    def live_file(self, repo_id: int, rel_path: str) -> LiveFile | None:
        """One live file of a repo, or None."""
        with self.session() as s:
            row = s.get(RepoFileRow, (repo_id, rel_path))
            return _live(row) if row is not None else None

    def live_versions(self, pairs: Iterable[tuple[int, str, str]]
                      ) -> dict[tuple[int, str, str], str]:
        """Which of (repo_id, rel_path, file_sha) are live right now, each with the commit
        its blob was written under."""
        wanted = set(pairs)
        live: dict[tuple[int, str, str], str] = {}
        with self.session() as s:
            for batch in _batches(list(wanted)):
                by_repo: dict[int, set[str]] = {}
                for r, p, _ in batch:
                    by_repo.setdefault(r, set()).add(p)
                # per repo `rel_path IN (…)`: SQLite uses the primary key for this, not for a
                # row-value IN over both columns (a full scan: ~20 ms at 100k files)
                q = select(RepoFileRow.repo_id, RepoFileRow.rel_path, RepoFileRow.file_sha,
                           RepoFileRow.blob_commit).where(or_(*(
                               and_(RepoFileRow.repo_id == r, RepoFileRow.rel_path.in_(sorted(ps)))
                               for r, ps in by_repo.items())))
                for r, p, sha, blob_commit in s.execute(q):
                    if (r, p, sha) in wanted:
                        live[(r, p, sha)] = blob_commit
        return live

    def add_intents(self, repo_id: int, versions: Sequence[tuple[str, str, str]]) -> None:
        """Record (rel_path, file_sha, blob_commit) versions about to be written."""
        with self.session() as s, s.begin():
            s.add_all(IndexIntentRow(repo_id=repo_id, rel_path=p, file_sha=sha, blob_commit=c)
                      for p, sha, c in versions)

    def intents(self, repo_id: int) -> list[tuple[str, str, str]]:
        with self.session() as s:
            rows = s.execute(select(IndexIntentRow.rel_path, IndexIntentRow.file_sha,
                                    IndexIntentRow.blob_commit)
                             .where(IndexIntentRow.repo_id == repo_id).distinct())
            return [tuple(r) for r in rows]

    def clear_intents(self, repo_id: int, versions: Sequence[tuple[str, str, str]]) -> None:
        with self.session() as s, s.begin():
            for batch in _batches(list(versions)):
                s.execute(delete(IndexIntentRow).where(
                    IndexIntentRow.repo_id == repo_id,
                    tuple_(IndexIntentRow.rel_path, IndexIntentRow.file_sha).in_(
                        [(p, sha) for p, sha, _ in batch])))

    def publish(self, repo_id: int, commit: str, ref: str, upserts: Sequence[LiveFile],
                removed: Sequence[str], replaced: Sequence[tuple[str, str, str]]) -> None:
        """Atomically make a new commit live: the manifest changes, the old versions become
        intents (garbage to collect), and `last_indexed_commit` moves."""
        with self.session() as s, s.begin():
            gone = [*removed, *(f.rel_path for f in upserts)]
            for batch in _batches(gone):
                s.execute(delete(RepoFileRow).where(RepoFileRow.repo_id == repo_id,
                                                    RepoFileRow.rel_path.in_(batch)))
            s.add_all(RepoFileRow(repo_id=repo_id, rel_path=f.rel_path, file_sha=f.file_sha,
                                  lang=f.lang, size=f.size, line_count=f.line_count,
                                  chunk_count=f.chunk_count, blob_commit=f.blob_commit)
                      for f in upserts)
            s.add_all(IndexIntentRow(repo_id=repo_id, rel_path=p, file_sha=sha, blob_commit=c)
                      for p, sha, c in replaced)
            s.execute(update(RepoRow).where(RepoRow.id == repo_id).values(
                last_indexed_commit=commit, last_indexed_ref=ref, last_indexed_at=_now()))

    # --- index runs ----------------------------------------------------------------------
    def start_run(self, repo_id: int, ref: str, mode: str) -> int:
        with self.session() as s, s.begin():
            row = IndexRunRow(repo_id=repo_id, ref=ref, mode=mode, status="running",
                              started_at=_now(), stats={})
            s.add(row)
            s.flush()
            return row.id

    def finish_run(self, run_id: int, *, status: str, commit: str | None, stats: dict,
                   error: str | None = None) -> None:
        with self.session() as s, s.begin():
            s.execute(update(IndexRunRow).where(IndexRunRow.id == run_id).values(
                status=status, commit=commit, stats=stats, error=error, finished_at=_now()))

    # --- embedding cache -------------------------------------------------------------------
    def cached_vectors(self, tenant_id: str, model: str,
                       hashes: Sequence[str]) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        with self.session() as s:
            for batch in _batches(list(set(hashes))):
                rows = s.execute(select(EmbeddingCacheRow.content_hash, EmbeddingCacheRow.vector)
                                 .where(and_(EmbeddingCacheRow.tenant_id == tenant_id,
                                             EmbeddingCacheRow.model == model,
                                             EmbeddingCacheRow.content_hash.in_(batch))))
                for h, blob in rows:
                    out[h] = np.frombuffer(blob, dtype=np.float32).tolist()
        return out

    def cache_vectors(self, tenant_id: str, model: str,
                      vectors: dict[str, Sequence[float]]) -> None:
        if not vectors:
            return
        # A concurrent run may cache the same content first: the cache is best-effort.
        with contextlib.suppress(IntegrityError):
            self._insert_vectors(tenant_id, model, vectors)

    def _insert_vectors(self, tenant_id: str, model: str,
                        vectors: dict[str, Sequence[float]]) -> None:
        with self.session() as s, s.begin():
            known = set()
            for batch in _batches(list(vectors)):
                known.update(s.scalars(select(EmbeddingCacheRow.content_hash).where(
                    EmbeddingCacheRow.tenant_id == tenant_id, EmbeddingCacheRow.model == model,
                    EmbeddingCacheRow.content_hash.in_(batch))))
            s.add_all(EmbeddingCacheRow(tenant_id=tenant_id, model=model, content_hash=h,
                                        vector=np.asarray(v, dtype=np.float32).tobytes())
                      for h, v in vectors.items() if h not in known)


def _repo(row: RepoRow, tenant_key: str) -> RepoRecord:
    return RepoRecord(id=row.id, tenant_id=row.tenant_id, tenant_key=tenant_key,
                      repo_url=row.repo_url, source=row.source,
                      forge_project_id=row.forge_project_id, group_path=row.group_path,
                      last_indexed_commit=row.last_indexed_commit,
                      last_indexed_ref=row.last_indexed_ref)


def _live(r: RepoFileRow) -> LiveFile:
    return LiveFile(rel_path=r.rel_path, file_sha=r.file_sha, lang=r.lang, size=r.size,
                    line_count=r.line_count, chunk_count=r.chunk_count,
                    blob_commit=r.blob_commit)
