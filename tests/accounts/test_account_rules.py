"""Bad input and security rules of account mode: each test fails when its rule breaks."""

from __future__ import annotations

import time

import jwt
from sqlalchemy import func, select

from kosha.adapters.sql.tables import ForgeCredentialRow, JobRow, RepoRow, UserRow
from kosha.domain.models import StoreScope
from tests.accounts.conftest import GH_PAT, PASSWORD, SECRET_KEY, AccountApi


def _count(api: AccountApi, table) -> int:  # noqa: ANN001
    with api.container.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_login_failures_look_alike(accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    api.signup("erin@example.com")
    answers = [c.post("/auth/login", json=body) for body in (
        {"email": "erin@example.com", "password": "wrong password!"},
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "not-an-email", "password": PASSWORD})]
    assert {r.status_code for r in answers} == {401}
    assert {r.json()["error"]["code"] for r in answers} == {"invalid_credentials"}
    assert len({r.json()["error"]["message"] for r in answers}) == 1


def test_duplicate_signup_and_bad_input_write_nothing(accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    api.signup("finn@example.com")
    r = c.post("/auth/signup", json={"email": "FINN@example.com", "password": PASSWORD + "x"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "email_unavailable"
    for body, code in (({"email": "bad", "password": PASSWORD}, "invalid_input"),
                       ({"email": "g@example.com", "password": "short"}, "invalid_input"),
                       ({"email": "g@example.com"}, "invalid_input"),
                       ({"email": "g@example.com", "password": PASSWORD, "tier": "pro"},
                        "invalid_input")):
        r = c.post("/auth/signup", json=body)
        assert r.status_code in (400, 422) and r.json()["error"]["code"] == code, r.text
    assert _count(api, UserRow) == 1


def test_expired_tampered_and_unsigned_tokens_are_refused(accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    session = api.signup("gina@example.com")
    user_id, now = session["user_id"], int(time.time())
    base = {"sub": user_id, "typ": "access", "jti": "x", "iss": "kosha", "iat": now}
    forged = {
        "expired": jwt.encode({**base, "exp": now - 5}, SECRET_KEY, algorithm="HS256"),
        "other key": jwt.encode({**base, "exp": now + 60}, "k" * 48, algorithm="HS256"),
        "alg none": jwt.encode({**base, "exp": now + 60}, None, algorithm="none"),
        "refresh as access": session["refresh_token"],
        "garbage": "abc.def.ghi",
    }
    head, body, sig = session["access_token"].split(".")
    forged["tampered"] = f"{head}.{body[:-2]}xx.{sig}"
    for name, token in forged.items():
        r = c.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
        assert r.json()["error"]["code"] == "invalid_token", name
    assert c.get("/auth/me").status_code == 401
    assert c.get("/auth/me", headers={"Authorization": "Basic eDp5"}).status_code == 401
    assert c.get("/auth/me", headers=api.bearer(session)).status_code == 200


def test_refresh_rotates_and_reuse_revokes_the_family(accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    first = api.signup("hugo@example.com")
    r = c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    # the used token again: refused, and the family (the new token too) is revoked
    r = c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401 and r.json()["error"]["code"] == "refresh_token_reused"
    r = c.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert r.status_code == 401
    # logout ends a family
    third = c.post("/auth/login", json={"email": "hugo@example.com", "password": PASSWORD})
    third = third.json()
    assert c.post("/auth/logout", json={"refresh_token": third["refresh_token"]}).status_code \
        == 204
    assert c.post("/auth/refresh", json={"refresh_token": third["refresh_token"]}
                  ).status_code == 401


def test_the_eleventh_login_in_a_minute_is_refused(accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    api.container.auth_limiter.reset()
    for _ in range(10):
        r = c.post("/auth/login", json={"email": "ivy@example.com", "password": PASSWORD})
        assert r.status_code == 401
    r = c.post("/auth/login", json={"email": "ivy@example.com", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_tokens_the_forge_refuses_are_not_stored(accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    auth = api.bearer(api.signup("jack@example.com"))
    for body in ({"token": "glpat-not-a-real-token", "domain": api.domain},
                 {"token": "bad token with spaces", "domain": api.domain},
                 {"token": "glpat-x1", "domain": "gitlab.evil.example"},
                 {"token": "glpat-x2", "domain": api.gh_domain}):  # a GitHub domain on /gitlab-pat
        r = c.post("/auth/gitlab-pat", headers=auth, json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["code"] in ("invalid_forge_token", "unknown_forge",
                                             "invalid_input")
        assert body["token"] not in r.text
    assert _count(api, ForgeCredentialRow) == 0
    assert c.post("/repos/select", headers=auth, json={
        "repo_urls": [api.url("emea/team-a/svc")]}).json()["error"]["code"] == "no_stored_token"


def test_selection_the_token_cannot_read_or_beyond_quota_writes_nothing(
        accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    session = api.signup("kim@example.com")
    auth = api.bearer(session)
    api.save_pat(session)  # reads team A only
    r = c.post("/repos/select", headers=auth, json={"repo_urls": [api.url("emea/team-b/svc")]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "repo_not_readable"
    store = api.container.auth.store
    store.set_tier(session["user_id"], "enterprise", max_repos=1)
    both = [api.url("emea/team-a/svc"), api.url("emea/team-a/billing")]
    r = c.post("/repos/select", headers=auth, json={"repo_urls": both})
    assert r.status_code == 402 and r.json()["error"]["code"] == "quota_repos_exceeded"
    store.set_tier(session["user_id"], "enterprise", max_chunks=3)
    r = c.post("/repos/select", headers=auth, json={"repo_urls": both})
    assert r.status_code == 402 and r.json()["error"]["code"] == "quota_chunks_exceeded"
    assert r.json()["error"]["details"]["limit"] == 3
    assert _count(api, RepoRow) == 0 and _count(api, JobRow) == 0


def test_a_job_that_outgrows_the_chunk_quota_stops_and_shows_nothing(
        accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    session = api.signup("lena@example.com")
    auth = api.bearer(session)
    api.save_pat(session, GH_PAT, github=True)  # GitHub trees carry sizes: a tight estimate
    svc = api.url("emea/team-b/svc", github=True)
    estimate = next(x for x in c.get("/repos/available", headers=auth).json()["repos"]
                    if x["repo_url"] == svc)["estimated_chunks"]
    api.container.auth.store.set_tier(session["user_id"], "enterprise", max_chunks=estimate)
    r = c.post("/repos/select", headers=auth, json={"repo_urls": [svc]})
    assert r.status_code == 202, r.text  # the estimate fits...
    done = api.wait(session, r.json()["job"]["id"])
    assert done["status"] == "failed"  # ...the real chunks do not
    assert done["error"]["code"] == "quota_chunks_exceeded", done
    assert done["repos"][0]["chunks"] > estimate or done["chunks"] > estimate
    repos = c.get("/repos", headers=auth).json()["repos"]
    assert [(x["indexed"], x["chunks"]) for x in repos] == [(False, 0)]
    key = f"account:{session['user_id']}"  # and what it wrote is gone from the stores
    assert api.container.vectors.count(StoreScope((key,), (repos[0]["id"],))) == 0
    assert set(api.container.graph.count(StoreScope((key,), (repos[0]["id"],))).values()) \
        == {0}
    r = c.post("/search", headers=auth, json={"query": "charge_card", "mode": "my"})
    assert r.status_code == 200 and r.json()["hits"] == []


def test_the_daily_query_quota_is_counted(accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    session = api.signup("mona@example.com")
    auth = api.bearer(session)
    api.save_pat(session)
    job = c.post("/repos/select", headers=auth,
                 json={"repo_urls": [api.url("emea/team-a/billing")]}).json()["job"]
    assert api.wait(session, job["id"])["status"] == "completed"
    api.container.auth.store.set_tier(session["user_id"], "enterprise", max_queries_per_day=2)
    for _ in range(2):
        assert c.post("/search", headers=auth, json={"query": "invoice", "mode": "my"}
                      ).status_code == 200
    r = c.post("/search", headers=auth, json={"query": "invoice", "mode": "my"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "quota_queries_exceeded"
    r = c.post("/search", headers=auth, json={"query": "invoice", "mode": "region"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "mode_not_allowed"


def test_another_accounts_repos_and_jobs_are_out_of_reach(accounts_api: AccountApi) -> None:
    api, c = accounts_api, accounts_api.client
    owner, other = api.signup("nia@example.com"), api.signup("otto@example.com")
    api.save_pat(owner)
    api.save_pat(other)  # the same forge access, a different account
    svc = api.url("emea/team-a/svc")
    job = c.post("/repos/select", headers=api.bearer(owner), json={"repo_urls": [svc]}).json()
    assert api.wait(owner, job["job"]["id"])["status"] == "completed"
    repo_id = c.get("/repos", headers=api.bearer(owner)).json()["repos"][0]["id"]
    auth = api.bearer(other)
    assert c.get("/repos", headers=auth).json()["repos"] == []
    assert c.get(f"/jobs/{job['job']['id']}", headers=auth).status_code == 404
    assert c.get("/jobs", headers=auth).json()["jobs"] == []
    assert c.delete(f"/repos/{repo_id}", headers=auth).status_code == 404
    for path, body in (("/search", {"query": "validate_jwt", "mode": "repo", "repo_url": svc}),
                       ("/search", {"query": "validate_jwt", "mode": "list",
                                    "repo_urls": [svc]}),
                       ("/graph/callers", {"name": "validate_jwt", "mode": "repo",
                                           "repo_url": svc})):
        r = c.post(path, headers=auth, json=body)
        assert r.status_code == 404 and r.json()["error"]["code"] == "repo_not_indexed"
    r = c.post("/search", headers=auth, json={"query": "validate_jwt", "mode": "my"})
    assert r.status_code == 200 and r.json()["hits"] == []
    # the owner still sees it, and may delete it
    r = c.post("/search", headers=api.bearer(owner), json={"query": "validate_jwt",
                                                           "mode": "my"})
    assert r.json()["hits"] and all(h["repo_url"] == svc for h in r.json()["hits"])
    assert c.delete(f"/repos/{repo_id}", headers=api.bearer(owner)).status_code == 204
    assert c.get("/repos", headers=api.bearer(owner)).json()["repos"] == []
