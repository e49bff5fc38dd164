"""Search latency of the full pipeline with ~100k indexed chunks on the embedded default.

Sixteen clones of the CoSQA pool repository (bench/cosqa.py builds it) are indexed as
sixteen repos of one tenant: 16 x 6,267 = 100,272 chunks. Identical functions share one
embedding through the (model, content hash) cache, so indexing costs parsing and writes, not
16 x the model. The 500 CoSQA test queries then run over all sixteen repos.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
DATA = ROOT.parent / "shared" / "bench" / "cosqa"
sys.path.insert(0, str(ROOT / "bench"))

from cosqa import pool_repo  # noqa: E402
from machine import machine_facts, update_section  # noqa: E402

COPIES = 16


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--fresh", action="store_true", help="re-index from scratch")
    args = parser.parse_args()
    source = pool_repo()
    clones = []
    for i in range(COPIES):
        dst = WORK / "latency-repos" / f"pool-{i:02d}"
        if not dst.exists():
            subprocess.run(["git", "clone", "-q", str(source), str(dst)], check=True)
        clones.append(dst)
    home = WORK / "latency-home"
    if args.fresh:
        shutil.rmtree(home, ignore_errors=True)
    os.environ["KOSHA_HOME"] = str(home)
    from kosha.bootstrap import Container
    from kosha.config import Settings
    from kosha.domain.models import StoreScope
    from kosha.domain.tenancy import LOCAL_TENANT
    from kosha.ingest.pipeline import IndexRequest

    c = Container(Settings())
    t0 = time.monotonic()
    for repo in clones:
        c.indexer.index(IndexRequest(tenant=LOCAL_TENANT, repo_url=repo.as_uri(),
                                     source=str(repo), ref="main", local=True))
        print(f"indexed {repo.name} at {time.monotonic() - t0:.0f}s", flush=True)
    index_s = time.monotonic() - t0
    repos = c.meta.list_repos(c.meta.tenants_read_by(LOCAL_TENANT), indexed_only=True)
    chunks = c.vectors.count(StoreScope(("local",), tuple(r.id for r in repos)))
    queries = [q["doc"] for q in json.loads((DATA / "cosqa-retrieval-test-500.json").read_text())]
    for q in queries[:20]:  # warm caches and the model
        c.search.search(repos, q, top_k=10)
    lat, legs = [], {"dense": [], "bm25": [], "symbol": []}
    for q in queries:
        t = time.perf_counter()
        r = c.search.search(repos, q, top_k=10)
        lat.append((time.perf_counter() - t) * 1000)
        for leg in legs:
            if leg in r.timings_ms:
                legs[leg].append(r.timings_ms[leg])
    c.close()

    def pct(xs: list[float], p: float) -> float:
        xs = sorted(xs)
        return round(xs[max(0, int(len(xs) * p) - 1)], 1)

    out = {"repos": len(repos), "chunks": chunks, "index_s": round(index_s, 1),
           "queries": len(lat), "p50_ms": round(statistics.median(lat), 1),
           "p95_ms": pct(lat, 0.95), "p99_ms": pct(lat, 0.99),
           "legs_p50_ms": {k: round(statistics.median(v), 1) for k, v in legs.items() if v},
           "legs_p95_ms": {k: pct(v, 0.95) for k, v in legs.items() if v}}
    print(json.dumps(out, indent=2))
    (WORK / "latency-results.json").write_text(json.dumps(out, indent=2))
    if args.write:
        write_doc(out)


def write_doc(out: dict) -> None:
    body = f"""{machine_facts()}

`python bench/search_latency.py --write`: {out['repos']} repositories of one tenant holding
{out['chunks']:,} chunks (sixteen clones of the CoSQA pool; identical functions share one
cached embedding), Milvus Lite + ladybug + SQLite, the bundled all-MiniLM-L6-v2 on the CPU.
The {out['queries']} CoSQA test queries, full pipeline, top 10, one at a time after a warm-up:

| p50 | p95 | p99 |
|---|---|---|
| {out['p50_ms']} ms | {out['p95_ms']} ms | {out['p99_ms']} ms |

Per recall leg (they run in parallel), p50 / p95 ms: """ + ", ".join(
        f"{k} {out['legs_p50_ms'][k]} / {out['legs_p95_ms'][k]}" for k in out["legs_p50_ms"])
    body += ("\n\nTarget p95 <= 150 ms at 100k chunks: "
             + ("met." if out["p95_ms"] <= 150 else "**not met** on the embedded default.")
             + "\n")
    body += """
Where the time goes (py-spy and cProfile): the recall legs are Milvus Lite's. This Milvus Lite
(3.2, a pure-Python engine) rebuilds a validity mask for every query with a Python loop over
every row of every segment (latest-version dedup and tombstones, `executor_indexed.py`,
`collection.py:_search_sparse`), so each leg costs O(rows) of interpreted work, and the dense
and BM25 legs contend for the GIL. At 6k chunks the same pipeline answers in ~85 ms (dense
leg ~60 ms incl. the query embedding, BM25 ~25 ms, graph features ~12 ms, SQL live-version check
~5 ms, expansion and marking ~3 ms). Flushing after each index run (added with this benchmark)
matters: before it, searches spent most of their time copying unflushed MemTable rows. A Milvus
server (`KOSHA_MILVUS_URI`) does this work natively; none can be started on this machine (no
image registry), so the server figure is not measured here.
"""
    update_section(ROOT / "docs" / "benchmarks.md", "Search latency at 100k chunks (issue 3)",
                   body)


if __name__ == "__main__":
    main()
