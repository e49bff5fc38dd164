"""Account mode: who a token is, a user's projects page by page, repository trees, and OAuth
sign-in, with the forge clients and Authlib against the stand-in forge over real HTTP."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from kosha.adapters.forges import ForgeUser, TreeEntry
from kosha.adapters.github import GitHubClient
from kosha.adapters.gitlab import GitLabClient
from kosha.devforge.demo import TEAM_A_SVC
from kosha.devforge.forge import ForgeSpec, OAuthClientSpec, StandInForge, TokenSpec
from kosha.devforge.server import BackgroundServer
from kosha.domain.errors import Forbidden
from tests.devforge.conftest import SECRET

EMEA = ["emea/team-a/billing", "emea/team-a/svc", "emea/team-b/svc"]
DEMO_SECRET = "kosha-demo-secret"
FIXED = OAuthClientSpec(client_id="fixed-app", client_secret="fixed-app-s3cret",
                        redirect_uris=("http://localhost:8765/cb",))
CALLBACK = "http://127.0.0.1:9/auth/callback"
ENDPOINTS = {"gitlab": ("/oauth/authorize", "/oauth/token"),
             "github": ("/login/oauth/authorize", "/login/oauth/access_token")}


@pytest.fixture(scope="module")
def account(demo: tuple[Path, ForgeSpec]) -> Iterator[tuple[StandInForge, str]]:
    root, spec = demo
    spec = dataclasses.replace(
        spec, tokens=(*spec.tokens, TokenSpec(token=SECRET, reads=("emea/team-a",))),
        oauth_clients=(*spec.oauth_clients, FIXED))
    app = StandInForge(root, spec)
    with BackgroundServer(app) as srv:
        yield app, srv.url


@pytest.fixture
def forge(account: tuple[StandInForge, str]) -> StandInForge:
    account[0].clear()
    return account[0]


@pytest.fixture
def url(account: tuple[StandInForge, str]) -> str:
    return account[1]


def clients(url: str) -> list[GitLabClient | GitHubClient]:
    return [GitLabClient(f"{url}/api/v4", backoff=0), GitHubClient(f"{url}/api/github", backoff=0)]


# --- current_user ------------------------------------------------------------------------


def test_current_user_on_both_forges(forge: StandInForge, url: str) -> None:
    for client in clients(url):
        assert client.current_user("tok-a") == ForgeUser(id="1", login="alice",
                                                         email="alice@example.com")
        assert client.current_user("tok-emea").login == "erin"
        other = client.current_user(SECRET)  # a token without an e-mail in the spec
        assert (other.login, other.email) == ("forge-user", "forge-user@forge.invalid")
        with pytest.raises(Forbidden):
            client.current_user("tok-unknown")
        with pytest.raises(Forbidden):
            client.current_user(None)
    emails = httpx.get(f"{url}/api/github/user/emails", headers={"Authorization": "token tok-b"})
    assert emails.json() == [{"email": "bob@example.com", "primary": True, "verified": True,
                              "visibility": "private"}]


@pytest.mark.parametrize(("emails", "expected"), [
    (httpx.Response(200, json=[{"email": "old@x.example", "primary": False, "verified": True},
                               {"email": "new@x.example", "primary": True, "verified": False},
                               {"email": "me@x.example", "primary": True, "verified": True}]),
     "me@x.example"),
    (httpx.Response(200, json=[{"email": "me@x.example", "primary": True, "verified": False}]),
     None),
    (httpx.Response(404, json={"message": "Not Found"}), None),
    (httpx.Response(403, json={"message": "Resource not accessible"}), None),
])
def test_github_current_user_falls_back_to_user_emails(emails: httpx.Response,
                                                       expected: str | None) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        assert request.headers["Authorization"] == f"Bearer {SECRET}"
        if request.url.path == "/api/user":
            return httpx.Response(200, json={"login": "octo", "id": 7, "email": None})
        return emails

    client = GitHubClient("https://forge.example/api", transport=httpx.MockTransport(answer))
    assert client.current_user(SECRET) == ForgeUser(id="7", login="octo", email=expected)
    assert seen == ["/api/user", "/api/user/emails"]


# --- projects_page -----------------------------------------------------------------------


def test_projects_page_pages_until_the_last(forge: StandInForge, url: str) -> None:
    lab, hub = clients(url)
    for client, path in ((lab, "/api/v4/projects"), (hub, "/api/github/user/repos")):
        forge.clear()
        first, more = client.projects_page("tok-emea", 1, 2)
        assert [p.path for p in first] == EMEA[:2] and more is True
        second, more = client.projects_page("tok-emea", 2, 2)
        assert [p.path for p in second] == EMEA[2:] and more is False
        assert forge.paths() == [path, path]
        assert client.projects_page("tok-emea", 1, 0)[0] == [
            p for p in first if p.path == EMEA[0]]  # per_page clamped up to 1
        everything, more = client.projects_page("tok-emea", 1, 1000)
        assert [p.path for p in everything] == EMEA and more is False
        assert client.projects_page("tok-none", 1, 100) == ([], False)
        with pytest.raises(Forbidden):
            client.projects_page("tok-unknown", 1, 10)


def test_projects_page_queries(forge: StandInForge, url: str) -> None:
    lab, hub = clients(url)
    lab.projects_page("tok-a", 0, 500)
    hub.projects_page("tok-a", 3, -1)
    assert [dict(parse_qsl(r.query)) for r in forge.requests] == [
        {"membership": "true", "order_by": "id", "sort": "asc", "page": "1", "per_page": "100"},
        {"sort": "full_name", "page": "3", "per_page": "1"}]


# --- tree --------------------------------------------------------------------------------


def test_tree_lists_every_file_with_sizes_on_github(forge: StandInForge, url: str,
                                                    demo: tuple[Path, ForgeSpec]) -> None:
    lab, hub = clients(url)
    expected = sorted(TEAM_A_SVC)
    sizes = {path: len(text.encode()) for path, text in TEAM_A_SVC.items()}
    for client in (lab, hub):
        entries = client.tree("emea/team-a/svc", "main", "tok-a")
        assert sorted(e.path for e in entries) == expected
        assert all(e.mode == "100644" for e in entries)
        assert client.tree("emea/team-a/svc", "HEAD", "tok-a") == entries  # the default branch
    assert all(e.size is None for e in lab.tree("emea/team-a/svc", "main", "tok-a"))
    assert {e.path: e.size for e in hub.tree("emea/team-a/svc", "main", "tok-a")} == sizes
    assert lab.tree("101", "main", "tok-emea") == lab.tree("emea/team-a/svc", "main", "tok-a")
    assert TreeEntry(path="auth/jwt.py", size=sizes["auth/jwt.py"], mode="100644") in \
        hub.tree("emea/team-a/svc", "main", "tok-emea")
    # ... and those of the blobs in the bare repository itself.
    root, _spec = demo
    for path, size in sizes.items():
        blob = subprocess.run(["git", f"--git-dir={root / 'emea/team-a/svc.git'}", "cat-file",
                               "-s", f"main:{path}"], capture_output=True, text=True, check=True)
        assert int(blob.stdout) == size


def test_tree_of_a_missing_ref_repo_or_hidden_project(forge: StandInForge, url: str) -> None:
    for client in clients(url):
        assert client.tree("emea/team-a/svc", "no-such-branch", "tok-a") == []
        assert client.tree("emea/team-a/svc", "../../etc", "tok-a") == []
        assert client.tree("emea/team-a/svc", "--output=x", "tok-a") == []
        assert client.tree("emea/team-a/nope", "main", "tok-a") == []
        # A token that cannot read the project: [] just as project() gives None.
        assert client.project("emea/team-a/svc", "tok-b") is None
        assert client.tree("emea/team-a/svc", "main", "tok-b") == []
        assert client.tree("emea/team-a/svc", "main", "tok-none") == []
        # An unknown token: Forbidden, just as project() raises.
        with pytest.raises(Forbidden):
            client.project("emea/team-a/svc", "tok-unknown")
        with pytest.raises(Forbidden):
            client.tree("emea/team-a/svc", "main", "tok-unknown")
    assert all(r.status in (404, 401) for r in forge.requests if "tree" in r.path)


def test_gitlab_tree_endpoint_pages_and_recursion(forge: StandInForge, url: str) -> None:
    headers = {"PRIVATE-TOKEN": "tok-a"}
    base = f"{url}/api/v4/projects/emea%2Fteam-a%2Fsvc/repository/tree"
    top = httpx.get(base, headers=headers).json()  # default branch, top level only
    assert {(e["path"], e["type"]) for e in top} == {
        ("README.md", "blob"), ("auth", "tree"), ("cmd", "tree"), ("web", "tree")}
    first = httpx.get(base, headers=headers,
                      params={"recursive": "true", "ref": "main", "per_page": 3, "page": 1})
    assert first.headers["X-Next-Page"] == "2" and len(first.json()) == 3
    assert set(first.json()[0]) == {"id", "name", "type", "path", "mode"}
    total = int(first.headers["X-Total"])
    blobs = [e for e in httpx.get(base, headers=headers, params={
        "recursive": "true", "ref": "main", "per_page": 100}).json() if e["type"] == "blob"]
    # The listing also holds the trees auth, cmd, cmd/gateway and web.
    assert len(blobs) == len(TEAM_A_SVC) and total == len(TEAM_A_SVC) + 4
    lab = GitLabClient(f"{url}/api/v4", backoff=0)
    forge.clear()
    assert len(lab.tree("emea/team-a/svc", "main", "tok-a")) == len(TEAM_A_SVC)
    assert forge.paths() == ["/api/v4/projects/emea/team-a/svc/repository/tree"]


def test_github_tree_endpoint_shape(forge: StandInForge, url: str) -> None:
    resp = httpx.get(f"{url}/api/github/repos/emea/team-b/svc/git/trees/main",
                     params={"recursive": "1"}, headers={"Authorization": "token tok-b"})
    body = resp.json()
    assert resp.status_code == 200 and body["truncated"] is False
    assert len(body["sha"]) == 40 and body["url"].endswith(f"/git/trees/{body['sha']}")
    kinds = {e["path"]: e for e in body["tree"]}
    assert kinds["payments"]["type"] == "tree" and "size" not in kinds["payments"]
    assert kinds["payments/refund.go"]["size"] > 0
    again = httpx.get(f"{url}/api/github/repos/emea/team-b/svc/git/trees/{body['sha']}",
                      headers={"Authorization": "token tok-b"}).json()
    assert again["sha"] == body["sha"]
    assert "payments/refund.go" not in {e["path"] for e in again["tree"]}  # not recursive
    hidden = httpx.get(f"{url}/api/github/repos/emea/team-b/svc/git/trees/main",
                       headers={"Authorization": "token tok-a"})
    assert hidden.status_code == 404


def test_tree_calls_never_write_the_token(forge: StandInForge, url: str,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for client in clients(url):
        assert client.tree("emea/team-a/svc", "main", SECRET)
        assert client.current_user(SECRET).login == "forge-user"
        assert client.projects_page(SECRET, 1, 1)[1] is True
    assert "HTTP Request" in caplog.text and SECRET not in caplog.text
    assert SECRET not in repr(forge.requests)


# --- OAuth -------------------------------------------------------------------------------


def authorize(url: str, style: str, client: OAuth2Client, **extra: str) -> tuple[str, dict]:
    auth_url, state = client.create_authorization_url(f"{url}{ENDPOINTS[style][0]}", **extra)
    resp = httpx.get(auth_url, follow_redirects=False)
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    return location, {k: v[0] for k, v in query.items()}


def oauth_client(method: str = "client_secret_basic", **kw: object) -> OAuth2Client:
    kw = {"client_id": "kosha-demo", "client_secret": DEMO_SECRET, "redirect_uri": CALLBACK,
          "scope": "read_user", **kw}
    return OAuth2Client(token_endpoint_auth_method=method, **kw)


@pytest.mark.parametrize("style", ["gitlab", "github"])
@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_oauth_code_flow_yields_the_users_token(forge: StandInForge, url: str, style: str,
                                                method: str) -> None:
    with oauth_client(method) as client:
        location, query = authorize(url, style, client, login="erin")
        assert location.startswith(CALLBACK + "?")
        token = client.fetch_token(f"{url}{ENDPOINTS[style][1]}", code=query["code"],
                                   redirect_uri=CALLBACK)
    assert token["access_token"] == "tok-emea" and token["token_type"] == "bearer"
    assert token["scope"] == "read_user"
    lab, hub = clients(url)
    assert (lab if style == "gitlab" else hub).current_user(token["access_token"]).login == "erin"
    log = repr(forge.requests)
    for secret in (query["code"], DEMO_SECRET, "tok-emea"):
        assert secret not in log
    assert [(r.method, r.path, r.status) for r in forge.requests][:2] == [
        ("GET", ENDPOINTS[style][0], 302), ("POST", ENDPOINTS[style][1], 200)]


def test_oauth_default_user_pkce_and_registered_redirect(forge: StandInForge, url: str) -> None:
    with oauth_client(code_challenge_method="S256") as client:
        verifier = "v" * 64
        _loc, query = authorize(url, "gitlab", client, code_verifier=verifier)  # no login
        token = client.fetch_token(f"{url}/oauth/token", code=query["code"],
                                   code_verifier=verifier)
        assert token["access_token"] == "tok-a"  # alice, the first token's user
        _loc, query = authorize(url, "gitlab", client, code_verifier=verifier)
        with pytest.raises(OAuthError) as info:
            client.fetch_token(f"{url}/oauth/token", code=query["code"], code_verifier="w" * 64)
        assert info.value.error == "invalid_grant"
    with OAuth2Client(FIXED.client_id, FIXED.client_secret) as fixed:  # no redirect_uri sent
        location, query = authorize(url, "github", fixed, login="bob")
        assert location.startswith("http://localhost:8765/cb?")
        token = fixed.fetch_token(f"{url}/login/oauth/access_token", code=query["code"])
        assert token["access_token"] == "tok-b"
        refused = httpx.get(f"{url}/oauth/authorize", params={
            "response_type": "code", "client_id": FIXED.client_id, "redirect_uri": CALLBACK})
        assert refused.status_code == 400 and "Location" not in refused.headers


@pytest.mark.parametrize("style", ["gitlab", "github"])
def test_oauth_code_is_one_time_and_checked(forge: StandInForge, url: str, style: str) -> None:
    endpoint = f"{url}{ENDPOINTS[style][1]}"
    with oauth_client() as client:
        _loc, query = authorize(url, style, client)
        assert client.fetch_token(endpoint, code=query["code"])["access_token"] == "tok-a"
        with pytest.raises(OAuthError) as info:
            client.fetch_token(endpoint, code=query["code"])
        assert info.value.error == "invalid_grant"
        _loc, query = authorize(url, style, client)
        with pytest.raises(OAuthError) as info:
            client.fetch_token(endpoint, code=query["code"],
                               redirect_uri="http://127.0.0.1:9/elsewhere")
        assert info.value.error == "invalid_grant"
        with pytest.raises(OAuthError) as info:  # the failed attempt spent the code
            client.fetch_token(endpoint, code=query["code"])
        assert info.value.error == "invalid_grant"
        _loc, query = authorize(url, style, client)
        with pytest.raises(OAuthError) as info:
            client.fetch_token(endpoint, code=query["code"] + "x")
        assert info.value.error == "invalid_grant"
    for method in ("client_secret_basic", "client_secret_post"):
        with oauth_client(method, client_secret="wrong") as bad:
            _loc, query = authorize(url, style, bad)
            with pytest.raises(OAuthError) as info:
                bad.fetch_token(endpoint, code=query["code"])
            assert info.value.error == "invalid_client"
    with OAuth2Client(FIXED.client_id, FIXED.client_secret, redirect_uri=CALLBACK) as other:
        with oauth_client() as client:
            _loc, query = authorize(url, style, client)
        with pytest.raises(OAuthError) as info:  # a code of kosha-demo, sent by fixed-app
            other.fetch_token(endpoint, code=query["code"])
        assert info.value.error == "invalid_grant"


def test_oauth_code_expires(forge: StandInForge, url: str) -> None:
    forge.oauth.code_ttl = 0
    try:
        with oauth_client() as client:
            _loc, query = authorize(url, "gitlab", client)
            with pytest.raises(OAuthError) as info:
                client.fetch_token(f"{url}/oauth/token", code=query["code"])
        assert info.value.error == "invalid_grant"
    finally:
        forge.oauth.code_ttl = 60.0


def test_oauth_a_racing_code_is_redeemed_once(forge: StandInForge, url: str) -> None:
    with oauth_client() as client:
        _loc, query = authorize(url, "gitlab", client)
    form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": CALLBACK,
            "client_id": "kosha-demo", "client_secret": DEMO_SECRET}
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: httpx.post(f"{url}/oauth/token", data=form)
                                 .status_code, range(8)))
    assert sorted(statuses) == [200] + [400] * 7


def test_oauth_authorize_refusals(forge: StandInForge, url: str) -> None:
    base = {"response_type": "code", "client_id": "kosha-demo", "redirect_uri": CALLBACK,
            "state": "s-1"}
    unknown = httpx.get(f"{url}/oauth/authorize", params={**base, "client_id": "nope"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
    for bad in ("https://evil.example/cb", "http://127.0.0.1.evil.example/cb",
                "http://user@127.0.0.1/cb", "javascript:alert(1)"):
        resp = httpx.get(f"{url}/oauth/authorize", params={**base, "redirect_uri": bad})
        assert resp.status_code == 400 and "Location" not in resp.headers, bad
    denied = httpx.get(f"{url}/login/oauth/authorize", params={**base, "login": "mallory"})
    assert denied.status_code == 302
    assert dict(parse_qsl(urlsplit(denied.headers["Location"]).query)) == {
        "error": "access_denied", "state": "s-1"}
    implicit = httpx.get(f"{url}/oauth/authorize", params={**base, "response_type": "token"})
    assert parse_qs(urlsplit(implicit.headers["Location"]).query)["error"] == [
        "unsupported_response_type"]
    localhost = httpx.get(f"{url}/oauth/authorize",
                          params={**base, "redirect_uri": "http://localhost:3000/cb?x=1"})
    assert localhost.headers["Location"].startswith("http://localhost:3000/cb?x=1&code=")
    assert forge.oauth.pending() >= 1


def test_oauth_token_endpoint_formats_and_methods(forge: StandInForge, url: str) -> None:
    def code(style: str) -> str:
        resp = httpx.get(f"{url}{ENDPOINTS[style][0]}", params={
            "response_type": "code", "client_id": "kosha-demo", "redirect_uri": CALLBACK,
            "login": "carol"})
        return parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]

    form = {"grant_type": "authorization_code", "redirect_uri": CALLBACK,
            "client_id": "kosha-demo", "client_secret": DEMO_SECRET}
    plain = httpx.post(f"{url}/login/oauth/access_token", data={**form, "code": code("github")})
    assert plain.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(plain.text))["access_token"] == "tok-c"
    as_json = httpx.post(f"{url}/oauth/token", json={**form, "code": code("gitlab")})
    assert as_json.status_code == 200 and as_json.json()["access_token"] == "tok-c"
    assert as_json.headers["Cache-Control"] == "no-store"
    wrong_grant = httpx.post(f"{url}/oauth/token", data={**form, "grant_type": "password"})
    assert wrong_grant.json()["error"] == "unsupported_grant_type"
    assert httpx.get(f"{url}/oauth/token").status_code == 405
    assert httpx.post(f"{url}/oauth/authorize").status_code == 405
    assert httpx.post(f"{url}/api/v4/projects").status_code == 405
    # Credentials put in a query string are masked in the log; bodies are never logged.
    httpx.post(f"{url}/oauth/token", params={"code": "c0de-in-query",
                                              "client_secret": DEMO_SECRET})
    log = repr(forge.requests)
    assert "c0de-in-query" not in log and DEMO_SECRET not in log and "tok-c" not in log
    assert "client_secret=%2A%2A%2A" in forge.requests[-1].query


def test_spec_round_trips_oauth_clients_and_emails(demo: tuple[Path, ForgeSpec]) -> None:
    _root, spec = demo
    assert spec.oauth_clients[0].client_id == "kosha-demo"
    assert spec.oauth_default_user == "alice"
    assert DEMO_SECRET not in repr(spec.oauth_clients)
    again = ForgeSpec.from_dict(spec.to_dict())
    assert again == spec and again.token("tok-a").email == "alice@example.com"
    bare = ForgeSpec.from_dict({"projects": [{"path": "a/b", "id": 1}],
                                "tokens": [{"token": "t", "user": "u"}]})
    assert bare.token("t").address == "u@forge.invalid" and bare.oauth_default_user == "u"
    with pytest.raises(ValueError):
        ForgeSpec(projects=(), oauth_clients=(FIXED, FIXED))
