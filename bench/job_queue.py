"""Jobs on Celery + Redis: queue latency, one vs two concurrent jobs, job-event latency.

Runs a private redis-server, a PostgreSQL database of its own, the stand-in forge with eight
small repositories of one team, an embeddings server answering hash vectors (so the numbers
are the orchestration's, not the model's) and `kosha worker` processes.

    .venv/bin/python bench/job_queue.py [--write]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402
from machine import machine_facts, update_section  # noqa: E402
from sqlalchemy import select  # noqa: E402
from tests.workers import conftest as rig  # noqa: E402

from kosha.adapters.sql.tables import JobRow  # noqa: E402
from kosha.devforge.demo import DEMO_TOKENS, TEAM_A_SVC, build_bare_repo  # noqa: E402
from kosha.devforge.forge import ForgeSpec, ProjectSpec  # noqa: E402
from kosha.jobs.events import RedisEventBus  # noqa: E402

REPOS = 8


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def make_cluster(tmp: Path, pg_url: str):  # noqa: ANN201
    root = tmp / "forge"
    projects = []
    for i in range(REPOS):
        files = {**TEAM_A_SVC, f"auth/extra_{i}.py": f"def extra_{i}():\n    return {i}\n"}
        build_bare_repo(root / f"emea/team-a/svc{i}.git", files)
        projects.append(ProjectSpec(path=f"emea/team-a/svc{i}", id=1000 + i))
    spec = ForgeSpec(projects=tuple(projects), tokens=DEMO_TOKENS)
    return root, spec


def run(write: bool) -> str:
    with tempfile.TemporaryDirectory(prefix="kosha-bench-") as tmp_name:
        tmp = Path(tmp_name)
        name = f"kosha_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            return _measure(tmp, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _measure(tmp: Path, pg_url: str) -> str:
    root, spec = make_cluster(tmp, pg_url)
    with rig.open_cluster(tmp, pg_url, (root, spec)) as c:
        lines = []
        urls = [c.url(f"emea/team-a/svc{i}") for i in range(REPOS)]
        c.start_worker(concurrency=1)
        # queue latency: one job at a time into an idle, warm worker
        waits = []
        for _ in range(2):
            for url in urls:
                job = c.client.post("/index", headers=c.headers(),
                                    json={"repo_url": url, "mode": "full"}).json()["job"]
                c.wait(job["id"])
        with c.container.engine.connect() as conn:
            rows = conn.execute(select(JobRow.created_at, JobRow.started_at)).all()
        waits = [(s - q).total_seconds() * 1000 for q, s in rows[REPOS:]]  # warm runs only
        lines.append(f"- Queue latency (enqueue → running, idle warm worker, {len(waits)} "
                     f"jobs): p50 {pct(waits, 50):.0f} ms, p95 {pct(waits, 95):.0f} ms.")
        c.stop_workers()
        for conc in (1, 2):
            c.start_worker(concurrency=conc)
            t0 = time.perf_counter()
            ids = [c.client.post("/index", headers=c.headers(),
                                 json={"repo_url": u, "mode": "full"}).json()["job"]["id"]
                   for u in urls]
            for i in ids:
                assert c.wait(i, timeout=600)["status"] == "completed"
            wall = time.perf_counter() - t0
            lines.append(f"- {REPOS} full re-indexes of 6-file repos queued at once, worker "
                         f"concurrency {conc}: {wall:.1f} s ({wall / REPOS * 1000:.0f} ms a "
                         "job).")
            c.stop_workers()
        bus = RedisEventBus(c.redis.url, prefix=f"bench{uuid.uuid4().hex[:6]}:")
        lat: list[float] = []
        got = threading.Event()

        def reader() -> None:
            after = "0"
            while len(lat) < 200:
                for ev in bus.read("job", after, timeout=1.0):
                    after = ev.id
                    lat.append((time.perf_counter() - ev.data["t"]) * 1000)
            got.set()

        threading.Thread(target=reader, daemon=True).start()
        time.sleep(0.2)
        for _ in range(200):
            bus.publish("job", {"t": time.perf_counter()})
            time.sleep(0.005)
        got.wait(30)
        bus.expire("job")
        bus.close()
        lines.append(f"- Job-event latency through Redis (publish → a blocked reader, as the "
                     f"SSE route reads): p50 {pct(lat, 50):.2f} ms, p95 {pct(lat, 95):.2f} ms "
                     f"over {len(lat)} events.")
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    body = run(args.write)
    text = (f"{machine_facts()}\n\nPostgreSQL metadata, a private redis-server, the stand-in "
            "forge on loopback, an embeddings server answering hash vectors (the model is not "
            "measured here) and `kosha worker` processes on the embedded vector and graph "
            "stores (one worker process at a time: those stores lock their files, so "
            "concurrency is threads of one process; on server engines workers scale out as "
            "processes).\n\n" + body + "\n\nRun: `.venv/bin/python bench/job_queue.py --write`.")
    print(text)
    if args.write:
        update_section(ROOT / "docs" / "benchmarks.md", "Jobs on Celery + Redis (issue 10)",
                       text)


if __name__ == "__main__":
    main()
