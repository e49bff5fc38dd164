"""Contract of the VectorStore port: the in-memory fake, Milvus Lite and a Milvus server over
the network behave alike."""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import pytest

from kosha.adapters.lancedb import LanceVectorStore
from kosha.adapters.milvus import MilvusTuning, MilvusVectorStore, _q
from kosha.adapters.sqlite_vectors import SqliteVectorStore
from kosha.domain.errors import InvalidInput, StoreError
from kosha.domain.models import Chunk, ChunkRecord, Kind, SearchFilters, StoreScope
from tests.fakes import InMemoryVectorStore

DIM = 8
A, B = "gitlab.example.com//emea/teama", "gitlab.example.com//emea/teamb"


@pytest.fixture(params=["memory", "milvus", "milvus-server", "lancedb",
                        "sqlite-usearch", "sqlite-usearch-hnsw"])
def store(request: pytest.FixtureRequest, milvus_uri: str, tmp_path: Path):  # noqa: ANN201
    """The fake, Milvus Lite in process, a Milvus server over the network, and LanceDB."""
    if request.param == "memory":
        yield InMemoryVectorStore(DIM)
        return
    if request.param.startswith("sqlite-usearch"):  # as is, and with HNSW after every write
        s = (SqliteVectorStore if request.param == "sqlite-usearch" else FlushingSqliteStore)(
            tmp_path / "vectors", dim=DIM)
        s.ensure()
        yield s
        s.close()
        return
    if request.param == "lancedb":
        s = LanceVectorStore(tmp_path / "lance", dim=DIM, table=f"t_{uuid.uuid4().hex[:10]}")
        s.ensure()
        yield s
        s.close()
        return
    uri = request.getfixturevalue("milvus_server_uri") if request.param == "milvus-server" \
        else milvus_uri
    # a milvus-lite server allows one idle ping per 5 min (pymilvus pings every 10 s)
    s = MilvusVectorStore(uri, dim=DIM, collection=f"c_{uuid.uuid4().hex[:10]}",
                          tuning=MilvusTuning(keepalive_s=600))
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


def test_vectors_arrive_after_the_lexical_phase_was_flushed(store) -> None:  # noqa: ANN001
    """The pipeline's order: rows without vectors, flush (indexes built), vectors, flush."""
    ours = [rec(A, 1, f"a{i}.py", f"def a{i}(): pass", None, symbol=f"a{i}") for i in range(3)]
    theirs = rec(B, 1, "b.py", "def b(): pass", None, symbol="b")
    store.upsert([*ours, theirs])
    store.flush()
    store.set_vectors(A, {r.chunk_id: unit(1, i) for i, r in enumerate(ours)}
                      | {theirs.chunk_id: unit(1)}, "m")
    store.flush()
    assert store.count_pending(A, 1) == 0 and store.count_pending(B, 1) == 1
    hits = store.search_dense(StoreScope((A,), (1,)), unit(1, 2), 3, model="m")
    assert [h.rel_path for h in hits][:1] == ["a2.py"]


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

    tuning = MilvusTuning(hnsw_m=24, ef_construction=100, search_ef=128, consistency="Bounded",
                          num_partitions=8, timeout_s=30, keepalive_s=600)
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


# --- LanceDB specifics -----------------------------------------------------------------------
def test_lancedb_refuses_a_table_of_another_dimension(tmp_path: Path) -> None:
    LanceVectorStore(tmp_path, dim=DIM, table="t").ensure()
    with pytest.raises(StoreError, match="8-dimensional"):
        LanceVectorStore(tmp_path, dim=16, table="t").ensure()


def test_lancedb_filter_literals_are_quoted_and_refuse_control_characters() -> None:
    from kosha.adapters.lancedb import _q as lance_q

    assert lance_q("a' or 1=1 or '") == "'a'' or 1=1 or '''"
    with pytest.raises(InvalidInput):
        lance_q("a\nb")


