"""Index jobs on SQLAlchemy 2: one `index_jobs` row per job and one `index_job_repos` row per
repository of it, never a credential."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from kosha.adapters.sql.metadata import SqlMetadataStore
from kosha.adapters.sql.tables import JobRepoRow, JobRow
from kosha.jobs.views import (
    ACTIVE,
    CANCELLED,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    SKIPPED,
    JobRepoView,
    JobView,
)

PROGRESS_FIELDS = frozenset({"phase", "files_total", "files_done", "chunks", "chunks_to_embed",
                             "chunks_embedded", "eta_s", "commit"})
REPO_PROGRESS_FIELDS = frozenset({"phase", "files_total", "files_done", "chunks", "languages",
                                  "commit"})


def _now() -> datetime:
    return datetime.now(UTC)


def _repo_view(row: JobRepoRow) -> JobRepoView:
    return JobRepoView(
        position=row.position, repo_url=row.repo_url, ref=row.ref, status=row.status,
        phase=row.phase, files_total=row.files_total, files_done=row.files_done,
        chunks=row.chunks, languages=dict(row.languages or {}), commit=row.commit,
        error_code=row.error_code, error_message=row.error_message,
        started_at=row.started_at, finished_at=row.finished_at)


def _view(row: JobRow, repos: Sequence[JobRepoRow] = ()) -> JobView:
    return JobView(
        id=row.id, tenant_key=row.tenant_key, repo_url=row.repo_url, ref=row.ref, mode=row.mode,
        status=row.status, phase=row.phase, files_total=row.files_total,
        files_done=row.files_done, chunks=row.chunks, chunks_to_embed=row.chunks_to_embed,
        chunks_embedded=row.chunks_embedded, eta_s=row.eta_s, commit=row.commit,
        error_code=row.error_code, error_message=row.error_message, requests=row.requests,
        created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at,
        total_repos=row.total_repos, current_repo_index=row.current_repo_index,
        attempts=row.attempts or 0,
        repos=tuple(_repo_view(r) for r in sorted(repos, key=lambda r: r.position)))


def _check(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not progress columns: {sorted(unknown)}")


class SqlJobStore:
    """Reads of a job always name its tenant: another tenant's job is simply not found."""

    def __init__(self, db: Engine | SqlMetadataStore) -> None:
        self.engine: Engine = db.engine if isinstance(db, SqlMetadataStore) else db
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._session()

    # --- jobs --------------------------------------------------------------------------
    def create(self, tenant_key: str, repo_url: str, ref: str, mode: str,
               repos: Sequence[tuple[str, str]] | None = None) -> JobView:
        """A new queued job; `repos` ((url, ref) in run order) defaults to its one repo."""
        repos = list(repos) if repos else [(repo_url, ref)]
        now = _now()
        row = JobRow(id=uuid.uuid4().hex, tenant_key=tenant_key, repo_url=repo_url, ref=ref,
                     mode=mode, status=QUEUED, phase="queued", files_total=0, files_done=0,
                     chunks=0, chunks_to_embed=0, chunks_embedded=0, eta_s=None, commit=None,
                     error_code=None, error_message=None, requests=1,
                     total_repos=len(repos), current_repo_index=0, created_at=now,
                     started_at=None, finished_at=None, updated_at=now)
        children = [JobRepoRow(job_id=row.id, position=i, repo_url=url, ref=r, status=QUEUED,
                               phase="queued", files_total=0, files_done=0, chunks=0,
                               languages={}, commit=None, error_code=None, error_message=None,
                               started_at=None, finished_at=None)
                    for i, (url, r) in enumerate(repos)]
        with self.session() as s:
            s.add(row)
            s.flush()  # the job row before its children (foreign key)
            s.add_all(children)
            s.commit()
            return _view(row, children)

    def get(self, job_id: str, tenant_key: str) -> JobView | None:
        """The job `job_id` if it belongs to `tenant_key`, else None."""
        with self.session() as s:
            row = s.scalar(select(JobRow).where(JobRow.id == job_id,
                                                JobRow.tenant_key == tenant_key))
            if row is None:
                return None
            return _view(row, self._children(s, [row.id]).get(row.id, []))

    def list_for(self, tenant_keys: Sequence[str], limit: int = 50) -> list[JobView]:
        """The newest `limit` jobs of these tenants (and no other), newest first."""
        keys = [str(k) for k in tenant_keys]
        if not keys or limit <= 0:
            return []
        with self.session() as s:
            rows = list(s.scalars(select(JobRow).where(JobRow.tenant_key.in_(keys))
                                  .order_by(JobRow.created_at.desc(), JobRow.id.desc())
                                  .limit(limit)))
            children = self._children(s, [r.id for r in rows])
            return [_view(r, children.get(r.id, [])) for r in rows]

    def active_for(self, tenant_key: str, repo_url: str) -> list[JobView]:
        """The queued or running jobs of one repo, oldest first."""
        with self.session() as s:
            rows = list(s.scalars(select(JobRow).where(
                JobRow.tenant_key == tenant_key, JobRow.repo_url == repo_url,
                JobRow.status.in_(ACTIVE)).order_by(JobRow.created_at, JobRow.id)))
            children = self._children(s, [r.id for r in rows])
            return [_view(r, children.get(r.id, [])) for r in rows]

    def absorb(self, job_id: str, ref: str, mode: str) -> JobView | None:
        """One more request joined the queued job: count it; its ref and mode win. None if
        the job is no longer queued (a worker took it meanwhile). One UPDATE: concurrent
        requests in several processes all count."""
        with self.session() as s:
            joined = s.execute(update(JobRow).where(
                JobRow.id == job_id, JobRow.status == QUEUED).values(
                requests=JobRow.requests + 1, ref=ref, mode=mode, updated_at=_now())).rowcount
            if joined != 1:
                s.rollback()
                return None
            s.execute(update(JobRepoRow).where(JobRepoRow.job_id == job_id,
                                               JobRepoRow.position == 0).values(ref=ref))
            s.commit()
            row = s.get(JobRow, job_id)
            return _view(row, self._children(s, [job_id]).get(job_id, []))

    def start(self, job_id: str) -> None:
        """A worker picked the job up."""
        now = _now()
        self._update(job_id, status=RUNNING, started_at=now, updated_at=now)

    def update_progress(self, job_id: str, **fields: Any) -> None:
        """Write progress columns (phase, counts, eta_s, commit) of a job."""
        _check(fields, PROGRESS_FIELDS)
        self._update(job_id, **fields, updated_at=_now())

    def finish(self, job_id: str, status: str, *, commit: str | None = None,
               error_code: str | None = None, error_message: str | None = None) -> None:
        """Record the end of a job: `succeeded`, or `failed` with an error code and message;
        a repo of it still queued or running fails with the same error."""
        now = _now()
        phase = {FAILED: "failed", CANCELLED: "cancelled"}.get(status, "done")
        values: dict[str, Any] = {"status": status, "phase": phase, "eta_s": None,
                                  "error_code": error_code,
                                  "error_message": error_message, "finished_at": now,
                                  "updated_at": now}
        if commit is not None:
            values["commit"] = commit
        with self.session() as s:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(**values))
            s.execute(update(JobRepoRow).where(
                JobRepoRow.job_id == job_id, JobRepoRow.status.in_(ACTIVE)).values(
                status=FAILED, phase="failed", error_code=error_code or INTERRUPTED,
                error_message=error_message, finished_at=now))
            s.commit()

    def begin(self, job_id: str) -> bool:
        """A worker takes the job up (again, after a lost worker); False if it has ended or
        was cancelled, when there is nothing to run."""
        now = _now()
        with self.session() as s:
            taken = s.execute(update(JobRow).where(
                JobRow.id == job_id, JobRow.status.in_(ACTIVE)).values(
                status=RUNNING, started_at=func.coalesce(JobRow.started_at, now),
                attempts=JobRow.attempts + 1, updated_at=now)).rowcount
            s.commit()
            return taken == 1

    def cancel_requested(self, job_id: str) -> bool:
        """Whether someone asked to cancel the job."""
        with self.session() as s:
            return bool(s.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))

    def request_cancel(self, job_id: str, tenant_key: str) -> JobView | None:
        """Cancel a job of `tenant_key`: a queued one ends now, a running one at its next file
        boundary; None if there is no such job of this tenant."""
        now = _now()
        with self.session() as s:
            row = s.scalar(select(JobRow).where(JobRow.id == job_id,
                                                JobRow.tenant_key == tenant_key))
            if row is None:
                return None
            if row.status in ACTIVE:
                row.cancel_requested = True
                row.updated_at = now
            if row.status == QUEUED:
                row.status, row.phase, row.eta_s, row.finished_at = CANCELLED, CANCELLED, \
                    None, now
                row.error_code, row.error_message = "cancelled", "the job was cancelled"
                s.execute(update(JobRepoRow).where(
                    JobRepoRow.job_id == job_id, JobRepoRow.status == QUEUED).values(
                    status=SKIPPED, phase=SKIPPED))
            s.commit()
            return _view(row, self._children(s, [job_id]).get(job_id, []))

    def mark_interrupted_on_start(self) -> int:
        """Fail every job (and repo of a job) a dead process left queued or running; returns
        how many jobs."""
        now = _now()
        message = "the service stopped before this job ended"
        with self.session() as s:
            result = s.execute(update(JobRow).where(JobRow.status.in_(ACTIVE)).values(
                status=FAILED, phase="failed", eta_s=None, error_code=INTERRUPTED,
                error_message=message, finished_at=now, updated_at=now))
            s.execute(update(JobRepoRow).where(JobRepoRow.status.in_(ACTIVE)).values(
                status=FAILED, phase="failed", error_code=INTERRUPTED, error_message=message,
                finished_at=now))
            s.commit()
            return result.rowcount or 0

    # --- repositories of a job ---------------------------------------------------------
    def start_repo(self, job_id: str, position: int) -> None:
        """The job moved on to its repo at `position`."""
        now = _now()
        with self.session() as s:
            s.execute(update(JobRepoRow).where(
                JobRepoRow.job_id == job_id, JobRepoRow.position == position).values(
                status=RUNNING, phase="queued", started_at=now))
            s.execute(update(JobRow).where(JobRow.id == job_id).values(
                current_repo_index=position, phase="queued", updated_at=now))
            s.commit()

    def update_repo_progress(self, job_id: str, position: int, **fields: Any) -> None:
        """Write progress columns (phase, counts, languages, commit) of one repo of a job."""
        _check(fields, REPO_PROGRESS_FIELDS)
        self._update_repo(job_id, position, **fields)

    def finish_repo(self, job_id: str, position: int, status: str, *,
                    commit: str | None = None, error_code: str | None = None,
                    error_message: str | None = None, **fields: Any) -> None:
        """Record the end of one repo of a job, with its last counts and languages."""
        _check(fields, REPO_PROGRESS_FIELDS - {"phase", "commit"})
        self._update_repo(job_id, position, **fields, status=status,
                          phase="failed" if status == FAILED else "done", commit=commit,
                          error_code=error_code, error_message=error_message,
                          finished_at=_now())

    def skip_repos(self, job_id: str, from_position: int) -> int:
        """Mark the still queued repos from `from_position` on as skipped; returns how many."""
        with self.session() as s:
            result = s.execute(update(JobRepoRow).where(
                JobRepoRow.job_id == job_id, JobRepoRow.position >= from_position,
                JobRepoRow.status == QUEUED).values(status=SKIPPED, phase=SKIPPED))
            s.commit()
            return result.rowcount or 0

    # --- helpers -----------------------------------------------------------------------
    @staticmethod
    def _children(s: Session, job_ids: Sequence[str]) -> dict[str, list[JobRepoRow]]:
        found: dict[str, list[JobRepoRow]] = {}
        if job_ids:
            for r in s.scalars(select(JobRepoRow).where(JobRepoRow.job_id.in_(job_ids))
                               .order_by(JobRepoRow.job_id, JobRepoRow.position)):
                found.setdefault(r.job_id, []).append(r)
        return found

    def _update(self, job_id: str, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(**values))
            s.commit()

    def _update_repo(self, job_id: str, position: int, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(JobRepoRow).where(JobRepoRow.job_id == job_id,
                                               JobRepoRow.position == position).values(**values))
            s.commit()

    def peek(self, job_id: str) -> JobView | None:
        """Any tenant's job `job_id`, unscoped: for publishing its events only, never readers."""
        with self.session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                return None
            return _view(row, self._children(s, [job_id]).get(job_id, []))
