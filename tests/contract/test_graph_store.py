"""Contract of the GraphStore port: the in-memory fake and ladybug behave alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from kosha.adapters.ladybug import LadybugGraphStore
from kosha.domain.models import Edge, GraphFile, Kind, StoreScope, Symbol
from tests.fakes import InMemoryGraphStore

A, B = "github.com//acme", "github.com//globex"
SHA = "a" * 40


@pytest.fixture(params=["memory", "ladybug"])
def graph(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    if request.param == "memory":
        yield InMemoryGraphStore()
        return
    g = LadybugGraphStore(tmp_path / "graph" / "g.lbug", buffer_pool_mb=64)
    g.ensure()
    g.ensure()  # idempotent
    yield g
    g.close()


def sym(tenant: str, name: str, kind: Kind = Kind.FUNCTION, path: str = "a.py",
        calls: tuple[str, ...] = (), start: int = 1) -> Symbol:
    return Symbol(node_id=f"{tenant}:{path}:{name}:{kind}", kind=kind, name=name,
                  qualified_name=name, rel_path=path, start_line=start, end_line=start + 2,
                  lang="python", calls=list(calls))


def file_sym(tenant: str, path: str) -> Symbol:
    return Symbol(f"{tenant}:{path}", Kind.FILE, path.rsplit("/", 1)[-1], path, path, 1, 9,
                  "python")


def write_file(graph, tenant: str, path: str, defs: list[Symbol],  # noqa: ANN001
               imports: tuple[str, ...] = (), pid: int = 1, sha: str = SHA) -> Symbol:
    f = file_sym(tenant, path)
    contains = [Edge(f.node_id, Kind.FILE, d.node_id, d.kind, "CONTAINS") for d in defs]
    graph.write_files(tenant, pid, [GraphFile(sha, [f, *defs], contains, list(imports))])
    return f


def test_symbols_and_edges_round_trip(graph) -> None:  # noqa: ANN001
    foo = sym(A, "foo", calls=("bar",))
    bar = sym(A, "bar", start=5)
    cls = sym(A, "Repo", Kind.CLASS, start=10)
    write_file(graph, A, "a.py", [foo, bar, cls])
    graph.write_edges(A, 1, [Edge(foo.node_id, Kind.FUNCTION, bar.node_id, Kind.FUNCTION,
                                  "CALLS")])
    scope = StoreScope((A,), (1,))
    found = graph.symbols_by_name(scope, ["bar", "Repo", "missing"])
    assert sorted((s.name, s.kind, s.start_line) for s in found) == [
        ("Repo", Kind.CLASS, 10), ("bar", Kind.FUNCTION, 5)]
    assert found[0].file_sha == SHA and found[0].project_id == 1 and found[0].tenant_key == A
    assert [s.name for s in graph.callers_of_names(scope, ["bar"])] == ["foo"]
    assert graph.count(scope) == {"File": 1, "Class": 1, "Method": 0, "Function": 2,
                                  "CONTAINS": 3, "CALLS": 1, "IMPORTS": 0}


def test_writes_are_idempotent(graph) -> None:  # noqa: ANN001
    defs = [sym(A, "foo")]
    write_file(graph, A, "a.py", defs)
    write_file(graph, A, "a.py", defs)
    assert graph.count(StoreScope((A,), (1,)))["Function"] == 1
    assert graph.count(StoreScope((A,), (1,)))["CONTAINS"] == 1


def test_tenants_and_repos_are_isolated(graph) -> None:  # noqa: ANN001
    write_file(graph, A, "a.py", [sym(A, "shared", calls=("helper",))])
    write_file(graph, B, "a.py", [sym(B, "shared", calls=("helper",))])
    write_file(graph, A, "a.py", [sym(A, "shared", calls=("helper",)).__class__(
        f"{A}:p2", Kind.FUNCTION, "shared", "shared", "a.py", 1, 2, "python", ["helper"])],
        pid=2)
    for tenant in (A, B):
        scope = StoreScope((tenant,), (1,))
        assert {s.tenant_key for s in graph.symbols_by_name(scope, ["shared"])} == {tenant}
        assert {s.tenant_key for s in graph.callers_of_names(scope, ["helper"])} == {tenant}
        assert len(graph.symbols_by_name(scope, ["shared"])) == 1
    both = StoreScope((A,), (1, 2))
    assert {s.project_id for s in graph.symbols_by_name(both, ["shared"])} == {1, 2}


def test_edges_never_join_two_tenants(graph) -> None:  # noqa: ANN001
    a = sym(A, "caller")
    b = sym(B, "callee")
    write_file(graph, A, "a.py", [a])
    write_file(graph, B, "b.py", [b])
    graph.write_edges(A, 1, [Edge(a.node_id, Kind.FUNCTION, b.node_id, Kind.FUNCTION, "CALLS")])
    graph.write_edges(B, 1, [Edge(a.node_id, Kind.FUNCTION, b.node_id, Kind.FUNCTION, "CALLS")])
    assert graph.count(StoreScope((A,), (1,)))["CALLS"] == 0
    assert graph.count(StoreScope((B,), (1,)))["CALLS"] == 0


def test_a_node_id_of_another_tenant_is_never_taken_over(graph) -> None:  # noqa: ANN001
    s = sym(A, "foo")
    write_file(graph, A, "a.py", [s])
    with pytest.raises(Exception):  # noqa: B017 - engines raise their own error types
        graph.write_files(B, 1, [GraphFile(SHA, [s], [])])
    assert graph.symbols_by_name(StoreScope((A,), (1,)), ["foo"])[0].tenant_key == A
    assert graph.symbols_by_name(StoreScope((B,), (1,)), ["foo"]) == []


def test_imports_and_files(graph) -> None:  # noqa: ANN001
    util = write_file(graph, A, "pkg/util.py", [sym(A, "helper", path="pkg/util.py")])
    main = write_file(graph, A, "main.py", [sym(A, "main", path="main.py")],
                      imports=("pkg/util.py",))
    graph.write_edges(A, 1, [Edge(main.node_id, Kind.FILE, util.node_id, Kind.FILE, "IMPORTS")])
    scope = StoreScope((A,), (1,))
    assert graph.importers_of_paths(scope, ["pkg/util.py"]) == [
        (main.node_id, "main.py", "pkg/util.py")]
    assert [f.rel_path for f in graph.files(scope, ["pkg/util.py"])] == ["pkg/util.py"]
    assert graph.count(scope)["IMPORTS"] == 1
    assert graph.importers_of_paths(StoreScope((B,), (1,)), ["pkg/util.py"]) == []


def test_delete_file_versions_removes_nodes_and_their_edges(graph) -> None:  # noqa: ANN001
    old = sym(A, "gone", path="x.py")
    keep = sym(A, "kept", path="y.py", calls=("gone",))
    write_file(graph, A, "x.py", [old])
    write_file(graph, A, "y.py", [keep], sha="b" * 40)
    write_file(graph, B, "x.py", [sym(B, "gone", path="x.py")])
    graph.write_edges(A, 1, [Edge(keep.node_id, Kind.FUNCTION, old.node_id, Kind.FUNCTION,
                                  "CALLS")])
    graph.delete_file_versions(A, 1, [("x.py", SHA)])
    scope = StoreScope((A,), (1,))
    assert graph.symbols_by_name(scope, ["gone"]) == []
    assert [s.name for s in graph.symbols_by_name(scope, ["kept"])] == ["kept"]
    assert graph.count(scope)["CALLS"] == 0 and graph.count(scope)["File"] == 1
    assert len(graph.symbols_by_name(StoreScope((B,), (1,)), ["gone"])) == 1


def test_delete_project_and_tenant(graph) -> None:  # noqa: ANN001
    write_file(graph, A, "a.py", [sym(A, "one")], pid=1)
    write_file(graph, A, "b.py", [sym(A, "two", path="b.py")], pid=2)
    write_file(graph, B, "a.py", [sym(B, "one")], pid=1)
    graph.delete_project(A, 1)
    assert graph.count(StoreScope((A,), (1, 2)))["Function"] == 1
    graph.delete_tenant(A)
    assert graph.count(StoreScope((A,), (1, 2)))["File"] == 0
    assert graph.count(StoreScope((B,), (1,)))["Function"] == 1


def test_ladybug_data_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "g.lbug"
    g = LadybugGraphStore(path, buffer_pool_mb=64)
    g.ensure()
    write_file(g, A, "a.py", [sym(A, "persisted")])
    g.close()
    again = LadybugGraphStore(path, buffer_pool_mb=64)
    again.ensure()
    assert [s.name for s in again.symbols_by_name(StoreScope((A,), (1,)), ["persisted"])] == [
        "persisted"]
    again.close()


def test_call_navigation_features_and_ranks_stay_in_scope(graph) -> None:  # noqa: ANN001
    a, b = sym(A, "a", path="x.py", calls=("c",)), sym(A, "b", path="x.py", calls=("c",), start=5)
    c = sym(A, "c", path="x.py", start=9)
    fa = write_file(graph, A, "x.py", [a, b, c])
    calls = [Edge(s.node_id, Kind.FUNCTION, c.node_id, Kind.FUNCTION, "CALLS") for s in (a, b)]
    graph.write_edges(A, 1, calls)
    other = sym(B, "a", path="x.py", calls=("c",))
    other_c = sym(B, "c", path="x.py", start=9)
    fb = write_file(graph, B, "x.py", [other, other_c])
    graph.write_edges(B, 1, [Edge(other.node_id, Kind.FUNCTION, other_c.node_id,
                                  Kind.FUNCTION, "CALLS")])
    assert sorted(graph.call_edges(A, 1)) == sorted(
        (s.node_id, "Function", c.node_id, "Function") for s in (a, b))
    scope = StoreScope((A,), (1,))
    assert sorted((t, s.name) for t, s in graph.callers_of(scope, [c.node_id])) == [
        (c.node_id, "a"), (c.node_id, "b")]
    assert [(t, s.name) for t, s in graph.callees_of(scope, [a.node_id])] == [
        (a.node_id, "c")]
    assert graph.callers_of(StoreScope((A,), (1,)), [other_c.node_id]) == []
    graph.set_ranks(A, 1, Kind.FUNCTION, {c.node_id: 2.5, a.node_id: 0.25,
                                          other_c.node_id: 9.0})  # not A's: ignored
    defs = {s.name: s for s in graph.definitions_in(scope, [fa.node_id])}
    assert set(defs) == {"a", "b", "c"}
    assert (defs["c"].rank, defs["c"].callers, defs["a"].rank, defs["a"].callers) == (
        2.5, 2, 0.25, 0)
    b_defs = graph.definitions_in(StoreScope((B,), (1,)), [fb.node_id])
    assert {(s.name, s.rank, s.callers) for s in b_defs} == {("a", 0.0, 0), ("c", 0.0, 1)}
    assert graph.definitions_in(scope, ["no-such-file"]) == []
    assert graph.definitions_in(scope, [fb.node_id]) == []  # B's file, asked in A's scope
