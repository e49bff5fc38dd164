"""`kosha jobs watch`: SSE parsing, reconnects, and a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from kosha.domain.errors import GitError
from kosha.entrypoints import cli
from kosha.entrypoints.cli_jobs import JobBar, JobWatch, WatchError, auth_headers, parse_sse
from kosha.jobs.views import SUCCEEDED
from tests.jobs.conftest import DOMAIN, TEAM_A, TEAM_B, TOKEN, LiveServer, index_request

runner = CliRunner()


def workspace_env(tenant=TEAM_A) -> dict:  # noqa: ANN001
    return {"KOSHA_ACCESS_TOKEN": None, "KOSHA_TENANT_KEY": str(tenant),
            "KOSHA_GIT_IDENTITY": f"domain={DOMAIN},token={TOKEN}", "KOSHA_SERVER": None}


def test_parse_sse_handles_line_endings_comments_and_multiline_data() -> None:
    raw = (": ping - 2024\r\n\r\nid: 7\r\nevent: progress\r\ndata: {\"a\":\r\ndata:1}\r\n\r\n"
           "event: progress\r\ndata: {}\r\nretry: 10\r\n\r\nid\r\nevent: done\r\ndata: x")
    events = list(parse_sse(raw.splitlines()))
    assert [(e.event, e.data, e.id) for e in events] == [
        ("progress", '{"a":\n1}', "7"), ("progress", "{}", "7"), ("done", "x", "")]


def test_auth_headers_prefer_the_access_token() -> None:
    env = {"KOSHA_ACCESS_TOKEN": "tok", "KOSHA_TENANT_KEY": "k", "KOSHA_GIT_IDENTITY": "i"}
    assert auth_headers(env) == {"Authorization": "Bearer tok"}
    env["KOSHA_ACCESS_TOKEN"] = " "
    assert auth_headers(env) == {"X-Tenant-Key": "k", "X-Git-Identity": "i"}


def _body(*events: tuple[str, str, str], fail: bool = False) -> Iterator[bytes]:
    for kind, event_id, data in events:
        yield f"id: {event_id}\r\nevent: {kind}\r\ndata: {data}\r\n\r\n".encode()
    if fail:
        raise httpx.ReadError("connection reset")


def test_a_dropped_stream_resumes_with_last_event_id() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("last-event-id"))
        sse = {"content-type": "text/event-stream"}
        if len(seen) == 1:  # two events, then the connection breaks
            return httpx.Response(200, headers=sse, content=_body(
                ("progress", "1", '{"status":"running"}'), ("progress", "2", '{"files_done":1}'),
                fail=True))
        if len(seen) == 2:  # the server closes without `done`
            return httpx.Response(200, headers=sse, content=_body(
                ("progress", "3", '{"files_done":2}')))
        return httpx.Response(200, headers=sse, content=_body(
            ("done", "4", '{"status":"completed","files_done":3}')))

    jobs: list[dict] = []
    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://kosha")
    watch = JobWatch(client, "a" * 32, {}, jobs.append, retries=1, backoff_s=0)
    assert watch.run() == {"status": "completed", "files_done": 3}
    assert seen == [None, "2", "3"] and watch.connections == 3
    assert [j.get("files_done") for j in jobs] == [None, 1, 2, 3]


def test_reconnects_are_bounded() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("refused")

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://kosha")
    with pytest.raises(WatchError) as info:
        JobWatch(client, "a" * 32, {}, retries=2, backoff_s=0).run()
    assert info.value.code == "connection_lost" and len(calls) == 3


def test_watch_shows_a_live_job_and_exits_0(live_server: LiveServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[dict] = []
    draw = JobBar.__call__
    monkeypatch.setattr(JobBar, "__call__", lambda bar, job: (shown.append(job), draw(bar, job)))
    job = live_server.container.jobs.submit(index_request())
    assert live_server.run.started.wait(10)
    live_server.release_once_watched()
    result = runner.invoke(cli.app, ["jobs", "watch", job.id, "--server", live_server.url],
                           env=workspace_env())
    assert result.exit_code == 0, result.output
    assert f"job {job.id} {SUCCEEDED}: 1 repo(s), 4 files, 12 chunks" in result.stdout
    assert len({j["files_done"] for j in shown}) >= 3  # several states were drawn
    assert shown[-1]["status"] == SUCCEEDED
    assert TOKEN not in result.output


def test_watch_exits_1_on_a_failed_job(live_server: LiveServer) -> None:
    live_server.run.error = GitError("the clone failed")
    job = live_server.container.jobs.submit(index_request())
    live_server.run.release.set()
    result = runner.invoke(cli.app, ["jobs", "watch", job.id, "--server", live_server.url],
                           env=workspace_env())
    assert result.exit_code == 1, result.output
    assert "failed" in result.stdout and "[git_error] the clone failed" in result.stdout


def test_watch_exits_2_with_the_servers_error(live_server: LiveServer) -> None:
    job = live_server.container.jobs.submit(index_request())
    live_server.run.release.set()
    result = runner.invoke(cli.app, ["jobs", "watch", job.id, "--server", live_server.url],
                           env=workspace_env(TEAM_B))
    assert result.exit_code == 2 and "[not_found] no such job" in result.output
    assert TOKEN not in result.output


def test_watch_uses_the_access_token_and_never_prints_it(live_server: LiveServer) -> None:
    auth = live_server.container.auth
    session = auth.signup("watcher@example.com", "correct horse battery staple")
    tenant = auth.authenticate(session["access_token"]).tenant
    job = live_server.container.jobs.submit(index_request(tenant=tenant))
    live_server.run.release.set()
    env = {**workspace_env(TEAM_B), "KOSHA_ACCESS_TOKEN": session["access_token"]}
    result = runner.invoke(cli.app, ["jobs", "watch", job.id, "--server", live_server.url],
                           env=env)
    assert result.exit_code == 0, result.output
    assert session["access_token"] not in result.output and TOKEN not in result.output


def test_watch_exits_2_when_the_server_is_unreachable() -> None:
    result = runner.invoke(cli.app, ["jobs", "watch", "a" * 32, "--server",
                                     "http://127.0.0.1:9", "--retries", "0"],
                           env=workspace_env())
    assert result.exit_code == 2 and "connection_lost" in result.output
