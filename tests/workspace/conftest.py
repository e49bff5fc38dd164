"""A stand-in forge on 127.0.0.1 and the API wired to it, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kosha.adapters.sql.jobs import SqlJobStore
from kosha.bootstrap import Container
from kosha.config import ForgeConfig, Settings
from kosha.devforge.demo import demo_forge
from kosha.devforge.forge import StandInForge, TokenSpec
from kosha.devforge.server import BackgroundServer
from kosha.entrypoints.api.app import create_app
from kosha.jobs.service import JobService
from tests.fakes import HashEmbedder

SECRET_TOKEN = "glpat-Kx7QsecretZ9-unique-4711"  # distinctive: scanned for after each test
HOOK_SECRET = "gitlab-hook-secret"
GH_SECRET = "github-hook-secret"
SECRET_KEY = "workspace-test-secret-" + "5b2d4f6a8c0e1b3d5f7a9c2e9f3a1c7e"
ENCRYPTION_KEY = "workspace-test-encryption-" + "8c0e9f3a1c7e5b2d1b3d5f7a9c2e4f6a"


class Gate:
    """Holds index runs while closed, so a test can send a burst at a running job."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.open.set()

    def wrap(self, run):  # noqa: ANN001, ANN201
        def gated(req, on_progress):  # noqa: ANN001, ANN202
            self.open.wait(timeout=120)
            return run(req, on_progress)
        return gated


@dataclass
class Api:
    client: TestClient
    container: Container
    forge: StandInForge
    domain: str  # GitLab-kind domain of the stand-in forge
    gh_domain: str  # the same server configured as a GitHub-kind domain
    home: Path
    gate: Gate

    def url(self, path: str, github: bool = False) -> str:
        return f"http://{self.gh_domain if github else self.domain}/{path}"

    def headers(self, key: str, token: str | None, github: bool = False) -> dict:
        domain = self.gh_domain if github else self.domain
        h = {"X-Tenant-Key": f"{domain}//{key}"}
        if token is not None:
            h["X-Git-Identity"] = f"domain={domain},token={token}"
        return h

    def index(self, path: str, key: str, token: str, github: bool = False,
              wait: bool = True) -> dict:
        r = self.client.post("/index", json={"repo_url": self.url(path, github)},
                             headers=self.headers(key, token, github))
        assert r.status_code == 202, r.text
        job = r.json()["job"]
        if wait:
            tenant = f"{self.gh_domain if github else self.domain}//{key}"
            done = self.container.jobs.wait(job["id"], tenant, timeout=120)
            assert done.status == "completed", done.to_dict()
            return done.to_dict()
        return job

    def search(self, key: str, token: str, **body) -> tuple[int, dict]:  # noqa: ANN003
        github = body.pop("github", False)
        r = self.client.post("/search", json=body, headers=self.headers(key, token, github))
        return r.status_code, r.json()


@pytest.fixture(scope="session")
def forge_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("forge")
    spec = demo_forge(root)
    spec = dataclasses.replace(spec, tokens=(*spec.tokens, TokenSpec(
        token=SECRET_TOKEN, reads=("emea/team-a",), user="secret")))
    return root, spec


@pytest.fixture
def api(tmp_path: Path, sql_url: str, forge_root):  # noqa: ANN001, ANN201
    root, spec = forge_root
    forge = StandInForge(root, spec)
    with BackgroundServer(forge) as server:
        domain, gh_domain = f"127.0.0.1:{server.port}", f"localhost:{server.port}"
        settings = Settings(
            home=tmp_path / "home", database_url=sql_url,
            milvus_collection=f"c_{uuid.uuid4().hex[:10]}",
            forges={domain: ForgeConfig(kind="gitlab", api_base=f"{server.url}/api/v4",
                                        git_base=f"http://{domain}"),
                    gh_domain: ForgeConfig(kind="github", api_base=f"{server.url}/api/github",
                                           git_base=f"http://{gh_domain}")},
            webhook_gitlab_secret=HOOK_SECRET, webhook_github_secret=GH_SECRET,
            secret_key=SECRET_KEY, encryption_key=ENCRYPTION_KEY,
            max_request_bytes=200_000)
        container = Container(settings)
        container.__dict__["embedder"] = HashEmbedder()
        gate = Gate()
        container.__dict__["jobs"] = JobService(SqlJobStore(container.engine),
                                                gate.wrap(container.indexer.index))
        with TestClient(create_app(container)) as client:
            yield Api(client, container, forge, domain, gh_domain, tmp_path / "home", gate)
