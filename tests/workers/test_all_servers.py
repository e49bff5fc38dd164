"""One switch: the workspace journey on server engines — PostgreSQL, Celery on Redis, Milvus
over the network, S3 (moto) — with only settings differing from the embedded run.

Index three repos on a worker, search in every scope, push a commit and deliver its webhook,
and the incremental run changes only that file. The graph stays embedded unless NEO4J_URI
names a Neo4j server (none can be installed here), so the API and the worker take turns on it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
from pymilvus import MilvusClient

from kosha.devforge.demo import demo_forge
from tests.conftest import git
from tests.workers.conftest import HOOK_SECRET, Cluster, open_cluster

pytestmark = [pytest.mark.celery, pytest.mark.postgres]


@pytest.fixture
def servers_cluster(tmp_path: Path, pg_url: str, milvus_server_uri: str, moto_endpoint: str):
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    bucket = f"kosha-{uuid.uuid4().hex[:12]}"
    # milvus-lite's server (gRPC defaults) answers pymilvus's 10 s idle pings with GOAWAY
    extra = {"milvus_uri": milvus_server_uri, "milvus_keepalive_s": "600",
             "blob_url": f"s3://{bucket}/blobs",
             "s3_endpoint_url": moto_endpoint, "s3_region": "us-east-1",
             "s3_access_key": "e2e-access", "s3_secret_key": "e2e-secret"}
    if os.environ.get("NEO4J_URI"):
        extra.update({"neo4j_uri": os.environ["NEO4J_URI"],
                      "neo4j_user": os.environ.get("NEO4J_USER", "neo4j"),
                      "neo4j_password": os.environ.get("NEO4J_PASSWORD", "")})
    forge_root = tmp_path / "forge"  # private: this test pushes a commit to it
    with open_cluster(tmp_path, pg_url, (forge_root, demo_forge(forge_root)), extra) as c:
        yield c, bucket, moto_endpoint, forge_root


def run_on_worker(c: Cluster, job_ids: list[str], team: str = "emea/team-a") -> list[dict]:
    """Let one worker run the queued jobs, then hand the embedded graph back to the API."""
    c.release_stores()
    c.start_worker()
    try:
        return [c.wait(j, team) for j in job_ids]
    finally:
        c.stop_workers()


def paths(result: dict) -> list[str]:
    return [h["rel_path"] for h in result["hits"]]


def test_workspace_journey_on_server_engines(servers_cluster) -> None:  # noqa: ANN001
    c, bucket, endpoint, forge_root = servers_cluster
    svc, billing = c.url("emea/team-a/svc"), c.url("emea/team-a/billing")

    ids = [c.client.post("/index", headers=c.headers(), json={"repo_url": url}).json()["job"]["id"]
           for url in (svc, billing)]
    b_job = c.client.post("/index", headers=c.headers("emea/team-b", "tok-b"),
                          json={"repo_url": c.url("emea/team-b/svc")}).json()["job"]["id"]
    done = run_on_worker(c, ids)
    assert [d["status"] for d in done] == ["completed", "completed"], done
    assert run_on_worker(c, [b_job], "emea/team-b")[0]["status"] == "completed"
    first_commit = done[0]["commit"]

    def search(body: dict, team: str = "emea/team-a", token: str = "tok-a") -> dict:
        r = c.client.post("/search", headers=c.headers(team, token), json=body)
        assert r.status_code == 200, r.text
        return r.json()

    assert paths(search({"query": "verify the jwt signature", "mode": "repo",
                         "repo_url": svc}))[0] == "auth/jwt.py"
    listed = search({"query": "invoice total with VAT", "mode": "list",
                     "repo_urls": [svc, billing]})
    assert paths(listed)[0] == "billing/invoice.py"
    assert {h["repo_url"] for h in search({"query": "session", "mode": "my"})["hits"]} <= \
        {svc, billing}
    region = search({"query": "charge a card", "mode": "region"}, "emea/*", "tok-emea")
    assert paths(region)[0] == "payments/charge.py"
    r = c.client.post("/graph/callers", headers=c.headers(),
                      json={"name": "validate_jwt", "mode": "repo", "repo_url": svc})
    assert [x["symbol"] for x in r.json()["callers"]] == ["open_session"]

    # a push: one file changes; the webhook queues the run, a worker makes it incremental
    work = forge_root.parent / "clone"
    git(forge_root.parent, "clone", "-q", str(forge_root / "emea/team-a/svc.git"), str(work))
    (work / "auth/session.py").write_text((work / "auth/session.py").read_text() + (
        "\n\ndef close_session(session: dict) -> None:\n"
        '    """Forget the session of a user who logs out."""\n    session.clear()\n'))
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam",
        "close sessions")
    git(work, "push", "-q", "origin", "HEAD:main")
    commit = git(work, "rev-parse", "HEAD").strip()
    hook = c.client.post("/webhooks/gitlab", json={"after": commit, "project": {"web_url": svc}},
                         headers={**c.headers(), "X-Gitlab-Token": HOOK_SECRET,
                                  "X-Gitlab-Event": "Push Hook"})
    assert hook.status_code == 202, hook.text
    (again,) = run_on_worker(c, [hook.json()["job"]["id"]])
    assert again["status"] == "completed" and again["commit"] == commit != first_commit
    assert again["files_done"] == 1, again  # only the changed file was re-indexed
    top = search({"query": "forget the session on logout", "mode": "repo", "repo_url": svc})
    assert top["hits"][0]["symbol"] == "close_session" and top["hits"][0]["commit"] == commit

    # the data is in the servers, not in KOSHA_HOME
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="e2e-access", aws_secret_access_key="e2e-secret")
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", ())]
    tenant_prefix = f"blobs/{quote(f'{c.domain}//emea/team-a', safe='')}/"
    assert any(k.startswith(tenant_prefix) and k.endswith("auth/session.py.gz") for k in keys)
    milvus = MilvusClient(c.settings.milvus_uri)
    try:
        rows = milvus.query(c.settings.milvus_collection, filter="project_id >= 0",
                            output_fields=["count(*)"])
        assert rows[0]["count(*)"] > 0
    finally:
        milvus.close()
    home = c.home
    assert not list(home.glob("milvus.db*")) and not (home / "blobs").exists()
