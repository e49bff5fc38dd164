"""Fusing recall lists with graph features, and the confidence floor."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kosha.domain.models import ChunkHit


@dataclass(frozen=True)
class Weights:
    """Weighted reciprocal-rank fusion; defaults tuned on the CoSQA dev split
    (docs/benchmarks.md)."""

    dense: float = 1.0
    bm25: float = 0.35
    symbol: float = 1.0
    rrf_k: int = 1  # small k: the top of each list counts most (dev grid, docs/benchmarks.md)
    exact_symbol: float = 1.0  # added for a definition whose name the query spells exactly
    callers: float = 0.01  # prior: x (1 + callers * log1p(callers into the symbol))
    rank: float = 0.01  # prior: x (1 + rank * log1p(PageRank, 1.0 = average))
    # Below this cosine a hit needs lexical or symbol evidence. Model-specific: measured for
    # all-MiniLM-L6-v2 (real CoSQA queries: best cosine p1 0.51; off-topic queries <= 0.42).
    floor_dense: float = 0.45
    floor_terms: float = 0.6  # share of query terms a hit must contain without dense support
    floor_min_terms: int = 2  # ... and this many of them, unless all are in the hit's names


@dataclass
class Candidate:
    hit: ChunkHit
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    exact: bool = False


def fuse(lists: Mapping[str, Sequence[ChunkHit]], w: Weights) -> dict[str, Candidate]:
    """RRF over named recall lists (`dense`, `bm25`, `symbol`); raw scores kept as parts."""
    out: dict[str, Candidate] = {}
    for name, hits in lists.items():
        weight = getattr(w, name)
        for rank, h in enumerate(hits):
            c = out.setdefault(h.chunk_id, Candidate(h))
            if name in c.parts:
                continue
            c.parts[name] = round(h.score, 4)
            c.score += weight / (w.rrf_k + rank + 1)
            if name == "symbol" and h.score >= 1.0 and not c.exact:
                c.exact = True
                c.score += w.exact_symbol
    return out


def graph_prior(callers: int, rank: float, w: Weights) -> float:
    """Multiplier favouring symbols the repo calls a lot (never below 1)."""
    return 1.0 + w.callers * math.log1p(max(callers, 0)) + w.rank * math.log1p(max(rank, 0.0))


def supported(c: Candidate, term_coverage: float, terms: int, w: Weights,
              in_names: bool = False) -> bool:
    """Whether a candidate clears the confidence floor on its own evidence (`terms`: how many
    terms the query has; `in_names`: all of them are in the hit's path or symbol name)."""
    lexical = term_coverage >= w.floor_terms and (
        term_coverage * terms >= w.floor_min_terms or in_names)
    return (c.exact or "symbol" in c.parts or c.parts.get("dense", 0.0) >= w.floor_dense
            or lexical)
