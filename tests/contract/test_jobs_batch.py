"""Jobs over N repositories on SQLite and PostgreSQL: order, per-repo progress, failures,
quota stops, busy retries, the on_result hook and tenant isolation of job listings."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from kosha.adapters.sql.jobs import SqlJobStore
from kosha.domain.errors import IndexBusy, NotFound, QuotaChunksExceeded, RefNotFound
from kosha.domain.tenancy import parse_tenant_key
from kosha.ingest.pipeline import IndexRequest
from kosha.ingest.progress import IndexProgress
from kosha.jobs.service import JobService

TEAM_A = parse_tenant_key("gitlab.example.com//emea/teama")
TEAM_B = parse_tenant_key("gitlab.example.com//emea/teamb")
BASE = "https://gitlab.example.com/emea/teama"
SVC1, SVC2, SVC3 = (f"{BASE}/svc{i}" for i in (1, 2, 3))
SIZE = {SVC1: 1, SVC2: 2, SVC3: 3}  # a repo of size n: 2n files, 10n chunks (7n py, 3n go)
SECRET = "glpat-BATCHSECRET-0123456789"


def commit_of(url: str) -> str:
    return url[-1] * 40


def request(url: str, tenant=TEAM_A, ref: str = "main") -> IndexRequest:  # noqa: ANN001
    return IndexRequest(tenant=tenant, repo_url=url, source=url + ".git", ref=ref,
                        token=SecretStr(SECRET))


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class FakeRun:
    """Stands in for IndexService.index: progress by repo size, optional busy, gate, error."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[str] = []
        self.threads: set[str] = set()
        self.running = 0
        self.max_running = 0
        self.busy: Counter[str] = Counter()  # IndexBusy this many times before running
        self.gates: dict[str, threading.Event] = {}
        self.errors: dict[str, Exception] = {}  # raised after parse progress

    def __call__(self, req: IndexRequest, on_progress: Callable) -> SimpleNamespace:
        url = req.repo_url
        with self.lock:
            self.calls.append(url)
            self.threads.add(threading.current_thread().name)
            if self.busy[url] > 0:
                self.busy[url] -= 1
                raise IndexBusy("repository is being indexed by another process")
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            n = SIZE.get(url, 1)
            progress = IndexProgress(repo=url, phase="fetch")
            on_progress(progress)
            progress.commit = commit_of(url)
            progress.phase, progress.phase_started_at = "parse", time.monotonic() - 1
            progress.files_total, progress.files_done, progress.chunks = 2 * n, n, 10 * n
            progress.langs.update({"python": 7 * n, "go": 3 * n})
            on_progress(progress)
            if url in self.gates:
                assert self.gates[url].wait(5), "the test never released this repo"
            if url in self.errors:
                raise self.errors[url]
            progress.phase, progress.files_done = "done", 2 * n
            on_progress(progress)
            return SimpleNamespace(commit=commit_of(url), progress=progress)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def store(meta) -> SqlJobStore:  # noqa: ANN001
    return SqlJobStore(meta)


@pytest.fixture
def fake() -> FakeRun:
    return FakeRun()


@pytest.fixture
def make_service(store: SqlJobStore, fake: FakeRun) -> Iterator[Callable[..., JobService]]:
    services: list[JobService] = []

    def factory(**kwargs) -> JobService:  # noqa: ANN003
        service = JobService(store, kwargs.pop("run", fake), **kwargs)
        services.append(service)
        return service

    yield factory
    for gate in fake.gates.values():
        gate.set()
    for service in services:
        service.close()


