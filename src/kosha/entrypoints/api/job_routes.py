"""GET /jobs/{job_id}/events: an index job's progress as Server-Sent Events, in both modes.

The stream starts with the job as the database holds it (`event: progress`), then relays each
state the event bus carries (`event: progress`, `id: <event id>`), and ends with `event: done`
once the job has ended. A reconnect with `Last-Event-ID` resumes after that event.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI, Header, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from kosha.domain.errors import KoshaError
from kosha.entrypoints.api.deps import Scoped, ScopedDep
from kosha.jobs.events import EventBus, JobEvent
from kosha.jobs.views import FINAL

log = logging.getLogger("kosha.api")
router = APIRouter(tags=["search"])

READ_TIMEOUT_S = 1.0  # one blocking bus read; the stream notices a cancellation in between
IDLE_CHECK_S = 5.0  # without bus events for this long, ask the database (a lost event)
PING_S = 15
MAX_BLOCKED_READERS = 100  # threads blocked on the bus at once, apart from the API's pool


@router.get("/jobs/{job_id}/events", operation_id="job_events",
            response_class=EventSourceResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "`progress` events (the job) and a final `done`"}})
async def job_events(job_id: str, request: Request, scope: ScopedDep,
                     last_event_id: Annotated[str | None, Header(
                         description="resume after this event id")] = None,
                     ) -> EventSourceResponse:
    """Follow an index job of the caller's tenant until it ends (Server-Sent Events)."""
    await anyio.to_thread.run_sync(scope.job, job_id)  # 404 before any stream starts
    feed = JobFeed(scope, request.app.state.container.events, job_id,
                   _readers(request.app), (last_event_id or "").strip() or None)
    return EventSourceResponse(feed.events(), ping=PING_S)


def _readers(app: FastAPI) -> anyio.CapacityLimiter:
    limiter = getattr(app.state, "job_event_readers", None)
    if limiter is None:
        limiter = app.state.job_event_readers = anyio.CapacityLimiter(MAX_BLOCKED_READERS)
    return limiter


def _sse(kind: str, event: JobEvent) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(event.data, separators=(",", ":")), event=kind,
                           id=event.id)


def _signature(job: dict) -> tuple:
    progress = job.get("progress") or {}
    return (job.get("status"), job.get("phase"), job.get("files_total"), job.get("files_done"),
            job.get("chunks"), job.get("chunks_embedded"), progress.get("current_repo_index"))


class JobFeed:
    """The events of one stream: a snapshot or the resumed events, then the bus, then done."""

    def __init__(self, scope: Scoped, bus: EventBus, job_id: str,
                 limiter: anyio.CapacityLimiter, last_event_id: str | None) -> None:
        self.scope, self.bus, self.job_id = scope, bus, job_id
        self.limiter, self.last_event_id = limiter, last_event_id

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter,
                                              abandon_on_cancel=True)

    async def _read(self, after: str, timeout: float) -> list[JobEvent]:
        try:
            return await self._call(self.bus.read, self.job_id, after, timeout)
        except ValueError:
            raise
        except Exception as exc:  # noqa: BLE001 - the bus is down: fall back to the database
            log.warning("job events of %s: bus read failed (%s)", self.job_id,
                        type(exc).__name__)
            await anyio.sleep(timeout)
            return []

    async def _snapshot(self, cursor: str) -> JobEvent:
        job = await anyio.to_thread.run_sync(self.scope.job, self.job_id)
        return JobEvent(cursor, self.job_id, job.to_dict())

    async def _start(self) -> tuple[str, list[JobEvent]]:
        if self.last_event_id:
            try:
                resumed = await self._read(self.last_event_id, 0)
            except ValueError:  # not an id of this bus: start afresh
                resumed = None
            if resumed:
                return resumed[-1].id, resumed
            if resumed is not None:
                return self.last_event_id, [await self._snapshot(self.last_event_id)]
        try:
            cursor = await self._call(self.bus.cursor, self.job_id)  # before the snapshot
        except Exception as exc:  # noqa: BLE001
            log.warning("job events of %s: bus cursor failed (%s)", self.job_id,
                        type(exc).__name__)
            cursor = "0"
        return cursor, [await self._snapshot(cursor)]

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        """Progress events until the job has ended, then `done`; ends on a client disconnect
        (sse-starlette cancels the stream, which abandons the bus read in its thread)."""
        cursor, batch = await self._start()
        last: dict | None = None
        quiet_since = time.monotonic()
        while True:
            for event in batch:
                yield _sse("progress", event)
                last = event.data
                if event.data.get("status") in FINAL:
                    yield _sse("done", event)
                    return
            if batch:
                cursor, quiet_since = batch[-1].id, time.monotonic()
            elif time.monotonic() - quiet_since >= IDLE_CHECK_S:
                quiet_since = time.monotonic()
                try:
                    snapshot = await self._snapshot(cursor)
                except KoshaError:  # the job (or its tenant) is gone
                    return
                if last is None or _signature(snapshot.data) != _signature(last):
                    batch = [snapshot]
                    continue
            try:
                batch = await self._read(cursor, READ_TIMEOUT_S)
            except ValueError:
                batch = []
