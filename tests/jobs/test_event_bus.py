"""The event buses' contract (memory and Redis Streams) and PublishingJobStore."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from kosha.adapters.sql.jobs import SqlJobStore
from kosha.jobs.events import (
    JobEvent,
    MemoryEventBus,
    PublishingJobStore,
    RedisEventBus,
    make_event_bus,
)
from kosha.jobs.service import JobService
from kosha.jobs.views import SUCCEEDED
from tests.jobs.conftest import REDIS_URL, TEAM_A, TOKEN, HeldRun, index_request


def job_id() -> str:
    return uuid.uuid4().hex


def test_events_come_back_in_order_and_resume_after_an_id(bus) -> None:  # noqa: ANN001
    job, other = job_id(), job_id()
    ids = [bus.publish(job, {"n": n}) for n in range(5)]
    bus.publish(other, {"n": 99})
    events = bus.read(job, "0", timeout=0)
    assert [e.data["n"] for e in events] == [0, 1, 2, 3, 4]
    assert [e.id for e in events] == ids and all(e.job_id == job for e in events)
    assert bus.cursor(job) == ids[-1] and bus.cursor(job_id()) == "0"
    resumed = bus.read(job, ids[1], timeout=0)  # a reconnect with the last id it saw
    assert [e.data["n"] for e in resumed] == [2, 3, 4]
    assert bus.read(job, ids[-1], timeout=0) == []
    assert bus.read(job_id(), "0", timeout=0) == []


def test_ids_of_one_job_increase(bus) -> None:  # noqa: ANN001
    job = job_id()
    ids = [bus.publish(job, {"n": n}) for n in range(20)]

    def key(event_id: str) -> tuple[int, ...]:
        return tuple(int(p) for p in event_id.split("-"))

    assert [key(i) for i in ids] == sorted(key(i) for i in ids) and len(set(ids)) == 20


def test_a_blocking_read_wakes_on_publish(bus) -> None:  # noqa: ANN001
    job = job_id()
    cursor = bus.publish(job, {"n": 0})
    got: list[list[JobEvent]] = []
    reader = threading.Thread(target=lambda: got.append(bus.read(job, cursor, timeout=5)))
    started = time.monotonic()
    reader.start()
    time.sleep(0.2)
    bus.publish(job, {"n": 1})
    reader.join(timeout=5)
    assert [e.data for e in got[0]] == [{"n": 1}]
    assert time.monotonic() - started < 3


def test_after_none_means_only_new_events(bus) -> None:  # noqa: ANN001
    job = job_id()
    bus.publish(job, {"n": 0})
    assert bus.read(job, None, timeout=0.1) == []
    got: list[list[JobEvent]] = []
    reader = threading.Thread(target=lambda: got.append(bus.read(job, None, timeout=5)))
    reader.start()
    time.sleep(0.3)
    bus.publish(job, {"n": 1})
    reader.join(timeout=5)
    assert [e.data for e in got[0]] == [{"n": 1}]


def test_a_read_without_events_returns_empty_after_its_timeout(bus) -> None:  # noqa: ANN001
    started = time.monotonic()
    assert bus.read(job_id(), "0", timeout=0.3) == []
    assert 0.25 <= time.monotonic() - started < 2


def test_malformed_ids_are_refused(bus) -> None:  # noqa: ANN001
    for bad in ("abc", "1-2-3", "", "$", "1; FLUSHALL"):
        with pytest.raises(ValueError):
            bus.read(job_id(), bad, timeout=0)


def test_the_memory_bus_keeps_the_last_events_and_drops_an_ended_job_later() -> None:
    now = [1000.0]
    bus = MemoryEventBus(keep=3, ttl_s=3600, done_ttl_s=600, clock=lambda: now[0])
    job, idle = job_id(), job_id()
    ids = [bus.publish(job, {"n": n}) for n in range(5)]
    assert [e.data["n"] for e in bus.read(job, "0", timeout=0)] == [2, 3, 4]
    assert [e.data["n"] for e in bus.read(job, ids[0], timeout=0)] == [2, 3, 4]  # trimmed
    bus.publish(idle, {"n": 0})
    bus.expire(job)
    now[0] += 599
    assert len(bus.read(job, "0", timeout=0)) == 3
    now[0] += 2
    assert bus.read(job, "0", timeout=0) == [] and bus.cursor(job) == "0"
    assert len(bus.read(idle, "0", timeout=0)) == 1  # not ended: kept for ttl_s
    now[0] += 3600
    assert bus.read(idle, "0", timeout=0) == []
    assert bus.publish(job, {"n": 5}) > ids[-1]  # ids are never reused
    bus.close()


def test_redis_streams_are_trimmed_and_always_expire(redis_bus: RedisEventBus) -> None:
    small = RedisEventBus(REDIS_URL, prefix=redis_bus.prefix, keep=10, ttl_s=120,
                          done_ttl_s=30)
    job = job_id()
    for n in range(200):
        small.publish(job, {"n": n})
    key = small.key(job)
    assert key.startswith(redis_bus.prefix)
    assert small.client.xlen(key) < 200  # MAXLEN ~ 10 trims whole nodes
    assert 0 < small.client.ttl(key) <= 120
    assert small.read(job, "0", timeout=0)[-1].data == {"n": 199}
    small.expire(job)
    assert 0 < small.client.ttl(key) <= 30
    for k in small.client.scan_iter(match=redis_bus.prefix + "*"):
        assert small.client.ttl(k) > 0  # nothing stays forever
    small.close()


def test_make_event_bus_picks_redis_only_with_a_url() -> None:
    assert isinstance(make_event_bus(None), MemoryEventBus)
    bus = make_event_bus(REDIS_URL, prefix="kosha-test:unused:")
    assert isinstance(bus, RedisEventBus) and bus.prefix == "kosha-test:unused:"
    bus.close()


def test_publishing_store_publishes_every_write_of_a_real_job(meta, bus) -> None:  # noqa: ANN001
    store = PublishingJobStore(SqlJobStore(meta), bus)
    run = HeldRun(files=3)
    service = JobService(store, run, progress_interval=0.0)
    try:
        job = service.submit(index_request())
        assert run.started.wait(10)
        again = service.submit(index_request())  # the repo is running: a follow-up job
        run.release.set()
        assert service.wait(job.id, TEAM_A, timeout=10).status == SUCCEEDED
        assert service.wait(again.id, TEAM_A, timeout=10).status == SUCCEEDED
    finally:
        run.release.set()
        service.close()
    events = bus.read(job.id, "0", timeout=0)
    states = [(e.data["status"], e.data["phase"], e.data["files_done"]) for e in events]
    assert states[0] == ("queued", "queued", 0)  # create
    assert ("running", "fetch", 0) in states and ("running", "parse", 3) in states
    assert [s for s, _, _ in states].index("running") > 0
    assert states[-1] == (SUCCEEDED, "done", 3)
    assert len(events) >= 8  # create, start, start_repo, progress pairs, finish_repo, finish
    assert all(e.data["id"] == job.id for e in events)
    assert TOKEN not in repr([e.data for e in events])
    assert bus.read(again.id, "0", timeout=0)[-1].data["status"] == SUCCEEDED


def test_a_failing_bus_never_fails_a_write(meta, caplog) -> None:  # noqa: ANN001
    class BrokenBus(MemoryEventBus):
        def publish(self, job_id: str, data: dict) -> str:
            raise ConnectionError(f"redis down, {TOKEN}")

    store = PublishingJobStore(SqlJobStore(meta), BrokenBus())
    job = store.create(str(TEAM_A), "https://gitlab.example.com/emea/teama/app", "main",
                       "incremental")
    store.start(job.id)
    store.finish(job.id, SUCCEEDED)
    assert store.get(job.id, str(TEAM_A)).status == SUCCEEDED
    assert "ConnectionError" in caplog.text and TOKEN not in caplog.text


def test_publishing_store_delegates_reads_and_expires_ended_jobs(meta) -> None:  # noqa: ANN001
    expired: list[str] = []

    class Recording(MemoryEventBus):
        def expire(self, job_id: str) -> None:
            expired.append(job_id)
            super().expire(job_id)

    bus = Recording()
    inner = SqlJobStore(meta)
    store = PublishingJobStore(inner, bus)
    job = store.create(str(TEAM_A), "https://gitlab.example.com/emea/teama/app", "main",
                       "incremental")
    assert store.engine is inner.engine and store.store is inner
    assert store.get(job.id, str(TEAM_A)) == inner.get(job.id, str(TEAM_A))
    assert store.peek(job.id) == inner.peek(job.id)
    assert store.peek(job_id()) is None
    store.update_progress(job.id, phase="parse", files_total=9)
    assert expired == []
    store.finish(job.id, "failed", error_code="quota_chunks", error_message="too big")
    assert expired == [job.id]
    last = bus.read(job.id, "0", timeout=0)[-1].data
    assert last["status"] == "failed" and last["error"]["code"] == "quota_chunks"