def test_a_failed_repo_does_not_stop_the_others(make_service, fake, store) -> None:  # noqa: ANN001
    service = make_service(workers=2)
    fake.errors[SVC2] = RefNotFound("ref not found: main")
    fake.gates[SVC3] = threading.Event()
    job = service.submit_batch([request(SVC1), request(SVC2), request(SVC3)])
    assert (job.total_repos, job.repo_url, len(job.repos)) == (3, SVC1, 3)
    assert [r.status for r in job.repos] == ["queued"] * 3

    def at_third() -> bool:
        view = service.get(job.id, TEAM_A)
        return view.current_repo_index == 2 and view.files_done == 2 + 2 + 3
    eventually(at_third)  # cumulative: svc1 done (2), svc2 failed at 2, svc3 at 3
    running = service.get(job.id, TEAM_A)
    assert (running.status, running.phase, running.chunks, running.files_total) == (
        "running", "parse", 60, 12)
    assert running.commit is None  # a batch has no single commit; its repos have
    body = running.to_dict()
    assert body["progress"] == {"current_repo_index": 2, "current_repo_name": "emea/teama/svc3",
                                "total_repos": 3, "files_processed": 7,
                                "chunks_processed": 60}
    assert body["repos"][2]["status"] == "running" and body["repos"][2]["duration_s"] >= 0
    fake.gates[SVC3].set()

    done = service.wait(job.id, TEAM_A, timeout=5)
    assert (done.status, done.phase, done.error_code) == ("failed", "failed", "repos_failed")
    assert done.error_message == "1 of 3 repositories failed"
    assert (done.files_done, done.chunks, done.files_total) == (2 + 2 + 6, 60, 12)
    assert fake.calls == [SVC1, SVC2, SVC3] and fake.max_running == 1 and len(fake.threads) == 1
    repos = done.to_dict()["repos"]
    assert [r["status"] for r in repos] == ["completed", "failed", "completed"]
    assert [r["name"] for r in repos] == ["emea/teama/svc1", "emea/teama/svc2", "emea/teama/svc3"]
    for r, n in zip(repos, (1, 2, 3), strict=True):
        assert r["languages"] == {"python": 7 * n, "go": 3 * n} and r["chunks"] == 10 * n
        assert r["commit"] == str(n) * 40 and r["duration_s"] is not None
        assert r["started_at"] and r["finished_at"]
    assert repos[1]["error"] == {"code": "ref_not_found", "message": "ref not found: main"}
    assert (repos[0]["files_done"], repos[1]["files_done"]) == (2, 2)
    assert repos[0]["error"] is None and repos[1]["phase"] == "failed"
    assert done.to_dict()["estimated_completion"] is None
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM index_job_repos")).all()
        rows += conn.execute(text("SELECT * FROM index_jobs")).all()
    assert not [v for row in rows for v in row if SECRET in str(v)]
    assert SECRET not in json.dumps(done.to_dict()) and service._requests == {}


