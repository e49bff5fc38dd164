"""`kosha worker`: Celery workers that run index jobs (KOSHA_JOB_BACKEND=celery).

Each worker process builds one container (stores, embedder) and runs jobs on a thread pool:
embedded stores lock their files to one process, so a worker is one process with several
threads; on server engines (PostgreSQL, Milvus, Neo4j, S3) start as many workers as you like.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import replace

import redis
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from kosha.accounts.usage import UsageRecorder
from kosha.bootstrap import Container
from kosha.config import Settings
from kosha.domain.errors import StoreError
from kosha.jobs.celery_app import INDEX_TASK, make_celery
from kosha.jobs.messages import decode_requests
from kosha.jobs.runner import JobRun
from kosha.jobs.slots import TenantSlots
from kosha.jobs.views import FAILED

log = logging.getLogger("kosha.worker")


class WorkerRuntime:
    """What one worker process holds: its container, tenant slots and stop signal."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.container = Container(settings)
        self.slots = TenantSlots(redis.Redis.from_url(settings.redis_url),
                                 settings.tenant_job_cap, settings.redis_prefix)
        self.stopped = threading.Event()

    def check_database(self) -> None:
        """Fail fast, with a clear error, when the metadata database cannot be reached."""
        try:
            with self.container.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError:
            raise StoreError("the metadata database is unreachable: check "
                             "KOSHA_DATABASE_URL (no job was taken)") from None

    def run(self, task, job_id: str, payload: list) -> str:  # noqa: ANN001
        """Run one job message: skip ended jobs, respect the tenant cap, then index."""
        c = self.container
        store = c.job_store
        view = store.peek(job_id)
        if view is None or view.done:
            return "ended"
        if view.attempts >= self.settings.job_max_attempts:
            store.finish(job_id, FAILED, error_code="worker_lost", error_message=(
                f"the job's worker was lost {view.attempts} times; giving up"))
            return "given up"
        if not self.slots.acquire(view.tenant_key, job_id):
            raise task.retry(countdown=1 + random.random() * 2, max_retries=None)
        with self.slots.holding(view.tenant_key, job_id):
            requests = decode_requests(c.cipher, job_id, payload)
            # the row's refs and mode: requests that joined the job after it was queued win
            requests = [replace(r, ref=repo.ref, mode=view.mode)
                        for r, repo in zip(requests, view.repos, strict=False)] or requests
            JobRun(store, c.indexer.index, job_id, requests, batch=view.total_repos > 1,
                   interval=0.5, on_result=UsageRecorder(c.meta, c.usage), busy_poll=1.0,
                   busy_wait=900.0, stopped=self.stopped, retry_busy=True).execute()
        return "ran"


def build_worker_app(settings: Settings):  # noqa: ANN201
    """The Celery app with the index task bound to this process's runtime."""
    app = make_celery(settings)
    runtime = WorkerRuntime(settings)

    @app.task(name=INDEX_TASK, bind=True, acks_late=True, autoretry_for=(OperationalError,),
              retry_backoff=True, retry_backoff_max=60, max_retries=8)
    def index_job(self, job_id: str, payload: list) -> str:  # noqa: ANN001
        return runtime.run(self, job_id, payload)

    return app, runtime


def run_worker(settings: Settings, concurrency: int = 2) -> None:
    """Start a worker on the job queue (blocks until stopped)."""
    app, runtime = build_worker_app(settings)
    runtime.check_database()
    runtime.container.check_secrets()
    log.info("kosha worker: queue %s, %d threads", settings.celery_queue, concurrency)
    try:
        app.Worker(queues=[settings.celery_queue], concurrency=concurrency, pool="threads",
                   loglevel=settings.log_level.upper(), without_heartbeat=True,
                   without_mingle=True, without_gossip=True).start()
    finally:
        runtime.stopped.set()
        runtime.container.close()
