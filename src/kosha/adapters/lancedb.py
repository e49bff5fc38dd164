"""Vector + BM25 store on LanceDB: one embedded table in a directory, no server, no lock.

Lance commits each write as a new table version (MVCC), so `kosha serve` and `kosha index`
open the same directory at once: readers in other processes see every committed version
(`read_consistency_interval=0`) while one process writes.

There are no partitions: the tenant and repos are in the prefilter of every query and
delete (with scalar indexes on them), and filter literals are only made by `_q` (via `_LITERALS`).
BM25 is LanceDB's native inverted index over `lex`, the same pre-analysed text Milvus gets
(`kosha.lexical`), tokenized on whitespace only; queries are analysed the same way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

# lance's Rust logger writes index-builder notices to stderr; a user needs errors only
os.environ.setdefault("LANCE_LOG", "error")
os.environ.setdefault("LANCEDB_LOG", "error")

import lancedb  # noqa: E402
import pyarrow as pa  # noqa: E402
from lancedb.index import FTS, Bitmap, BTree, IvfFlat  # noqa: E402
from lancedb.query import MatchQuery  # noqa: E402

from kosha.adapters.chunk_rows import (
    OUT_FIELDS,
    PENDING,
    PENDING_FIELDS,
    Literals,
    chunk_hit,
    filter_safe,
    fit,
    scope_filter,
)
from kosha.domain.errors import StoreError
from kosha.domain.models import ChunkHit, ChunkRecord, SearchFilters, StoreScope, file_key
from kosha.lexical import analyse, chunk_lexical_text

_BATCH = 8192  # rows per merge_insert commit
ANN_MIN_ROWS = 20_000  # below this, brute force over unit vectors is fast and exact
_PARTITION_ROWS = 1_600  # IVF partition size aimed at; rebuilt when the table doubled
_TRAIN_DENSE = 0.9  # share of rows with a dense vector before the ANN index is trained
_NPROBES = 16  # partitions read per search (more while the prefilter leaves too few rows)
_SCALAR = {"tenant_key": Bitmap, "project_id": BTree, "chunk_id": BTree, "file_key": BTree,
           "symbol": BTree, "vec_model": Bitmap}
_OPTIMIZE_UNINDEXED = 2_000  # rows outside an index before a flush folds them in
_OPTIMIZE_FRAGMENTS = 32  # or this many fragments (each small commit adds one)
_KEEP_VERSIONS = timedelta(minutes=30)  # old versions a reader in another process may hold


def _q(value: str) -> str:
    """A SQL string literal ('' doubled); control characters are refused, not escaped."""
    return "'" + filter_safe(value).replace("'", "''") + "'"


_LITERALS = Literals(_q, "(", ")")
_qs = _LITERALS.strings


class LanceVectorStore:
    def __init__(self, path: Path, dim: int, table: str = "code_chunks") -> None:
        self.path = Path(path)
        self.dim = dim
        self.table_name = table
        self._table = None
        self._lock = threading.Lock()
        self.schema = pa.schema([
            ("chunk_id", pa.string()), ("tenant_key", pa.string()), ("project_id", pa.int64()),
            ("commit", pa.string()), ("file_sha", pa.string()), ("file_key", pa.string()),
            ("rel_path", pa.string()), ("lang", pa.string()), ("kind", pa.string()),
            ("symbol", pa.string()), ("qualified_name", pa.string()),
            ("start_line", pa.int64()), ("end_line", pa.int64()),
            ("content_hash", pa.string()), ("vec_model", pa.string()), ("text", pa.string()),
            ("lex", pa.string()), ("dense", pa.list_(pa.float32(), dim))])

    @property
    def table(self):  # noqa: ANN201
        if self._table is None:
            self.ensure()
        return self._table

    def close(self) -> None:
        """Drop the table handle (nothing is locked; other processes are unaffected)."""
        with self._lock:
            self._table = None

    # --- schema ------------------------------------------------------------------------
    def ensure(self) -> None:
        """Open the table, creating it and its lexical index if missing; check the dimension."""
        with self._lock:
            if self._table is not None:
                return
            self.path.mkdir(parents=True, exist_ok=True)
            db = lancedb.connect(self.path, read_consistency_interval=timedelta(0))
            try:
                tbl = db.open_table(self.table_name)
            except (ValueError, FileNotFoundError):  # not there yet (or another process races)
                tbl = db.create_table(self.table_name, schema=self.schema, exist_ok=True)
            have = tbl.schema.field("dense").type.list_size
            if have != self.dim:
                raise StoreError(
                    f"table {self.table_name!r} holds {have}-dimensional vectors but the "
                    f"embedder makes {self.dim}; use another table or reindex")
            if not any(i.columns == ["lex"] for i in tbl.list_indices()):
                tbl.create_index("lex", name="lex_idx", config=FTS(
                    base_tokenizer="whitespace", lower_case=False, stem=False,
                    remove_stop_words=False, ascii_folding=False, max_token_length=None))
            self._table = tbl

    # --- writes ------------------------------------------------------------------------
    def _row(self, r: ChunkRecord, model: str) -> dict:
        ch = r.chunk
        return {
            "chunk_id": r.chunk_id, "tenant_key": r.tenant_key, "project_id": r.project_id,
            "commit": r.commit, "file_sha": r.file_sha,
            "file_key": file_key(ch.rel_path, r.file_sha), "rel_path": ch.rel_path,
            "lang": ch.lang, "kind": str(ch.kind), "symbol": ch.symbol,
            "qualified_name": ch.qualified_name, "start_line": ch.start_line,
            "end_line": ch.end_line, "content_hash": ch.content_hash,
            "vec_model": model if r.vector is not None else PENDING,
            "text": fit(ch.text),
            "lex": fit(chunk_lexical_text(ch.text, ch.rel_path, ch.symbol, ch.qualified_name)),
            "dense": r.vector if r.vector is not None else [0.0] * self.dim,
        }

    def upsert(self, records: Sequence[ChunkRecord], model: str = "") -> None:
        """Insert or replace rows by chunk_id (one commit per batch)."""
        for i in range(0, len(records), _BATCH):
            rows = pa.Table.from_pylist([self._row(r, model) for r in records[i:i + _BATCH]],
                                        schema=self.schema)
            (self.table.merge_insert("chunk_id").when_matched_update_all()
             .when_not_matched_insert_all().execute(rows))

    def set_vectors(self, tenant_key: str, vectors: dict[str, Sequence[float]],
                    model: str) -> None:
        """Fill in dense vectors of this tenant's existing rows; other columns are kept."""
        items = list(vectors.items())
        for i in range(0, len(items), _BATCH):
            # only this tenant's rows are updated: ids are checked first because lancedb
            # 0.40 panics on a conditional `when_matched_update_all(where=...)` once chunk_id
            # has its BTree index; unknown ids are not inserted
            owned = {r["chunk_id"] for r in self._rows(
                f"tenant_key = {_q(tenant_key)} AND "
                f"chunk_id IN {_qs([k for k, _ in items[i:i + _BATCH]])}", None, ["chunk_id"])}
            batch = [(k, v) for k, v in items[i:i + _BATCH] if k in owned]
            if not batch:
                continue
            src = pa.table({
                "chunk_id": [k for k, _ in batch], "vec_model": [model] * len(batch),
                "dense": pa.array([list(v) for _, v in batch], self.schema.field("dense").type)})
            self.table.merge_insert("chunk_id").when_matched_update_all().execute(src)

    def flush(self) -> None:
        """Build missing indexes (ANN once the table is large); once enough has changed, fold
        new rows into them, compact small commits and drop versions older than
        `_KEEP_VERSIONS`."""
        tbl = self.table
        have = {tuple(i.columns) for i in tbl.list_indices()}
        rows = tbl.count_rows()
        if rows == 0:
            return
        for column, kind in _SCALAR.items():
            if (column,) not in have:
                tbl.create_index(column, config=kind(), name=f"{column}_idx")
        built = [i.name for i in tbl.list_indices() if i.name.startswith("dense_p")]
        dense = rows - tbl.count_rows(f"vec_model = {_q(PENDING)}")
        parts = max(16, dense // _PARTITION_ROWS)
        # trained only once nearly every row has its vector: the placeholder zeros of rows
        # still pending would otherwise become one giant partition
        if (dense >= ANN_MIN_ROWS and dense >= _TRAIN_DENSE * rows
                and (not built or parts >= 2 * int(built[0][7:]))):
            # IVF_FLAT: exact inner products inside the probed partitions, seconds to build;
            # the old index (too few partitions for the grown table) goes once this one exists
            tbl.create_index("dense", name=f"dense_p{parts}", replace=True,
                             config=IvfFlat(distance_type="dot", num_partitions=parts))
            for name in built:
                tbl.drop_index(name)
        if self._worth_optimizing(tbl):
            tbl.optimize(cleanup_older_than=_KEEP_VERSIONS)

    @staticmethod
    def _worth_optimizing(tbl) -> bool:  # noqa: ANN001
        """Whether enough rows sit outside the indexes, or enough small fragments piled up, to
        pay for `optimize` (~0.75 s at 43k rows): a one-file commit's rows are searched fine
        unindexed (flat), so folding them in on every run only slows small commits down."""
        if tbl.stats()["fragment_stats"]["num_fragments"] >= _OPTIMIZE_FRAGMENTS:
            return True
        return any(tbl.index_stats(i.name).num_unindexed_rows >= _OPTIMIZE_UNINDEXED
                   for i in tbl.list_indices())

    def _count(self, expr: str) -> int:
        return int(self.table.count_rows(expr))

    def _pending_expr(self, tenant_key: str, project_id: int) -> str:
        return (f"tenant_key = {_q(tenant_key)} AND project_id = {int(project_id)} "
                f"AND vec_model = {_q(PENDING)}")

    def pending_vectors(self, tenant_key: str, project_id: int, limit: int) -> list[dict]:
        """Rows still without a dense vector, with what their embedding text needs."""
        return self._rows(self._pending_expr(tenant_key, project_id), limit, PENDING_FIELDS)

    def count_pending(self, tenant_key: str, project_id: int) -> int:
        """How many rows of one repo still wait for a dense vector."""
        return self._count(self._pending_expr(tenant_key, project_id))

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        """Delete the chunks of (rel_path, file_sha) versions of one repo."""
        keys = [file_key(p, sha) for p, sha in versions]
        for i in range(0, len(keys), _BATCH):
            self.table.delete(f"tenant_key = {_q(tenant_key)} AND "
                              f"project_id = {int(project_id)} AND "
                              f"file_key IN {_qs(keys[i:i + _BATCH])}")

    def delete_project(self, tenant_key: str, project_id: int) -> None:
        """Delete every chunk of one repo of one tenant."""
        self.table.delete(f"tenant_key = {_q(tenant_key)} AND project_id = {int(project_id)}")

    def delete_tenant(self, tenant_key: str) -> None:
        """Delete every chunk of one tenant."""
        self.table.delete(f"tenant_key = {_q(tenant_key)}")

    # --- reads -------------------------------------------------------------------------
    @staticmethod
    def _scope_expr(scope: StoreScope, filters: SearchFilters | None) -> str:
        return scope_filter(scope, filters, _LITERALS)

    def search_dense(self, scope: StoreScope, vector: Sequence[float], limit: int,
                     filters: SearchFilters | None = None, model: str = "") -> list[ChunkHit]:
        """Nearest rows by inner product among the scope's rows with vectors of `model`."""
        expr = self._scope_expr(scope, filters) + f" AND vec_model = {_q(model)}"
        q = (self.table.search(list(vector), vector_column_name="dense").distance_type("dot")
             .where(expr, prefilter=True).select([*OUT_FIELDS, "_distance"]).limit(limit)
             .nprobes(_NPROBES))
        # lance's dot distance is 1 - <a, b>
        return [chunk_hit(e, 1.0 - float(e["_distance"])) for e in q.to_arrow().to_pylist()]

    def search_lexical(self, scope: StoreScope, query: str, limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        """BM25 over the analysed chunk text, prefiltered to the scope."""
        analysed = analyse(query)
        if not analysed:
            return []
        q = (self.table.search(MatchQuery(analysed, "lex"), query_type="fts")
             .where(self._scope_expr(scope, filters), prefilter=True)
             .select([*OUT_FIELDS, "_score"]).limit(limit))
        return [chunk_hit(e, float(e["_score"])) for e in q.to_arrow().to_pylist()]

    def _rows(self, expr: str, limit: int | None,
              columns: Sequence[str] = OUT_FIELDS) -> list[dict]:
        """Rows matching expr (every one with limit None), with some columns."""
        q = self.table.search().where(expr).select(list(columns)).limit(limit)
        return q.to_arrow().to_pylist()

    def search_symbols(self, scope: StoreScope, names: Sequence[str], limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        """Chunks whose symbol is one of `names` (score 1.0) or starts with one (0.5)."""
        names = [n for n in dict.fromkeys(names) if n and len(n) <= 256]
        if not names:
            return []
        base = self._scope_expr(scope, filters)
        hits = [chunk_hit(e, 1.0) for e in self._rows(f"{base} AND symbol IN {_qs(names)}",
                                                      limit)]
        prefixes = [n for n in names if len(n) >= 4 and "%" not in n]
        if prefixes and len(hits) < limit:
            like = " OR ".join(f"starts_with(symbol, {_q(n)})" for n in prefixes)
            seen = {h.chunk_id for h in hits}
            hits += [chunk_hit(e, 0.5) for e in self._rows(f"{base} AND ({like})", limit)
                     if e["chunk_id"] not in seen]
        return hits[:limit]

    def count(self, scope: StoreScope) -> int:
        """Rows in the scope."""
        return self._count(self._scope_expr(scope, None))