def test_lancedb_tenant_filter_is_inside_every_query_with_indexes_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """B's rows match better than A's only row; a filter applied after the top-k would leave
    A with nothing. Checked before and after `flush` builds the IVF and scalar indexes."""
    import kosha.adapters.lancedb as lance

    monkeypatch.setattr(lance, "ANN_MIN_ROWS", 100)
    s = LanceVectorStore(tmp_path, dim=DIM)
    s.ensure()
    theirs = [rec(B, 1, f"b{i}.py", "def settle_invoice(): settle_invoice()",
                  unit(1, i / 1000), symbol="settle_invoice") for i in range(400)]
    s.upsert([*theirs, rec(A, 1, "a.py", "def settle(): invoice = 1", unit(0.3, 1),
                           symbol="settle_invoice_late")], model="m")
    scope = StoreScope((A,), (1,))
    for flushed in (False, True):
        if flushed:
            s.flush()
            assert any(i.name.startswith("dense_p") for i in s.table.list_indices())
        found = [s.search_dense(scope, unit(1), 5, model="m"),
                 s.search_lexical(scope, "settle invoice", 5),
                 s.search_symbols(scope, ["settle_invoice"], 5)]
        assert [[h.rel_path for h in hits] for hits in found] == [["a.py"]] * 3
        assert found[2][0].score == 0.5
        assert s.count(scope) == 1 and s.count(StoreScope((B,), (1,))) == 400


def test_lancedb_trains_its_ann_index_only_once_rows_have_vectors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows still waiting for vectors hold zeros; an IVF trained on them is one partition."""
    import kosha.adapters.lancedb as lance

    monkeypatch.setattr(lance, "ANN_MIN_ROWS", 100)
    s = LanceVectorStore(tmp_path, dim=DIM)
    rows = [rec(A, 1, f"f{i}.py", f"def f{i}(): pass", None) for i in range(300)]
    s.upsert(rows, model="")
    s.flush()  # the lexical phase ends: no vectors yet
    assert not any(i.name.startswith("dense_p") for i in s.table.list_indices())
    s.set_vectors(A, {r.chunk_id: unit(1, i / 300) for i, r in enumerate(rows)}, "m")
    s.flush()  # the embedding pass ends
    assert any(i.name.startswith("dense_p") for i in s.table.list_indices())
    hits = s.search_dense(StoreScope((A,), (1,)), unit(1, 150 / 300), 1, model="m")
    assert hits and hits[0].rel_path == "f150.py"


_LANCE_READER = """
import json, sys, time
from pathlib import Path
from kosha.adapters.lancedb import LanceVectorStore
from kosha.domain.models import StoreScope
s = LanceVectorStore(Path(sys.argv[1]), dim=8)
s.ensure()
scope = StoreScope((sys.argv[2],), (1,))
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    n = s.count(scope)
    lex = s.search_lexical(scope, "alpha", 1000)
    dense = s.search_dense(scope, [1.0] + [0.0] * 7, 1000, model="m")
    print(json.dumps([n, len(lex), len(dense)]), flush=True)
    if n >= int(sys.argv[3]):
        break
    time.sleep(0.05)
