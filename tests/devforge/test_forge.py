"""The stand-in forge and the forge clients, against each other over real HTTP and git."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from kosha.adapters.forges import ForgeProject
from kosha.adapters.github import GitHubClient
from kosha.adapters.gitlab import GitLabClient
from kosha.devforge.forge import ForgeSpec, StandInForge
from kosha.domain.errors import Forbidden, ForgeError
from tests.devforge.conftest import SECRET

EMEA = ["emea/team-a/billing", "emea/team-a/svc", "emea/team-b/svc"]


def gitlab(url: str, **kw: object) -> GitLabClient:
    return GitLabClient(f"{url}/api/v4", backoff=0, **kw)


def github(url: str, **kw: object) -> GitHubClient:
    return GitHubClient(f"{url}/api/github", backoff=0, **kw)


# --- GitLab ------------------------------------------------------------------------------


def test_gitlab_project_by_path_and_by_id(forge: StandInForge, url: str) -> None:
    client = gitlab(url)
    project = client.project("emea/team-a/svc", "tok-a")
    assert project == ForgeProject(id=101, path="emea/team-a/svc", default_branch="main",
                                   web_url=f"{url}/emea/team-a/svc")
    assert client.project("101", "tok-emea") == project
    assert client.project("emea/team-a/svc", SecretStr("tok-a")) == project
    raw = httpx.get(f"{url}/api/v4/projects/emea%2Fteam-a%2Fsvc",
                    headers={"Authorization": "Bearer tok-a"}).json()
    assert raw["http_url_to_repo"] == f"{url}/emea/team-a/svc.git"
    assert raw["namespace"]["full_path"] == "emea/team-a"


def test_gitlab_hides_a_project_the_token_cannot_read(forge: StandInForge, url: str) -> None:
    client = gitlab(url)
    assert client.project("emea/team-b/svc", "tok-a") is None
    assert client.project("emea/team-a/nope", "tok-a") is None
    assert not client.readable("emea/team-b/svc", "tok-a")
    assert client.readable("emea/team-b/svc", "tok-b")
    assert not client.readable("emea/team-a/svc", "tok-none")
    assert [r.status for r in forge.requests] == [404, 404, 404, 200, 404]  # never retried


@pytest.mark.parametrize("token", ["tok-unknown", None])
def test_gitlab_refuses_a_missing_or_unknown_token(forge: StandInForge, url: str,
                                                   token: str | None) -> None:
    with pytest.raises(Forbidden) as info:
        gitlab(url).project("emea/team-a/svc", token)
    assert "401" in info.value.message and "127.0.0.1" in info.value.message
    assert [r.status for r in forge.requests] == [401]  # a 4xx is not retried
    assert not gitlab(url).readable("emea/team-a/svc", token)


def test_gitlab_group_listing_spans_subgroups_and_pages(forge: StandInForge, url: str) -> None:
    client = gitlab(url, page_size=1)
    assert sorted(p.path for p in client.group_projects("emea", "tok-emea")) == EMEA
    assert forge.paths() == ["/api/v4/groups/emea/projects"] * 3
    assert [parse_qs(r.query)["page"] for r in forge.requests] == [["1"], ["2"], ["3"]]
    assert all(parse_qs(r.query)["include_subgroups"] == ["true"] for r in forge.requests)
    assert sorted(p.path for p in client.group_projects("emea", "tok-a")) == EMEA[:2]
    assert [p.path for p in client.group_projects("emea/team-b", "tok-emea")] == EMEA[2:]
    assert client.group_projects("apac", "tok-a") == []  # hidden group
    assert client.group_projects("emea", "tok-none") == []
    assert sorted(p.path for p in gitlab(url).member_projects("tok-emea")) == EMEA


def test_gitlab_pagination_headers(forge: StandInForge, url: str) -> None:
    resp = httpx.get(f"{url}/api/v4/groups/emea/projects",
                     params={"include_subgroups": "true", "per_page": 2, "page": 2},
                     headers={"PRIVATE-TOKEN": "tok-emea"})
    assert resp.status_code == 200 and len(resp.json()) == 1
    assert resp.headers["X-Total"] == "3" and resp.headers["X-Total-Pages"] == "2"
    assert resp.headers["X-Next-Page"] == "" and resp.headers["X-Prev-Page"] == "1"
    shallow = httpx.get(f"{url}/api/v4/groups/emea/projects",
                        headers={"PRIVATE-TOKEN": "tok-emea"})
    assert shallow.json() == []  # without include_subgroups: direct projects only


# --- GitHub ------------------------------------------------------------------------------


def test_github_repo_and_user_repos_follow_link(forge: StandInForge, url: str) -> None:
    client = github(url, page_size=2)
    repo = client.repo("emea/team-b/svc", "tok-b")
    assert repo == ForgeProject(id=201, path="emea/team-b/svc", default_branch="main",
                                web_url=f"{url}/emea/team-b/svc")
    assert client.repo("emea/team-b/svc", "tok-a") is None
    assert client.readable("emea/team-a/svc", "tok-a")
    assert not client.readable("emea/team-a/svc", "tok-b")
    forge.clear()
    assert [p.path for p in client.user_repos("tok-emea")] == EMEA
    assert [r.query for r in forge.requests] == ["per_page=2&page=1&sort=full_name",
                                                 "per_page=2&page=2&sort=full_name"]
    assert [p.path for p in client.user_repos("tok-none")] == []


def test_github_auth_answers(forge: StandInForge, url: str) -> None:
    base = f"{url}/api/github"
    first = httpx.get(f"{base}/user/repos", params={"per_page": 1},
                      headers={"Authorization": "token tok-emea"})
    assert 'rel="next"' in first.headers["Link"] and first.json()[0]["clone_url"].endswith(".git")
    assert httpx.get(f"{base}/user/repos").status_code == 401
    assert httpx.get(f"{base}/repos/emea/team-a/svc").status_code == 404
    bad = httpx.get(f"{base}/repos/emea/team-a/svc", headers={"Authorization": "token nope"})
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
    with pytest.raises(Forbidden):
        github(url).user_repos("tok-unknown")


# --- retries and secrecy -----------------------------------------------------------------


def test_server_errors_are_retried(forge: StandInForge, url: str) -> None:
    forge.fail("/api/v4/projects/", times=2, status=503)
    assert gitlab(url).project("emea/team-a/svc", "tok-a") is not None
    assert [r.status for r in forge.requests] == [503, 503, 200]

    forge.clear()
    forge.fail("/api/github/user/repos", times=99, status=502)
    with pytest.raises(ForgeError) as info:
        github(url, attempts=3).user_repos("tok-a")
    assert info.value.code == "forge_unavailable"
    assert "127.0.0.1" in info.value.message and "502" in info.value.message
    assert [r.status for r in forge.requests] == [502, 502, 502]


def test_client_errors_are_not_retried(forge: StandInForge, url: str) -> None:
    forge.fail("/api/v4/projects/", times=5, status=400)
    with pytest.raises(ForgeError) as info:
        gitlab(url).project("emea/team-a/svc", "tok-a")
    assert "400" in info.value.message
    assert [r.status for r in forge.requests] == [400]


def test_a_next_link_to_another_host_is_not_followed() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        link = '<https://elsewhere.example/api/user/repos?page=2>; rel="next"'
        return httpx.Response(200, json=[], headers={"Link": link})

    client = GitHubClient("https://forge.example/api", transport=httpx.MockTransport(answer))
    with pytest.raises(ForgeError) as info:
        client.user_repos(SECRET)
    assert "outside its API base" in info.value.message
    assert [u.split("?")[0] for u in seen] == ["https://forge.example/api/user/repos"]


def test_an_unreachable_forge_is_a_forge_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ForgeError) as info:
        GitLabClient(f"http://127.0.0.1:{port}/api/v4", attempts=2, backoff=0).project(
            "emea/team-a/svc", SECRET)
    assert "unreachable" in info.value.message and SECRET not in repr(info.value)


def test_the_token_is_never_written(forge: StandInForge, url: str,
                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[Exception] = []
    lab, hub = gitlab(url, page_size=1), github(url, page_size=1)
    assert lab.project("emea/team-a/svc", SECRET) is not None
    assert len(lab.group_projects("emea", SECRET)) == 2
    assert len(hub.user_repos(SECRET)) == 2
    forge.fail("/api/v4/projects/", times=9, status=500)
    forge.fail("/api/github/repos/", times=1, status=422)
    for call in (lambda: lab.project("emea/team-a/svc", SECRET),
                 lambda: hub.repo("emea/team-a/svc", SECRET),
                 lambda: lab.project("emea/team-a/svc", SECRET + "x"),
                 lambda: hub.repo("emea/team-a/svc", SECRET + "x")):
        with pytest.raises((ForgeError, Forbidden)) as info:
            call()
        errors.append(info.value)
    assert len(errors) == 4 and "retry" in caplog.text and "HTTP Request" in caplog.text
    for err in errors:
        assert SECRET not in f"{err} {err!r} {err.to_dict()} {err.__cause__!r}"
    assert SECRET not in caplog.text
    assert SECRET not in repr(forge.requests)


def test_the_request_log_masks_credential_parameters(forge: StandInForge, url: str) -> None:
    httpx.get(f"{url}/api/v4/projects", params={"private_token": SECRET, "page": 1})
    assert forge.requests[-1].query == "private_token=%2A%2A%2A&page=1"
    assert forge.requests[-1].status == 401


# --- git over HTTP -----------------------------------------------------------------------


def clone(url: str, path: str, token: str, dest: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    return subprocess.run(["git", "-c", f"http.extraHeader=Authorization: Bearer {token}",
                           "clone", "-q", f"{url}/{path}.git", str(dest)],
                          capture_output=True, text=True, env=env, timeout=60)


def test_git_clone_is_token_checked(forge: StandInForge, url: str, tmp_path: Path) -> None:
    ok = clone(url, "emea/team-a/svc", "tok-a", tmp_path / "a")
    assert ok.returncode == 0, ok.stderr
    assert "def validate_jwt(" in (tmp_path / "a" / "auth" / "jwt.py").read_text()
    refused = clone(url, "emea/team-b/svc", "tok-a", tmp_path / "b")
    assert refused.returncode != 0 and not (tmp_path / "b" / "payments").exists()
    assert ("GET", "/emea/team-b/svc.git/info/refs", 401) in [
        (r.method, r.path, r.status) for r in forge.requests]
    other = clone(url, "emea/team-b/svc", "tok-emea", tmp_path / "c")
    assert other.returncode == 0, other.stderr
    assert "def charge_card(" in (tmp_path / "c" / "payments" / "charge.py").read_text()


# --- spec and entry point ----------------------------------------------------------------


def test_spec_round_trips_through_json(demo: tuple[Path, ForgeSpec]) -> None:
    root, spec = demo
    assert ForgeSpec.load(root / "forge.json") == spec
    assert {"emea", "emea/team-a", "emea/team-b", "apac", "apac/team-c"} <= set(spec.groups)
    assert spec.can_read("tok-emea", "emea/team-b/svc") and not spec.can_read("tok-a",
                                                                              "emea/team-b/svc")
    with pytest.raises(ValueError):
        ForgeSpec.from_dict({"projects": [{"path": "a/b", "id": 1}, {"path": "a/c", "id": 1}]})


def test_module_entry_serves_the_demo(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "kosha.devforge", "--demo", str(tmp_path),
                             "--port", "0", "--quiet"], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("Stand-in forge at http://127.0.0.1:"), first
        base = first.split(" at ", 1)[1].strip()
        assert gitlab(base).readable("apac/team-c/tools", "tok-c")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
