"""Index jobs on Celery + Redis: the API side. The SQL job row stays the source of truth.

Coalescing lives in SQL so that every API process agrees: a request for a repo whose
single-repo job is still queued joins it (a partial unique index admits one queued job per
repo, so two processes racing both land on one row); a request for a repo being indexed
queues one follow-up. Workers read the ref and mode from the row, so the newest request's win.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from kosha.domain.errors import NotFound, QueueUnavailable
from kosha.domain.tenancy import TenantKey
from kosha.ingest.pipeline import IndexRequest
from kosha.jobs.celery_app import INDEX_TASK
from kosha.jobs.messages import encode_requests
from kosha.jobs.reads import JobReads
from kosha.jobs.views import FAILED, QUEUED, JobView

log = logging.getLogger(__name__)


class CeleryJobService(JobReads):
    """Same public face as the in-process JobService; the work happens in `kosha worker`."""

    def __init__(self, store, celery, cipher, queue: str) -> None:  # noqa: ANN001
        self._store = store
        self.celery = celery
        self.cipher = cipher
        self.queue = queue

    def submit(self, req: IndexRequest) -> JobView:
        """Queue an index of one repo, or join the job queued for it."""
        tenant = str(req.tenant)
        for _ in range(5):
            queued = [j for j in self._store.active_for(tenant, req.repo_url)
                      if j.status == QUEUED and j.total_repos == 1]
            if queued:
                joined = self._store.absorb(queued[0].id, req.ref, req.mode)
                if joined is not None:
                    return joined
                continue  # a worker took it a moment ago: queue a follow-up
            try:
                job = self._store.create(tenant, req.repo_url, req.ref, req.mode)
            except IntegrityError:  # another process queued it a moment ago: join that one
                continue
            self._send(job, [req])
            return job
        raise QueueUnavailable("could not queue the job: too many concurrent requests")

    def submit_batch(self, requests: Sequence[IndexRequest]) -> JobView:
        """Queue one job for distinct repos of one tenant."""
        requests = list(requests)
        if not requests or len({str(r.tenant) for r in requests}) != 1:
            raise ValueError("a batch job needs repositories of one tenant")
        first = requests[0]
        job = self._store.create(str(first.tenant), first.repo_url, first.ref, first.mode,
                                 repos=[(r.repo_url, r.ref) for r in requests])
        self._send(job, requests)
        return job

    def _send(self, job: JobView, requests: list[IndexRequest]) -> None:
        payload = encode_requests(self.cipher, job.id, requests)
        try:
            self.celery.send_task(INDEX_TASK, args=[job.id, payload], queue=self.queue,
                                  retry=True, retry_policy={"max_retries": 2,
                                                            "interval_start": 0.2,
                                                            "interval_step": 0.5})
        except Exception as exc:  # noqa: BLE001 - kombu/redis errors; never echo the payload
            log.error("could not queue index job %s (%s)", job.id, type(exc).__name__)
            self._store.finish(job.id, FAILED, error_code=QueueUnavailable.code,
                               error_message="the job queue (Redis) was unreachable")
            raise QueueUnavailable("the job queue (Redis) is unreachable: the job was not "
                                   "queued; try again shortly") from None

    def cancel(self, job_id: str, tenant_key: TenantKey | str) -> JobView:
        """A queued job ends now; a running one stops at its worker's next file boundary."""
        self.get(job_id, tenant_key)
        view = self._store.request_cancel(job_id, str(tenant_key))
        if view is None:
            raise NotFound("no such job")
        return view

    def wait(self, job_id: str, tenant_key: TenantKey | str, timeout: float = 10.0) -> JobView:
        """The job once it has ended, or as it is when `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id, tenant_key)
            if job.done or time.monotonic() >= deadline:
                return job
            time.sleep(0.2)

    def close(self, wait: bool = True) -> None:
        """Release the broker connections (queued jobs stay queued for the workers)."""
        del wait
        self.celery.close()
