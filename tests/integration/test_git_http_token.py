"""Fetching over smart HTTP with a token: it works, and the token is written nowhere."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from kosha.devforge.git_http import GitHttpApp
from kosha.devforge.server import BackgroundServer
from kosha.domain.errors import GitError
from kosha.domain.tenancy import parse_repo_url, parse_tenant_key
from kosha.ingest.pipeline import IndexRequest
from tests.conftest import git
from tests.integration.samples import FILES

TOKEN = "glpat-Zq8sECRET-t0ken-4242"
TENANT = parse_tenant_key("127.0.0.1//emea/teama")


@pytest.fixture
def forge(tmp_path: Path, make_repo):  # noqa: ANN001, ANN201
    work = make_repo("work", FILES)
    root = tmp_path / "forge"
    (root / "emea" / "teama").mkdir(parents=True)
    git(tmp_path, "clone", "-q", "--bare", str(work.path),
        str(root / "emea" / "teama" / "svc.git"))
    app = GitHttpApp(root, lambda path, token: token == TOKEN)
    with BackgroundServer(app) as server:
        yield server


def request(server: BackgroundServer, token: str | None) -> IndexRequest:
    repo = parse_repo_url(f"{server.url}/emea/teama/svc.git")
    return IndexRequest(tenant=TENANT, repo_url=repo.url, source=repo.git_url, ref="main",
                        token=SecretStr(token) if token else None, group_path=repo.group_path)


def files_containing(root: Path, needles: list[bytes]) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(n in data for n in needles):
                hits.append(path)
    return hits


def test_fetch_with_a_token_header_and_no_trace_of_it(stack, forge, milvus_uri: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    result = stack.indexer.index(request(forge, TOKEN))
    assert result.files_indexed == 7
    hits = stack.search("validate jwt", k=1, tenant=TENANT).hits
    assert hits[0].repo_url == f"{forge.url}/emea/teama/svc"

    secret = [TOKEN.encode(), base64.b64encode(f"oauth2:{TOKEN}".encode())]
    assert files_containing(stack.home, secret) == []  # SQL, graph, blobs, mirrors
    assert files_containing(Path(milvus_uri).parent, secret) == []
    mirror_config = next((stack.home / "mirrors").rglob("config")).read_text()
    assert "extraheader" not in mirror_config.lower() and "remote" not in mirror_config
    assert TOKEN not in caplog.text and secret[1].decode() not in caplog.text
    with stack.meta.session() as s:
        from kosha.adapters.sql.tables import IndexRunRow

        assert all(TOKEN not in str(r.stats) + str(r.error) for r in s.query(IndexRunRow))


@pytest.mark.parametrize("token", ["wrong-token", None])
def test_a_refused_token_is_a_clear_error_that_does_not_repeat_it(stack, forge,
                                                                  token: str | None) -> None:  # noqa: ANN001
    with pytest.raises(GitError) as info:
        stack.indexer.index(request(forge, token))
    assert "git fetch failed" in info.value.message
    assert token is None or token not in info.value.message
    assert token is None or token not in repr(info.value)
    assert stack.repos(TENANT) == []
