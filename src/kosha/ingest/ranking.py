"""Centrality of definitions over CALLS, computed at index time and stored on graph nodes."""

from __future__ import annotations

import logging
from collections import defaultdict

from kosha.domain.models import GRAPH_LABELS, Kind, RepoRecord

log = logging.getLogger(__name__)
_KIND_OF_LABEL = {v: k for k, v in GRAPH_LABELS.items()}


def compute_ranks(edges: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, float]]:
    """PageRank over CALLS scaled so the average symbol scores 1.0: id -> (label, rank)."""
    import networkx as nx  # ~0.1 s; most runs (small commits) never rank

    g = nx.DiGraph()
    labels: dict[str, str] = {}
    for src, src_label, dst, dst_label in edges:
        g.add_edge(src, dst)
        labels[src], labels[dst] = src_label, dst_label
    if not g:
        return {}
    ranks = nx.pagerank(g, alpha=0.85, tol=1e-6, max_iter=200)
    n = g.number_of_nodes()
    return {node: (labels[node], round(r * n, 2)) for node, r in ranks.items()}


SMALL_REPO_FILES = 2000
CHANGED_SHARE = 0.02
REFRESH_EVERY = 16


def ranks_due(fresh: bool, changed_files: int, live_files: int, commit: str) -> bool:
    """Whether this run recomputes PageRank. On a big repo a small commit barely moves it and
    costs seconds (Django: ~2 s), so it waits for a bigger change, or for roughly one commit in
    REFRESH_EVERY (picked by the commit hash, so reruns agree); new symbols rank 0 meanwhile and
    their callers count, read live at search time, still counts."""
    if fresh or live_files < SMALL_REPO_FILES or changed_files >= CHANGED_SHARE * live_files:
        return True
    return int(commit[:8], 16) % REFRESH_EVERY == 0


def update_ranks(graph, repo: RepoRecord) -> int:  # noqa: ANN001
    """Recompute the repo's PageRank and write only the values that changed; returns writes."""
    new = compute_ranks(graph.call_edges(repo.tenant_key, repo.id))
    old = graph.ranks(repo.tenant_key, repo.id)
    by_kind: dict[Kind, dict[str, float]] = defaultdict(dict)
    for node, (label, rank) in new.items():
        if old.get(node, ("", 0.0))[1] != rank:
            by_kind[_KIND_OF_LABEL[label]][node] = rank
    for node, (label, _rank) in old.items():
        if node not in new:  # lost its last CALLS edge
            by_kind[_KIND_OF_LABEL[label]][node] = 0.0
    for kind, values in by_kind.items():
        graph.set_ranks(repo.tenant_key, repo.id, kind, values)
    return sum(len(v) for v in by_kind.values())
