"""Contract of the VectorStore port: the in-memory fake, Milvus Lite and a Milvus server over
the network behave alike."""

from __future__ import annotations

import math
import uuid

import pytest

from kosha.adapters.milvus import MilvusVectorStore, _q
from kosha.domain.errors import InvalidInput, StoreError
from kosha.domain.models import Chunk, ChunkRecord, Kind, SearchFilters, StoreScope
from tests.fakes import InMemoryVectorStore

DIM = 8
A, B = "gitlab.example.com//emea/teama", "gitlab.example.com//emea/teamb"


@pytest.fixture(params=["memory", "milvus", "milvus-server"])
def store(request: pytest.FixtureRequest, milvus_uri: str):  # noqa: ANN201
    """The fake, Milvus Lite in process, and a Milvus server over the network."""
    if request.param == "memory":
        yield InMemoryVectorStore(DIM)
        return
    uri = request.getfixturevalue("milvus_server_uri") if request.param == "milvus-server" \
        else milvus_uri
    s = MilvusVectorStore(uri, dim=DIM, collection=f"c_{uuid.uuid4().hex[:10]}")
    s.ensure()
    yield s
    s.client.drop_collection(s.collection)


def unit(*xs: float) -> list[float]:
    v = list(xs) + [0.0] * (DIM - len(xs))
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def rec(tenant: str, pid: int, path: str, text: str, vec: list[float] | None, *,
        sha: str = "a" * 40, kind: Kind = Kind.FUNCTION, symbol: str = "f", lang: str = "python",
        start: int = 1) -> ChunkRecord:
    chunk = Chunk(rel_path=path, lang=lang, kind=kind, start_line=start,
                  end_line=start + text.count("\n"), text=text, symbol=symbol,
                  qualified_name=symbol)
    cid = f"{tenant}|{pid}|{path}|{sha}|{start}"
    return ChunkRecord(chunk_id=uuid.uuid5(uuid.NAMESPACE_URL, cid).hex, tenant_key=tenant,
                       project_id=pid, commit="c" * 40, file_sha=sha, chunk=chunk, vector=vec)


def test_dense_search_ranks_by_similarity_within_scope(store) -> None:  # noqa: ANN001
    store.upsert([rec(A, 1, "a.py", "def near(): pass", unit(1, 0.1), symbol="near"),
                  rec(A, 1, "b.py", "def far(): pass", unit(0, 1), symbol="far"),
                  rec(A, 2, "c.py", "def other_repo(): pass", unit(1, 0), symbol="other_repo")],
                 model="m")
    hits = store.search_dense(StoreScope((A,), (1,)), unit(1, 0), 10, model="m")
    assert [h.symbol for h in hits] == ["near", "far"]
    assert hits[0].score > hits[1].score
    assert hits[0].rel_path == "a.py" and hits[0].project_id == 1 and hits[0].tenant_key == A


def test_same_repo_in_two_tenants_never_crosses(store) -> None:  # noqa: ANN001
    text = "def validate_jwt(token):\n    return check_signature(token)"
    store.upsert([rec(A, 1, "auth.py", text, unit(1, 1), symbol="validate_jwt"),
                  rec(B, 1, "auth.py", text, unit(1, 1), symbol="validate_jwt")], model="m")
    for tenant in (A, B):
        scope = StoreScope((tenant,), (1,))
        dense = store.search_dense(scope, unit(1, 1), 10, model="m")
        lexical = store.search_lexical(scope, "validate jwt", 10)
        assert dense and lexical
        assert {h.tenant_key for h in dense + lexical} == {tenant}
        assert store.count(scope) == 1