"""


def test_lancedb_another_process_reads_while_this_one_writes(tmp_path: Path) -> None:
    """`kosha serve` and `kosha index` on one home: a reader process opens the table this
    process holds open and keeps writing to (and compacting), sees each committed batch,
    and never meets a lock."""
    import json
    import subprocess
    import sys

    s = LanceVectorStore(tmp_path, dim=DIM)
    s.ensure()

    def batch(k: int) -> list[ChunkRecord]:
        return [rec(A, 1, f"f{k}_{i}.py", "def alpha(): pass", unit(1, i / 100),
                    symbol="alpha") for i in range(10)]

    s.upsert(batch(0), model="m")
    errors = (tmp_path / "reader.err").open("w+")
    reader = subprocess.Popen([sys.executable, "-c", _LANCE_READER, str(tmp_path), A, "60"],
                              stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        assert reader.stdout is not None
        seen = [json.loads(reader.stdout.readline())]  # the reader is up and has read
        for k in range(1, 6):
            s.upsert(batch(k), model="m")
            if k == 3:
                s.flush()  # compaction and index building while the other process reads
            seen.append(json.loads(reader.stdout.readline()))
        seen += [json.loads(line) for line in reader.stdout]
        assert reader.wait(timeout=60) == 0, (tmp_path / "reader.err").read_text()
    finally:
        reader.kill()
        errors.close()
    assert "lock" not in (tmp_path / "reader.err").read_text().lower()
    for column in zip(*seen, strict=True):  # count, lexical hits, dense hits
        assert list(column) == sorted(column) and column[0] >= 10
    assert seen[-1] == [60, 60, 60]
    assert len({n for n, _, _ in seen}) > 2  # it saw batches committed after it started
    assert s.count(StoreScope((A,), (1,))) == 60


# --- SQLite + usearch ----------------------------------------------------------------------
class FlushingSqliteStore(SqliteVectorStore):
    """Builds a tenant's HNSW file after every write, so each contract test also runs the HNSW
    path (candidates, tombstones of deleted or re-embedded rows, the filtered-too-hard scan)."""

    def __init__(self, path: Path, dim: int) -> None:
        super().__init__(path, dim)
        self.ann_min = 0

    def upsert(self, records, model: str = "") -> None:  # noqa: ANN001
        super().upsert(records, model)
        self.flush()

    def set_vectors(self, tenant_key, vectors, model) -> None:  # noqa: ANN001
        super().set_vectors(tenant_key, vectors, model)
        self.flush()

    def _delete(self, tenant_key, where, params) -> None:  # noqa: ANN001
        super()._delete(tenant_key, where, params)
        self.flush()


def _random_records(tenant: str, n: int, dim: int, seed: int, pids: int = 4) -> list:
    import numpy as np

    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((n, dim)).astype("float32")
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    out = []
    for i, v in enumerate(vecs):
        r = rec(tenant, 1 + i % pids, f"pkg/m{i}.py", f"def fn_{i}(): return {i}",
                [float(x) for x in v], symbol=f"fn_{i}", start=i + 1)
        out.append(r)
    return out


def test_sqlite_hnsw_candidates_match_an_exact_scan(tmp_path: Path) -> None:
    import numpy as np

    s = SqliteVectorStore(tmp_path / "v", dim=32)
    s.ensure()
    s.ann_min = 0
    recs = _random_records(A, 3000, 32, seed=1)
    s.upsert(recs, model="m")
    s.flush()
    assert s._conn(A).execute("SELECT ann_file, ann_size FROM state").fetchone()[1] == 3000
    mat = np.array([r.vector for r in recs], dtype="float32")
    q = mat[7] * 0.6 + mat[8] * 0.4
    q /= np.linalg.norm(q)
    for pids, filt in (((1, 2, 3, 4), None), ((2,), None),
                       ((1, 2, 3, 4), SearchFilters(path_glob="pkg/m1?.py"))):
        want = [recs[i].chunk_id for i in np.argsort(-(mat @ q))
                if recs[i].project_id in pids and (filt is None or (
                    recs[i].chunk.rel_path.startswith("pkg/m1")
                    and len(recs[i].chunk.rel_path) == 10))][:10]
        got = s.search_dense(StoreScope((A,), pids), q.tolist(), 10, filt, model="m")
        assert len(set(want) & {h.chunk_id for h in got}) >= 9  # HNSW, or the exact scan
        assert [h.score for h in got] == sorted((h.score for h in got), reverse=True)
    # rows newer than the file (scored exactly), a deleted and a re-embedded row (tombstones)
    s.upsert([rec(A, 1, "new.py", "def fresh(): pass", q.tolist(), symbol="fresh")], model="m")
    s.delete_file_versions(A, 1, [(recs[0].chunk.rel_path, recs[0].file_sha)])
    s.set_vectors(A, {recs[4].chunk_id: (-q).tolist()}, "m")
    for flushed in (False, True):
        if flushed:
            s.flush()
        hits = s.search_dense(StoreScope((A,), (1, 2, 3, 4)), q.tolist(), 5, model="m")
        assert hits[0].symbol == "fresh" and abs(hits[0].score - 1) < 1e-5
        gone = s.search_dense(StoreScope((A,), (1,)), mat[0].tolist(), 3000, model="m")
        assert recs[0].chunk_id not in {h.chunk_id for h in gone} and len(gone) == 750
        moved = s.search_dense(StoreScope((A,), (1,)), (-q).tolist(), 1, model="m")[0]
        assert moved.chunk_id == recs[4].chunk_id and abs(moved.score - 1) < 1e-5
        was = s.search_dense(StoreScope((A,), (1,)), mat[4].tolist(), 1, model="m")[0]
        assert was.chunk_id != recs[4].chunk_id  # its old vector is a tombstone
    s.close()


@pytest.mark.parametrize("ann", [False, True])
def test_sqlite_tenant_boundary_holds_when_the_other_tenant_scores_higher(
        tmp_path: Path, ann: bool) -> None:
    s = SqliteVectorStore(tmp_path / "v", dim=DIM)
    s.ensure()
    s.ann_min = 0 if ann else 10**9
    jwt = "def validate_jwt(token):\n    return check_signature(token)"
    s.upsert([rec(A, 1, "a.py", "def unrelated(): pass  # jwt", unit(0, 1), symbol="x"),
              rec(B, 1, "auth.py", jwt * 5, unit(1), symbol="validate_jwt")]
             + [rec(B, 1, f"b{i}.py", jwt, unit(1, 0.01 * i), symbol="validate_jwt", start=i)
                for i in range(1, 50)], model="m")
    s.flush()
    scope = StoreScope((A,), (1,))
    dense = s.search_dense(scope, unit(1), 10, model="m")
    lexical = s.search_lexical(scope, "validate jwt token", 10)
    symbols = s.search_symbols(scope, ["validate_jwt", "validate"], 10)
    assert [h.tenant_key for h in dense] == [A] and [h.tenant_key for h in lexical] == [A]
    assert symbols == [] and s.count(scope) == 1
    assert {h.tenant_key for h in s.search_dense(StoreScope((A, B), (1,)), unit(1), 100,
                                                 model="m")} == {A, B}
    # the boundary is physical: one folder (SQLite + HNSW file) per tenant
    assert s._folder(A) != s._folder(B) and (s._folder(A) / "chunks.db").exists()
    s.close()


_READER = r"""
import json, sys, time
from pathlib import Path
from kosha.adapters.sqlite_vectors import SqliteVectorStore
from kosha.domain.models import StoreScope
root, tenant, stop = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
s = SqliteVectorStore(root, dim=32)
s.ensure()
scope = StoreScope((tenant,), (1, 2, 3, 4))
searches, counts, files = 0, [], set()
while True:
    done = stop.exists()
    q = json.loads(stop.read_text()) if done else [1.0] + [0.0] * 31
    dense = s.search_dense(scope, q, 5, model="m")
    lexical = s.search_lexical(scope, "fn", 5)
    counts.append(s.count(scope))
    c = s._conn(tenant)
    if c is not None:
        files.add(c.execute("SELECT ann_file FROM state").fetchone()[0])
    searches += 1
    if done:
        break
