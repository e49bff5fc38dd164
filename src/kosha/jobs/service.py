"""In-process index jobs: queue, coalesce and run index requests on a small thread pool."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from kosha.domain.errors import Conflict, KoshaError, NotFound

if TYPE_CHECKING:
    from kosha.domain.tenancy import TenantKey
    from kosha.ingest.pipeline import IndexRequest, IndexResult
    from kosha.ingest.progress import IndexProgress, ProgressCallback

log = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
ACTIVE = (QUEUED, RUNNING)
FINAL = (SUCCEEDED, FAILED)
INTERRUPTED = "interrupted"
INTERNAL_MESSAGE = "internal error while indexing"
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    # SQLite hands back naive datetimes; every stored time is UTC.
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat()


@dataclass(frozen=True)
class JobView:
    """One index job as the store holds it (no credentials: those live only in memory)."""

    id: str
    tenant_key: str
    repo_url: str
    ref: str
    mode: str
    status: str
    phase: str
    files_total: int
    files_done: int
    chunks: int
    chunks_to_embed: int
    chunks_embedded: int
    eta_s: float | None
    commit: str | None
    error_code: str | None
    error_message: str | None
    requests: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def done(self) -> bool:
        """Whether the job has ended (succeeded or failed)."""
        return self.status in FINAL

    def to_dict(self) -> dict:
        """The JSON body an API shows for this job."""
        error = None
        if self.error_code is not None:
            error = {"code": self.error_code, "message": self.error_message or ""}
        return {
            "id": self.id, "repo_url": self.repo_url, "ref": self.ref, "mode": self.mode,
            "status": self.status, "phase": self.phase, "files_total": self.files_total,
            "files_done": self.files_done, "chunks": self.chunks,
            "chunks_to_embed": self.chunks_to_embed, "chunks_embedded": self.chunks_embedded,
            "eta_s": self.eta_s, "commit": self.commit, "error": error,
            "requests": self.requests, "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at),
        }


class JobStore(Protocol):
    """Where jobs are kept (see kosha.adapters.sql.jobs.SqlJobStore)."""

    def create(self, tenant_key: str, repo_url: str, ref: str, mode: str) -> JobView: ...

    def get(self, job_id: str, tenant_key: str) -> JobView | None: ...

    def absorb(self, job_id: str, ref: str, mode: str) -> JobView: ...

    def start(self, job_id: str) -> None: ...

    def update_progress(self, job_id: str, **fields: Any) -> None: ...

    def finish(self, job_id: str, status: str, *, commit: str | None = None,
               error_code: str | None = None, error_message: str | None = None) -> None: ...


def progress_fields(progress: IndexProgress) -> dict[str, Any]:
    """The job columns an IndexProgress fills."""
    eta = progress.eta
    return {"phase": progress.phase, "files_total": progress.files_total,
            "files_done": progress.files_done, "chunks": progress.chunks,
            "chunks_to_embed": progress.chunks_to_embed,
            "chunks_embedded": progress.chunks_embedded,
            "eta_s": None if eta is None else round(eta, 1), "commit": progress.commit}


class _ProgressWriter:
    """The on_progress callback of one job: writes at most every `interval` s, and on phases."""

    def __init__(self, store: JobStore, job_id: str, interval: float) -> None:
        self._store = store
        self._job_id = job_id
        self._interval = interval
        self._last_write = 0.0
        self._phase: str | None = None
        self._unsaved: dict[str, Any] | None = None

    def __call__(self, progress: IndexProgress) -> None:
        fields = progress_fields(progress)
        now = time.monotonic()
        if fields["phase"] != self._phase or now - self._last_write >= self._interval:
            self._phase = fields["phase"]
            self._last_write = now
            self._unsaved = None
            self._write(fields)
        else:
            self._unsaved = fields

    def flush(self) -> None:
        """Write the last progress the throttle held back."""
        if self._unsaved is not None:
            self._write(self._unsaved)
            self._unsaved = None

    def _write(self, fields: dict[str, Any]) -> None:
        try:
            self._store.update_progress(self._job_id, **fields)
        except Exception as exc:  # noqa: BLE001 - a lost progress row must not fail the index
            log.warning("could not record progress of index job %s (%s)", self._job_id,
                        type(exc).__name__)


RunIndex = Callable[["IndexRequest", "ProgressCallback"], "IndexResult"]
RepoKey = tuple[str, str]  # (tenant key, repo url)


class JobService:
    """Runs index jobs on `workers` threads; one repo is never indexed twice at once."""

    def __init__(self, store: JobStore, run: RunIndex, workers: int = 2,
                 progress_interval: float = 0.5) -> None:
        self._store = store
        self._run = run
        self._interval = progress_interval
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kosha-job")
        self._cond = threading.Condition()
        self._closed = False
        self._requests: dict[str, IndexRequest] = {}  # job id -> request (with its token)
        self._active: dict[RepoKey, str] = {}  # the job holding the repo (dispatched)
        self._started: set[str] = set()  # active jobs a worker has picked up
        self._followups: dict[RepoKey, str] = {}  # the one job waiting for the active one

    # --- public API --------------------------------------------------------------------
    def submit(self, req: IndexRequest) -> JobView:
        """Queue an index of `req` (or join the queued job of its repo) and return the job."""
        key = (str(req.tenant), req.repo_url)
        with self._cond:
            if self._closed:
                raise Conflict("the job service is shutting down")
            waiting = self._followups.get(key)
            if waiting is None and key in self._active and self._active[key] not in self._started:
                waiting = self._active[key]
            if waiting is not None:  # the newest request's ref, mode and token win
                self._requests[waiting] = req
                return self._store.absorb(waiting, req.ref, req.mode)
            job = self._store.create(key[0], req.repo_url, req.ref, req.mode)
            self._requests[job.id] = req
            if key in self._active:
                self._followups[key] = job.id
            else:
                self._dispatch(key, job.id)
            return job

    def get(self, job_id: str, tenant_key: TenantKey | str) -> JobView:
        """The job `job_id` of this tenant; NotFound for any other id."""
        if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
            raise NotFound("no such job")
        job = self._store.get(job_id, str(tenant_key))
        if job is None:
            raise NotFound("no such job")
        return job

    def wait(self, job_id: str, tenant_key: TenantKey | str, timeout: float = 10.0) -> JobView:
        """The job once it has ended, or as it is when `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id, tenant_key)
            remaining = deadline - time.monotonic()
            if job.done or remaining <= 0:
                return job
            with self._cond:
                self._cond.wait(min(remaining, 0.1))

    def close(self, wait: bool = True) -> None:
        """Stop the workers; jobs that never started are marked failed (interrupted)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            pending = list(self._followups.values())
            pending += [j for j in self._active.values() if j not in self._started]
            self._followups.clear()
            for job_id in pending:
                self._requests.pop(job_id, None)
        self._pool.shutdown(wait=wait, cancel_futures=True)
        for job_id in pending:
            self._store.finish(job_id, FAILED, error_code=INTERRUPTED,
                               error_message="the service stopped before this job ran")

    # --- workers -----------------------------------------------------------------------
    def _dispatch(self, key: RepoKey, job_id: str) -> None:
        self._active[key] = job_id
        self._pool.submit(self._execute, key, job_id)

    def _execute(self, key: RepoKey, job_id: str) -> None:
        with self._cond:
            if self._closed:  # close() marks it interrupted
                return
            self._started.add(job_id)
            req = self._requests[job_id]
        writer = _ProgressWriter(self._store, job_id, self._interval)
        try:
            self._store.start(job_id)
            result = self._run(req, writer)
            writer.flush()
            self._store.finish(job_id, SUCCEEDED, commit=getattr(result, "commit", None))
        except KoshaError as exc:
            self._finish_failed(job_id, writer, exc.code, exc.message)
        except Exception as exc:  # noqa: BLE001 - never str(exc): it may hold a secret
            log.error("index job %s failed: internal error (%s)", job_id, type(exc).__name__)
            self._finish_failed(job_id, writer, "internal_error", INTERNAL_MESSAGE)
        finally:
            self._release(key, job_id)

    def _finish_failed(self, job_id: str, writer: _ProgressWriter, code: str,
                       message: str) -> None:
        try:
            writer.flush()
            self._store.finish(job_id, FAILED, error_code=code, error_message=message)
        except Exception as exc:  # noqa: BLE001 - the store itself failed; keep the pool alive
            log.error("could not record the end of index job %s (%s)", job_id,
                      type(exc).__name__)

    def _release(self, key: RepoKey, job_id: str) -> None:
        with self._cond:
            self._requests.pop(job_id, None)  # the token goes with the job
            self._started.discard(job_id)
            if self._active.get(key) == job_id:
                del self._active[key]
            follow = self._followups.pop(key, None)
            if follow is not None and not self._closed:
                self._dispatch(key, follow)
            self._cond.notify_all()
