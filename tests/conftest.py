"""Shared fixtures: real SQLite/PostgreSQL, Milvus Lite, ladybug, git repositories."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN = os.environ.get("KOSHA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_admin_conn():  # noqa: ANN202
    import psycopg

    return psycopg.connect(PG_ADMIN.replace("+psycopg", ""), autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    try:
        admin = _pg_admin_conn()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    name = f"kosha_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test runs on SQLite and on PostgreSQL (fresh schema each time)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kosha.db'}"
        return
    base = request.getfixturevalue("pg_url")
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    yield base


@pytest.fixture
def meta(sql_url: str):  # noqa: ANN201
    from kosha.adapters.sql.engine import make_engine, migrate
    from kosha.adapters.sql.metadata import SqlMetadataStore

    engine = make_engine(sql_url)
    migrate(engine)
    yield SqlMetadataStore(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One Milvus Lite database per session; tests use collections of their own."""
    return str(tmp_path_factory.mktemp("milvus") / "milvus.db")


@contextmanager
def serve_in_thread(app) -> Iterator[str]:  # noqa: ANN001
    """An ASGI app under uvicorn on a free 127.0.0.1 port, in a thread: its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@pytest.fixture(scope="session")
def milvus_server_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Milvus server over the network for this session: `milvus-lite server` on loopback
    (the same gRPC API and pymilvus calls as a Milvus standalone or cluster)."""
    import socket
    import sys
    import time

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    data = tmp_path_factory.mktemp("milvus-server")
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("milvus-lite")), "server",
                             "--data-dir", str(data / "data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("milvus-lite server did not start: "
                            f"{(data / 'server.log').read_text()}")
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3 API for this session: moto's server over HTTP on loopback."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def local_embedder():  # noqa: ANN201
    """The real bundled model, loaded once per session."""
    from kosha.adapters.local_embedder import LocalEmbedder

    embedder = LocalEmbedder()
    embedder.warm()
    return embedder


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


class Repo:
    """A working git repository to commit test files into."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", "-b", "main")

    def write(self, files: dict[str, str | bytes]) -> None:
        for rel, content in files.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)

    def remove(self, *paths: str) -> None:
        for rel in paths:
            (self.path / rel).unlink()

    def commit(self, message: str = "change") -> str:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.path, "rev-parse", "HEAD")

    def tag(self, name: str) -> None:
        git(self.path, "tag", name)


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Repo]:
    def factory(name: str = "repo", files: dict[str, str | bytes] | None = None) -> Repo:
        repo = Repo(tmp_path / name)
        if files:
            repo.write(files)
            repo.commit("initial")
        return repo

    return factory


def sql_rows_with(engine, needles: list[str]) -> list[str]:  # noqa: ANN001
    """Names of the tables (of every table in the database) with a row holding any needle."""
    from sqlalchemy import MetaData, select

    meta = MetaData()
    meta.reflect(engine)
    found = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                if any(n in str(v) for v in row for n in needles):
                    found.append(table.name)
    return found
