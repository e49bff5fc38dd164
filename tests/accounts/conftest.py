"""Account mode against the stand-in forge, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from kosha.accounts.passwords import Passwords
from kosha.bootstrap import Container
from kosha.config import ForgeConfig, Settings
from kosha.devforge.demo import demo_forge
from kosha.devforge.forge import StandInForge, TokenSpec
from kosha.devforge.server import BackgroundServer
from kosha.entrypoints.api.app import create_app
from tests.fakes import HashEmbedder

# distinctive: every store is scanned for these after the journeys
PAT = "glpat-Acct7QsecretZ9-unique-0815"
GH_PAT = "ghp_Acct7QsecretZ9unique0816"
PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-" + "9f3a1c7e5b2d4f6a8c0e1b3d5f7a9c2e"
ENCRYPTION_KEY = "test-encryption-key-" + "1b3d5f7a9c2e4f6a8c0e9f3a1c7e5b2d"


@dataclass
class AccountApi:
    client: TestClient
    container: Container
    forge: StandInForge
    domain: str  # GitLab-kind
    gh_domain: str  # the same server as a GitHub-kind domain
    home: Path

    def url(self, path: str, github: bool = False) -> str:
        return f"http://{self.gh_domain if github else self.domain}/{path}"

    def signup(self, email: str, password: str = PASSWORD) -> dict:
        r = self.client.post("/auth/signup", json={"email": email, "password": password})
        assert r.status_code == 201, r.text
        return r.json()

    def bearer(self, session: dict) -> dict:
        return {"Authorization": f"Bearer {session['access_token']}"}

    def save_pat(self, session: dict, token: str = PAT, github: bool = False) -> None:
        kind = "github" if github else "gitlab"
        r = self.client.post(f"/auth/{kind}-pat", headers=self.bearer(session),
                             json={"token": token,
                                   "domain": self.gh_domain if github else self.domain})
        assert r.status_code == 200, r.text

    def wait(self, session: dict, job_id: str) -> dict:
        account = self.container.auth.authenticate(session["access_token"])
        done = self.container.jobs.wait(job_id, account.tenant, timeout=120)
        return done.to_dict()


@pytest.fixture(scope="session")
def account_forge_root(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = tmp_path_factory.mktemp("forge")
    spec = demo_forge(root)
    spec = dataclasses.replace(spec, tokens=(
        *spec.tokens,
        TokenSpec(token=PAT, reads=("emea/team-a",), user="pat-user", email="pat@example.com"),
        TokenSpec(token=GH_PAT, reads=("emea/team-b",), user="gh-user",
                  email="gh@example.com")))
    return root, spec


@pytest.fixture
def accounts_api(tmp_path: Path, sql_url: str, account_forge_root):  # noqa: ANN001, ANN201
    root, spec = account_forge_root
    forge = StandInForge(root, spec)
    with BackgroundServer(forge) as server:
        domain, gh_domain = f"127.0.0.1:{server.port}", f"localhost:{server.port}"
        oauth = {"oauth_client_id": "kosha-demo", "oauth_client_secret": "kosha-demo-secret"}
        settings = Settings(
            home=tmp_path / "home", database_url=sql_url,
            milvus_collection=f"c_{uuid.uuid4().hex[:10]}",
            secret_key=SECRET_KEY, encryption_key=ENCRYPTION_KEY,
            public_url="http://127.0.0.1:8000",  # OAuth redirect URIs (the forge wants loopback)
            forges={domain: ForgeConfig(kind="gitlab", api_base=f"{server.url}/api/v4",
                                        git_base=f"http://{domain}", **oauth),
                    gh_domain: ForgeConfig(kind="github", api_base=f"{server.url}/api/github",
                                           git_base=f"http://{gh_domain}", **oauth)})
        container = Container(settings)
        container.__dict__["embedder"] = HashEmbedder()
        # cheaper Argon2 parameters keep the suite fast; production uses the library defaults
        auth = container.auth
        auth.passwords = Passwords(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
        with TestClient(create_app(container)) as client:
            yield AccountApi(client, container, forge, domain, gh_domain, tmp_path / "home")