def test_lexical_search_splits_identifiers_and_respects_scope(store) -> None:  # noqa: ANN001
    url_fn = "def parse_repo_url(raw):\n    return raw"
    store.upsert([
        rec(A, 1, "url.py", url_fn, unit(1), symbol="parse_repo_url"),
        rec(A, 1, "jwt.ts", "class JWTValidator { check() {} }", unit(0, 1),
            symbol="JWTValidator", kind=Kind.CLASS, lang="typescript"),
        rec(A, 1, "misc.py", "def unrelated():\n    return 42", unit(0, 0, 1),
            symbol="unrelated"),
        rec(B, 1, "url.py", url_fn, unit(1), symbol="parse_repo_url"),
    ])
    scope = StoreScope((A,), (1,))
    assert store.search_lexical(scope, "parse repo url", 5)[0].symbol == "parse_repo_url"
    assert store.search_lexical(scope, "parseRepoUrl", 5)[0].symbol == "parse_repo_url"
    assert store.search_lexical(scope, "jwt validator", 5)[0].symbol == "JWTValidator"
    assert all(h.tenant_key == A for h in store.search_lexical(scope, "parse repo url", 10))
    assert store.search_lexical(scope, "the of and", 5) == []


def test_rows_without_vectors_wait_and_are_not_dense_hits(store) -> None:  # noqa: ANN001
    store.upsert([rec(A, 1, "a.py", "def alpha(): pass", None, symbol="alpha"),
                  rec(A, 1, "b.py", "def beta(): pass", unit(0, 1), symbol="beta")], model="m")
    scope = StoreScope((A,), (1,))
    assert store.count_pending(A, 1) == 1
    assert [h.symbol for h in store.search_dense(scope, unit(1), 10, model="m")] == ["beta"]
    assert [h.symbol for h in store.search_lexical(scope, "alpha", 10)] == ["alpha"]
    pending = store.pending_vectors(A, 1, 10)
    assert [p["rel_path"] for p in pending] == ["a.py"] and "text" in pending[0]
    store.set_vectors(A, {pending[0]["chunk_id"]: unit(1)}, "m")
    assert store.count_pending(A, 1) == 0
    assert store.search_dense(scope, unit(1), 1, model="m")[0].symbol == "alpha"
    assert store.search_lexical(scope, "alpha", 10)[0].symbol == "alpha"  # text, BM25 kept


def test_set_vectors_never_touches_another_tenants_row(store) -> None:  # noqa: ANN001
    theirs = rec(B, 1, "b.py", "def b(): pass", None, symbol="b")
    store.upsert([theirs])
    store.set_vectors(A, {theirs.chunk_id: unit(1)}, "m")
    assert store.count_pending(B, 1) == 1
    assert store.count(StoreScope((A,), (1,))) == 0


def test_dense_search_only_sees_vectors_of_the_asked_model(store) -> None:  # noqa: ANN001
    store.upsert([rec(A, 1, "a.py", "def a(): pass", unit(1), symbol="a")], model="old")
    scope = StoreScope((A,), (1,))
    assert store.search_dense(scope, unit(1), 5, model="new") == []
    assert len(store.search_dense(scope, unit(1), 5, model="old")) == 1


def test_delete_file_versions_is_exact(store) -> None:  # noqa: ANN001
    same_sha = "d" * 40
    store.upsert([rec(A, 1, "x/__init__.py", "x = 1", unit(1), sha=same_sha, symbol="x"),
                  rec(A, 1, "y/__init__.py", "x = 1", unit(1), sha=same_sha, symbol="y"),
                  rec(A, 1, "x/__init__.py", "x = 2", unit(1), sha="e" * 40, symbol="x2"),
                  rec(B, 1, "x/__init__.py", "x = 1", unit(1), sha=same_sha, symbol="bx")],
                 model="m")
    store.delete_file_versions(A, 1, [("x/__init__.py", same_sha)])
    left = {h.symbol for h in store.search_dense(StoreScope((A,), (1,)), unit(1), 10, model="m")}
    assert left == {"y", "x2"}
    assert store.count(StoreScope((B,), (1,))) == 1


def test_delete_project_and_tenant_are_scoped(store) -> None:  # noqa: ANN001
    store.upsert([rec(A, 1, "a.py", "a", unit(1)), rec(A, 2, "a.py", "a", unit(1)),
                  rec(B, 1, "a.py", "a", unit(1))], model="m")
    store.delete_project(A, 1)
    assert store.count(StoreScope((A,), (1, 2))) == 1
    store.delete_tenant(A)
    assert store.count(StoreScope((A,), (1, 2))) == 0
    assert store.count(StoreScope((B,), (1,))) == 1