print(json.dumps({"searches": searches, "counts": counts[::10] + counts[-1:],
                  "files": len(files), "top": dense[0].chunk_id if dense else None,
                  "top_score": dense[0].score if dense else None, "lexical": len(lexical)}))
"""


def test_sqlite_readers_in_another_process_search_while_one_writes(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    root, stop = tmp_path / "v", tmp_path / "stop"
    writer = SqliteVectorStore(root, dim=32)
    writer.ensure()
    writer.ann_min = 500  # several HNSW builds and extensions while the reader searches
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(root), A, str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    recs = _random_records(A, 4000, 32, seed=2)
    try:
        for i in range(0, len(recs), 400):
            writer.upsert(recs[i:i + 400], model="m")
            writer.flush()
            if i == 2000:  # deletes rebuild the file while the reader has it mapped
                writer.delete_project(A, 4)
                writer.flush()
    finally:
        (tmp_path / "stop.tmp").write_text(json.dumps(recs[-3].vector))
        (tmp_path / "stop.tmp").rename(stop)
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    got = json.loads(out)
    left = [r for r in recs if r.project_id != 4 or recs.index(r) > 2400]
    assert got["counts"][-1] == len(left) == writer.count(StoreScope((A,), (1, 2, 3, 4)))
    assert got["top"] == recs[-3].chunk_id and abs(got["top_score"] - 1) < 1e-5
    assert got["searches"] > 5 and got["files"] >= 2 and got["lexical"] == 5
    writer.close()
