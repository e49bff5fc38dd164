"""Search over one scope: recall from the stores, fuse, keep live versions, link to lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from kosha.domain.links import deep_link
from kosha.domain.models import ChunkHit, RepoRecord, SearchFilters, StoreScope
from kosha.domain.ports import Embedder

RRF_K = 60


@dataclass
class SearchHit:
    repo_url: str
    rel_path: str
    start_line: int
    end_line: int
    symbol: str
    kind: str
    lang: str
    score: float
    commit: str
    code: str
    link: str
    scores: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResponse:
    query: str
    hits: list[SearchHit]
    reason: str | None = None

    def to_dict(self) -> dict:
        return {"query": self.query, "hits": [h.to_dict() for h in self.hits],
                "reason": self.reason}


def _overlaps(a: ChunkHit, b: ChunkHit) -> bool:
    return (a.project_id == b.project_id and a.rel_path == b.rel_path
            and a.start_line <= b.end_line and b.start_line <= a.end_line)


class SearchService:
    def __init__(self, meta, vectors, graph, blobs, embedder: Embedder) -> None:  # noqa: ANN001
        self.meta = meta
        self.vectors = vectors
        self.graph = graph
        self.blobs = blobs
        self.embedder = embedder

    def search(self, repos: list[RepoRecord], query: str, top_k: int = 10,
               filters: SearchFilters | None = None) -> SearchResponse:
        """Hybrid search over indexed `repos` (all of one scope, already authorised)."""
        repos = [r for r in repos if r.last_indexed_commit]
        if not query.strip():
            return SearchResponse(query, [], "empty query")
        if not repos:
            return SearchResponse(query, [], "no indexed repositories in scope")
        scope = StoreScope(tuple(sorted({r.tenant_key for r in repos})),
                           tuple(sorted(r.id for r in repos)))
        pool = max(50, top_k * 5)
        lists = {
            "dense": self.vectors.search_dense(scope, self.embedder.embed_query(query), pool,
                                               filters, model=self.embedder.model_id),
            "bm25": self.vectors.search_lexical(scope, query, pool, filters),
        }
        fused: dict[str, float] = defaultdict(float)
        parts: dict[str, dict] = defaultdict(dict)
        by_id: dict[str, ChunkHit] = {}
        for name, hits in lists.items():
            for rank, h in enumerate(hits):
                fused[h.chunk_id] += 1.0 / (RRF_K + rank + 1)
                parts[h.chunk_id][name] = round(h.score, 4)
                by_id.setdefault(h.chunk_id, h)
        live = self.meta.live_versions((h.project_id, h.rel_path, h.file_sha)
                                       for h in by_id.values())
        ranked = sorted(by_id.values(), key=lambda h: -fused[h.chunk_id])
        chosen: list[ChunkHit] = []
        for h in ranked:
            if (h.project_id, h.rel_path, h.file_sha) not in live:
                continue  # written by a run that has not published, or already replaced
            if any(_overlaps(h, c) for c in chosen):
                continue
            chosen.append(h)
            if len(chosen) >= top_k:
                break
        by_repo = {r.id: r for r in repos}
        hits = []
        for h in chosen:
            repo = by_repo[h.project_id]
            commit = repo.last_indexed_commit or h.commit
            hits.append(SearchHit(
                repo_url=repo.repo_url, rel_path=h.rel_path, start_line=h.start_line,
                end_line=h.end_line, symbol=h.qualified_name or h.symbol, kind=h.kind,
                lang=h.lang, score=round(fused[h.chunk_id], 6), commit=commit, code=h.text,
                link=deep_link(repo.repo_url, commit, h.rel_path, h.start_line, h.end_line),
                scores=parts[h.chunk_id]))
        return SearchResponse(query, hits, None if hits else "nothing matched")
