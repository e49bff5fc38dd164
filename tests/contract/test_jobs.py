"""In-process index jobs on SQLite and PostgreSQL: coalescing, progress, failures, secrecy."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from kosha.adapters.sql.jobs import SqlJobStore
from kosha.domain.errors import IndexBusy, NotFound
from kosha.domain.tenancy import parse_tenant_key
from kosha.ingest.pipeline import IndexRequest
from kosha.ingest.progress import IndexProgress
from kosha.jobs.service import JobService, JobView

TEAM_A = parse_tenant_key("gitlab.example.com//emea/teama")
TEAM_B = parse_tenant_key("gitlab.example.com//emea/teamb")
APP = "https://gitlab.example.com/emea/teama/app"
LIB = "https://gitlab.example.com/emea/teama/lib"
SECRET = "glpat-SUPERSECRET-0123456789"


def request(url: str = APP, ref: str = "main", token: str | None = SECRET,
            mode: str = "incremental") -> IndexRequest:
    return IndexRequest(tenant=TEAM_A, repo_url=url, source=url + ".git", ref=ref, mode=mode,
                        token=SecretStr(token) if token else None)


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class FakeIndexer:
    """Stands in for IndexService.index: reports progress, blocks until its repo is released."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.calls: list[IndexRequest] = []
        self.running: Counter[str] = Counter()
        self.max_per_repo: Counter[str] = Counter()
        self.max_total = 0
        self.gates: dict[str, threading.Event] = {}
        self.errors: dict[str, Exception] = {}
        self.opened = False  # after release_all: nothing blocks any more

    def gate(self, url: str) -> threading.Event:
        with self.cond:
            gate = self.gates.setdefault(url, threading.Event())
            if self.opened:
                gate.set()
            return gate

    def release(self, url: str) -> None:
        self.gate(url).set()

    def release_all(self) -> None:
        with self.cond:
            self.opened = True
            for gate in self.gates.values():
                gate.set()

    def wait_calls(self, n: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.calls) >= n, timeout=5)

    def __call__(self, req: IndexRequest, on_progress: Callable) -> SimpleNamespace:
        gate = self.gate(req.repo_url)
        with self.cond:
            self.calls.append(req)
            self.running[req.repo_url] += 1
            self.max_per_repo[req.repo_url] = max(self.max_per_repo[req.repo_url],
                                                  self.running[req.repo_url])
            self.max_total = max(self.max_total, sum(self.running.values()))
            self.cond.notify_all()
        try:
            progress = IndexProgress(repo=req.repo_url, phase="fetch")
            on_progress(progress)
            progress.commit = "c0ffee" * 6 + "abcd"
            progress.phase, progress.files_total, progress.files_done = "parse", 10, 3
            on_progress(progress)
            assert gate.wait(5), "the test never released this repo"
            if req.repo_url in self.errors:
                raise self.errors[req.repo_url]
            with self.cond:
                if not self.opened:
                    gate.clear()  # the next run of this repo blocks again
            return SimpleNamespace(commit="c0ffee" * 6 + "abcd")
        finally:
            with self.cond:
                self.running[req.repo_url] -= 1


@pytest.fixture
def store(meta) -> SqlJobStore:  # noqa: ANN001
    return SqlJobStore(meta)


@pytest.fixture
def fake() -> FakeIndexer:
    return FakeIndexer()


@pytest.fixture
def make_service(store: SqlJobStore, fake: FakeIndexer) -> Iterator[Callable[..., JobService]]:
    services: list[JobService] = []

    def factory(workers: int = 2, run: Callable | None = None) -> JobService:
        service = JobService(store, run or fake, workers=workers)
        services.append(service)
        return service

    yield factory
    fake.release_all()
    for service in services:
        service.close()


