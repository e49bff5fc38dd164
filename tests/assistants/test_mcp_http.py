"""The MCP server over streamable HTTP at /mcp, driven by the SDK's own client."""

from __future__ import annotations

import asyncio

import pytest
from mcp.shared.exceptions import MCPError

from tests.assistants.conftest import McpHttp
from tests.workspace.conftest import SECRET_TOKEN

TOOLS = {"search_code", "read_file", "find_definition", "find_callers", "find_callees",
         "list_repos", "index_repo", "job_status", "cancel_job"}


async def call(client, tool: str, **args) -> dict:  # noqa: ANN001, ANN003
    """A successful tool call's structured answer (fails the test on a tool error)."""
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    assert result.content and result.content[0].text  # text for the model, too
    return result.structured_content


async def refused(client, tool: str, **args) -> dict:  # noqa: ANN001, ANN003
    """A tool error's {code, message}."""
    result = await client.call_tool(tool, args)
    assert result.is_error, result.structured_content
    error = result.structured_content["error"]
    assert result.content[0].text.startswith(f"{error['code']}: ")
    return error


async def index(client, repo_url: str) -> dict:  # noqa: ANN001
    """index_repo, then job_status until the job ends."""
    job = await call(client, "index_repo", repo_url=repo_url)
    for _ in range(600):
        job = await call(client, "job_status", job_id=job["id"])
        if job["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.1)
    assert job["status"] == "completed", job
    return job


def test_full_session_workspace(mcp_http: McpHttp, caplog: pytest.LogCaptureFixture) -> None:
    """list tools → index → job status until done → search → read the hit's lines → callers."""
    headers = mcp_http.workspace("emea/team-a", SECRET_TOKEN)
    repo = mcp_http.repo("emea/team-a/svc")

    async def session() -> None:
        async with mcp_http.session(headers) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) >= TOOLS
            assert tools["search_code"].output_schema["properties"]["hits"]
            assert "query" in tools["search_code"].input_schema["required"]

            job = await index(client, repo)
            assert job["repos"][0]["chunks"] > 0 and job["commit"]

            found = await call(client, "search_code", query="verify the JWT signature",
                               mode="repo", repo_url=repo)
            hit = next(h for h in found["hits"] if h["path"] == "auth/jwt.py")
            assert hit["symbol"].endswith("validate_jwt") and hit["commit"] == job["commit"]
            assert hit["link"].startswith(f"{repo}/-/blob/{job['commit']}/auth/jwt.py#L")

            lines = await call(client, "read_file", repo_url=repo, path=hit["path"],
                               start_line=hit["start_line"], end_line=hit["end_line"])
            assert lines["text"] == hit["code"] and lines["commit"] == job["commit"]
            assert "def validate_jwt" in lines["text"]

            callers = await call(client, "find_callers", name="validate_jwt")
            assert [(c["symbol"], c["path"]) for c in callers["results"]] == [
                ("open_session", "auth/session.py")]
            callees = await call(client, "find_callees", name="open_session")
            assert "validate_jwt" in {c["symbol"] for c in callees["results"]}
            definition = await call(client, "find_definition", name="validate_jwt",
                                    mode="repo", repo_url=repo)
            assert definition["results"][0]["path"] == "auth/jwt.py"

            listed = await call(client, "list_repos")
            assert [r["repo_url"] for r in listed["repos"]] == [repo]

            resource = await client.read_resource(hit["resource"])
            assert "def validate_jwt" in resource.contents[0].text
            templates = (await client.list_resource_templates()).resource_templates
            assert templates[0].uri_template == "kosha://{+target}"

    asyncio.run(session())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET_TOKEN not in logged
    assert not [p for p in mcp_http.container.settings.home_dir.rglob("*")
                if p.is_file() and SECRET_TOKEN.encode() in p.read_bytes()]


