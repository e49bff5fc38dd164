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
    lat, responses = timed_searches(c, repos, queries)
    legs = {"dense": [], "bm25": [], "symbol": []}
    for r in responses:
        for leg in legs:
            if leg in r.timings_ms:
                legs[leg].append(r.timings_ms[leg])
    alone = legs_alone(c, repos, queries)
    small = small_tenant(c, clones[0], queries)
    c.close()

    def pct(xs: list[float], p: float) -> float:
        xs = sorted(xs)
        return round(xs[max(0, int(len(xs) * p) - 1)], 1)

    out = {"repos": len(repos), "chunks": chunks, "index_s": round(index_s, 1),
           "queries": len(lat), "p50_ms": round(statistics.median(lat), 1),
           "p95_ms": pct(lat, 0.95), "p99_ms": pct(lat, 0.99),
           "legs_p50_ms": {k: round(statistics.median(v), 1) for k, v in legs.items() if v},
           "legs_p95_ms": {k: pct(v, 0.95) for k, v in legs.items() if v},
           "alone_p50_ms": {k: round(statistics.median(v), 1) for k, v in alone.items()},
           "alone_p95_ms": {k: pct(v, 0.95) for k, v in alone.items()},
           "small_tenant": {"chunks": small["chunks"],
                            "p50_ms": round(statistics.median(small["lat"]), 1),
                            "p95_ms": pct(small["lat"], 0.95)}}
    print(json.dumps(out, indent=2))
    (WORK / "latency-results.json").write_text(json.dumps(out, indent=2))
    if args.write:
        write_doc(out)


def timed_searches(c, repos, queries: list[str]) -> tuple[list[float], list]:  # noqa: ANN001
    """Full-pipeline searches one at a time after a warm-up: ms per query and the responses."""
    for q in queries[:20]:  # warm caches and the model
        c.search.search(repos, q, top_k=10)
    lat, responses = [], []
    for q in queries:
        t = time.perf_counter()
        responses.append(c.search.search(repos, q, top_k=10))
        lat.append((time.perf_counter() - t) * 1000)
    return lat, responses


def small_tenant(c, repo: Path, queries: list[str]) -> dict:  # noqa: ANN001
    """One pool copy indexed for another tenant of the same store, searched on its own: what
    a small team pays beside a large one (Milvus Lite reads only the tenant's bucket)."""
    from kosha.domain.tenancy import parse_repo_url, parse_tenant_key
    from kosha.ingest.pipeline import IndexRequest
    from kosha.search.service import scope_of

    tenant = parse_tenant_key("bench.example.com//emea/small")
    ref = parse_repo_url("https://bench.example.com/emea/small/pool.git")
    c.indexer.index(IndexRequest(tenant=tenant, repo_url=ref.url, source=str(repo), ref="main",
                                 local=True, group_path=ref.group_path))
    repos = c.meta.list_repos(c.meta.tenants_read_by(tenant), indexed_only=True)
    lat, _ = timed_searches(c, repos, queries)
    return {"chunks": c.vectors.count(scope_of(repos)), "lat": lat}


def legs_alone(c, repos, queries: list[str]) -> dict[str, list[float]]:  # noqa: ANN001
    """Each recall leg on its own, one after the other (no other thread running): the
    floor the parallel pipeline cannot go below while both legs need the one GIL."""
    from kosha.search.service import scope_of

    scope = scope_of(repos)
    out: dict[str, list[float]] = {"embed": [], "dense": [], "bm25": [], "dense+bm25": []}
    for q in queries:
        t0 = time.perf_counter()
        vector = c.embedder.embed_query(q)
        t1 = time.perf_counter()
        c.vectors.search_dense(scope, vector, 50, None, model=c.embedder.model_id)
        t2 = time.perf_counter()
        c.vectors.search_lexical(scope, q, 50, None)
        t3 = time.perf_counter()
        out["embed"].append((t1 - t0) * 1000)
        out["dense"].append((t2 - t1) * 1000)
        out["bm25"].append((t3 - t2) * 1000)
        out["dense+bm25"].append((t3 - t1) * 1000)
    return out


