"""Celery + Redis jobs for real: a private redis-server, `kosha worker` subprocesses, the
stand-in forge and an OpenAI-compatible embeddings server on loopback, PostgreSQL metadata."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from kosha.bootstrap import Container
from kosha.config import ForgeConfig, Settings
from kosha.devforge.demo import demo_forge
from kosha.devforge.forge import StandInForge
from kosha.devforge.server import BackgroundServer
from kosha.entrypoints.api.app import create_app
from tests.fakes import HashEmbedder

pytestmark = [pytest.mark.postgres, pytest.mark.celery]
SECRET_KEY = "celery-test-secret-" + "a1c7e5b2d4f6a8c0e1b3d5f7a9c2e9f3"
ENCRYPTION_KEY = "celery-test-encryption-" + "c2e4f6a8c0e9f3a1c7e5b2d1b3d5f7a9"
HOOK_SECRET = "celery-hook-secret"
KOSHA = str(Path(sys.executable).with_name("kosha"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of our own (no persistence), so tests may stop and restart it."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.root = root
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if shutil.which("redis-server") is None:
            if os.environ.get("CI"):
                pytest.fail("redis-server is required in CI (the Celery suite runs its own)")
            pytest.skip("redis-server is not installed")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


class EmbeddingsServer:
    """`POST /v1/embeddings` with hash vectors; `hold` makes calls wait until released."""

    def __init__(self) -> None:
        self.model = HashEmbedder()
        self.release = threading.Event()
        self.release.set()
        self.waiting = threading.Event()  # a call is being held
        self.calls = 0

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size) or b"{}")
        self.calls += 1
        if not self.release.is_set():
            self.waiting.set()
            self.release.wait(120)
        data = [{"index": i, "embedding": self.model.embed_documents([t])[0]}
                for i, t in enumerate(body.get("input", []))]
        out = json.dumps({"data": data}).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(out)))])
        return [out]


@dataclass
class Cluster:
    settings: Settings
    env: dict
    redis: RedisServer
    embed: EmbeddingsServer
    forge: StandInForge
    domain: str
    home: Path
    client: TestClient
    container: Container
    workers: list[subprocess.Popen] = field(default_factory=list)

    def start_worker(self, concurrency: int = 2, env: dict | None = None,
                     wait: bool = True) -> subprocess.Popen:
        log = open(self.home.parent / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen([KOSHA, "worker", "--concurrency", str(concurrency)],
                                env={**self.env, **(env or {})}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(proc)
        if wait:
            path = Path(log.name)
            for _ in range(600):
                if "ready" in path.read_text() or proc.poll() is not None:
                    break
                time.sleep(0.1)
            assert proc.poll() is None, path.read_text()[-3000:]
        return proc

    def kill(self, proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=60)

    def stop_workers(self) -> None:
        for proc in self.workers:
            self.kill(proc, signal.SIGTERM)
        self.workers.clear()

    def release_stores(self) -> None:
        """Close the embedded stores this process opened, so a worker may lock them."""
        for name in ("search", "navigator", "purger", "vectors", "graph"):
            target = self.container.__dict__.pop(name, None)
            if target is not None and hasattr(target, "close"):
                target.close()

    def search(self, query: str, team: str = "emea/team-a", token: str = "tok-a") -> dict:
        r = self.client.post("/search", headers=self.headers(team, token),
                             json={"query": query, "mode": "my"})
        assert r.status_code == 200, r.text
        return r.json()

    def headers(self, team: str = "emea/team-a", token: str = "tok-a") -> dict:
        return {"X-Tenant-Key": f"{self.domain}//{team}",
                "X-Git-Identity": f"domain={self.domain},token={token}"}

    def url(self, path: str) -> str:
        return f"http://{self.domain}/{path}"

    def wait(self, job_id: str, team: str = "emea/team-a", timeout: float = 120) -> dict:
        return self.container.jobs.wait(job_id, f"{self.domain}//{team}", timeout).to_dict()


@pytest.fixture(scope="session")
def celery_forge_root(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = tmp_path_factory.mktemp("forge")
    return root, demo_forge(root)


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str, celery_forge_root):  # noqa: ANN001, ANN201
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    with open_cluster(tmp_path, pg_url, celery_forge_root) as c:
        yield c


@contextmanager
def open_cluster(tmp_path: Path, pg_url: str, forge_root,  # noqa: ANN001, ANN201
                 extra: dict | None = None):
    """Redis, forge, embeddings server and the API on `pg_url`; workers started on demand.
    `extra` settings (strings, as the environment holds them) go to the API and workers."""
    root, spec = forge_root
    server = RedisServer(tmp_path)
    server.start()
    embed = EmbeddingsServer()
    forge = StandInForge(root, spec)
    with BackgroundServer(forge) as forge_http, BackgroundServer(embed) as embed_http:
        domain = f"127.0.0.1:{forge_http.port}"
        forges = {domain: ForgeConfig(kind="gitlab", api_base=f"{forge_http.url}/api/v4",
                                      git_base=f"http://{domain}")}
        values = {
            "home": str(tmp_path / "home"), "database_url": pg_url,
            "milvus_collection": f"c_{uuid.uuid4().hex[:10]}", "redis_url": server.url,
            "job_backend": "celery", "secret_key": SECRET_KEY, "encryption_key": ENCRYPTION_KEY,
            "embedder": "openai", "embed_url": f"{embed_http.url}/v1", "embed_model": "hash-64",
            "embed_dim": "64", "celery_visibility_timeout": "3600", "celery_restore_interval": "1",
            "index_lease_seconds": "3", "redis_prefix": f"kt{uuid.uuid4().hex[:6]}:",
            "webhook_gitlab_secret": HOOK_SECRET, **(extra or {}),
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOSHA_")}
        env.update({f"KOSHA_{k.upper()}": v for k, v in values.items()})
        env["KOSHA_FORGES"] = json.dumps({d: f.model_dump(mode="json")
                                          for d, f in forges.items()})
        env["KOSHA_LOG_LEVEL"] = "INFO"
        settings = Settings(**{**values, "forges": forges})
        container = Container(settings)
        with TestClient(create_app(container)) as client:
            c = Cluster(settings, env, server, embed, forge, domain, tmp_path / "home", client,
                        container)
            try:
                yield c
            finally:
                embed.release.set()
                c.stop_workers()
    server.stop()
