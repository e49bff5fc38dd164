"""Security rules of workspace mode; each test fails when its rule breaks."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from pathlib import Path

import pytest

from tests.conftest import sql_rows_with
from tests.workspace.conftest import GH_SECRET, HOOK_SECRET, SECRET_TOKEN, Api


def _files_with(root: Path, needles: list[bytes]) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()
            and any(n in p.read_bytes() for n in needles)]


def _rows_with(api: Api, needle: str) -> list[str]:
    return sql_rows_with(api.container.engine, [needle])


def test_the_token_is_never_stored(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    job = api.index("emea/team-a/svc", "emea/team-a", SECRET_TOKEN)
    status, body = api.search("emea/team-a", SECRET_TOKEN, query="validate jwt", mode="my")
    assert status == 200 and body["hits"]
    r = api.client.post("/search", json={"query": "x", "mode": "repo",
                                         "repo_url": api.url("emea/team-b/svc")},
                        headers=api.headers("emea/team-a", SECRET_TOKEN))
    assert r.status_code == 403 and SECRET_TOKEN not in r.text
    assert SECRET_TOKEN not in json.dumps(job)

    import base64
    needles = [SECRET_TOKEN.encode(), base64.b64encode(f"oauth2:{SECRET_TOKEN}".encode()),
               hashlib.sha256(SECRET_TOKEN.encode()).hexdigest().encode()]
    assert _files_with(api.home, needles) == []  # SQLite, Milvus Lite, graph, blobs, mirrors
    for config in (api.home / "mirrors").rglob("config"):
        text = config.read_text().lower()
        assert "extraheader" not in text and "token" not in text
    assert _rows_with(api, SECRET_TOKEN) == []  # every table, SQLite or PostgreSQL
    assert SECRET_TOKEN not in caplog.text
    assert all(SECRET_TOKEN not in str(r.__dict__) for r in caplog.records)


def test_no_request_sees_another_tenants_code(api: Api) -> None:
    api.index("emea/team-a/svc", "emea/team-a", "tok-a")
    api.index("emea/team-b/svc", "emea/team-b", "tok-b")  # same repo name, other team
    a_svc, b_svc = api.url("emea/team-a/svc"), api.url("emea/team-b/svc")
    queries = ["charge_card", "refund the charge", "validate_jwt", "format amount", "svc"]
    for q in queries:
        for body in ({"mode": "repo", "repo_url": a_svc}, {"mode": "list", "repo_urls": [a_svc]},
                     {"mode": "my"}):
            status, res = api.search("emea/team-a", "tok-a", query=q, top_k=20, **body)
            assert status == 200, res
            assert all(h["repo_url"] == a_svc for h in res["hits"]), (q, body)
        # a region key, but a token that reads only team A: only team A
        status, res = api.search("emea/*", "tok-a", query=q, mode="region", top_k=20)
        assert status == 200 and all(h["repo_url"] == a_svc for h in res["hits"]), q
    seen = set()
    for q in ("validate_jwt", "charge_card"):
        status, res = api.search("emea/*", "tok-emea", query=q, mode="region", top_k=50)
        seen |= {h["repo_url"] for h in res["hits"]}
    assert seen == {a_svc, b_svc}  # a token reading both teams sees both
    status, res = api.search("apac/*", "tok-emea", query="charge_card", mode="region")
    assert status == 200 and res["hits"] == []

    # the other team's repo, asked for by URL: not in the tenant
    status, res = api.search("emea/team-a", "tok-a", query="x", mode="repo", repo_url=b_svc)
    assert status == 403 and res["error"]["code"] == "repo_not_in_tenant"
    # a token of the tenant's domain that cannot read the repo: 403, not results
    status, res = api.search("emea/team-a", "tok-b", query="x", mode="repo", repo_url=a_svc)
    assert status == 403 and res["error"]["code"] == "repo_not_readable"
    status, res = api.search("emea/team-a", "tok-none", query="validate_jwt", mode="my")
    assert status == 200 and res["hits"] == []
    r = api.client.post("/graph/callers", json={"name": "charge_card", "mode": "my"},
                        headers=api.headers("emea/team-a", "tok-a"))
    assert r.status_code == 200 and r.json()["callers"] == []
    status, res = api.search("emea/team-a", "tok-a", query="x", mode="region")
    assert status == 400 and "/*" in res["error"]["message"]


BAD_URLS = [
    "file:///etc/passwd", "ext::sh -c touch% /tmp/pwned", "--upload-pack=touch /tmp/x",
    "-c core.sshCommand=touch /tmp/x", "http://evil.example.com/emea/team-a/svc",
    "{base}/emea/team-a/../team-b/svc", "{base}/emea/team-a/svc?x=1",
    "http://user:pw@{dom}/emea/team-a/svc", "{base}/emea/team-a/svc\n",
    "{base}/emea/team-a/\u202esvc", "{base}/emea/team-a/ｓｖｃ", "/tmp/some/local/path",
    "{base}/emea/team-a/svc%2F..%2Fx",
]


@pytest.mark.parametrize("raw", BAD_URLS)
def test_bad_repo_urls_get_a_clear_4xx_and_index_nothing(api: Api, raw: str) -> None:
    url = raw.format(base=f"http://{api.domain}", dom=api.domain)
    r = api.client.post("/index", json={"repo_url": url},
                        headers=api.headers("emea/team-a", "tok-a"))
    assert 400 <= r.status_code < 500, (url, r.text)
    err = r.json()["error"]
    assert err["code"] and err["message"] and "Traceback" not in r.text
    assert _rows_with(api, "team-a/svc") == []  # no repo, no job


@pytest.mark.parametrize(("headers", "code"), [
    ({}, "invalid_tenant_key"),
    ({"X-Tenant-Key": "no-domain-here"}, "invalid_tenant_key"),
    ({"X-Tenant-Key": "{dom}//emea/team-a\r\nX: y"}, "invalid_tenant_key"),
    ({"X-Tenant-Key": "{dom}//emea/*/team-a"}, "invalid_tenant_key"),
    ({"X-Tenant-Key": "{dom}//../etc"}, "invalid_tenant_key"),
    ({"X-Tenant-Key": "{dom}//emea/team-a", "X-Git-Identity": "token=abc"},
     "invalid_git_identity"),
    ({"X-Tenant-Key": "{dom}//emea/team-a", "X-Git-Identity": "domain={dom},token=a b"},
     "invalid_git_identity"),
    ({"X-Tenant-Key": "{dom}//emea/team-a"}, "missing_git_identity"),
    ({"X-Tenant-Key": "{dom}//emea/team-b", "X-Git-Identity": "domain={dom},token=tok-b"},
     "repo_not_in_tenant"),
    ({"X-Tenant-Key": "{dom}//emea/team-a", "X-Git-Identity": "domain={dom},token=tok-b"},
     "repo_not_readable"),
    ({"X-Tenant-Key": "{dom}//emea/team-a", "X-Git-Identity": "domain={dom},token=wrong"},
     "forbidden"),
])
def test_bad_headers_are_refused(api: Api, headers: dict, code: str) -> None:
    h = {k: v.format(dom=api.domain) for k, v in headers.items()}
    try:
        r = api.client.post("/index", json={"repo_url": api.url("emea/team-a/svc")}, headers=h)
    except Exception:  # noqa: BLE001 - the HTTP client itself refuses CR/LF in a header
        assert "\r\n" in str(h)
        return
    assert 400 <= r.status_code < 500 and r.json()["error"]["code"] == code, r.text
    assert _rows_with(api, "team-a/svc") == []


def test_bad_bodies_are_refused(api: Api) -> None:
    h = api.headers("emea/team-a", "tok-a")
    huge = {"repo_url": api.url("emea/team-a/svc"), "ref": "x" * 300_000}
    r = api.client.post("/index", json=huge, headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    for body in ({"repo_url": api.url("emea/team-a/svc"), "mode": "yolo"},
                 {"repo_url": api.url("emea/team-a/svc"), "extra": 1},
                 {"repo_url": api.url("emea/team-a/svc"), "ref": "--output=/tmp/x"},
                 {"repo_url": 42}):
        r = api.client.post("/index", json=body, headers=h)
        assert r.status_code in (400, 422), (body, r.text)
    r = api.client.post("/index", content=b"{not json", headers={**h, "Content-Type":
                                                               "application/json"})
    assert r.status_code == 422
    for body in ({"query": "", "mode": "my"}, {"query": "x", "mode": "repo"},
                 {"query": "x", "mode": "my", "top_k": 10_000},
                 {"query": "x", "mode": "list", "repo_urls": ["a"] * 51},
                 {"query": "x", "mode": "my", "kind": ["module"]}):
        r = api.client.post("/search", json=body, headers=h)
        assert r.status_code in (400, 422), (body, r.text)
    assert _rows_with(api, "team-a/svc") == []


def _gitlab_push(api: Api, commit: str = "a" * 40) -> dict:
    return {"object_kind": "push", "after": commit, "ref": "refs/heads/main",
            "project": {"web_url": api.url("emea/team-a/svc"),
                        "path_with_namespace": "emea/team-a/svc"}}


def test_webhooks_verify_then_queue_one_job_per_repo(api: Api) -> None:
    base = {**api.headers("emea/team-a", "tok-a"), "X-Gitlab-Event": "Push Hook"}
    commit = api.index("emea/team-a/svc", "emea/team-a", "tok-a")["commit"]
    before = len(_rows_with(api, api.url("emea/team-a/svc")))
    for bad in ({}, {"X-Gitlab-Token": "wrong"}, {"X-Gitlab-Token": HOOK_SECRET + "x"}):
        r = api.client.post("/webhooks/gitlab", json=_gitlab_push(api, commit),
                            headers={**base, **bad})
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert len(_rows_with(api, api.url("emea/team-a/svc"))) == before  # nothing queued

    ok = {**base, "X-Gitlab-Token": HOOK_SECRET}
    api.gate.open.clear()  # the first run holds until the burst is in
    jobs = {api.client.post("/webhooks/gitlab", json=_gitlab_push(api, commit),
                            headers=ok).json()["job"]["id"] for _ in range(5)}
    assert len(jobs) <= 2  # a burst of deliveries: the running job and one follow-up
    api.gate.open.set()
    for job_id in jobs:
        done = api.container.jobs.wait(job_id, f"{api.domain}//emea/team-a", timeout=120)
        assert done.status == "completed" and done.commit == commit

    raw = json.dumps({"ref": "refs/heads/main", "after": commit,
                      "repository": {"html_url": api.url("emea/team-a/svc", github=True)}})
    gh = {**api.headers("emea/team-a", "tok-a", github=True), "X-GitHub-Event": "push",
          "Content-Type": "application/json"}
    sig = "sha256=" + hmac.new(GH_SECRET.encode(), raw.encode(), hashlib.sha256).hexdigest()
    bad_sig = "sha256=" + hmac.new(b"nope", raw.encode(), hashlib.sha256).hexdigest()
    flipped = sig[:-1] + ("1" if sig.endswith("0") else "0")  # always differs from `sig`
    for s in ("", bad_sig, flipped):
        r = api.client.post("/webhooks/github", content=raw,
                            headers={**gh, "X-Hub-Signature-256": s})
        assert r.status_code == 401
    r = api.client.post("/webhooks/github", content=raw, headers={**gh, "X-Hub-Signature-256": sig})
    assert r.status_code == 202, r.text
    done = api.container.jobs.wait(r.json()["job"]["id"], f"{api.gh_domain}//emea/team-a",
                                   timeout=120)
    assert done.status == "completed"
