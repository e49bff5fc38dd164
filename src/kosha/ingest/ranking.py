"""Centrality of definitions over CALLS, computed at index time and stored on graph nodes."""

from __future__ import annotations

import logging
from collections import defaultdict

import networkx as nx

from kosha.domain.models import GRAPH_LABELS, Kind, RepoRecord

log = logging.getLogger(__name__)
_KIND_OF_LABEL = {v: k for k, v in GRAPH_LABELS.items()}


def compute_ranks(edges: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, float]]:
    """PageRank over CALLS scaled so the average symbol scores 1.0: id -> (label, rank)."""
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


def update_ranks(graph, repo: RepoRecord) -> int:  # noqa: ANN001
    """Recompute the repo's PageRank and write the values that changed; returns writes."""
    edges = graph.call_edges(repo.tenant_key, repo.id)
    ranks = compute_ranks(edges)
    by_kind: dict[Kind, dict[str, float]] = defaultdict(dict)
    for node, (label, rank) in ranks.items():
        by_kind[_KIND_OF_LABEL[label]][node] = rank
    writes = 0
    for kind, values in by_kind.items():
        graph.set_ranks(repo.tenant_key, repo.id, kind, values)
        writes += len(values)
    return writes
