"""Index jobs on SQLAlchemy 2: one `index_jobs` row per job, never a credential."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from kosha.adapters.sql.metadata import SqlMetadataStore
from kosha.adapters.sql.tables import JobRow
from kosha.domain.errors import NotFound
from kosha.jobs.service import ACTIVE, FAILED, INTERRUPTED, QUEUED, RUNNING, JobView

PROGRESS_FIELDS = frozenset({"phase", "files_total", "files_done", "chunks", "chunks_to_embed",
                             "chunks_embedded", "eta_s", "commit"})


def _now() -> datetime:
    return datetime.now(UTC)


def _view(row: JobRow) -> JobView:
    return JobView(
        id=row.id, tenant_key=row.tenant_key, repo_url=row.repo_url, ref=row.ref, mode=row.mode,
        status=row.status, phase=row.phase, files_total=row.files_total,
        files_done=row.files_done, chunks=row.chunks, chunks_to_embed=row.chunks_to_embed,
        chunks_embedded=row.chunks_embedded, eta_s=row.eta_s, commit=row.commit,
        error_code=row.error_code, error_message=row.error_message, requests=row.requests,
        created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at)


class SqlJobStore:
    """Reads of a job always name its tenant: another tenant's job is simply not found."""

    def __init__(self, db: Engine | SqlMetadataStore) -> None:
        self.engine: Engine = db.engine if isinstance(db, SqlMetadataStore) else db
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._session()

    def create(self, tenant_key: str, repo_url: str, ref: str, mode: str) -> JobView:
        """A new queued job for one request."""
        now = _now()
        row = JobRow(id=uuid.uuid4().hex, tenant_key=tenant_key, repo_url=repo_url, ref=ref,
                     mode=mode, status=QUEUED, phase="queued", files_total=0, files_done=0,
                     chunks=0, chunks_to_embed=0, chunks_embedded=0, eta_s=None, commit=None,
                     error_code=None, error_message=None, requests=1, created_at=now,
                     started_at=None, finished_at=None, updated_at=now)
        with self.session() as s:
            s.add(row)
            s.commit()
            return _view(row)

    def get(self, job_id: str, tenant_key: str) -> JobView | None:
        """The job `job_id` if it belongs to `tenant_key`, else None."""
        with self.session() as s:
            row = s.scalar(select(JobRow).where(JobRow.id == job_id,
                                                JobRow.tenant_key == tenant_key))
            return _view(row) if row else None

    def active_for(self, tenant_key: str, repo_url: str) -> list[JobView]:
        """The queued or running jobs of one repo, oldest first."""
        with self.session() as s:
            rows = s.scalars(select(JobRow).where(
                JobRow.tenant_key == tenant_key, JobRow.repo_url == repo_url,
                JobRow.status.in_(ACTIVE)).order_by(JobRow.created_at, JobRow.id))
            return [_view(r) for r in rows]

    def absorb(self, job_id: str, ref: str, mode: str) -> JobView:
        """One more request joined the queued job: count it; its ref and mode win."""
        with self.session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                raise NotFound("no such job")
            row.requests += 1
            row.ref, row.mode, row.updated_at = ref, mode, _now()
            s.commit()
            return _view(row)

    def start(self, job_id: str) -> None:
        """A worker picked the job up."""
        now = _now()
        self._update(job_id, status=RUNNING, started_at=now, updated_at=now)

    def update_progress(self, job_id: str, **fields: Any) -> None:
        """Write progress columns (phase, counts, eta_s, commit) of a job."""
        unknown = set(fields) - PROGRESS_FIELDS
        if unknown:
            raise ValueError(f"not progress columns: {sorted(unknown)}")
        self._update(job_id, **fields, updated_at=_now())

    def finish(self, job_id: str, status: str, *, commit: str | None = None,
               error_code: str | None = None, error_message: str | None = None) -> None:
        """Record the end of a job: `succeeded`, or `failed` with an error code and message."""
        now = _now()
        values: dict[str, Any] = {"status": status, "phase": "done" if status != FAILED
                                  else "failed", "eta_s": None, "error_code": error_code,
                                  "error_message": error_message, "finished_at": now,
                                  "updated_at": now}
        if commit is not None:
            values["commit"] = commit
        self._update(job_id, **values)

    def mark_interrupted_on_start(self) -> int:
        """Fail every job a dead process left queued or running; returns how many."""
        now = _now()
        with self.session() as s:
            result = s.execute(update(JobRow).where(JobRow.status.in_(ACTIVE)).values(
                status=FAILED, phase="failed", eta_s=None, error_code=INTERRUPTED,
                error_message="the service stopped before this job ended",
                finished_at=now, updated_at=now))
            s.commit()
            return result.rowcount or 0

    def _update(self, job_id: str, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(**values))
            s.commit()
