"""Sign-in through the forge (OAuth code flow with Authlib) against the stand-in forge."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.accounts.conftest import GH_PAT, PAT, AccountApi


def _sign_in(api: AccountApi, domain: str, login: str) -> httpx.Response:
    c = api.client
    r = c.get(f"/auth/oauth/{domain}/start", follow_redirects=False)
    assert r.status_code == 302, r.text
    authorize = r.headers["location"]
    assert "state=" in authorize and "client_id=kosha-demo" in authorize
    forge = httpx.get(f"{authorize}&login={login}", follow_redirects=False, timeout=10)
    assert forge.status_code == 302, forge.text
    back = urlsplit(forge.headers["location"])
    assert back.path == f"/auth/oauth/{domain}/callback"
    return c.get(f"{back.path}?{back.query}")


@pytest.mark.parametrize("github", [False, True])
def test_forge_sign_in_creates_then_finds_the_account(accounts_api: AccountApi,
                                                      github: bool) -> None:
    api = accounts_api
    domain = api.gh_domain if github else api.domain
    login, email, token = ("gh-user", "gh@example.com", GH_PAT) if github else \
        ("pat-user", "pat@example.com", PAT)
    r = _sign_in(api, domain, login)
    assert r.status_code == 200, r.text
    session = r.json()
    me = api.client.get("/auth/me", headers=api.bearer(session)).json()
    assert me["email"] == email
    assert [(t["domain"], t["source"], t["forge_user"]) for t in me["tokens"]] == [
        (domain, "oauth", login)]
    assert token not in r.text and token not in str(me)
    # the forge's token is the stored token: it lists the repos it reads
    listing = api.client.get("/repos/available", headers=api.bearer(session)).json()
    assert listing["repos"] and all(x["repo_url"].startswith(f"http://{domain}/")
                                    for x in listing["repos"])
    again = _sign_in(api, domain, login)
    assert again.status_code == 200 and again.json()["user_id"] == session["user_id"]


def test_a_callback_from_another_browser_or_a_forged_state_fails(
        accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    r = c.get(f"/auth/oauth/{api.domain}/start", follow_redirects=False)
    forge = httpx.get(r.headers["location"] + "&login=pat-user", follow_redirects=False,
                      timeout=10)
    back = urlsplit(forge.headers["location"])
    query = parse_qs(back.query)
    c.cookies.clear()  # another browser: no nonce cookie
    r = c.get(back.path, params={"code": query["code"][0], "state": query["state"][0]})
    assert r.status_code == 401 and r.json()["error"]["code"] == "oauth_failed"
    r = c.get(back.path, params={"code": "x", "state": "not-a-jwt"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "oauth_failed"
    r = c.get("/auth/oauth/unknown.example/start", follow_redirects=False)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_forge"
