"""Live job progress: every write to a job publishes its JSON on an event bus, per job.

Event ids of one job increase. `read(job_id, after, timeout)` returns the retained events with
an id greater than `after`, oldest first, waiting up to `timeout` seconds when there are none:
- `after="0"`: every event still retained;
- `after=<an id seen before>`: what followed it (a reconnect); events trimmed meanwhile are
  simply missing, which is harmless because each event carries the whole job;
- `after=None`: only events published after the call (like `after=cursor(job_id)`).
A malformed `after` raises ValueError. A job's events are kept for `done_ttl_s` after
`expire(job_id)` (the job ended) and for at most `ttl_s` after its last event otherwise.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "kosha:events:"
_MEMORY_ID = re.compile(r"^\d{1,20}$")
_STREAM_ID = re.compile(r"^\d{1,20}(-\d{1,20})?$")


@dataclass(frozen=True)
class JobEvent:
    """One published state of a job: `data` is its JobView.to_dict()."""

    id: str
    job_id: str
    data: dict


class EventBus(Protocol):
    """Where job events go (see the module docstring for the meaning of `after`)."""

    def publish(self, job_id: str, data: dict) -> str: ...

    def cursor(self, job_id: str) -> str: ...

    def read(self, job_id: str, after: str | None, timeout: float) -> list[JobEvent]: ...

    def expire(self, job_id: str) -> None: ...

    def close(self) -> None: ...


class _Stream:
    def __init__(self, keep: int, deadline: float) -> None:
        self.events: deque[JobEvent] = deque(maxlen=keep)
        self.deadline = deadline
        self.ended = False


class MemoryEventBus:
    """One process's bus (the embedded default): the last `keep` events of each job."""

    def __init__(self, keep: int = 500, ttl_s: float = 3600, done_ttl_s: float = 600,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._keep, self._ttl, self._done_ttl, self._clock = keep, ttl_s, done_ttl_s, clock
        self._cond = threading.Condition()
        self._streams: dict[str, _Stream] = {}
        self._last_id = 0  # one counter for every job: an id is never reused
        self._closed = False

    def publish(self, job_id: str, data: dict) -> str:
        """Append one state of the job; returns its event id."""
        with self._cond:
            self._purge()
            stream = self._streams.get(job_id)
            if stream is None:
                stream = self._streams[job_id] = _Stream(self._keep, 0.0)
            if not stream.ended:
                stream.deadline = self._clock() + self._ttl
            self._last_id += 1
            stream.events.append(JobEvent(str(self._last_id), job_id, data))
            self._cond.notify_all()
            return str(self._last_id)

    def cursor(self, job_id: str) -> str:
        """The id of the job's newest retained event, "0" when there is none."""
        with self._cond:
            stream = self._live(job_id)
            return stream.events[-1].id if stream and stream.events else "0"

    def read(self, job_id: str, after: str | None, timeout: float) -> list[JobEvent]:
        """The job's retained events after `after`, waiting up to `timeout` s for one."""
        if after is not None and not _MEMORY_ID.match(after):
            raise ValueError("not an event id of this bus")
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            start = int(self.cursor(job_id) if after is None else after)
            while True:
                stream = self._live(job_id)
                found = [e for e in stream.events if int(e.id) > start] if stream else []
                remaining = deadline - time.monotonic()
                if found or self._closed or remaining <= 0:
                    return found
                self._cond.wait(remaining)

    def expire(self, job_id: str) -> None:
        """The job ended: keep its events `done_ttl_s` more seconds."""
        with self._cond:
            stream = self._streams.get(job_id)
            if stream is not None:
                stream.ended = True
                stream.deadline = min(stream.deadline, self._clock() + self._done_ttl)

    def close(self) -> None:
        """Forget everything and wake every waiting reader."""
        with self._cond:
            self._closed = True
            self._streams.clear()
            self._cond.notify_all()

    def _live(self, job_id: str) -> _Stream | None:
        stream = self._streams.get(job_id)
        if stream is not None and stream.deadline <= self._clock():
            del self._streams[job_id]
            return None
        return stream

    def _purge(self) -> None:
        now = self._clock()
        for job_id in [j for j, s in self._streams.items() if s.deadline <= now]:
            del self._streams[job_id]


class RedisEventBus:
    """Redis Streams, one per job (`<prefix><job id>`): every API process and Celery worker
    sees the same events. Stream ids are the event ids."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX, keep: int = 500,
                 ttl_s: int = 3600, done_ttl_s: int = 600) -> None:
        import redis

        self.prefix = prefix
        self._keep, self._ttl, self._done_ttl = keep, ttl_s, done_ttl_s
        self.client = redis.Redis.from_url(url, decode_responses=True)

    def key(self, job_id: str) -> str:
        """The Redis key of a job's stream."""
        return self.prefix + job_id

    def publish(self, job_id: str, data: dict) -> str:
        """XADD one state of the job (trimmed to about `keep`); returns the stream id."""
        key = self.key(job_id)
        pipe = self.client.pipeline(transaction=False)
        pipe.xadd(key, {"job": json.dumps(data, separators=(",", ":"))},
                  maxlen=self._keep, approximate=True)
        pipe.expire(key, self._ttl)
        event_id, _ = pipe.execute()
        return str(event_id)

    def cursor(self, job_id: str) -> str:
        """The id of the job's newest retained event, "0" when there is none."""
        newest = self.client.xrevrange(self.key(job_id), count=1)
        return str(newest[0][0]) if newest else "0"

    def read(self, job_id: str, after: str | None, timeout: float) -> list[JobEvent]:
        """XREAD the job's events after `after`, blocking up to `timeout` s for one."""
        if after is not None and not _STREAM_ID.match(after):
            raise ValueError("not an event id of this bus")
        block = max(1, int(timeout * 1000)) if timeout > 0 else None
        found = self.client.xread({self.key(job_id): "$" if after is None else after},
                                  block=block)
        events: list[JobEvent] = []
        for _key, entries in found or []:
            for event_id, fields in entries:
                events.append(JobEvent(str(event_id), job_id, _decode(fields)))
        return events

    def expire(self, job_id: str) -> None:
        """The job ended: its stream goes `done_ttl_s` seconds from now."""
        self.client.expire(self.key(job_id), self._done_ttl)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()


def _decode(fields: dict[str, Any]) -> dict:
    try:
        return json.loads(fields.get("job") or "{}")
    except ValueError:
        return {}


def make_event_bus(redis_url: str | None, prefix: str = DEFAULT_PREFIX) -> EventBus:
    """Redis Streams when `redis_url` is set (API and workers share them), memory otherwise."""
    return RedisEventBus(redis_url, prefix) if redis_url else MemoryEventBus()


PUBLISHING_WRITES = frozenset({
    "create", "absorb", "start", "begin", "start_repo", "update_progress",
    "update_repo_progress", "finish_repo", "skip_repos", "finish", "cancel", "request_cancel"})
_RETURNS_VIEW = frozenset({"create", "absorb", "cancel", "request_cancel"})  # None: no such job


class PublishingJobStore:
    """A JobStore that publishes the job's new state on `bus` after each write to it."""

    def __init__(self, store: Any, bus: EventBus) -> None:
        self._store = store
        self._bus = bus

    @property
    def store(self) -> Any:
        """The wrapped store."""
        return self._store

    def __getattr__(self, name: str) -> Any:
        if name in ("_store", "_bus"):  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        attr = getattr(self._store, name)
        if name not in PUBLISHING_WRITES or not callable(attr):
            return attr

        def write(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            job_id = kwargs.get("job_id", args[0] if args else None)
            if hasattr(result, "to_dict") and hasattr(result, "done"):
                self._publish(result.id, result)
            elif name not in _RETURNS_VIEW and isinstance(job_id, str):
                self._publish(job_id, None)  # None: read the job back with peek
            return result

        write.__name__ = name
        write.__doc__ = getattr(attr, "__doc__", None)
        return write

    def _publish(self, job_id: str, view: Any) -> None:
        try:
            if view is None:
                view = self._store.peek(job_id)
                if view is None:
                    return
            self._bus.publish(job_id, view.to_dict())
            if view.done:
                self._bus.expire(job_id)
        except Exception as exc:  # noqa: BLE001 - progress events must never fail a job write
            log.warning("could not publish an event of job %s (%s)", job_id,
                        type(exc).__name__)
