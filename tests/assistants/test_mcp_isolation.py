"""No MCP tool answers with another tenant's code: teams, region keys and accounts."""

from __future__ import annotations

import asyncio

from tests.assistants.conftest import McpHttp
from tests.assistants.test_mcp_http import call, index, refused

QUERIES = ("validate jwt signature", "charge card refund", "invoice total")
# text only the code of a repo holds (errors may echo a URL or name the caller asked for)
TEAM_A_CODE = ("compare_digest", "def validate_jwt", "def open_session", "auth/session.py")
TEAM_B_CODE = ("def charge_card", "card_last4", "payments/charge.py:")


async def _everything_seen(client, repo_urls: list[str], names: list[str]) -> str:  # noqa: ANN001
    """Every answer a caller can get out of the tools, as one text to scan."""
    seen = [str(await call(client, "list_repos"))]
    for q in QUERIES:
        for mode in ("my", "region"):
            result = await client.call_tool("search_code", {"query": q, "mode": mode})
            seen.append(str(result.structured_content) + result.content[0].text)
    for url in repo_urls:
        for tool, args in (("search_code", {"query": "x", "mode": "repo", "repo_url": url}),
                           ("read_file", {"repo_url": url, "path": "auth/jwt.py"}),
                           ("read_file", {"repo_url": url, "path": "payments/charge.py"}),
                           ("find_callers", {"name": "validate_jwt", "mode": "repo",
                                             "repo_url": url}),
                           ("index_repo", {"repo_url": url})):
            result = await client.call_tool(tool, args)
            seen.append(str(result.structured_content))
    for name in names:
        for tool in ("find_definition", "find_callers", "find_callees"):
            seen.append(str(await client.call_tool(tool, {"name": name})))
    return "\n".join(seen)


def test_teams_and_regions_see_only_their_repos(mcp_http: McpHttp) -> None:
    a_svc, b_svc = mcp_http.repo("emea/team-a/svc"), mcp_http.repo("emea/team-b/svc")
    team_a = mcp_http.workspace("emea/team-a", "tok-a")
    team_b = mcp_http.workspace("emea/team-b", "tok-b")

    async def scenario() -> None:
        async with mcp_http.session(team_a) as client:
            a_job = await index(client, a_svc)
        async with mcp_http.session(team_b) as client:
            await index(client, b_svc)
            assert (await refused(client, "job_status", job_id=a_job["id"]))["code"] == \
                "not_found"
            assert (await refused(client, "cancel_job", job_id=a_job["id"]))["code"] == \
                "not_found"
            seen = await _everything_seen(client, [a_svc], ["validate_jwt", "open_session"])
            assert not [m for m in TEAM_A_CODE if m in seen]
            for tool, args in (("read_file", {"repo_url": a_svc, "path": "auth/jwt.py"}),
                               ("search_code", {"query": "x", "mode": "repo",
                                                "repo_url": a_svc})):
                assert (await refused(client, tool, **args))["code"] in (
                    "repo_not_in_tenant", "repo_not_readable")
            with_b = await call(client, "search_code", query="charge card")
            assert {h["repo_url"] for h in with_b["hits"]} == {b_svc}
            try:
                await client.read_resource(f"kosha://{mcp_http.domain}/emea/team-a/svc/-/"
                                           "auth/jwt.py")
                raise AssertionError("read another team's file")
            except Exception as exc:  # noqa: BLE001
                assert "repo_not_in_tenant" in str(exc)

        # a region key reads what its token reads: tok-b only team-b, tok-emea both
        async with mcp_http.session(mcp_http.workspace("emea/*", "tok-b")) as client:
            region = await call(client, "search_code", query="validate jwt", mode="region")
            assert {h["repo_url"] for h in region["hits"]} <= {b_svc}
            assert [r["repo_url"] for r in (await call(client, "list_repos"))["repos"]] == \
                [b_svc]
            seen = await _everything_seen(client, [a_svc], ["validate_jwt"])
            assert not [m for m in TEAM_A_CODE if m in seen]
        async with mcp_http.session(mcp_http.workspace("emea/*", "tok-emea")) as client:
            region = await call(client, "search_code", query="validate jwt", mode="region")
            assert a_svc in {h["repo_url"] for h in region["hits"]}
            assert {r["repo_url"] for r in (await call(client, "list_repos"))["repos"]} == \
                {a_svc, b_svc}
        # another region never sees emea, whatever its token reads
        async with mcp_http.session(mcp_http.workspace("apac/*", "tok-emea")) as client:
            seen = await _everything_seen(client, [], ["validate_jwt", "charge_card"])
            assert not [m for m in TEAM_A_CODE + TEAM_B_CODE if m in seen]

    asyncio.run(scenario())


def test_accounts_see_only_their_own_repos(mcp_http: McpHttp) -> None:
    repo = mcp_http.repo("emea/team-a/svc")
    ada = mcp_http.account("ada@example.com")
    bob = mcp_http.account("bob@example.com", forge_token="tok-a")  # reads the same repo

    async def scenario() -> None:
        async with mcp_http.session(ada) as client:
            job = await index(client, repo)
        async with mcp_http.session(bob) as client:
            assert (await call(client, "list_repos"))["repos"] == []
            assert (await refused(client, "job_status", job_id=job["id"]))["code"] == \
                "not_found"
            seen = await _everything_seen(client, [repo], ["validate_jwt"])
            assert not [m for m in TEAM_A_CODE if m in seen]
            assert (await refused(client, "read_file", repo_url=repo,
                                  path="auth/jwt.py"))["code"] == "repo_not_indexed"

    asyncio.run(scenario())
