"""Faults on the real Redis and PostgreSQL: a worker killed mid-job, Redis restarted, the
database unreachable, and cancelling a job a worker is running."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from sqlalchemy import func, select

from kosha.adapters.sql.tables import RepoFileRow, RepoRow
from kosha.domain.models import StoreScope
from tests.conftest import git
from tests.workers.conftest import Cluster

pytestmark = [pytest.mark.postgres, pytest.mark.celery]


def _index(c: Cluster, path: str, **body) -> dict:  # noqa: ANN003
    r = c.client.post("/index", headers=c.headers(), json={"repo_url": c.url(path), **body})
    assert r.status_code == 202, r.text
    return r.json()["job"]


def _push(c: Cluster, path: str, files: dict[str, str]) -> None:
    """A new commit on the forge's main branch."""
    work = c.home.parent / f"push-{uuid.uuid4().hex[:6]}"
    git(c.home.parent, "clone", "-q", str(c.forge.root / f"{path}.git"), str(work))
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "more")
    git(work, "push", "-q", "origin", "HEAD:main")


def _stores_match_manifest(c: Cluster) -> None:
    """Every store holds exactly the live manifest's file versions: nothing twice, nothing
    missing."""
    with c.container.engine.connect() as conn:
        repo_id, tenant = conn.execute(select(RepoRow.id, RepoRow.tenant_id)).one()
        files, chunks = conn.execute(select(func.count(), func.sum(RepoFileRow.chunk_count))
                                     .where(RepoFileRow.repo_id == repo_id)).one()
    key = f"{c.domain}//emea/team-a"
    scope = StoreScope((key,), (repo_id,))
    assert c.container.vectors.count(scope) == chunks
    assert c.container.graph.count(scope)["File"] == files
    blobs = [k for k in c.container.blobs.list(key, str(repo_id)) if "/files/" in k]
    assert len(blobs) == files
    del tenant


def test_a_worker_killed_mid_job_is_replaced_and_the_job_ends_clean(cluster: Cluster) -> None:
    c = cluster
    first = _index(c, "emea/team-a/svc")
    c.start_worker()
    first = c.wait(first["id"])
    assert first["status"] == "completed"
    _push(c, "emea/team-a/svc", {"auth/tokens.py": "def rotate_refresh_token(old):\n"
                                                   "    return old[::-1]\n"})
    c.embed.release.clear()  # the next run stops inside its embedding call (the new file)
    job = _index(c, "emea/team-a/svc")
    assert c.embed.waiting.wait(60)
    c.kill(c.workers.pop())  # SIGKILL, mid-job: blobs and intents written, nothing published
    c.embed.release.set()
    # meanwhile the previous commit stays searchable
    hits = c.search("validate_jwt")["hits"]
    assert hits and hits[0]["symbol"] == "validate_jwt" and hits[0]["commit"] == first["commit"]
    c.release_stores()
    # the message comes back after the visibility timeout (short here; in production it stays
    # above the longest job, since a job running longer is delivered again)
    c.start_worker(env={"KOSHA_CELERY_VISIBILITY_TIMEOUT": "6", "KOSHA_JOB_MAX_ATTEMPTS": "9"})
    done = c.wait(job["id"], timeout=120)
    assert done["status"] == "completed" and done["attempts"] >= 2, done
    c.stop_workers()
    _stores_match_manifest(c)


def test_redis_restarted_during_a_job(cluster: Cluster) -> None:
    c = cluster
    c.start_worker()
    c.embed.release.clear()
    job = _index(c, "emea/team-a/svc")
    assert c.embed.waiting.wait(60)
    c.redis.stop()
    r = c.client.post("/index", headers=c.headers(),
                      json={"repo_url": c.url("emea/team-a/billing")})
    assert r.status_code == 503 and r.json()["error"]["code"] == "queue_unavailable"
    lost = c.container.jobs.list_for([f"{c.domain}//emea/team-a"])[0]
    assert lost.status == "failed" and lost.error_code == "queue_unavailable"  # not left queued
    c.redis.start()  # a fresh, empty Redis
    c.embed.release.set()
    assert c.wait(job["id"])["status"] == "completed"  # the job the worker held finished
    again = _index(c, "emea/team-a/billing")  # and the worker reconnected for new jobs
    assert c.wait(again["id"], timeout=120)["status"] == "completed"
    c.stop_workers()
    assert c.search("invoice_total")["hits"]


def test_a_worker_without_its_database_refuses_to_start_and_loses_nothing(
        cluster: Cluster) -> None:
    c = cluster
    job = _index(c, "emea/team-a/billing")
    queue = f"{c.settings.redis_prefix}celery:{c.settings.celery_queue}"
    client = redis.Redis.from_url(c.redis.url)
    assert client.llen(queue) == 1
    bad = c.start_worker(env={"KOSHA_DATABASE_URL":
                              "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"}, wait=False)
    assert bad.wait(timeout=120) == 2
    log = (c.home.parent / "worker-0.log").read_text()
    assert "metadata database is unreachable" in log and "Traceback" not in log
    assert client.llen(queue) == 1  # the job is still queued
    c.workers.clear()
    c.start_worker()
    assert c.wait(job["id"])["status"] == "completed"


def test_cancel_stops_a_running_job_at_a_file_boundary(cluster: Cluster) -> None:
    c = cluster
    c.start_worker()
    c.embed.release.clear()
    job = _index(c, "emea/team-a/svc")
    assert c.embed.waiting.wait(60)
    r = c.client.post(f"/jobs/{job['id']}/cancel", headers=c.headers())
    assert r.status_code == 202, r.text
    time.sleep(0.6)  # the worker reads the flag at most twice a second
    c.embed.release.set()
    done = c.wait(job["id"])
    assert done["status"] == "cancelled", done
    c.stop_workers()
    r = c.client.post("/search", headers=c.headers(), json={"query": "x", "mode": "repo",
                                                             "repo_url": c.url("emea/team-a/svc")})
    assert r.status_code == 404 and r.json()["error"]["code"] == "repo_not_indexed"
