"""Search over one authorised scope: recall, fuse, graph prior, floor, de-dup, expand, link."""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from kosha.domain.globs import glob_match
from kosha.domain.links import deep_link, forge_kind
from kosha.domain.models import (
    ChunkHit,
    RepoRecord,
    SearchFilters,
    StoreScope,
    Symbol,
    file_node_id,
)
from kosha.domain.ports import Embedder
from kosha.search.expand import SourceReader, expanded_range, symbol_of
from kosha.search.fusion import Candidate, Weights, fuse, graph_prior, supported
from kosha.search.query import QueryPlan, coverage, marked_lines, plan_query

MAX_TOP_K = 100


@dataclass
class SearchHit:
    repo_url: str
    rel_path: str
    start_line: int  # the lines shown: the hit grown to its enclosing definition
    end_line: int
    match_start: int  # the lines the index matched
    match_end: int
    symbol: str
    kind: str
    lang: str
    score: float
    commit: str
    code: str
    marks: list[int]  # lines of `code` holding a query term
    link: str
    scores: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResponse:
    query: str
    hits: list[SearchHit]
    reason: str | None = None
    timings_ms: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"query": self.query, "hits": [h.to_dict() for h in self.hits],
                "reason": self.reason, "timings_ms": self.timings_ms}


def scope_of(repos: list[RepoRecord]) -> StoreScope:
    """The store scope of authorised repos: their tenants and ids, nothing else."""
    return StoreScope(tuple(sorted({r.tenant_key for r in repos})),
                      tuple(sorted(r.id for r in repos)))


def _matches_filters(h: ChunkHit, filters: SearchFilters | None) -> bool:
    # Stores apply the filters in their queries; `like` patterns may match a little more.
    if filters is None:
        return True
    if filters.path_prefix and not h.rel_path.startswith(filters.path_prefix):
        return False
    return not filters.path_glob or glob_match(filters.path_glob, h.rel_path)


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[:3] == b[:3] and a[3] <= b[4] and b[3] <= a[4]


