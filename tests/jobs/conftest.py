"""Job events: both buses, a held fake index run, and the API wired to them (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from kosha.accounts.passwords import Passwords
from kosha.adapters.sql.jobs import SqlJobStore
from kosha.bootstrap import Container
from kosha.config import Settings
from kosha.domain.errors import KoshaError
from kosha.domain.tenancy import TenantKey, parse_tenant_key
from kosha.entrypoints.api.app import create_app
from kosha.ingest.pipeline import IndexRequest
from kosha.ingest.progress import IndexProgress
from kosha.jobs.events import MemoryEventBus, PublishingJobStore, RedisEventBus
from kosha.jobs.service import JobService
from tests.conftest import serve_in_thread

REDIS_URL = os.environ.get("KOSHA_TEST_REDIS", "redis://127.0.0.1:6379/0")
DOMAIN = "gitlab.example.com"
TEAM_A = parse_tenant_key(f"{DOMAIN}//emea/teama")
TEAM_B = parse_tenant_key(f"{DOMAIN}//emea/teamb")
TOKEN = "glpat-EventsSecret-0123456789"  # must never show up in any output
COMMIT = "c0ffee" * 6 + "abcd"
SECRET_KEY = "job-events-test-secret-" + "5b2d4f6a8c0e1b3d5f7a9c2e9f3a1c7e"
ENCRYPTION_KEY = "job-events-test-encryption-" + "8c0e9f3a1c7e5b2d1b3d5f7a9c2e4f6a"


def index_request(tenant: TenantKey = TEAM_A, name: str = "app") -> IndexRequest:
    url = f"https://{DOMAIN}/emea/teama/{name}"
    return IndexRequest(tenant=tenant, repo_url=url, source=url + ".git", ref="main",
                        mode="incremental", token=SecretStr(TOKEN))


class HeldRun:
    """A fake index run: reports `fetch`, waits for `release`, then parses `files` files one
    progress report at a time (or raises `error`)."""

    def __init__(self, files: int = 4) -> None:
        self.files = files
        self.started = threading.Event()
        self.release = threading.Event()
        self.error: KoshaError | None = None

    def __call__(self, req: IndexRequest, on_progress) -> SimpleNamespace:  # noqa: ANN001
        progress = IndexProgress(repo=req.repo_url, phase="fetch", commit=COMMIT)
        on_progress(progress)
        self.started.set()
        assert self.release.wait(20), "the test never released the run"
        progress.phase, progress.files_total = "parse", self.files
        for done in range(1, self.files + 1):
            progress.files_done, progress.chunks = done, 3 * done
            on_progress(progress)
            time.sleep(0.01)
        if self.error is not None:
            raise self.error
        return SimpleNamespace(commit=COMMIT, progress=progress)


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but unreachable: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")


@pytest.fixture
def redis_bus() -> Iterator[RedisEventBus]:
    """A Redis bus under a prefix of its own; every key of it is deleted afterwards."""
    redis_or_skip()
    bus = RedisEventBus(REDIS_URL, prefix=f"kosha-test:{uuid.uuid4().hex[:12]}:events:")
    try:
        yield bus
    finally:
        keys = list(bus.client.scan_iter(match=bus.prefix + "*"))
        if keys:
            bus.client.delete(*keys)
        assert not list(bus.client.scan_iter(match=bus.prefix + "*"))
        bus.close()


@pytest.fixture(params=["memory", "redis"])
def bus(request: pytest.FixtureRequest):  # noqa: ANN201
    """Each bus test runs on the memory bus and on Redis Streams."""
    if request.param == "redis":
        yield request.getfixturevalue("redis_bus")
        return
    memory = MemoryEventBus()
    yield memory
    memory.close()


class _Idle:
    """Stands in for the search stores the job routes never touch."""

    def close(self) -> None:
        pass


@dataclass
class EventsApi:
    client: TestClient
    container: Container
    run: HeldRun

    @property
    def jobs(self) -> JobService:
        return self.container.jobs

    def headers(self, tenant: TenantKey = TEAM_A) -> dict:
        return {"X-Tenant-Key": str(tenant), "X-Git-Identity": f"domain={DOMAIN},token={TOKEN}"}

    def bearer(self, email: str) -> tuple[dict, TenantKey]:
        session = self.container.auth.signup(email, "correct horse battery staple")
        account = self.container.auth.authenticate(session["access_token"])
        return {"Authorization": f"Bearer {session['access_token']}"}, account.tenant


def make_container(tmp_path: Path, sql_url: str, bus, run: HeldRun) -> Container:  # noqa: ANN001
    settings = Settings(home=tmp_path / "home", database_url=sql_url,
                        secret_key=SECRET_KEY, encryption_key=ENCRYPTION_KEY)
    container = Container(settings)
    for name in ("search", "navigator", "purger", "vectors", "graph"):
        container.__dict__[name] = _Idle()
    container.__dict__["events"] = bus
    store = PublishingJobStore(SqlJobStore(container.engine), bus)
    container.__dict__["jobs"] = JobService(store, run, progress_interval=0.0)
    container.auth.passwords = Passwords(PasswordHasher(time_cost=1, memory_cost=8192,
                                                        parallelism=1))
    return container


@contextmanager
def serve_api(tmp_path: Path, sql_url: str, bus) -> Iterator[EventsApi]:  # noqa: ANN001
    """The API on `bus` with a held fake run, through a TestClient."""
    run = HeldRun()
    container = make_container(tmp_path, sql_url, bus, run)
    try:
        with TestClient(create_app(container)) as client:
            try:
                yield EventsApi(client, container, run)
            finally:
                run.release.set()  # before the shutdown waits for the job threads
    finally:
        bus.close()


@pytest.fixture
def events_api(tmp_path: Path, sql_url: str) -> Iterator[EventsApi]:
    """The API with a memory bus and a held fake run, on SQLite and PostgreSQL."""
    with serve_api(tmp_path, sql_url, MemoryEventBus()) as api:
        yield api


@pytest.fixture
def redis_events_api(tmp_path: Path, redis_bus: RedisEventBus) -> Iterator[EventsApi]:
    """The API with a Redis Streams bus (a test prefix), on SQLite."""
    with serve_api(tmp_path, f"sqlite:///{tmp_path / 'kosha.db'}", redis_bus) as api:
        yield api


@dataclass
class LiveServer:
    url: str
    container: Container
    run: HeldRun
    app: FastAPI

    def release_once_watched(self, timeout: float = 10) -> threading.Thread:
        """Release the run once an event stream has been opened (from a thread)."""
        def release() -> None:
            deadline = time.monotonic() + timeout
            while getattr(self.app.state, "job_event_readers", None) is None:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            self.run.release.set()

        thread = threading.Thread(target=release, daemon=True)
        thread.start()
        return thread


@pytest.fixture
def live_server(tmp_path: Path, sql_url: str) -> Iterator[LiveServer]:
    """The API under uvicorn on a free 127.0.0.1 port, in a thread."""
    run, bus = HeldRun(), MemoryEventBus()
    container = make_container(tmp_path, sql_url, bus, run)
    app = create_app(container)
    try:
        with serve_in_thread(app) as url:
            try:
                yield LiveServer(url, container, run, app)
            finally:
                run.release.set()  # before the server stops: a held run would keep it busy
    finally:
        bus.close()
