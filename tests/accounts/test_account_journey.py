"""The account journey of issue 9, end to end over the API against the stand-in forge."""

from __future__ import annotations

import base64
import logging

import pytest

from kosha.domain.models import StoreScope
from tests.accounts.conftest import PASSWORD, PAT, AccountApi
from tests.conftest import sql_rows_with


def _sql_rows_with(api: AccountApi, needles: list[str]) -> list[str]:
    return sql_rows_with(api.container.engine, needles)


def test_sign_up_save_token_select_index_search_usage_delete(
        accounts_api: AccountApi, caplog: pytest.LogCaptureFixture) -> None:
    api, c = accounts_api, accounts_api.client
    caplog.set_level(logging.DEBUG)
    # sign up, then log in
    first = api.signup("Dana@Example.com")
    assert {"user_id", "access_token", "refresh_token"} <= first.keys()
    r = c.post("/auth/login", json={"email": "dana@example.com", "password": PASSWORD})
    assert r.status_code == 200, r.text
    session = r.json()
    auth = api.bearer(session)
    me = c.get("/auth/me", headers=auth).json()
    assert me["email"] == "dana@example.com" and me["tier"] == "free"
    assert me["quota"] == {"repos": 10, "chunks": 50_000, "queries_per_day": 100}

    # save a GitLab token: verified with the forge, stored encrypted, never shown again
    api.save_pat(session)
    tokens = c.get("/auth/tokens", headers=auth).json()["tokens"]
    assert [(t["domain"], t["forge_user"]) for t in tokens] == [(api.domain, "pat-user")]
    assert PAT not in str(tokens)

    # list what it reads, with estimates, before anything is indexed
    r = c.get("/repos/available", headers=auth, params={"per_page": 10})
    assert r.status_code == 200, r.text
    listing = r.json()
    by_url = {x["repo_url"]: x for x in listing["repos"]}
    svc, billing = api.url("emea/team-a/svc"), api.url("emea/team-a/billing")
    assert set(by_url) == {svc, billing}  # team A's repos only: what the token reads
    assert by_url[svc]["files"] == 5 and by_url[svc]["estimated_chunks"] >= 5
    assert by_url[billing]["files"] == 2
    assert not by_url[svc]["selected"]

    # select both: one job for two repos, followed to the end
    r = c.post("/repos/select", headers=auth, json={"repo_urls": [svc, billing]})
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    assert job["total_repos"] == 2 and [x["repo_url"] for x in job["repos"]] == [svc, billing]
    done = api.wait(session, job["id"])
    assert done["status"] == "completed", done
    assert [x["status"] for x in done["repos"]] == ["completed", "completed"]
    assert done["progress"]["total_repos"] == 2
    assert done["progress"]["chunks_processed"] == sum(x["chunks"] for x in done["repos"]) > 0
    assert done["repos"][0]["languages"].get("python", 0) > 0
    polled = c.get(f"/jobs/{job['id']}", headers=auth).json()["job"]
    assert polled["status"] == "completed"
    assert [j["id"] for j in c.get("/jobs", headers=auth).json()["jobs"]] == [job["id"]]
    repos = c.get("/repos", headers=auth).json()["repos"]
    assert {x["repo_url"] for x in repos if x["indexed"]} == {svc, billing}

    # search them with Bearer auth, every mode an account has
    r = c.post("/search", headers=auth, json={"query": "validate_jwt", "mode": "my"})
    assert r.status_code == 200, r.text
    hits = r.json()["hits"]
    assert hits and hits[0]["repo_url"] == svc and hits[0]["symbol"] == "validate_jwt"
    r = c.post("/search", headers=auth, json={"query": "invoice total with tax", "mode": "list",
                                              "repo_urls": [svc, billing]})
    assert r.json()["hits"][0]["repo_url"] == billing
    r = c.post("/graph/callers", headers=auth, json={"name": "validate_jwt", "mode": "repo",
                                                     "repo_url": svc})
    assert [x["symbol"] for x in r.json()["callers"]] == ["open_session"]

    # usage: queries, chunks written, bytes; recent queries for the dashboard
    usage = c.get("/usage", headers=auth).json()
    today = usage["days"][0]
    assert today["queries"] == 2 and today["chunks_written"] > 0 and today["bytes_indexed"] > 0
    assert [q["query"] for q in usage["recent_queries"]] == ["invoice total with tax",
                                                             "validate_jwt"]
    assert usage["quota"]["used"]["repos"] == 2
    assert usage["quota"]["used"]["chunks"] == done["progress"]["chunks_processed"]

    # the stored token is nowhere in plaintext: SQL rows (job rows too), files, mirrors
    needles = [PAT.encode(), base64.b64encode(f"oauth2:{PAT}".encode())]
    assert [p for p in api.home.rglob("*") if p.is_file()
            and any(n in p.read_bytes() for n in needles)] == []
    assert _sql_rows_with(api, [PAT]) == []
    for config in (api.home / "mirrors").rglob("config"):
        assert "extraheader" not in config.read_text().lower()

    # delete the account: nothing of it is left in any store
    account = api.container.auth.authenticate(session["access_token"])
    key, user_id = str(account.tenant), account.id
    repo_ids = tuple(x["id"] for x in repos)
    r = c.delete("/auth/me", headers=auth)
    assert r.status_code == 204, r.text
    scope = StoreScope((key,), repo_ids)
    assert api.container.vectors.count(scope) == 0
    assert set(api.container.graph.count(scope).values()) == {0}
    blob_dirs = [p.name for p in api.container.settings.blob_root.iterdir()]
    assert all("account" not in name for name in blob_dirs)
    assert not any((api.home / "mirrors").glob("account*"))
    assert _sql_rows_with(api, [user_id, key, "dana@example.com"]) == []
    assert c.get("/auth/me", headers=auth).status_code == 401
    r = c.post("/auth/login", json={"email": "dana@example.com", "password": PASSWORD})
    assert r.status_code == 401
    # and the stored token never reached a log line, a row or a file
    assert PAT not in caplog.text