class SearchService:
    def __init__(self, meta, vectors, graph, blobs, embedder: Embedder,  # noqa: ANN001
                 weights: Weights | None = None,
                 github_domains: frozenset[str] = frozenset({"github.com"})) -> None:
        self.meta = meta
        self.vectors = vectors
        self.graph = graph
        self.blobs = blobs
        self.embedder = embedder
        self.weights = weights or Weights()
        self.github_domains = github_domains
        self._pool = ThreadPoolExecutor(3, thread_name_prefix="kosha-recall")

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    def recall(self, scope: StoreScope, plan: QueryPlan, limit: int,
               filters: SearchFilters | None) -> tuple[dict[str, list[ChunkHit]], dict]:
        """The three recall lists, queried in parallel, and how long each took."""
        timings: dict[str, float] = {}

        def timed(name, fn):  # noqa: ANN001, ANN202
            def run():  # noqa: ANN202
                t = time.perf_counter()
                try:
                    return fn()
                finally:
                    timings[name] = round((time.perf_counter() - t) * 1000, 1)
            return run

        jobs = {
            "dense": timed("dense", lambda: self.vectors.search_dense(
                scope, self.embedder.embed_query(plan.text), limit, filters,
                model=self.embedder.model_id)),
            "bm25": timed("bm25", lambda: self.vectors.search_lexical(
                scope, plan.text, limit, filters)),
        }
        if plan.names:
            jobs["symbol"] = timed("symbol", lambda: self.vectors.search_symbols(
                scope, list(plan.names), limit, filters))
        futures = {name: self._pool.submit(fn) for name, fn in jobs.items()}
        return {name: f.result() for name, f in futures.items()}, timings

    def search(self, repos: list[RepoRecord], query: str, top_k: int = 10,
               filters: SearchFilters | None = None) -> SearchResponse:
        """Hybrid search over indexed `repos` (already authorised for the caller)."""
        started = time.perf_counter()
        plan = plan_query(query)
        repos = [r for r in repos if r.last_indexed_commit]
        if not plan.text:
            return SearchResponse(query, [], "empty query")
        if not repos:
            return SearchResponse(query, [], "no indexed repositories in scope")
        top_k = max(1, min(top_k, MAX_TOP_K))
        scope = scope_of(repos)
        lists, timings = self.recall(scope, plan, max(50, top_k * 5), filters)
        pool = [c for c in fuse(lists, self.weights).values() if _matches_filters(c.hit, filters)]
        live = self.meta.live_versions((c.hit.project_id, c.hit.rel_path, c.hit.file_sha)
                                       for c in pool)
        # only versions a finished run published: not half-written, not already replaced
        pool = [c for c in pool if (c.hit.project_id, c.hit.rel_path, c.hit.file_sha) in live]
        pool.sort(key=lambda c: -c.score)
        head = pool[:top_k * 3]
        defs = self._definitions(scope, head)
        w = self.weights
        kept: list[Candidate] = []
        for c in head:
            h = c.hit
            sym = symbol_of(defs[(h.project_id, h.rel_path, h.file_sha)], h)
            if sym is not None:
                c.parts.update(callers=sym.callers, rank=sym.rank)
                c.score *= graph_prior(sym.callers, sym.rank, w)
            cov = coverage(plan.terms, f"{h.rel_path} {h.qualified_name} {h.text}")
            in_names = coverage(plan.terms, f"{h.rel_path} {h.qualified_name}") == 1.0
            c.parts["coverage"] = round(cov, 2)
            if supported(c, cov, len(plan.terms), w, in_names):
                kept.append(c)
        if not kept:
            timings["total"] = round((time.perf_counter() - started) * 1000, 1)
            best = max((c.parts.get("dense", 0.0) for c in head), default=0.0)
            reason = ("no confident match: nothing in scope is close enough to the query "
                      f"(best similarity {best:.2f}, needs {w.floor_dense:.2f}, "
                      f"or {w.floor_terms:.0%} of its words)")
            return SearchResponse(query, [], reason if head else "nothing matched", timings)
        kept.sort(key=lambda c: -c.score)
        hits = self._results(kept, top_k, defs, live, {r.id: r for r in repos}, plan)
        timings["total"] = round((time.perf_counter() - started) * 1000, 1)
        return SearchResponse(query, hits, None, timings)

    def _definitions(self, scope: StoreScope,
                     head: list[Candidate]) -> dict[tuple[int, str, str], list[Symbol]]:
        by_version: dict[tuple[int, str, str], list[Symbol]] = defaultdict(list)
        files = {file_node_id(c.hit.tenant_key, c.hit.project_id, c.hit.rel_path,
                              c.hit.file_sha) for c in head}
        if files:
            for s in self.graph.definitions_in(scope, files):
                by_version[(s.project_id, s.rel_path, s.file_sha)].append(s)
        return by_version

    def _results(self, kept: list[Candidate], top_k: int, defs: dict, live: dict,
                 repos: dict[int, RepoRecord], plan: QueryPlan) -> list[SearchHit]:
        reader = SourceReader(self.blobs)
        chosen: list[tuple] = []
        hits: list[SearchHit] = []
        for c in kept:
            h = c.hit
            version = (h.project_id, h.rel_path, h.file_sha)
            start, end = expanded_range(defs[version], h)
            span = (*version, start, end)
            if any(_overlaps(span, other) for other in chosen):
                continue
            chosen.append(span)
            repo = repos[h.project_id]
            commit = repo.last_indexed_commit or h.commit
            code = reader.code(h, live[version], start, end)
            if code is None:  # blob missing: show what the index holds
                code, start, end = h.text, h.start_line, h.end_line
            hits.append(SearchHit(
                repo_url=repo.repo_url, rel_path=h.rel_path, start_line=start, end_line=end,
                match_start=h.start_line, match_end=h.end_line,
                symbol=h.qualified_name or h.symbol, kind=h.kind, lang=h.lang,
                score=round(c.score, 6), commit=commit, code=code,
                marks=marked_lines(code, start, plan.terms),
                link=deep_link(repo.repo_url, commit, h.rel_path, start, end,
                               forge_kind(repo.repo_url, self.github_domains)),
                scores={k: (round(v, 4) if isinstance(v, float) else v)
                        for k, v in c.parts.items()}))
            if len(hits) >= top_k:
                break
        return hits