def test_full_session_account(mcp_http: McpHttp) -> None:
    """A Bearer account indexes with its stored token and searches its own repos."""
    headers = mcp_http.account("ada@example.com")
    repo = mcp_http.repo("emea/team-a/billing")

    async def session() -> None:
        async with mcp_http.session(headers) as client:
            assert (await call(client, "list_repos"))["repos"] == []
            await index(client, repo)
            listed = await call(client, "list_repos")
            assert [(r["repo_url"], r["indexed"]) for r in listed["repos"]] == [(repo, True)]
            assert listed["repos"][0]["chunks"] > 0
            found = await call(client, "search_code", query="invoice total with VAT")
            assert found["hits"][0]["path"] == "billing/invoice.py"
            refused_region = await refused(client, "search_code", query="x", mode="region")
            assert refused_region["code"] == "mode_not_allowed"

    asyncio.run(session())


def test_bad_arguments_are_tool_errors(mcp_http: McpHttp) -> None:
    headers = mcp_http.workspace("emea/team-a", "tok-a")
    repo = mcp_http.repo("emea/team-a/svc")

    async def session() -> None:
        async with mcp_http.session(headers) as client:
            assert (await refused(client, "search_code", query="x", top_k=0))["code"] == \
                "invalid_input"
            assert (await refused(client, "search_code"))["code"] == "invalid_input"
            assert (await refused(client, "search_code", query="x", mode="galaxy"))["code"] \
                == "invalid_input"
            assert (await refused(client, "search_code", query="x", mode="repo"))["code"] == \
                "invalid_input"  # mode 'repo' without repo_url
            assert (await refused(client, "read_file", repo_url=repo, path="a.py"))["code"] \
                == "repo_not_indexed"
            await index(client, repo)
            for path in ("../../etc/passwd", "/etc/passwd"):
                assert (await refused(client, "read_file", repo_url=repo, path=path))["code"] \
                    in ("invalid_input", "not_found")
            assert (await refused(client, "read_file", repo_url=repo, path="auth/jwt.py",
                                  start_line=9999))["code"] == "invalid_input"
            assert (await refused(client, "read_file", repo_url=repo,
                                  path="auth/none.py"))["code"] == "not_found"
            assert (await refused(client, "index_repo", repo_url="ftp://x/y"))["code"] == \
                "invalid_repo_url"
            assert (await refused(client, "index_repo",
                                  repo_url="https://elsewhere.example/a/b"))["code"] == \
                "unknown_forge"
            assert (await refused(client, "job_status", job_id="nope"))["code"] == "not_found"
            assert (await refused(client, "no_such_tool"))["code"] == "invalid_input"
            with pytest.raises(MCPError):
                await client.read_resource("kosha://nowhere")
            # this machine's repos (the stdio server's local mode) are not reachable over HTTP
            assert (await refused(client, "read_file", repo_url="file:///etc",
                                  path="passwd"))["code"] == "invalid_repo_url"
            assert (await refused(client, "index_repo", repo_url="/tmp"))["code"] == \
                "invalid_repo_url"
            with pytest.raises(MCPError, match="invalid_repo_url"):
                await client.read_resource("kosha://local/etc/-/passwd")

        async with mcp_http.session({}) as client:  # no identity at all
            assert (await refused(client, "list_repos"))["code"] == "invalid_tenant_key"
        async with mcp_http.session({"Authorization": "Bearer not-a-jwt"}) as client:
            assert (await refused(client, "list_repos"))["code"] == "invalid_token"
        async with mcp_http.session(mcp_http.workspace("emea/team-a", None)) as client:
            assert (await refused(client, "index_repo", repo_url=repo))["code"] == \
                "missing_git_identity"

    asyncio.run(session())


def test_foreign_host_header_is_refused(mcp_http: McpHttp) -> None:
    """DNS-rebinding guard: a page on another name cannot drive a loopback server's tools."""
    import httpx

    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    accept = {"Accept": "application/json, text/event-stream"}
    assert httpx.post(f"{mcp_http.base}/mcp", json=body, headers=accept).status_code == 200
    r = httpx.post(f"{mcp_http.base}/mcp", json=body,
                   headers={**accept, "Host": "evil.example:8000"})
    assert r.status_code == 421, r.text
    r = httpx.post(f"{mcp_http.base}/mcp", json=body,
                   headers={**accept, "Origin": "http://evil.example"})
    assert r.status_code == 403, r.text
