"""GET /jobs/{id}/events: live progress as Server-Sent Events, resume, scoping."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pytest

from kosha.domain.errors import GitError
from kosha.entrypoints.api import job_routes
from kosha.jobs.events import MemoryEventBus
from kosha.jobs.views import FAILED, SUCCEEDED
from tests.jobs.conftest import TEAM_A, TEAM_B, TOKEN, EventsApi, index_request


@dataclass
class Sse:
    event: str
    id: str | None
    job: dict


def sse(lines: Iterable[str]) -> Iterator[Sse]:
    """A deliberately plain SSE reader (the CLI's parser is tested on its own)."""
    fields: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith(":"):
            continue
        if line:
            name, _, value = line.partition(": ")
            fields.setdefault(name, []).append(value)
            continue
        if "data" in fields:
            yield Sse(fields.get("event", ["message"])[0], fields.get("id", [None])[0],
                      json.loads("\n".join(fields["data"])))
        fields = {}


def stream(api: EventsApi, job_id: str, headers: dict, last_id: str | None = None,
           ) -> list[Sse]:
    if last_id is not None:
        headers = {**headers, "Last-Event-ID": last_id}
    with api.client.stream("GET", f"/jobs/{job_id}/events", headers=headers) as r:
        assert r.status_code == 200, r.read()
        return list(sse(r.iter_lines()))


def check_live_run(api: EventsApi, id_key=int) -> None:  # noqa: ANN001
    job = api.jobs.submit(index_request())
    assert api.run.started.wait(10)
    with api.client.stream("GET", f"/jobs/{job.id}/events", headers=api.headers()) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse(r.iter_lines())
        first = next(events)
        assert first.event == "progress" and first.job["id"] == job.id
        assert (first.job["status"], first.job["phase"]) == ("running", "fetch")
        api.run.release.set()  # now the run reports files one by one
        rest = list(events)
    assert [e.event for e in rest][-2:] == ["progress", "done"]
    done = rest[-1].job
    assert (done["status"], done["files_done"], done["chunks"]) == (SUCCEEDED, 4, 12)
    progress = [e for e in rest if e.event == "progress"]
    files = [e.job["files_done"] for e in progress]
    assert len(progress) >= 5 and files == sorted(files) and 4 in files
    assert len({f for f in files if f}) >= 3  # several intermediate states were relayed
    ids = [id_key(e.id) for e in progress]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert TOKEN not in json.dumps([e.job for e in rest])

    # a reconnect after the third relayed event gets exactly what followed it
    resumed = stream(api, job.id, api.headers(), last_id=progress[2].id)
    assert [e.id for e in resumed if e.event == "progress"] == [e.id for e in progress[3:]]
    assert resumed[-1].event == "done" and resumed[-1].job["status"] == SUCCEEDED


def test_progress_events_follow_a_running_job_until_done(events_api: EventsApi) -> None:
    check_live_run(events_api)


def test_the_redis_bus_carries_the_same_stream(redis_events_api: EventsApi) -> None:
    check_live_run(redis_events_api, id_key=lambda i: tuple(map(int, i.split("-"))))


def test_a_finished_job_sends_its_snapshot_then_done(events_api: EventsApi) -> None:
    job = events_api.jobs.submit(index_request())
    events_api.run.release.set()
    events_api.jobs.wait(job.id, TEAM_A, timeout=10)
    events = stream(events_api, job.id, events_api.headers())
    assert [e.event for e in events] == ["progress", "done"]
    assert events[0].job["status"] == events[1].job["status"] == SUCCEEDED
    for stale in ("999999", "not-an-id"):  # nothing retained after it / not an id at all
        again = stream(events_api, job.id, events_api.headers(), last_id=stale)
        assert [e.event for e in again] == ["progress", "done"]


def test_a_disconnect_then_resume_misses_nothing(events_api: EventsApi) -> None:
    api = events_api
    job = api.jobs.submit(index_request())
    assert api.run.started.wait(10)
    with api.client.stream("GET", f"/jobs/{job.id}/events", headers=api.headers()) as r:
        first = next(sse(r.iter_lines()))  # then the client goes away mid-stream
    api.run.release.set()
    api.jobs.wait(job.id, TEAM_A, timeout=10)
    resumed = stream(api, job.id, api.headers(), last_id=first.id)
    assert resumed[0].event == "progress" and int(resumed[0].id) > int(first.id)
    assert [e.job["files_done"] for e in resumed if e.event == "progress"][-1] == 4
    assert resumed[-1].event == "done"


def test_a_failed_job_ends_with_done_and_its_error(events_api: EventsApi) -> None:
    events_api.run.error = GitError("the clone failed")
    job = events_api.jobs.submit(index_request())
    events_api.run.release.set()
    events = stream(events_api, job.id, events_api.headers())
    assert events[-1].event == "done"
    assert events[-1].job["status"] == FAILED
    assert events[-1].job["error"] == {"code": "git_error", "message": "the clone failed"}


def test_another_tenants_job_is_404_json_before_any_stream(events_api: EventsApi) -> None:
    job = events_api.jobs.submit(index_request())
    for job_id, headers in ((job.id, events_api.headers(TEAM_B)),
                            ("0" * 32, events_api.headers()), ("../etc", events_api.headers())):
        r = events_api.client.get(f"/jobs/{job_id}/events", headers=headers)
        assert r.status_code == 404 and r.headers["content-type"] == "application/json"
        assert r.json()["error"]["code"] == "not_found"
    r = events_api.client.get(f"/jobs/{job.id}/events")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_tenant_key"


def test_account_mode_streams_its_own_jobs_only(events_api: EventsApi) -> None:
    mine, tenant = events_api.bearer("owner@example.com")
    theirs, _ = events_api.bearer("other@example.com")
    job = events_api.jobs.submit(index_request(tenant=tenant))
    events_api.run.release.set()
    events = stream(events_api, job.id, mine)
    assert events[-1].event == "done" and events[-1].job["status"] == SUCCEEDED
    r = events_api.client.get(f"/jobs/{job.id}/events", headers=theirs)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = events_api.client.get(f"/jobs/{job.id}/events", headers={"Authorization": "Bearer x"})
    assert r.status_code == 401


def test_without_bus_events_the_database_still_ends_the_stream(
        events_api: EventsApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_routes, "IDLE_CHECK_S", 0.3)
    events_api.container.__dict__["events"] = MemoryEventBus()  # nobody publishes on this one
    job = events_api.jobs.submit(index_request())
    assert events_api.run.started.wait(10)
    events_api.run.release.set()
    events = stream(events_api, job.id, events_api.headers())
    assert events[0].event == "progress" and events[-1].event == "done"
    assert events[-1].job["status"] == SUCCEEDED


def test_the_route_is_in_the_openapi_document(events_api: EventsApi) -> None:
    spec = events_api.client.get("/openapi.json").json()
    op = spec["paths"]["/jobs/{job_id}/events"]["get"]
    assert op["operationId"] == "job_events" and "text/event-stream" in op["responses"]["200"][
        "content"]
