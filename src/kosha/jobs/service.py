"""In-process index jobs: queue, coalesce and run index requests on a small thread pool."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from kosha.domain.errors import Conflict, NotFound
from kosha.jobs.reads import JobReads
from kosha.jobs.runner import JobRun, OnResult, RunIndex
from kosha.jobs.views import (
    ACTIVE,
    CANCELLED,
    FAILED,
    FINAL,
    INTERNAL_MESSAGE,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    JobRepoView,
    JobView,
)

if TYPE_CHECKING:
    from kosha.domain.tenancy import TenantKey
    from kosha.ingest.pipeline import IndexRequest

__all__ = ["ACTIVE", "CANCELLED", "FAILED", "FINAL", "INTERNAL_MESSAGE", "INTERRUPTED", "QUEUED",
           "RUNNING", "SKIPPED", "SUCCEEDED", "JobRepoView", "JobService", "JobStore", "JobView"]

log = logging.getLogger(__name__)

RepoKey = tuple[str, str]  # (tenant key, repo url)


class JobStore(Protocol):
    """Where jobs are kept (see kosha.adapters.sql.jobs.SqlJobStore)."""

    def create(self, tenant_key: str, repo_url: str, ref: str, mode: str,
               repos: Sequence[tuple[str, str]] | None = None) -> JobView: ...

    def get(self, job_id: str, tenant_key: str) -> JobView | None: ...

    def list_for(self, tenant_keys: Sequence[str], limit: int = 50) -> list[JobView]: ...

    def absorb(self, job_id: str, ref: str, mode: str) -> JobView | None: ...

    def start(self, job_id: str) -> None: ...

    def begin(self, job_id: str) -> bool: ...

    def cancel_requested(self, job_id: str) -> bool: ...

    def request_cancel(self, job_id: str, tenant_key: str) -> JobView | None: ...

    def start_repo(self, job_id: str, position: int) -> None: ...

    def update_progress(self, job_id: str, **fields: Any) -> None: ...

    def update_repo_progress(self, job_id: str, position: int, **fields: Any) -> None: ...

    def finish_repo(self, job_id: str, position: int, status: str, *,
                    commit: str | None = None, error_code: str | None = None,
                    error_message: str | None = None, **fields: Any) -> None: ...

    def skip_repos(self, job_id: str, from_position: int) -> int: ...

    def finish(self, job_id: str, status: str, *, commit: str | None = None,
               error_code: str | None = None, error_message: str | None = None) -> None: ...


class JobService(JobReads):
    """Runs index jobs on `workers` threads; one repo is never indexed twice at once by
    single-repo jobs, and a batch job retries a repo another run holds (IndexBusy)."""

    def __init__(self, store: JobStore, run: RunIndex, workers: int = 2,
                 progress_interval: float = 0.5, on_result: OnResult | None = None,
                 busy_poll: float = 0.5, busy_wait: float = 900.0) -> None:
        self._store = store
        self._run = run
        self._interval = progress_interval
        self._on_result = on_result
        self._busy_poll, self._busy_wait = busy_poll, busy_wait
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kosha-job")
        self._cond = threading.Condition()
        self._stopped = threading.Event()
        self._closed = False
        self._requests: dict[str, list[IndexRequest]] = {}  # job id -> requests (with tokens)
        self._active: dict[RepoKey, str] = {}  # the single-repo job holding the repo
        self._batches: set[str] = set()  # dispatched batch jobs
        self._started: set[str] = set()  # active jobs a worker has picked up
        self._followups: dict[RepoKey, str] = {}  # the one job waiting for the active one
        self._cancelled: set[str] = set()  # cancelled before they ran: join no request

    # --- public API --------------------------------------------------------------------
    def submit(self, req: IndexRequest) -> JobView:
        """Queue an index of `req` (or join the queued job of its repo) and return the job."""
        key = (str(req.tenant), req.repo_url)
        with self._cond:
            self._check_open()
            waiting = self._followups.get(key)
            if waiting is None and key in self._active and self._active[key] not in self._started \
                    and self._active[key] not in self._cancelled:
                waiting = self._active[key]
            if waiting is not None:  # the newest request's ref, mode and token win
                joined = self._store.absorb(waiting, req.ref, req.mode)
                if joined is None:  # not started under this lock, so still queued
                    raise Conflict("the queued job changed state; send the request again")
                self._requests[waiting] = [req]
                return joined
            job = self._store.create(key[0], req.repo_url, req.ref, req.mode)
            self._requests[job.id] = [req]
            if key in self._active:
                self._followups[key] = job.id
            else:
                self._dispatch(key, job.id)
            return job

    def submit_batch(self, requests: Sequence[IndexRequest]) -> JobView:
        """Queue one job indexing distinct repos of one tenant, in order, on one worker."""
        requests = list(requests)
        if not requests:
            raise ValueError("a batch job needs at least one repository")
        tenant = str(requests[0].tenant)
        if any(str(r.tenant) != tenant for r in requests):
            raise ValueError("every repository of a batch job must belong to one tenant")
        urls = [r.repo_url for r in requests]
        if len(set(urls)) != len(urls):
            raise ValueError("a batch job lists a repository twice")
        with self._cond:
            self._check_open()
            first = requests[0]
            job = self._store.create(tenant, first.repo_url, first.ref, first.mode,
                                     repos=[(r.repo_url, r.ref) for r in requests])
            self._requests[job.id] = requests
            self._batches.add(job.id)
            self._pool.submit(self._execute, None, job.id)
            return job

    def cancel(self, job_id: str, tenant_key: TenantKey | str) -> JobView:
        """Cancel a job of this tenant: a queued one ends now, a running one stops at its next
        file boundary with the previous index still live."""
        self.get(job_id, tenant_key)
        with self._cond:
            view = self._store.request_cancel(job_id, str(tenant_key))
            if view is None:
                raise NotFound("no such job")
            if view.status == CANCELLED:  # it never ran: forget it
                self._cancelled.add(job_id)
                for key, waiting in list(self._followups.items()):
                    if waiting == job_id:
                        del self._followups[key]
                        self._requests.pop(job_id, None)
            return view

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
            self._stopped.set()
            pending = list(self._followups.values())
            pending += [j for j in self._active.values() if j not in self._started]
            pending += [j for j in self._batches if j not in self._started]
            self._followups.clear()
            for job_id in pending:
                self._requests.pop(job_id, None)
                self._batches.discard(job_id)
        self._pool.shutdown(wait=wait, cancel_futures=True)
        for job_id in pending:
            self._store.finish(job_id, FAILED, error_code=INTERRUPTED,
                               error_message="the service stopped before this job ran")

    # --- workers -----------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise Conflict("the job service is shutting down")

    def _dispatch(self, key: RepoKey, job_id: str) -> None:
        self._active[key] = job_id
        self._pool.submit(self._execute, key, job_id)

    def _execute(self, key: RepoKey | None, job_id: str) -> None:
        with self._cond:
            if self._closed:  # close() marks it interrupted
                return
            self._started.add(job_id)
            requests = self._requests[job_id]
        run = JobRun(self._store, self._run, job_id, requests, batch=key is None,
                     interval=self._interval, on_result=self._on_result,
                     busy_poll=self._busy_poll, busy_wait=self._busy_wait,
                     stopped=self._stopped)
        try:
            run.execute()
        except Exception as exc:  # noqa: BLE001 - the store itself failed; keep the pool alive
            log.error("index job %s failed: internal error (%s)", job_id, type(exc).__name__)
            try:
                self._store.finish(job_id, FAILED, error_code="internal_error",
                                   error_message=INTERNAL_MESSAGE)
            except Exception as again:  # noqa: BLE001
                log.error("could not record the end of index job %s (%s)", job_id,
                          type(again).__name__)
        finally:
            self._release(key, job_id)

    def _release(self, key: RepoKey | None, job_id: str) -> None:
        with self._cond:
            self._requests.pop(job_id, None)  # the tokens go with the job
            self._started.discard(job_id)
            self._batches.discard(job_id)
            self._cancelled.discard(job_id)
            if key is not None and self._active.get(key) == job_id:
                del self._active[key]
            follow = self._followups.pop(key, None) if key is not None else None
            if follow is not None and not self._closed:
                self._dispatch(key, follow)
            self._cond.notify_all()