def test_filters_apply_inside_the_query(store) -> None:  # noqa: ANN001
    store.upsert([rec(A, 1, "src/a.py", "def handler(): pass", unit(1), symbol="handler"),
                  rec(A, 1, "web/a.ts", "function handler() {}", unit(1), lang="typescript",
                      symbol="handler"),
                  rec(A, 1, "src/b.py", "class Handler: pass", unit(1), kind=Kind.CLASS,
                      symbol="Handler")], model="m")
    scope = StoreScope((A,), (1,))
    py = store.search_dense(scope, unit(1), 10, SearchFilters(langs=("python",)), model="m")
    assert {h.lang for h in py} == {"python"} and len(py) == 2
    classes = store.search_lexical(scope, "handler", 10, SearchFilters(kinds=("class",)))
    assert [h.symbol for h in classes] == ["Handler"]
    src = store.search_lexical(scope, "handler", 10, SearchFilters(path_prefix="src/"))
    assert {h.rel_path for h in src} == {"src/a.py", "src/b.py"}


def test_odd_paths_and_text_round_trip(store) -> None:  # noqa: ANN001
    path = 'docs/it\'s "quoted" ünï.py'
    text = 'def f():\n    return "\\" or 1 == 1 or \\"" # ünïcode'
    store.upsert([rec(A, 1, path, text, unit(1), symbol="f")], model="m")
    hit = store.search_dense(StoreScope((A,), (1,)), unit(1), 1, model="m")[0]
    assert (hit.rel_path, hit.text) == (path, text)
    store.delete_file_versions(A, 1, [(path, "a" * 40)])
    assert store.count(StoreScope((A,), (1,))) == 0


def test_an_empty_scope_is_refused(store) -> None:  # noqa: ANN001
    with pytest.raises((InvalidInput, ValueError)):
        store.search_dense(StoreScope((A,), ()), unit(1), 5, model="m")
    with pytest.raises(ValueError):
        StoreScope((), (1,))


def test_milvus_refuses_a_collection_of_another_dimension(milvus_uri: str) -> None:
    name = f"c_{uuid.uuid4().hex[:10]}"
    MilvusVectorStore(milvus_uri, dim=DIM, collection=name).ensure()
    with pytest.raises(StoreError, match="8-dimensional"):
        MilvusVectorStore(milvus_uri, dim=16, collection=name).ensure()


def test_milvus_filter_literals_refuse_control_characters() -> None:
    assert _q('a" or 1==1 or "') == '"a\\" or 1==1 or \\""'
    with pytest.raises(InvalidInput):
        _q("a\nb")


def test_symbol_recall_exact_then_prefix_within_scope(store) -> None:  # noqa: ANN001
    store.upsert([rec(A, 1, "a.py", "def parse_repo_url(): pass", unit(1),
                      symbol="parse_repo_url"),
                  rec(A, 1, "b.py", "def parse_repo_url_strict(): pass", unit(1),
                      symbol="parse_repo_url_strict"),
                  rec(A, 1, "c.py", "x = parse_repo_url()", unit(1), kind=Kind.BLOCK,
                      symbol=""),
                  rec(B, 1, "a.py", "def parse_repo_url(): pass", unit(1),
                      symbol="parse_repo_url")], model="m")
    hits = store.search_symbols(StoreScope((A,), (1,)), ["parse_repo_url"], 10)
    assert [(h.rel_path, h.score, h.tenant_key) for h in hits] == [
        ("a.py", 1.0, A), ("b.py", 0.5, A)]
    assert store.search_symbols(StoreScope((A,), (2,)), ["parse_repo_url"], 10) == []
    assert store.search_symbols(StoreScope((A,), (1,)), ["par"], 10) == []  # prefix needs 4
    quoted = store.search_symbols(StoreScope((A,), (1,)), ['x" or tenant_key != "'], 10)
    assert quoted == []


