"""Index jobs on Celery workers: the journey, coalescing, the tenant cap and no token in Redis."""

from __future__ import annotations

import base64
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import func, select

from kosha.adapters.sql.tables import IndexRunRow, JobRow
from tests.workers.conftest import HOOK_SECRET, Cluster

pytestmark = [pytest.mark.postgres, pytest.mark.celery]
TOKEN = "tok-a"


def _redis_values(url: str) -> list[bytes]:
    client = redis.Redis.from_url(url)
    out = []
    for key in client.scan_iter("*"):
        kind = client.type(key)
        if kind == b"string":
            out.append(client.get(key) or b"")
        elif kind == b"list":
            out += client.lrange(key, 0, -1)
        elif kind == b"hash":
            out += list(client.hgetall(key).values())
        elif kind == b"zset":
            out += [m for m, _ in client.zrange(key, 0, -1, withscores=True)]
        elif kind == b"stream":
            out += [str(fields).encode() for _, fields in client.xrange(key)]
        out.append(key)
    return out


def test_a_worker_indexes_and_the_token_never_rests_in_redis(cluster: Cluster) -> None:
    c = cluster
    r = c.client.post("/index", headers=c.headers(), json={"repo_url": c.url("emea/team-a/svc")})
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    # queued in Redis, with the token sealed: neither it nor its basic-auth form in clear
    needles = [TOKEN.encode(), base64.b64encode(f"oauth2:{TOKEN}".encode())]
    values = _redis_values(c.redis.url)
    assert any(b"kosha.index_job" in v for v in values)  # the message is there...
    assert not any(n in v for v in values for n in needles)  # ...and holds no token
    c.start_worker()
    done = c.wait(job["id"])
    assert done["status"] == "completed", done
    assert done["repos"][0]["languages"].get("python", 0) > 0 and done["attempts"] == 1
    # progress reached the API through Redis: the SSE replay holds the job's events
    with c.client.stream("GET", f"/jobs/{job['id']}/events", headers=c.headers()) as stream:
        body = "".join(stream.iter_text())
    assert "event: done" in body and '"status": "completed"' in body.replace('":"', '": "')
    c.stop_workers()
    # nothing of the token anywhere in Redis after the job, nor a message left behind
    values = _redis_values(c.redis.url)
    assert not any(n in v for v in values for n in needles)
    assert not any(b"kosha.index_job" in v for v in values)
    log = (c.home.parent / "worker-0.log").read_text()
    assert "ready" in log and TOKEN not in log and "oauth2:" not in log
    r = c.client.post("/search", headers=c.headers(),
                      json={"query": "validate_jwt", "mode": "my"})
    assert r.status_code == 200 and r.json()["hits"][0]["symbol"] == "validate_jwt"


def test_a_burst_for_one_repo_on_two_workers_is_one_run(cluster: Cluster) -> None:
    c = cluster
    url = c.url("emea/team-a/billing")

    def index(_: int) -> str:
        r = c.client.post("/index", headers=c.headers(), json={"repo_url": url})
        assert r.status_code == 202, r.text
        return r.json()["job"]["id"]

    commit = subprocess.run(["git", "-C", str(c.forge.root / "emea/team-a/billing.git"),
                             "rev-parse", "main"], capture_output=True, text=True,
                            check=True).stdout.strip()

    def hook(_: int) -> str:
        r = c.client.post("/webhooks/gitlab", headers={
            **c.headers(), "X-Gitlab-Token": HOOK_SECRET, "X-Gitlab-Event": "Push Hook"},
            json={"after": commit, "project": {"web_url": url}})
        assert r.status_code == 202, r.text
        return r.json()["job"]["id"]

    with ThreadPoolExecutor(3) as pool:  # two webhooks and a manual /index at once
        ids = set(pool.map(lambda f: f(0), [hook, index, hook]))
    assert len(ids) == 1  # one queued job absorbed them all
    c.start_worker()
    c.start_worker()  # two workers compete for the queue
    (job_id,) = ids
    done = c.wait(job_id)
    assert done["status"] == "completed" and done["requests"] == 3
    c.stop_workers()
    with c.container.engine.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(IndexRunRow)).scalar_one()
        jobs = conn.execute(select(func.count()).select_from(JobRow)).scalar_one()
    assert (runs, jobs) == (1, 1)


def test_one_tenant_cannot_take_every_worker(cluster: Cluster) -> None:
    c = cluster
    c.embed.release.clear()  # every embedding call waits: jobs stay running
    urls = [c.url("emea/team-a/svc"), c.url("emea/team-a/billing")]
    ids = [c.client.post("/index", headers=c.headers(), json={"repo_url": u}).json()["job"]["id"]
           for u in urls]
    c.start_worker(concurrency=2, env={"KOSHA_TENANT_JOB_CAP": "1"})
    assert c.embed.waiting.wait(60)
    time.sleep(3)  # the second job had time to start, and must not have
    statuses = [c.client.get(f"/jobs/{i}", headers=c.headers()).json()["job"]["status"]
                for i in ids]
    assert sorted(statuses) == ["queued", "running"], statuses
    c.embed.release.set()
    assert [c.wait(i)["status"] for i in ids] == ["completed", "completed"]
