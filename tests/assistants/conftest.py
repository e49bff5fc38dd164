"""Kosha's MCP server under test: the API under uvicorn on loopback (for `/mcp`) next to the
stand-in forge, and the SDK's own client over streamable HTTP or stdio."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from kosha.bootstrap import Container
from kosha.config import ForgeConfig, Settings
from kosha.devforge.forge import StandInForge
from kosha.devforge.server import BackgroundServer
from kosha.entrypoints.api.app import create_app
from tests.conftest import serve_in_thread
from tests.fakes import HashEmbedder
from tests.workspace.conftest import ENCRYPTION_KEY, SECRET_KEY, forge_root  # noqa: F401


@dataclass
class McpHttp:
    """A running Kosha (REST + /mcp) wired to the stand-in forge."""

    base: str
    container: Container
    domain: str

    def repo(self, path: str) -> str:
        return f"http://{self.domain}/{path}"

    def workspace(self, key: str, token: str | None) -> dict:
        """Headers of a workspace team (`key` like `emea/team-a`)."""
        h = {"X-Tenant-Key": f"{self.domain}//{key}"}
        if token is not None:
            h["X-Git-Identity"] = f"domain={self.domain},token={token}"
        return h

    def account(self, email: str, forge_token: str | None = "tok-a") -> dict:
        """Sign up (and store a forge token): the Bearer header of the new account."""
        with httpx.Client(base_url=self.base, timeout=30) as http:
            r = http.post("/auth/signup", json={"email": email, "password": "pw-" + "x" * 12})
            assert r.status_code == 201, r.text
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            if forge_token:
                r = http.post("/auth/gitlab-pat", headers=headers,
                              json={"token": forge_token, "domain": self.domain})
                assert r.status_code == 200, r.text
        return headers

    @asynccontextmanager
    async def session(self, headers: dict) -> AsyncIterator[Client]:
        """An MCP client session over streamable HTTP sending `headers` on every request."""
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http, \
                Client(streamable_http_client(f"{self.base}/mcp", http_client=http)) as client:
            yield client


@pytest.fixture
def mcp_http(tmp_path: Path, sql_url: str, forge_root,  # noqa: ANN001, F811
             caplog: pytest.LogCaptureFixture) -> Iterator[McpHttp]:
    root, spec = forge_root
    caplog.set_level(logging.DEBUG)  # every log line of the run is scanned for tokens
    with BackgroundServer(StandInForge(root, spec)) as forge:
        domain = f"127.0.0.1:{forge.port}"
        settings = Settings(
            home=tmp_path / "home", database_url=sql_url,
            milvus_collection=f"c_{uuid.uuid4().hex[:10]}",
            forges={domain: ForgeConfig(kind="gitlab", api_base=f"{forge.url}/api/v4",
                                        git_base=f"http://{domain}")},
            secret_key=SECRET_KEY, encryption_key=ENCRYPTION_KEY)
        container = Container(settings)
        container.__dict__["embedder"] = HashEmbedder()
        with serve_in_thread(create_app(container)) as url:
            yield McpHttp(url, container, domain)
