"""Workspace mode over REST against the stand-in forge: the seed's index and search flows."""

from __future__ import annotations

from tests.workspace.conftest import Api


def test_index_job_then_search_each_mode(api: Api) -> None:
    job = api.index("emea/team-a/svc", "emea/team-a", "tok-a")
    assert job["status"] == "completed" and job["files_done"] >= 3 and job["commit"]
    assert job["repo_url"] == api.url("emea/team-a/svc")
    api.index("emea/team-a/billing", "emea/team-a", "tok-a")

    r = api.client.get(f"/jobs/{job['id']}", headers=api.headers("emea/team-a", "tok-a"))
    assert r.status_code == 200 and r.json()["job"]["status"] == "completed"
    other = api.client.get(f"/jobs/{job['id']}", headers=api.headers("emea/team-b", "tok-b"))
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"

    status, body = api.search("emea/team-a", "tok-a", query="validate_jwt", mode="repo",
                              repo_url=api.url("emea/team-a/svc.git"), top_k=3)
    assert status == 200, body
    top = body["hits"][0]
    assert (top["repo_url"], top["rel_path"], top["symbol"]) == (
        api.url("emea/team-a/svc"), "auth/jwt.py", "validate_jwt")
    assert top["link"] == (f"{api.url('emea/team-a/svc')}/-/blob/{job['commit']}/auth/jwt.py"
                           f"#L{top['start_line']}-{top['end_line']}")
    assert "project_id" not in top and "id" not in top  # URLs out, ids stay inside

    status, body = api.search("emea/team-a", "tok-a", query="invoice total", mode="list",
                              repo_urls=[api.url("emea/team-a/svc"),
                                         api.url("emea/team-a/billing")])
    assert status == 200 and body["hits"][0]["repo_url"] == api.url("emea/team-a/billing")
    status, body = api.search("emea/team-a", "tok-a", query="open a session", mode="my")
    assert status == 200 and {h["repo_url"] for h in body["hits"]} <= {
        api.url("emea/team-a/svc"), api.url("emea/team-a/billing")}
    assert body["hits"][0]["symbol"] == "open_session"

    api.index("emea/team-b/svc", "emea/team-b", "tok-b")
    status, body = api.search("emea/*", "tok-emea", query="charge_card", mode="region", top_k=5)
    assert status == 200 and body["hits"][0]["repo_url"] == api.url("emea/team-b/svc")

    r = api.client.post("/graph/callers", json={"name": "validate_jwt", "mode": "my"},
                        headers=api.headers("emea/team-a", "tok-a"))
    assert r.status_code == 200 and [c["symbol"] for c in r.json()["callers"]] == [
        "open_session"]
    r = api.client.post("/graph/definitions", json={"name": "charge_card", "mode": "region"},
                        headers=api.headers("emea/*", "tok-emea"))
    assert [d["repo_url"] for d in r.json()["definitions"]] == [api.url("emea/team-b/svc")]


def test_reindex_requests_for_one_repo_join_one_job(api: Api) -> None:
    api.gate.open.clear()  # the first run holds until the burst is in
    first = api.index("emea/team-a/svc", "emea/team-a", "tok-a", wait=False)
    ids = {api.index("emea/team-a/svc", "emea/team-a", "tok-a", wait=False)["id"]
           for _ in range(4)}
    assert len(ids | {first["id"]}) <= 2  # the running job and at most one follow-up
    api.gate.open.set()
    for job_id in ids | {first["id"]}:
        done = api.container.jobs.wait(job_id, f"{api.domain}//emea/team-a", timeout=120)
        assert done.status == "completed"


def test_github_kind_forge_and_deep_links(api: Api) -> None:
    job = api.index("emea/team-a/svc", "emea/team-a", "tok-a", github=True)
    status, body = api.search("emea/team-a", "tok-a", github=True, query="validate_jwt",
                              mode="repo", repo_url=api.url("emea/team-a/svc", github=True))
    assert status == 200, body
    top = body["hits"][0]
    assert top["link"] == (f"{api.url('emea/team-a/svc', github=True)}/blob/{job['commit']}/"
                           f"auth/jwt.py#L{top['start_line']}-L{top['end_line']}")