def test_submit_returns_a_job_and_progress_lands_in_its_row(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    job = service.submit(request())
    assert job.status in ("queued", "running") and job.requests == 1 and len(job.id) == 32
    fake.wait_calls(1)
    eventually(lambda: service.get(job.id, TEAM_A).files_done == 3)
    row = service.get(job.id, TEAM_A)
    assert (row.status, row.phase, row.files_total) == ("running", "parse", 10)
    assert row.commit and row.started_at is not None and row.finished_at is None
    fake.release(APP)
    done = service.wait(job.id, TEAM_A, timeout=5)
    assert (done.status, done.phase, done.error_code) == ("completed", "done", None)
    body = done.to_dict()
    assert body["error"] is None and body["commit"] == done.commit
    assert body["finished_at"].endswith("+00:00") and body["ref"] == "main"


def test_requests_for_a_running_repo_share_one_follow_up(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    first = service.submit(request(ref="v1"))
    fake.wait_calls(1)
    second = service.submit(request(ref="v2", token="t2"))
    third = service.submit(request(ref="v3", mode="full", token="t3"))
    assert second.id != first.id and second.status == "queued"
    assert third.id == second.id and third.requests == 2
    assert (third.ref, third.mode) == ("v3", "full")  # the newest request wins
    fake.release(APP)
    assert service.wait(first.id, TEAM_A, timeout=5).status == "completed"
    fake.wait_calls(2)
    fake.release(APP)
    assert service.wait(second.id, TEAM_A, timeout=5).status == "completed"
    assert [c.ref for c in fake.calls] == ["v1", "v3"]
    assert fake.calls[1].token.get_secret_value() == "t3"
    assert fake.max_per_repo[APP] == 1


def test_a_queued_job_absorbs_further_requests(make_service, fake) -> None:  # noqa: ANN001
    service = make_service(workers=1)
    lib = service.submit(request(url=LIB))
    fake.wait_calls(1)
    app = service.submit(request(ref="a"))  # waits for the only worker
    again = service.submit(request(ref="b"))
    assert again.id == app.id and again.requests == 2 and again.status == "queued"
    fake.release(LIB)
    fake.wait_calls(2)
    fake.release(APP)
    assert service.wait(app.id, TEAM_A, timeout=5).status == "completed"
    assert service.wait(lib.id, TEAM_A, timeout=5).status == "completed"
    assert [c.ref for c in fake.calls] == ["main", "b"]


def test_different_repos_run_in_parallel(make_service, fake, store) -> None:  # noqa: ANN001
    service = make_service(workers=2)
    jobs = [service.submit(request(url=APP)), service.submit(request(url=LIB))]
    fake.wait_calls(2)
    assert fake.max_total == 2
    assert {j.id for j in store.active_for(str(TEAM_A), APP)} == {jobs[0].id}
    fake.release_all()
    assert all(service.wait(j.id, TEAM_A, timeout=5).status == "completed" for j in jobs)
    assert store.active_for(str(TEAM_A), APP) == []


def test_failures_keep_their_code_but_never_the_raw_exception(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    fake.errors[APP] = IndexBusy("repository is being indexed by another process")
    fake.errors[LIB] = RuntimeError(f"git failed: https://oauth2:{SECRET}@host/x")
    fake.release(APP)
    fake.release(LIB)
    busy, boom = service.submit(request(url=APP)), service.submit(request(url=LIB))
    busy, boom = service.wait(busy.id, TEAM_A, timeout=5), service.wait(boom.id, TEAM_A, timeout=5)
    assert (busy.status, busy.phase) == ("failed", "failed")
    assert busy.to_dict()["error"] == {"code": "index_busy",
                                       "message": "repository is being indexed by another process"}
    assert boom.error_code == "internal_error" and SECRET not in (boom.error_message or "")
    assert "git failed" not in (boom.error_message or "")


def test_another_tenants_job_is_not_found(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    job = service.submit(request())
    for tenant in (TEAM_B, "gitlab.example.com//emea/*"):
        with pytest.raises(NotFound):
            service.get(job.id, tenant)
    for bad in ("0" * 32, "not-a-job", job.id.upper(), job.id + "0", ""):
        with pytest.raises(NotFound):
            service.get(bad, TEAM_A)
    assert service.get(job.id, str(TEAM_A)).id == job.id


def test_no_token_reaches_the_jobs_table_or_the_view(make_service, fake, store) -> None:  # noqa: ANN001
    service = make_service()
    first = service.submit(request())
    fake.wait_calls(1)
    follow = service.submit(request(ref="dev"))
    views: list[JobView] = [first, follow, service.get(first.id, TEAM_A)]
    fake.release(APP)
    service.wait(first.id, TEAM_A, timeout=5)
    fake.wait_calls(2)
    fake.release(APP)
    views.append(service.wait(follow.id, TEAM_A, timeout=5))
    assert views[-1].status == "completed"
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM index_jobs")).all()
    assert len(rows) == 2
    assert not [v for row in rows for v in row if SECRET in str(v)]
    for view in views:
        assert SECRET not in json.dumps(view.to_dict()) and SECRET not in repr(view)
    assert service._requests == {}  # the tokens left memory with their jobs


def test_progress_writes_are_throttled_but_phases_and_the_end_land(make_service, store) -> None:  # noqa: ANN001
    writes: list[dict] = []
    original = store.update_progress

    def recording(job_id: str, **fields) -> None:  # noqa: ANN003
        writes.append(fields)
        original(job_id, **fields)

    store.update_progress = recording

    def run(req: IndexRequest, on_progress: Callable) -> SimpleNamespace:
        progress = IndexProgress(repo=req.repo_url, phase="parse", files_total=100)
        for i in range(1, 101):
            progress.files_done = i
            on_progress(progress)
        return SimpleNamespace(commit="abc")

    service = make_service(run=run)
    job = service.wait(service.submit(request()).id, TEAM_A, timeout=5)
    assert job.status == "completed" and job.files_done == 100 and job.commit == "abc"
    assert 2 <= len(writes) < 10  # the first (phase) write and the final flush


def test_jobs_left_by_a_dead_process_are_marked_interrupted(store) -> None:  # noqa: ANN001
    queued = store.create(str(TEAM_A), APP, "main", "incremental")
    running = store.create(str(TEAM_A), LIB, "main", "full")
    store.start(running.id)
    ended = store.create(str(TEAM_B), APP, "main", "incremental")
    store.finish(ended.id, "completed", commit="abc")
    assert store.mark_interrupted_on_start() == 2
    for job in (queued, running):
        view = store.get(job.id, str(TEAM_A))
        assert (view.status, view.error_code) == ("failed", "interrupted")
        assert view.finished_at is not None
    assert store.get(ended.id, str(TEAM_B)).status == "completed"
    assert store.active_for(str(TEAM_A), APP) == []


def test_close_fails_jobs_that_never_ran(make_service, fake) -> None:  # noqa: ANN001
    service = make_service(workers=1)
    running = service.submit(request())
    fake.wait_calls(1)
    follow = service.submit(request(ref="dev"))
    service.close(wait=False)
    view = service.get(follow.id, TEAM_A)
    assert (view.status, view.error_code) == ("failed", "interrupted")
    fake.release(APP)  # the running job still ends honestly
    assert service.wait(running.id, TEAM_A, timeout=5).status == "completed"
    assert len(fake.calls) == 1


def test_a_single_repo_job_has_one_repo_entry(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    first = service.submit(request(ref="v1"))
    assert first.total_repos == 1 and [r.status for r in first.repos] == ["queued"]
    fake.wait_calls(1)
    follow = service.submit(request(ref="v2"))
    follow = service.submit(request(ref="v3"))  # absorbed: the repo's ref follows
    assert follow.requests == 2 and [r.ref for r in follow.repos] == ["v3"]
    eventually(lambda: service.get(first.id, TEAM_A).repos[0].files_done == 3)
    running = service.get(first.id, TEAM_A).to_dict()
    assert running["repos"][0]["status"] == "running" and running["repos"][0]["phase"] == "parse"
    assert running["progress"] == {"current_repo_index": 0,
                                   "current_repo_name": "emea/teama/app", "total_repos": 1,
                                   "files_processed": 3, "chunks_processed": 0}
    assert running["estimated_completion"] is not None  # parse at 3 of 10 files
    fake.release_all()
    done = service.wait(first.id, TEAM_A, timeout=5).to_dict()
    assert done["status"] == "completed" and done["total_repos"] == 1
    assert done["job_id"] == done["id"] and done["estimated_completion"] is None
    [repo] = done["repos"]
    assert (repo["position"], repo["repo_url"], repo["ref"], repo["status"]) == (
        0, APP, "v1", "completed")
    assert repo["commit"] == done["commit"] and repo["error"] is None
    assert repo["duration_s"] is not None and repo["finished_at"].endswith("+00:00")
    assert service.wait(follow.id, TEAM_A, timeout=5).repos[0].status == "completed"


def test_a_failed_single_repo_job_fails_its_repo_too(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    fake.errors[APP] = IndexBusy("repository is being indexed by another process")
    fake.release(APP)
    done = service.wait(service.submit(request()).id, TEAM_A, timeout=5)
    assert done.error_code == "index_busy" and len(fake.calls) == 1  # no retry: single job
    [repo] = done.repos
    assert (repo.status, repo.phase, repo.error_code) == ("failed", "failed", "index_busy")
    assert repo.commit and repo.commit == done.commit  # the commit was known before it failed
