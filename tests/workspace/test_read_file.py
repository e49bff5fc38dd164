"""POST /files/read: lines of an indexed file, behind the same checks as search."""

from __future__ import annotations


def test_read_file_lines_at_the_indexed_commit(api) -> None:  # noqa: ANN001
    job = api.index("emea/team-a/svc", "emea/team-a", "tok-a")
    body = {"repo_url": api.url("emea/team-a/svc"), "path": "auth/session.py",
            "start_line": 6, "end_line": 7}
    r = api.client.post("/files/read", json=body, headers=api.headers("emea/team-a", "tok-a"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["text"].splitlines()[0] == "def open_session(token: str, secret: bytes) -> dict:"
    assert (got["start_line"], got["end_line"], got["commit"]) == (6, 7, job["commit"])
    assert got["link"].endswith(f"/-/blob/{job['commit']}/auth/session.py#L6-7")

    whole = api.client.post("/files/read", json={**body, "start_line": None, "end_line": None},
                            headers=api.headers("emea/team-a", "tok-a")).json()
    assert whole["start_line"] == 1 and whole["end_line"] == whole["total_lines"] == 9

    for path, status, code in (("auth/none.py", 404, "not_found"),
                               ("../../etc/passwd", 400, "invalid_input")):
        r = api.client.post("/files/read", json={**body, "path": path},
                            headers=api.headers("emea/team-a", "tok-a"))
        assert (r.status_code, r.json()["error"]["code"]) == (status, code)
    # another team, and a token that cannot read the repo, get nothing of it
    r = api.client.post("/files/read", json=body, headers=api.headers("emea/team-b", "tok-b"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "repo_not_in_tenant")
    r = api.client.post("/files/read", json=body, headers=api.headers("emea/team-a", "tok-b"))
    assert r.json()["error"]["code"] == "repo_not_readable"
