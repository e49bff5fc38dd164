"""In-memory fakes of the store ports and a deterministic embedder, for fast unit tests.

They pass the same contract suites (tests/contract) as the real adapters.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from kosha.adapters.chunk_rows import chunk_hit
from kosha.adapters.localblobs import check_key
from kosha.domain.errors import InvalidInput
from kosha.domain.globs import glob_match
from kosha.domain.models import (
    GRAPH_LABELS,
    ChunkHit,
    ChunkRecord,
    Edge,
    GraphFile,
    Kind,
    SearchFilters,
    StoreScope,
    Symbol,
    file_key,
)
from kosha.lexical import analyse, chunk_lexical_text


class HashEmbedder:
    """Bag-of-analysed-terms hashed into a small unit vector: similar words, similar vectors."""

    model_id = "hash-64"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for term in analyse(text).split():
            h = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "big")
            v[h % self.dim] += 1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        self.texts_embedded += len(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


def _check(scope: StoreScope) -> None:
    if not scope.project_ids:
        raise InvalidInput("a search needs at least one repository")


def _in_scope(row: dict, scope: StoreScope, filters: SearchFilters | None) -> bool:
    if row["tenant_key"] not in scope.tenant_keys or row["project_id"] not in scope.project_ids:
        return False
    if filters:
        if filters.langs and row["lang"] not in filters.langs:
            return False
        if filters.kinds and row["kind"] not in filters.kinds:
            return False
        if filters.path_prefix and not row["rel_path"].startswith(filters.path_prefix):
            return False
        if filters.path_glob and not glob_match(filters.path_glob, row["rel_path"]):
            return False
    return True


class InMemoryVectorStore:
    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.rows: dict[str, dict] = {}

    def ensure(self) -> None:
        pass

    def upsert(self, records: Sequence[ChunkRecord], model: str = "") -> None:
        for r in records:
            ch = r.chunk
            self.rows[r.chunk_id] = {
                "chunk_id": r.chunk_id, "tenant_key": r.tenant_key, "project_id": r.project_id,
                "commit": r.commit, "file_sha": r.file_sha,
                "file_key": file_key(ch.rel_path, r.file_sha), "rel_path": ch.rel_path,
                "lang": ch.lang, "kind": str(ch.kind), "symbol": ch.symbol,
                "qualified_name": ch.qualified_name, "start_line": ch.start_line,
                "end_line": ch.end_line, "text": ch.text,
                "terms": Counter(chunk_lexical_text(ch.text, ch.rel_path, ch.symbol,
                                                    ch.qualified_name).split()),
                "vector": list(r.vector) if r.vector is not None else None,
                "vec_model": model if r.vector is not None else "",
            }

    def flush(self) -> None:
        """Nothing to seal in memory."""

    def set_vectors(self, tenant_key: str, vectors: dict[str, Sequence[float]],
                    model: str) -> None:
        for cid, vec in vectors.items():
            row = self.rows.get(cid)
            if row is not None and row["tenant_key"] == tenant_key:
                row["vector"], row["vec_model"] = list(vec), model

    def _pending(self, tenant_key: str, project_id: int) -> list[dict]:
        return [r for r in self.rows.values() if r["tenant_key"] == tenant_key
                and r["project_id"] == project_id and r["vec_model"] == ""]

    def pending_vectors(self, tenant_key: str, project_id: int, limit: int) -> list[dict]:
        return [dict(r) for r in self._pending(tenant_key, project_id)[:limit]]

    def count_pending(self, tenant_key: str, project_id: int) -> int:
        return len(self._pending(tenant_key, project_id))

    def _drop(self, pred) -> None:  # noqa: ANN001
        for cid in [c for c, r in self.rows.items() if pred(r)]:
            del self.rows[cid]

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        keys = {file_key(p, s) for p, s in versions}
        self._drop(lambda r: r["tenant_key"] == tenant_key and r["project_id"] == project_id
                   and r["file_key"] in keys)

    def delete_project(self, tenant_key: str, project_id: int) -> None:
        self._drop(lambda r: r["tenant_key"] == tenant_key and r["project_id"] == project_id)

    def delete_tenant(self, tenant_key: str) -> None:
        self._drop(lambda r: r["tenant_key"] == tenant_key)

    def search_dense(self, scope: StoreScope, vector: Sequence[float], limit: int,
                     filters: SearchFilters | None = None, model: str = "") -> list[ChunkHit]:
        _check(scope)
        rows = [r for r in self.rows.values() if _in_scope(r, scope, filters)
                and r["vec_model"] == model and r["vector"] is not None]
        scored = [(sum(a * b for a, b in zip(r["vector"], vector, strict=False)), r)
                  for r in rows]
        scored.sort(key=lambda x: -x[0])
        return [chunk_hit(r, s) for s, r in scored[:limit]]

    def search_lexical(self, scope: StoreScope, query: str, limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        _check(scope)
        terms = analyse(query).split()
        rows = [r for r in self.rows.values() if _in_scope(r, scope, filters)]
        if not terms or not rows:
            return []
        df = Counter(t for r in rows for t in set(r["terms"]) if t in terms)
        scored = []
        for r in rows:
            s = sum(math.log(1 + len(rows) / df[t]) * r["terms"][t] / (r["terms"][t] + 1.2)
                    for t in terms if r["terms"].get(t))
            if s > 0:
                scored.append((s, r))
        scored.sort(key=lambda x: -x[0])
        return [chunk_hit(r, s) for s, r in scored[:limit]]

    def search_symbols(self, scope: StoreScope, names: Sequence[str], limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        _check(scope)
        names = [n for n in names if n]
        rows = [r for r in self.rows.values() if _in_scope(r, scope, filters)]
        exact = [chunk_hit(r, 1.0) for r in rows if r["symbol"] in names]
        prefix = [chunk_hit(r, 0.5) for r in rows if r["symbol"] not in names and any(
            len(n) >= 4 and r["symbol"].startswith(n) for n in names)]
        return (exact + prefix)[:limit]

    def count(self, scope: StoreScope) -> int:
        _check(scope)
        return sum(1 for r in self.rows.values() if _in_scope(r, scope, None))


class InMemoryGraphStore:
    def __init__(self) -> None:
        self.nodes: dict[str, dict] = {}
        self.edges: set[tuple[str, str, str, str, int]] = set()  # (type, src, dst, tenant, pid)

    def ensure(self) -> None:
        pass

    def write_files(self, tenant_key: str, project_id: int, files: Sequence[GraphFile]) -> None:
        for f in files:
            for s in f.symbols:
                existing = self.nodes.get(s.node_id)
                if existing is not None and existing["tenant"] != tenant_key:
                    raise ValueError("node id belongs to another tenant")
                self.nodes[s.node_id] = {
                    "label": GRAPH_LABELS[s.kind], "tenant": tenant_key,
                    "project_id": project_id, "file_sha": f.file_sha,
                    "file_key": file_key(s.rel_path, f.file_sha), "symbol": s,
                    "import_paths": list(f.import_paths) if s.kind == Kind.FILE else []}
        self.write_edges(tenant_key, project_id, [e for f in files for e in f.edges])

    def write_edges(self, tenant_key: str, project_id: int, edges: Iterable[Edge]) -> None:
        for e in edges:
            a, b = self.nodes.get(e.src), self.nodes.get(e.dst)
            if a and b and a["tenant"] == b["tenant"] == tenant_key \
                    and a["project_id"] == b["project_id"] == project_id:
                self.edges.add((e.type, e.src, e.dst, tenant_key, project_id))

    def set_ranks(self, tenant_key: str, project_id: int, kind: Kind,
                  ranks: dict[str, float]) -> None:
        for node_id, rank in ranks.items():
            n = self.nodes.get(node_id)
            if n and n["tenant"] == tenant_key and n["project_id"] == project_id:
                n["rank"] = rank

    def _drop(self, pred) -> None:  # noqa: ANN001
        gone = {i for i, n in self.nodes.items() if pred(n)}
        for i in gone:
            del self.nodes[i]
        self.edges = {e for e in self.edges if e[1] not in gone and e[2] not in gone}

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        keys = {file_key(p, s) for p, s in versions}
        self._drop(lambda n: n["tenant"] == tenant_key and n["project_id"] == project_id
                   and n["file_key"] in keys)

    def delete_project(self, tenant_key: str, project_id: int) -> None:
        self._drop(lambda n: n["tenant"] == tenant_key and n["project_id"] == project_id)

    def delete_tenant(self, tenant_key: str) -> None:
        self._drop(lambda n: n["tenant"] == tenant_key)

    def _scoped(self, scope: StoreScope) -> list[dict]:
        return [n for n in self.nodes.values() if n["tenant"] in scope.tenant_keys
                and n["project_id"] in scope.project_ids]

    @staticmethod
    def _out(n: dict) -> Symbol:
        s = n["symbol"]
        return Symbol(s.node_id, s.kind, s.name, s.qualified_name, s.rel_path, s.start_line,
                      s.end_line, s.lang, list(s.calls), [], n["file_sha"], n["project_id"],
                      n["tenant"], n.get("rank", 0.0))

    def symbols_by_name(self, scope: StoreScope, names: Iterable[str]) -> list[Symbol]:
        wanted = set(names)
        return [self._out(n) for n in self._scoped(scope)
                if n["label"] != "File" and n["symbol"].name in wanted]

    def callers_of_names(self, scope: StoreScope, names: Iterable[str]) -> list[Symbol]:
        wanted = set(names)
        return [self._out(n) for n in self._scoped(scope) if wanted & set(n["symbol"].calls)]

    def importers_of_paths(self, scope: StoreScope,
                           paths: Iterable[str]) -> list[tuple[str, str, str]]:
        wanted = set(paths)
        return [(n["symbol"].node_id, n["symbol"].rel_path, p) for n in self._scoped(scope)
                if n["label"] == "File" for p in n["import_paths"] if p in wanted]

    def files(self, scope: StoreScope, paths: Iterable[str]) -> list[Symbol]:
        wanted = set(paths)
        return [self._out(n) for n in self._scoped(scope)
                if n["label"] == "File" and n["symbol"].rel_path in wanted]

    def call_edges(self, tenant_key: str, project_id: int) -> list[tuple[str, str, str, str]]:
        return [(a, self.nodes[a]["label"], b, self.nodes[b]["label"])
                for t, a, b, tenant, pid in self.edges
                if t == "CALLS" and tenant == tenant_key and pid == project_id]

    def ranks(self, tenant_key: str, project_id: int) -> dict[str, tuple[str, float]]:
        return {i: (n["label"], n["rank"]) for i, n in self.nodes.items()
                if n["tenant"] == tenant_key and n["project_id"] == project_id
                and n.get("rank", 0.0) != 0.0}

    def _calls(self, scope: StoreScope) -> list[tuple[str, str]]:
        return [(a, b) for t, a, b, tenant, pid in self.edges if t == "CALLS"
                and tenant in scope.tenant_keys and pid in scope.project_ids]

    def definitions_in(self, scope: StoreScope, file_ids: Iterable[str]) -> list[Symbol]:
        files = [self.nodes[i] for i in set(file_ids) if i in self.nodes]
        keys = {(n["tenant"], n["project_id"], n["file_key"]) for n in files
                if n["label"] == "File" and n["tenant"] in scope.tenant_keys
                and n["project_id"] in scope.project_ids}
        calls = Counter(b for _a, b in self._calls(scope))
        out = []
        for n in self._scoped(scope):
            if n["label"] != "File" and (n["tenant"], n["project_id"], n["file_key"]) in keys:
                sym = self._out(n)
                sym.callers = calls.get(sym.node_id, 0)
                out.append(sym)
        return out

    def callers_of(self, scope: StoreScope, ids: Iterable[str]) -> list[tuple[str, Symbol]]:
        wanted = set(ids)
        return [(b, self._out(self.nodes[a])) for a, b in self._calls(scope) if b in wanted]

    def callees_of(self, scope: StoreScope, ids: Iterable[str]) -> list[tuple[str, Symbol]]:
        wanted = set(ids)
        return [(a, self._out(self.nodes[b])) for a, b in self._calls(scope) if a in wanted]

    def count(self, scope: StoreScope) -> dict[str, int]:
        counts = Counter(n["label"] for n in self._scoped(scope))
        out = {label: counts.get(label, 0) for label in ("File", "Class", "Method", "Function")}
        by_type: dict[str, int] = defaultdict(int)
        for etype, _s, _d, tenant, pid in self.edges:
            if tenant in scope.tenant_keys and pid in scope.project_ids:
                by_type[etype] += 1
        out.update({t: by_type.get(t, 0) for t in ("CONTAINS", "CALLS", "IMPORTS")})
        return out


class InMemoryBlobStore:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def put(self, tenant_key: str, key: str, data: bytes) -> None:
        check_key(key)
        self.objects[(tenant_key, key)] = bytes(data)

    def get(self, tenant_key: str, key: str) -> bytes | None:
        return self.objects.get((tenant_key, key))

    def delete(self, tenant_key: str, keys: Sequence[str]) -> None:
        for key in keys:
            self.objects.pop((tenant_key, key), None)

    def delete_prefix(self, tenant_key: str, prefix: str) -> None:
        for t, k in list(self.objects):
            if t == tenant_key and (not prefix or k.startswith(prefix.rstrip("/") + "/")):
                del self.objects[(t, k)]

    def list(self, tenant_key: str, prefix: str):  # noqa: ANN201
        for t, k in sorted(self.objects):
            if t == tenant_key and (not prefix or k.startswith(prefix.rstrip("/") + "/")):
                yield k
