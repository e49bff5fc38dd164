"""`kosha mcp` on stdio, started by the SDK's own client as an assistant would start it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from kosha.devforge.forge import StandInForge
from kosha.devforge.server import BackgroundServer
from tests.assistants.test_mcp_http import TOOLS, call, index
from tests.workers.conftest import EmbeddingsServer
from tests.workspace.conftest import ENCRYPTION_KEY, SECRET_KEY, SECRET_TOKEN

KOSHA = str(Path(sys.executable).with_name("kosha"))


def _env(home: Path, forge_url: str, domain: str, embed_url: str) -> dict[str, str]:
    return {
        "KOSHA_HOME": str(home), "KOSHA_SECRET_KEY": SECRET_KEY,
        "KOSHA_ENCRYPTION_KEY": ENCRYPTION_KEY, "KOSHA_LOG_LEVEL": "DEBUG",
        "KOSHA_FORGES": json.dumps({domain: {"kind": "gitlab", "api_base": f"{forge_url}/api/v4",
                                             "git_base": f"http://{domain}"}}),
        "KOSHA_EMBEDDER": "openai", "KOSHA_EMBED_URL": f"{embed_url}/v1",
        "KOSHA_EMBED_MODEL": "hash-64", "KOSHA_EMBED_DIM": "64",
    }


def test_full_session_over_stdio(tmp_path: Path, forge_root) -> None:  # noqa: ANN001
    """list tools → index → job status until done → search → read the hit's lines → callers,
    with the identity from the environment and no token in the server's log."""
    root, spec = forge_root
    log_path = tmp_path / "kosha-mcp.log"
    with BackgroundServer(StandInForge(root, spec)) as forge, \
            BackgroundServer(EmbeddingsServer()) as embed:
        domain = f"127.0.0.1:{forge.port}"
        repo = f"http://{domain}/emea/team-a/svc"
        env = {**_env(tmp_path / "home", forge.url, domain, embed.url),
               "KOSHA_TENANT_KEY": f"{domain}//emea/team-a",
               "KOSHA_GIT_IDENTITY": f"domain={domain},token={SECRET_TOKEN}"}
        params = StdioServerParameters(command=KOSHA, args=["mcp"], env=env, cwd=tmp_path)

        async def session() -> None:
            with log_path.open("w") as errlog:
                async with Client(stdio_client(params, errlog=errlog)) as client:
                    assert {t.name for t in (await client.list_tools()).tools} >= TOOLS
                    job = await index(client, repo)
                    found = await call(client, "search_code", query="validate a jwt token")
                    hit = next(h for h in found["hits"] if h["path"] == "auth/jwt.py")
                    lines = await call(client, "read_file", repo_url=repo, path=hit["path"],
                                       start_line=hit["start_line"], end_line=hit["end_line"])
                    assert "def validate_jwt" in lines["text"]
                    assert lines["commit"] == job["commit"]
                    callers = await call(client, "find_callers", name="validate_jwt")
                    assert [c["symbol"] for c in callers["results"]] == ["open_session"]

        asyncio.run(session())
    log = log_path.read_text()
    assert "kosha" in log.lower()  # the server did log (DEBUG) — and never the token
    assert SECRET_TOKEN not in log
    assert not [p for p in (tmp_path / "home").rglob("*")
                if p.is_file() and SECRET_TOKEN.encode() in p.read_bytes()]


def test_local_session_over_stdio(tmp_path: Path, make_repo) -> None:  # noqa: ANN001
    """Without a tenant the stdio server reads this machine's repos, as `kosha index` does."""
    repo = make_repo("shop", {"cart.py": CART, "README.md": "# shop\n"})
    with BackgroundServer(EmbeddingsServer()) as embed:
        env = _env(tmp_path / "home", "http://127.0.0.1:9", "127.0.0.1:9", embed.url)
        params = StdioServerParameters(command=KOSHA, args=["mcp"], env=env, cwd=tmp_path)

        async def session() -> None:
            async with Client(stdio_client(params, errlog=open(os.devnull, "w"))) as client:  # noqa: SIM115
                job = await index(client, str(repo.path))
                url = repo.path.resolve().as_uri()
                assert job["repo_url"] == url
                found = await call(client, "search_code", query="cart total with tax")
                hit = found["hits"][0]
                assert (hit["repo_url"], hit["path"]) == (url, "cart.py")
                assert hit["resource"] == f"kosha://local{repo.path.resolve()}/-/cart.py"
                text = (await client.read_resource(hit["resource"])).contents[0].text
                assert text == CART.rstrip("\n")
                whole = await call(client, "read_file", repo_url=str(repo.path), path="cart.py",
                                   start_line=4)
                assert whole["text"].startswith("def total") and not whole["truncated"]
                callers = await call(client, "find_callers", name="subtotal")
                assert [c["symbol"] for c in callers["results"]] == ["total"]
                listed = await call(client, "list_repos")
                assert [r["repo_url"] for r in listed["repos"]] == [url]

        asyncio.run(session())


CART = '''def subtotal(prices: list[int]) -> int:
    return sum(prices)

def total(prices: list[int], tax_rate: float) -> float:
    """Cart total with tax."""
    return subtotal(prices) * (1 + tax_rate)
'''


@pytest.mark.parametrize("env, code", [
    ({"KOSHA_GIT_IDENTITY": "domain=gitlab.com,token=abc"}, "invalid_input"),
    ({"KOSHA_TENANT_KEY": "not a key"}, "invalid_tenant_key"),
    ({"KOSHA_TENANT_KEY": "gitlab.com//emea/a", "KOSHA_GIT_IDENTITY": "token"},
     "invalid_git_identity"),
    ({"KOSHA_ACCESS_TOKEN": "not-a-jwt"}, "invalid_token"),
])
def test_stdio_refuses_a_bad_identity_at_start(tmp_path: Path, env: dict, code: str) -> None:
    proc = subprocess.run([KOSHA, "mcp"], input="", capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**os.environ, "KOSHA_HOME": str(tmp_path / "h"),
                                             **env})
    assert proc.returncode == 2, proc.stderr
    assert f"[{code}]" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
