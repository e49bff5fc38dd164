"""Vector + BM25 store on Milvus (`pymilvus`): Milvus Lite file by default, a server at scale.

The tenant is the collection's partition key and is in the filter of every query and delete
(Milvus Lite's `delete(partition_name=…)` is not a tenant boundary). Filter strings are built
only from validated values, quoted with `_q`.

A Milvus server prunes partition-key buckets from the filter by itself; Milvus Lite does not,
so every Lite read would scan every tenant's rows (O(rows) of Python per query). Lite reads
therefore also name the buckets of the scope's tenants (`_lite_partitions`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from pymilvus import DataType, Function, FunctionType, MilvusClient

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

log = logging.getLogger(__name__)

_MAX_VARCHAR = 65_535
_BATCH = 512
LITE_GRPC_OPTIONS = {"grpc.keepalive_time_ms": 600_000,
                     "grpc.keepalive_permit_without_calls": False}


def _q(value: str) -> str:
    """A Milvus string literal; control characters are refused rather than escaped."""
    return json.dumps(filter_safe(value), ensure_ascii=False)


_LITERALS = Literals(_q, "[", "]")
_qs = _LITERALS.strings


@dataclass(frozen=True)
class MilvusTuning:
    """Server-side settings: index build and search effort, read consistency, partition-key
    buckets (a server only; Lite keeps its own), and a per-call timeout."""

    hnsw_m: int = 16
    ef_construction: int = 200
    search_ef: int = 64  # at least; raised to 2 x limit for larger result sets
    consistency: str = "Strong"  # Bounded/Session trade freshness for throughput on a cluster
    num_partitions: int | None = None  # the server's default (16) if unset
    timeout_s: float | None = None
    keepalive_s: float | None = None  # idle pings; a milvus-lite server needs >= 300 s


class MilvusVectorStore:
    def __init__(self, uri: str, dim: int, collection: str = "code_chunks",
                 token: str | None = None, tuning: MilvusTuning | None = None) -> None:
        self.uri = uri
        self.dim = dim
        self.collection = collection
        self.tuning = tuning or MilvusTuning()
        self._token = token
        self._client: MilvusClient | None = None
        self._lock = threading.Lock()
        self._buckets: frozenset[str] | None = None  # Lite's partition-key buckets

    @property
    def is_lite(self) -> bool:
        return "://" not in self.uri

    @property
    def client(self) -> MilvusClient:
        with self._lock:
            if self._client is None:
                kwargs: dict = {"token": self._token} if self._token else {}
                if self.is_lite:
                    # Milvus Lite's in-process gRPC server logs an unimplemented
                    # AllocTimestamp call of pymilvus as an error; it is harmless.
                    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
                    # pymilvus pings every 10 s even while idle; Lite's server (gRPC defaults)
                    # allows one ping per 5 min without calls and answers GOAWAY
                    # too_many_pings, filling the log during long embedding phases
                    kwargs["grpc_options"] = LITE_GRPC_OPTIONS
                elif self.tuning.keepalive_s:
                    kwargs["grpc_options"] = {
                        "grpc.keepalive_time_ms": int(self.tuning.keepalive_s * 1000),
                        "grpc.keepalive_permit_without_calls": False}
                if self.tuning.timeout_s:
                    kwargs["timeout"] = self.tuning.timeout_s
                self._client = MilvusClient(self.uri, **kwargs)
            return self._client

    def close(self) -> None:
        """Close the client; for Milvus Lite also stop its in-process server, which otherwise
        keeps the data directory locked against other processes until this one exits."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
                if self.is_lite:
                    from milvus_lite.server_manager import server_manager_instance

                    server_manager_instance.release_server(self.uri)

    # --- schema ------------------------------------------------------------------------
    def ensure(self) -> None:
        c = self.client
        if c.has_collection(self.collection):
            fields = c.describe_collection(self.collection)["fields"]
            dense = next(f for f in fields if f["name"] == "dense")
            have = int(dense["params"]["dim"])
            if have != self.dim:
                raise StoreError(
                    f"collection {self.collection!r} holds {have}-dimensional vectors but the "
                    f"embedder makes {self.dim}; use another KOSHA_MILVUS_COLLECTION or reindex")
            c.load_collection(self.collection)
            self._load_buckets()
            return
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=64)
        s.add_field("tenant_key", DataType.VARCHAR, max_length=512, is_partition_key=True)
        s.add_field("project_id", DataType.INT64)
        s.add_field("commit", DataType.VARCHAR, max_length=64)
        s.add_field("file_sha", DataType.VARCHAR, max_length=64)
        s.add_field("file_key", DataType.VARCHAR, max_length=64)
        s.add_field("rel_path", DataType.VARCHAR, max_length=2048)
        s.add_field("lang", DataType.VARCHAR, max_length=32)
        s.add_field("kind", DataType.VARCHAR, max_length=16)
        s.add_field("symbol", DataType.VARCHAR, max_length=512)
        s.add_field("qualified_name", DataType.VARCHAR, max_length=1024)
        s.add_field("start_line", DataType.INT64)
        s.add_field("end_line", DataType.INT64)
        s.add_field("content_hash", DataType.VARCHAR, max_length=64)
        s.add_field("vec_model", DataType.VARCHAR, max_length=255)
        s.add_field("text", DataType.VARCHAR, max_length=_MAX_VARCHAR)
        s.add_field("lex", DataType.VARCHAR, max_length=_MAX_VARCHAR, enable_analyzer=True,
                    analyzer_params={"tokenizer": "standard", "filter": ["lowercase"]})
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dim)
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_function(Function(name="lex_bm25", function_type=FunctionType.BM25,
                                input_field_names=["lex"], output_field_names=["sparse"]))
        ip = c.prepare_index_params()
        t = self.tuning
        ip.add_index("dense", index_type="HNSW", metric_type="IP",
                     params={"M": t.hnsw_m, "efConstruction": t.ef_construction})
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        extra = {"num_partitions": t.num_partitions} if t.num_partitions and not self.is_lite \
            else {}
        c.create_collection(self.collection, schema=s, index_params=ip,
                            consistency_level=t.consistency, **extra)
        c.load_collection(self.collection)
        self._load_buckets()

    def _load_buckets(self) -> None:
        if self.is_lite:
            self._buckets = frozenset(self.client.list_partitions(self.collection))

    def _lite_partitions(self, tenant_keys: Sequence[str]) -> list[str] | None:
        """The Lite buckets holding these tenants' rows, routed as Milvus Lite 3.2 routes
        them (md5 of the key modulo the bucket count); None (read all) on a server or if the
        collection does not have those buckets. The tenant stays in every filter, so a wrong
        bucket could only lose rows, never show another tenant's. Lite's dense search resolves
        row versions within the named buckets only; that is exact because chunk ids hash the
        tenant in, so a row never moves to another bucket."""
        if not self.is_lite or not self._buckets:
            return None
        from milvus_lite.constants import DEFAULT_NUM_PARTITIONS, PARTITION_KEY_BUCKET_PREFIX

        names = sorted({f"{PARTITION_KEY_BUCKET_PREFIX}"
                        f"{int(hashlib.md5(k.encode()).hexdigest(), 16) % DEFAULT_NUM_PARTITIONS}"
                        for k in tenant_keys})
        return names if set(names) <= self._buckets else None

    # --- writes ------------------------------------------------------------------------
    def _row(self, r: ChunkRecord, model: str) -> dict:
        ch = r.chunk
        vector = r.vector if r.vector is not None else [0.0] * self.dim
        return {
            "chunk_id": r.chunk_id, "tenant_key": r.tenant_key, "project_id": r.project_id,
            "commit": r.commit, "file_sha": r.file_sha,
            "file_key": file_key(ch.rel_path, r.file_sha), "rel_path": fit(ch.rel_path, 2048),
            "lang": ch.lang, "kind": str(ch.kind), "symbol": fit(ch.symbol, 512),
            "qualified_name": fit(ch.qualified_name, 1024), "start_line": ch.start_line,
            "end_line": ch.end_line, "content_hash": ch.content_hash,
            "vec_model": model if r.vector is not None else PENDING,
            "text": fit(ch.text),
            "lex": fit(chunk_lexical_text(ch.text, ch.rel_path, ch.symbol, ch.qualified_name)),
            "dense": vector,
        }

    def upsert(self, records: Sequence[ChunkRecord], model: str = "") -> None:
        for i in range(0, len(records), _BATCH):
            rows = [self._row(r, model) for r in records[i:i + _BATCH]]
            self.client.upsert(self.collection, rows)

    def flush(self) -> None:
        """Seal written rows into indexed segments. Milvus Lite otherwise answers searches by
        scanning its in-memory table row by row (~100x slower than the segment indexes)."""
        self.client.flush(self.collection)

    def set_vectors(self, tenant_key: str, vectors: dict[str, Sequence[float]],
                    model: str) -> None:
        """Fill in dense vectors of existing rows (partial upsert keeps text and BM25)."""
        items = list(vectors.items())
        for i in range(0, len(items), _BATCH):
            batch = dict(items[i:i + _BATCH])
            # Only rows this tenant owns: a partial upsert keyed by id alone would otherwise
            # re-home another tenant's row.
            owned = self.client.query(
                self.collection, output_fields=["chunk_id"],
                filter=f"tenant_key == {_q(tenant_key)} and chunk_id in {_qs(list(batch))}",
                partition_names=self._lite_partitions([tenant_key]))
            rows = [{"chunk_id": r["chunk_id"], "tenant_key": tenant_key,
                     "dense": list(batch[r["chunk_id"]]), "vec_model": model} for r in owned]
            if rows:
                self.client.upsert(self.collection, rows, partial_update=True)

    def pending_vectors(self, tenant_key: str, project_id: int, limit: int) -> list[dict]:
        """Rows still without a dense vector, with what their embedding text needs."""
        expr = (f"tenant_key == {_q(tenant_key)} and project_id == {int(project_id)} "
                f"and vec_model == {_q(PENDING)}")
        return list(self.client.query(self.collection, filter=expr, limit=limit,
                                      output_fields=PENDING_FIELDS,
                                      partition_names=self._lite_partitions([tenant_key])))

    def count_pending(self, tenant_key: str, project_id: int) -> int:
        expr = (f"tenant_key == {_q(tenant_key)} and project_id == {int(project_id)} "
                f"and vec_model == {_q(PENDING)}")
        res = self.client.query(self.collection, filter=expr, output_fields=["count(*)"],
                                partition_names=self._lite_partitions([tenant_key]))
        return int(res[0]["count(*)"]) if res else 0

    def _delete(self, expr: str) -> None:
        self.client.delete(self.collection, filter=expr)

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        keys = [file_key(p, sha) for p, sha in versions]
        for i in range(0, len(keys), _BATCH):
            self._delete(f"tenant_key == {_q(tenant_key)} and project_id == {int(project_id)} "
                         f"and file_key in {_qs(keys[i:i + _BATCH])}")

    def delete_project(self, tenant_key: str, project_id: int) -> None:
        self._delete(f"tenant_key == {_q(tenant_key)} and project_id == {int(project_id)}")

    def delete_tenant(self, tenant_key: str) -> None:
        self._delete(f"tenant_key == {_q(tenant_key)}")

    # --- reads -------------------------------------------------------------------------
    @staticmethod
    def _scope_expr(scope: StoreScope, filters: SearchFilters | None) -> str:
        return scope_filter(scope, filters, _LITERALS)

    def _hits(self, result: list, negate: bool = False) -> list[ChunkHit]:
        # Milvus Lite reports BM25 as negative distances; a server as positive scores.
        return [chunk_hit(h["entity"], abs(float(h["distance"])) if negate
                                 else float(h["distance"]))
                for h in (result[0] if result else [])]

    def search_dense(self, scope: StoreScope, vector: Sequence[float], limit: int,
                     filters: SearchFilters | None = None, model: str = "") -> list[ChunkHit]:
        expr = self._scope_expr(scope, filters) + f" and vec_model == {_q(model)}"
        res = self.client.search(self.collection, data=[list(vector)], anns_field="dense",
                                 filter=expr, limit=limit, output_fields=OUT_FIELDS,
                                 partition_names=self._lite_partitions(scope.tenant_keys),
                                 search_params={"metric_type": "IP",
                                                "params": {"ef": max(self.tuning.search_ef,
                                                                      limit * 2)}})
        return self._hits(res)

    def search_lexical(self, scope: StoreScope, query: str, limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        analysed = analyse(query)
        if not analysed:
            return []
        res = self.client.search(self.collection, data=[analysed], anns_field="sparse",
                                 filter=self._scope_expr(scope, filters), limit=limit,
                                 output_fields=OUT_FIELDS, search_params={"metric_type": "BM25"},
                                 partition_names=self._lite_partitions(scope.tenant_keys))
        return self._hits(res, negate=True)

    def search_symbols(self, scope: StoreScope, names: Sequence[str], limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        """Chunks whose symbol is one of `names` (score 1.0) or starts with one (0.5)."""
        names = [n for n in dict.fromkeys(names) if n and len(n) <= 256]
        if not names:
            return []
        base = self._scope_expr(scope, filters)
        parts = self._lite_partitions(scope.tenant_keys)
        exact = self.client.query(self.collection, filter=f"{base} and symbol in {_qs(names)}",
                                  output_fields=OUT_FIELDS, limit=limit, partition_names=parts)
        hits = [chunk_hit(e, 1.0) for e in exact]
        # `_` is a one-character wildcard in `like`: matches are re-checked below
        prefixes = [n for n in names if len(n) >= 4 and "%" not in n]
        if prefixes and len(hits) < limit:
            like = " or ".join(f"symbol like {_q(n + '%')}" for n in prefixes)
            seen = {h.chunk_id for h in hits}
            more = self.client.query(self.collection, filter=f"{base} and ({like})",
                                     output_fields=OUT_FIELDS, limit=limit, partition_names=parts)
            hits += [chunk_hit(e, 0.5) for e in more if e["chunk_id"] not in seen
                     and any(e["symbol"].startswith(n) for n in prefixes)]
        return hits[:limit]

    def count(self, scope: StoreScope) -> int:
        res = self.client.query(self.collection, filter=self._scope_expr(scope, None),
                                output_fields=["count(*)"],
                                partition_names=self._lite_partitions(scope.tenant_keys))
        return int(res[0]["count(*)"]) if res else 0