def write_doc(out: dict) -> None:
    def legs(p50: dict, p95: dict) -> str:
        return ", ".join(f"{k} {p50[k]} / {p95[k]}" for k in p50)

    met = "met." if out["p95_ms"] <= 150 else "**not met** on the embedded default."
    body = f"""{machine_facts()}

`python bench/search_latency.py --write`: {out['repos']} repositories of one tenant holding
{out['chunks']:,} chunks (sixteen clones of the CoSQA pool; identical functions share one
cached embedding), Milvus Lite + ladybug + SQLite, the bundled all-MiniLM-L6-v2 on the CPU.
The {out['queries']} CoSQA test queries, full pipeline, top 10, one at a time after a warm-up,
in the process that did the indexing:

| p50 | p95 | p99 |
|---|---|---|
| {out['p50_ms']} ms | {out['p95_ms']} ms | {out['p99_ms']} ms |

Per recall leg inside the pipeline (they run in parallel threads), p50 / p95 ms:
{legs(out['legs_p50_ms'], out['legs_p95_ms'])}.

Each leg alone, one after the other with nothing else running (recall limit 50, as the
pipeline asks), p50 / p95 ms: {legs(out['alone_p50_ms'], out['alone_p95_ms'])}.

Target p95 <= 150 ms at 100k chunks: {met}

Another tenant of the same store, one pool copy ({out['small_tenant']['chunks']:,} chunks),
searched on its own beside the 100k-chunk tenant: p50 {out['small_tenant']['p50_ms']} ms,
p95 {out['small_tenant']['p95_ms']} ms. Milvus Lite does not prune partition-key buckets from
the filter (a server does), so the adapter names the scope's buckets (one of 16, shared
with the tenants whose key hashes alike); before that a small
tenant paid for every tenant's rows (measured 2026-12-02 with a 1,251-chunk tenant: 255 ms p50
before, 121 ms after; dense leg 95 -> 9 ms, BM25 81 -> 38 ms; BM25 still walks every row once
for Lite's cross-partition version check).
"""
    body += """
Why, and why it cannot be tuned away in Kosha's code: the two Milvus legs alone, back to
back, already cost more than the target (`dense+bm25` above), and in one process they cannot
overlap (the pipeline's p50 is about their sum),
because this Milvus Lite (3.2.2, the newest release) is a pure-Python engine serving
`pymilvus` from threads of the same interpreter. py-spy over 100 searches at 100k chunks
(2026-12-02): in a dense search ~75% of the engine's samples are per-row Python loops that
rebuild the latest-version and tombstone mask on every query (`search/executor_indexed.py`,
`_update_max_seqs` and `_build_local_mask`); in a BM25 search ~45% is the same kind of loop
(`engine/collection.py:_search_sparse`) and ~40% the pure-Python posting-list scorer
(`index/sparse_inverted.py`). Both are O(rows in scope) per query and hold the GIL. Everything
else in the pipeline is small: graph features ~23 ms (ladybug), live-version check ~6 ms
(SQLite), expansion and marking ~2 ms, query embedding ~11 ms (cProfile, same index).
Nothing in Kosha's adapter changes the row count a query scans: the benchmark's sixteen repos
are one tenant and every query asks for all of them. What would meet the target is the
engine: a Milvus server (`KOSHA_MILVUS_URI`, same code) does this natively, but none can run
on this machine (no container engine; the only registry Milvus server, PyPI `milvus` 2.3.9,
predates the BM25 function the schema uses), so the server figure is not measured here.
The same code measured p50 372 / p95 490 ms on 2026-11-22 on another machine of this kind:
figures move by a third between machines and days, the gap to the target does not.
At 6k chunks the same pipeline answers in ~85 ms. Flushing after each index run matters:
before it, searches spent most of their time copying unflushed MemTable rows.
"""
    update_section(ROOT / "docs" / "benchmarks.md", "Search latency at 100k chunks (issue 3)",
                   body)


if __name__ == "__main__":
    main()
