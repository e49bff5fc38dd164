"""PageRank at index time: scaled, written only when it changes, reset when edges go."""

from __future__ import annotations

from kosha.domain.models import Edge, GraphFile, Kind, RepoRecord, Symbol
from kosha.ingest.ranking import compute_ranks, ranks_due, update_ranks
from tests.fakes import InMemoryGraphStore

REPO = RepoRecord(id=1, tenant_id="t", tenant_key="local", repo_url="file:///r", source="local")


def fn(name: str) -> Symbol:
    return Symbol(f"id-{name}", Kind.FUNCTION, name, name, "a.py", 1, 2, "python")


def calls(*pairs: tuple[str, str]) -> list[Edge]:
    return [Edge(f"id-{a}", Kind.FUNCTION, f"id-{b}", Kind.FUNCTION, "CALLS") for a, b in pairs]


class CountingGraph(InMemoryGraphStore):
    def __init__(self) -> None:
        super().__init__()
        self.rank_writes = 0

    def set_ranks(self, tenant_key, project_id, kind, ranks) -> None:  # noqa: ANN001
        self.rank_writes += len(ranks)
        super().set_ranks(tenant_key, project_id, kind, ranks)


def test_compute_ranks_averages_one_and_favours_the_called() -> None:
    ranks = compute_ranks([("a", "Function", "c", "Function"), ("b", "Function", "c", "Function")])
    assert ranks["c"][1] > ranks["a"][1] == ranks["b"][1]
    assert abs(sum(r for _l, r in ranks.values()) / 3 - 1.0) < 0.02
    assert compute_ranks([]) == {}


def test_update_writes_only_changes_and_resets_orphans() -> None:
    g = CountingGraph()
    syms = [fn(n) for n in "abcd"]
    g.write_files("local", 1, [GraphFile("s", syms, [])])
    g.write_edges("local", 1, calls(("a", "c"), ("b", "c")))
    assert update_ranks(g, REPO) == 3
    assert update_ranks(g, REPO) == 0  # nothing changed: nothing written
    g.edges = {e for e in g.edges if e[1] != "id-b"}
    g.write_edges("local", 1, calls(("d", "c")))
    writes = update_ranks(g, REPO)
    ranks = g.ranks("local", 1)
    assert "id-b" not in ranks and ranks["id-d"][1] > 0  # b lost its edge: back to 0
    assert writes == 2 and g.rank_writes == 5  # b reset, d set; a and c unchanged


def test_ranks_are_recomputed_when_the_change_matters() -> None:
    assert ranks_due(True, 1, 50_000, "1" * 40)  # a fresh index
    assert ranks_due(False, 1, 500, "1" * 40)  # a small repo: always cheap
    assert ranks_due(False, 1_000, 40_000, "1" * 40)  # 2.5% of a big repo changed
    assert not ranks_due(False, 1, 40_000, "00000001" + "0" * 32)
    assert ranks_due(False, 1, 40_000, "00000010" + "0" * 32)  # one commit in 16
