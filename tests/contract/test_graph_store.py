"""Contract of the GraphStore port: the in-memory fake, ladybug and Neo4j behave alike.

Neo4j runs when NEO4J_URI names a server (NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE
optional). Each test writes under tenants of its own and deletes only those afterwards, so a
database that holds other data is never wiped. "ladybug-neo4j-cypher" runs, on the embedded
engine and in every run, the data queries only the Neo4j adapter sends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from kosha.adapters import neo4j as neo4j_adapter
from kosha.adapters.cypher import CypherGraphStore
from kosha.adapters.ladybug import LadybugGraphStore
from kosha.adapters.neo4j import Neo4jGraphStore
from kosha.domain.errors import StoreError
from kosha.domain.models import Edge, GraphFile, Kind, StoreScope, Symbol
from tests.fakes import InMemoryGraphStore

SHA = "a" * 40
NEO4J_URI = os.environ.get("NEO4J_URI")
needs_neo4j = pytest.mark.skipif(
    not NEO4J_URI, reason="NEO4J_URI is not set: no Neo4j server to run the contract against")
# What Neo4jGraphStore defines itself without being a data query: engine plumbing.
_NEO4J_PLUMBING = {"__init__", "__repr__", "__module__", "__doc__", "_connection", "_run",
                   "ensure", "close"}


class LadybugWithNeo4jQueries(LadybugGraphStore):
    """ladybug sending the data queries of Neo4jGraphStore where ladybug has its own: the
    shared UNWIND MATCH MERGE edge write (ladybug loads edges with COPY) and the deletes in
    bounded slices."""

    _write_edge_group = CypherGraphStore._write_edge_group
    _delete_where = Neo4jGraphStore._delete_where
    delete_file_versions = Neo4jGraphStore.delete_file_versions
    delete_project = Neo4jGraphStore.delete_project
    delete_tenant = Neo4jGraphStore.delete_tenant


def neo4j_store() -> Neo4jGraphStore:
    assert NEO4J_URI
    password = os.environ.get("NEO4J_PASSWORD")
    return Neo4jGraphStore(NEO4J_URI, os.environ.get("NEO4J_USER"),
                           SecretStr(password) if password is not None else None,
                           os.environ.get("NEO4J_DATABASE"))


@pytest.fixture
def ab() -> tuple[str, str]:
    """Two tenants of this test alone."""
    run = uuid.uuid4().hex[:12]
    return f"github.com//acme-{run}", f"github.com//globex-{run}"


@pytest.fixture(params=["memory", "ladybug", "ladybug-neo4j-cypher",
                        pytest.param("neo4j", marks=needs_neo4j)])
def graph(request: pytest.FixtureRequest, tmp_path: Path, ab: tuple[str, str],
          monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    if request.param == "memory":
        yield InMemoryGraphStore()
        return
    # Slices of two nodes, so the tests delete in several slices.
    monkeypatch.setattr(neo4j_adapter, "_DELETE_BATCH", 2)
    if request.param == "neo4j":
        g = neo4j_store()
    else:
        cls = LadybugGraphStore if request.param == "ladybug" else LadybugWithNeo4jQueries
        g = cls(tmp_path / "graph" / "g.lbug", buffer_pool_mb=64)
    g.ensure()
    g.ensure()  # idempotent
    yield g
    if request.param == "neo4j":
        for tenant in ab:
            g.delete_tenant(tenant)
            assert sum(g.count(StoreScope((tenant,), (1, 2))).values()) == 0
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


def test_symbols_and_edges_round_trip(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
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


def test_writes_are_idempotent(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
    defs = [sym(A, "foo")]
    write_file(graph, A, "a.py", defs)
    write_file(graph, A, "a.py", defs)
    assert graph.count(StoreScope((A,), (1,)))["Function"] == 1
    assert graph.count(StoreScope((A,), (1,)))["CONTAINS"] == 1


def test_tenants_and_repos_are_isolated(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
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


def test_edges_never_join_two_tenants(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
    a = sym(A, "caller")
    b = sym(B, "callee")
    write_file(graph, A, "a.py", [a])
    write_file(graph, B, "b.py", [b])
    graph.write_edges(A, 1, [Edge(a.node_id, Kind.FUNCTION, b.node_id, Kind.FUNCTION, "CALLS")])
    graph.write_edges(B, 1, [Edge(a.node_id, Kind.FUNCTION, b.node_id, Kind.FUNCTION, "CALLS")])
    assert graph.count(StoreScope((A,), (1,)))["CALLS"] == 0
    assert graph.count(StoreScope((B,), (1,)))["CALLS"] == 0


def test_a_node_id_of_another_tenant_is_never_taken_over(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
    s = sym(A, "foo")
    write_file(graph, A, "a.py", [s])
    with pytest.raises(Exception):  # noqa: B017 - engines raise their own error types
        graph.write_files(B, 1, [GraphFile(SHA, [s], [])])
    assert graph.symbols_by_name(StoreScope((A,), (1,)), ["foo"])[0].tenant_key == A
    assert graph.symbols_by_name(StoreScope((B,), (1,)), ["foo"]) == []


def test_imports_and_files(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
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


def test_delete_file_versions_removes_nodes_and_their_edges(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
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


def test_delete_project_and_tenant(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
    write_file(graph, A, "a.py", [sym(A, "one")], pid=1)
    write_file(graph, A, "b.py", [sym(A, "two", path="b.py")], pid=2)
    write_file(graph, B, "a.py", [sym(B, "one")], pid=1)
    graph.delete_project(A, 1)
    assert graph.count(StoreScope((A,), (1, 2)))["Function"] == 1
    graph.delete_tenant(A)
    assert graph.count(StoreScope((A,), (1, 2)))["File"] == 0
    assert graph.count(StoreScope((B,), (1,)))["Function"] == 1


def test_ladybug_data_survives_a_reopen(tmp_path: Path, ab: tuple[str, str]) -> None:
    A = ab[0]
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


def test_call_navigation_features_and_ranks_stay_in_scope(graph, ab) -> None:  # noqa: ANN001
    A, B = ab
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


def test_every_neo4j_data_query_also_runs_on_ladybug() -> None:
    own = set(vars(Neo4jGraphStore)) - _NEO4J_PLUMBING
    borrowed = {name for name in own
                if vars(LadybugWithNeo4jQueries).get(name) is vars(Neo4jGraphStore)[name]}
    assert own == borrowed, f"add {sorted(own - borrowed)} to LadybugWithNeo4jQueries"


def test_neo4j_store_keeps_credentials_out() -> None:
    store = Neo4jGraphStore("bolt://127.0.0.1:7687", "kosha", SecretStr("s3cret-pw"), "graph")
    assert "s3cret" not in repr(store) and "s3cret" not in str(vars(store))
    with pytest.raises(ValueError) as err:
        Neo4jGraphStore("neo4j://kosha:s3cret-pw@db.internal:7687")
    assert "s3cret" not in str(err.value)
    store.close()  # never connected: nothing to do


def test_an_unreachable_neo4j_is_a_store_error() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = Neo4jGraphStore(f"bolt://127.0.0.1:{port}", "kosha", SecretStr("s3cret-pw"),
                            retry_s=0.5)
    with pytest.raises(StoreError, match="unreachable") as err:
        store.ensure()
    assert "s3cret" not in str(err.value)
    store.close()


@needs_neo4j
def test_neo4j_schema_is_in_place() -> None:
    g = neo4j_store()
    try:
        g.ensure()
        constraints = {r[0] for r in g._run("SHOW CONSTRAINTS YIELD name RETURN name", {})}
        assert {f"kosha_{label.lower()}_id" for label in neo4j_adapter.LABELS} <= constraints
        states = dict(g._run("SHOW INDEXES YIELD name, state RETURN name, state", {}))
        ours = {n: s for n, s in states.items() if n.startswith("kosha_")}
        assert len(ours) == len(neo4j_adapter.schema_statements())  # constraints own an index
        assert set(ours.values()) == {"ONLINE"}
    finally:
        g.close()