def test_path_glob_applies_inside_the_query(store) -> None:  # noqa: ANN001
    store.upsert([rec(A, 1, p, "def handler(): pass", unit(1), symbol="handler")
                  for p in ("src/a.py", "src/deep/b.py", "web/c.ts", "test_x.py")], model="m")
    scope = StoreScope((A,), (1,))

    def paths(glob: str) -> set[str]:
        return {h.rel_path for h in store.search_lexical(scope, "handler", 10,
                                                         SearchFilters(path_glob=glob))}

    assert paths("src/**/*.py") >= {"src/a.py", "src/deep/b.py"}
    assert "web/c.ts" not in paths("src/**/*.py") and paths("*.ts") == {"web/c.ts"}
    assert paths("test_?.py") == {"test_x.py"}
    with pytest.raises(InvalidInput):
        store.search_lexical(scope, "handler", 10, SearchFilters(path_glob="a\\b"))


def _tenants_in_two_buckets(s: MilvusVectorStore) -> tuple[str, str]:
    keys = [f"gitlab.example.com//emea/team{i}" for i in range(40)]
    first = keys[0]
    other = next(k for k in keys if s._lite_partitions([k]) != s._lite_partitions([first]))
    return first, other


def test_milvus_lite_reads_only_the_scopes_buckets_and_still_finds_every_row(
        milvus_uri: str) -> None:
    # Lite does not prune partition-key buckets itself; the adapter names them. Routed to the
    # wrong bucket, these reads would come back empty.
    s = MilvusVectorStore(milvus_uri, dim=DIM, collection=f"c_{uuid.uuid4().hex[:10]}")
    s.ensure()
    try:
        t1, t2 = _tenants_in_two_buckets(s)
        assert len(s._lite_partitions([t1])) == 1
        assert len(s._lite_partitions([t1, t2])) == 2
        text = "def settle_invoice(total):\n    return total"
        s.upsert([rec(t, 1, "pay.py", text, unit(1, 1), symbol="settle_invoice")
                  for t in (t1, t2)], model="m")
        for flushed in (False, True):  # in the MemTable, then in sealed segments
            if flushed:
                s.flush()
            for tenants in ((t1,), (t2,), (t1, t2)):
                scope = StoreScope(tenants, (1,))
                found = [s.search_dense(scope, unit(1, 1), 10, model="m"),
                         s.search_lexical(scope, "settle invoice", 10),
                         s.search_symbols(scope, ["settle_invoice"], 10),
                         s.search_symbols(scope, ["settle"], 10)]
                for hits in found:
                    assert sorted(h.tenant_key for h in hits) == sorted(tenants)
                assert s.count(scope) == len(tenants)
    finally:
        s.client.drop_collection(s.collection)


def test_a_milvus_server_prunes_by_itself() -> None:
    assert MilvusVectorStore("http://127.0.0.1:19530", dim=DIM)._lite_partitions([A]) is None


def test_tuned_collection_works_on_a_server(milvus_server_uri: str) -> None:
    """A collection made with a cluster's settings (buckets, consistency, HNSW build and search
    effort, timeout) is created, written and searched over the network. milvus-lite's server
    accepts but does not report these settings, so only a Milvus server could show them."""
    from kosha.adapters.milvus import MilvusTuning

    tuning = MilvusTuning(hnsw_m=24, ef_construction=100, search_ef=128, consistency="Bounded",
                          num_partitions=8, timeout_s=30)
    s = MilvusVectorStore(milvus_server_uri, dim=DIM, collection=f"t_{uuid.uuid4().hex[:10]}",
                          tuning=tuning)
    s.ensure()
    try:
        assert not s.is_lite
        s.upsert([rec(A, 1, "a.py", "def alpha(): pass", unit(1)),
                  rec(B, 1, "b.py", "def alpha(): pass", unit(1))])
        s.flush()
        assert [h.rel_path for h in s.search_dense(StoreScope((A,), (1,)), unit(1), 5)] == \
            ["a.py"]
        assert [h.rel_path for h in s.search_lexical(StoreScope((B,), (1,)), "alpha", 5)] == \
            ["b.py"]
    finally:
        s.client.drop_collection(s.collection)
        s.close()