def test_a_quota_error_stops_the_job_and_skips_the_rest(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    fake.errors[SVC2] = QuotaChunksExceeded("the chunk quota of this account is used up")
    job = service.submit_batch([request(SVC1), request(SVC2), request(SVC3)])
    done = service.wait(job.id, TEAM_A, timeout=5)
    assert (done.status, done.error_code) == ("failed", "quota_chunks_exceeded")
    assert done.error_message == "the chunk quota of this account is used up"
    assert [r.status for r in done.repos] == ["completed", "failed", "skipped"]
    assert done.repos[2].started_at is None and done.repos[2].to_dict()["duration_s"] is None
    assert fake.calls == [SVC1, SVC2]


def test_a_busy_repo_is_retried(make_service, fake) -> None:  # noqa: ANN001
    service = make_service(busy_poll=0.01)
    fake.busy[SVC2] = 2
    job = service.submit_batch([request(SVC1), request(SVC2)])
    done = service.wait(job.id, TEAM_A, timeout=5)
    assert done.status == "completed" and done.error_code is None
    assert fake.calls == [SVC1, SVC2, SVC2, SVC2]
    assert [r.status for r in done.repos] == ["completed", "completed"]


def test_a_repo_busy_for_too_long_fails(make_service, fake) -> None:  # noqa: ANN001
    service = make_service(busy_poll=0.01, busy_wait=0.1)
    fake.busy[SVC1] = 1000
    job = service.submit_batch([request(SVC1), request(SVC2)])
    done = service.wait(job.id, TEAM_A, timeout=5)
    assert (done.status, done.error_code) == ("failed", "repos_failed")
    assert done.repos[0].error_code == "index_busy" and done.repos[1].status == "completed"
    assert 2 < fake.calls.count(SVC1) < 100


def test_on_result_is_called_once_per_successful_repo(make_service, fake) -> None:  # noqa: ANN001
    seen: list[tuple[str, str]] = []
    service = make_service(on_result=lambda req, result: seen.append(
        (req.repo_url, result.commit)))
    fake.errors[SVC2] = RefNotFound("ref not found: main")
    batch = service.submit_batch([request(SVC1), request(SVC2), request(SVC3)])
    service.wait(batch.id, TEAM_A, timeout=5)
    assert seen == [(SVC1, commit_of(SVC1)), (SVC3, commit_of(SVC3))]
    single = service.submit(request(SVC1))
    assert service.wait(single.id, TEAM_A, timeout=5).status == "completed"
    assert seen[-1] == (SVC1, commit_of(SVC1)) and len(seen) == 3


def test_a_raising_on_result_hook_never_fails_the_job(make_service, fake, caplog) -> None:  # noqa: ANN001
    def hook(req: IndexRequest, result: object) -> None:
        raise RuntimeError(f"usage store down {SECRET}")

    service = make_service(on_result=hook)
    with caplog.at_level(logging.INFO):
        batch = service.submit_batch([request(SVC1), request(SVC2)])
        single = service.submit(request(SVC3))
        assert service.wait(batch.id, TEAM_A, timeout=5).status == "completed"
        assert service.wait(single.id, TEAM_A, timeout=5).status == "completed"
    assert "RuntimeError" in caplog.text and SECRET not in caplog.text


def test_estimated_completion_while_running(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    fake.gates[SVC1] = threading.Event()
    fake.gates[SVC2] = threading.Event()
    job = service.submit_batch([request(SVC1), request(SVC2)])
    eventually(lambda: service.get(job.id, TEAM_A).phase == "parse")
    first = service.get(job.id, TEAM_A)  # no repo finished: the rest cannot be estimated
    assert first.eta_s is None and first.to_dict()["estimated_completion"] is None
    fake.gates[SVC1].set()
    eventually(lambda: service.get(job.id, TEAM_A).current_repo_index == 1
               and service.get(job.id, TEAM_A).phase == "parse")
    body = service.get(job.id, TEAM_A).to_dict()
    assert body["status"] == "running" and body["eta_s"] is not None
    assert body["estimated_completion"] and body["estimated_completion"].endswith("+00:00")
    assert body["estimated_completion"] >= body["started_at"]
    fake.gates[SVC2].set()
    done = service.wait(job.id, TEAM_A, timeout=5).to_dict()
    assert done["status"] == "completed" and done["estimated_completion"] is None


def test_a_batch_is_one_tenant_and_distinct_repos(make_service) -> None:  # noqa: ANN001
    service = make_service()
    for bad in ([], [request(SVC1), request(SVC2, tenant=TEAM_B)],
                [request(SVC1), request(SVC1, ref="dev")]):
        with pytest.raises(ValueError):
            service.submit_batch(bad)
    assert service.list_for([TEAM_A, TEAM_B]) == []


def test_listing_and_reading_jobs_never_cross_tenants(make_service, fake, store) -> None:  # noqa: ANN001
    service = make_service()
    ids_a = []
    for reqs in ([request(SVC1), request(SVC2)], [request(SVC3)]):
        ids_a.append(service.submit_batch(reqs).id)
        time.sleep(0.01)
    b = service.submit_batch([request(f"{BASE}/svc1".replace("teama", "teamb"), TEAM_B)])
    for job_id in ids_a:
        service.wait(job_id, TEAM_A, timeout=5)
    listed = store.list_for([str(TEAM_A)])
    assert [j.id for j in listed] == ids_a[::-1]  # newest first
    assert [len(j.repos) for j in listed] == [1, 2]
    assert [j.id for j in service.list_for([TEAM_B])] == [b.id]
    assert {j.id for j in store.list_for([str(TEAM_A), str(TEAM_B)])} == {*ids_a, b.id}
    assert len(store.list_for([str(TEAM_A)], limit=1)) == 1
    assert store.list_for([]) == [] and store.list_for(["gitlab.example.com//emea/*"]) == []
    assert store.get(b.id, str(TEAM_A)) is None and store.get(ids_a[0], str(TEAM_B)) is None
    with pytest.raises(NotFound):
        service.get(b.id, TEAM_A)


def test_close_stops_a_batch_between_repos(make_service, fake) -> None:  # noqa: ANN001
    service = make_service()
    fake.gates[SVC1] = threading.Event()
    job = service.submit_batch([request(SVC1), request(SVC2)])
    eventually(lambda: len(fake.calls) == 1)
    service.close(wait=False)
    fake.gates[SVC1].set()
    done = service.wait(job.id, TEAM_A, timeout=5)
    assert (done.status, done.error_code) == ("failed", "interrupted")
    assert [(r.status, r.error_code) for r in done.repos] == [
        ("completed", None), ("failed", "interrupted")]
    assert fake.calls == [SVC1]


def test_repos_left_by_a_dead_process_are_marked_interrupted(store) -> None:  # noqa: ANN001
    job = store.create(str(TEAM_A), SVC1, "main", "incremental",
                       repos=[(SVC1, "main"), (SVC2, "dev"), (SVC3, "main")])
    store.start(job.id)
    store.start_repo(job.id, 0)
    store.finish_repo(job.id, 0, "completed", commit="a" * 40, chunks=5,
                      languages={"python": 5})
    store.start_repo(job.id, 1)
    assert store.mark_interrupted_on_start() == 1
    view = store.get(job.id, str(TEAM_A))
    assert [(r.status, r.error_code) for r in view.repos] == [
        ("completed", None), ("failed", "interrupted"), ("failed", "interrupted")]
    assert view.repos[0].languages == {"python": 5} and view.repos[1].ref == "dev"
    assert view.current_repo_index == 1 and view.to_dict()["progress"]["current_repo_name"] \
        == "emea/teama/svc2"
