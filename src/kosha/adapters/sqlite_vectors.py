"""Embedded vector + BM25 store: SQLite rows with FTS5 and a usearch HNSW file per tenant.

Each tenant has its own folder (`tenants/<sha1 of the key>/`) holding a SQLite database in WAL
mode (rows, float32 vectors, FTS5 BM25 index) and at most one current HNSW file, so the tenant
boundary is physical; `tenant_key` is still on every row and in every statement. Values are
always bound as SQL parameters. Many processes may read while one writes (WAL).

Dense search: rows whose vector is newer than the tenant's HNSW file (`vid > ann_vid`) are
scored exactly; older ones through HNSW candidates re-scored from their float32 rows and
filtered in SQL, falling back to an exact scan of the scope when the filters leave too few.
`flush()` extends or rebuilds the HNSW files of the tenants this process wrote to.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kosha.adapters.ann_index import UPSERT, AnnFiles, create_db, publish, refresh, write_txn
from kosha.adapters.chunk_rows import PENDING, fit
from kosha.domain.errors import InvalidInput, StoreError
from kosha.domain.globs import glob_to_like
from kosha.domain.models import ChunkHit, ChunkRecord, SearchFilters, StoreScope, file_key
from kosha.lexical import analyse, chunk_lexical_text

_OUT = ("chunk_id", "tenant_key", "project_id", "commit_sha", "file_sha", "rel_path", "lang",
        "kind", "symbol", "qualified_name", "start_line", "end_line", "text")
_COLS = ", ".join(f"c.{c}" for c in _OUT)
_PENDING_FIELDS = ("chunk_id", "rel_path", "file_sha", "kind", "qualified_name", "text")
_BATCH = 500


def _after(prefix: str) -> str:
    """The least string above every string that starts with `prefix`."""
    last = ord(prefix[-1])
    return prefix[:-1] + chr(last + 1) if last < 0xD7FF else prefix + "\U0010ffff"


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class SqliteVectorStore:
    """One folder of per-tenant SQLite + HNSW files; safe for several processes at once."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path = Path(path)
        self.dim = dim
        self.ann = AnnFiles(dim)
        self.ann_min = 2_000  # a tenant with fewer vectors is always searched exactly
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        self._dirty: set[str] = set()

    # --- files and connections ---------------------------------------------------------
    def ensure(self) -> None:
        """Create the store folder, or refuse one made for another vector size."""
        self.path.mkdir(parents=True, exist_ok=True)
        meta = self.path / "store.json"
        if not meta.exists():
            publish(meta, lambda tmp: tmp.write_text(json.dumps({"dim": self.dim})))
        have = int(json.loads(meta.read_text())["dim"])
        if have != self.dim:
            raise StoreError(f"vector store {self.path} holds {have}-dimensional vectors but "
                             f"the embedder makes {self.dim}; use another home or reindex")

    def _folder(self, tenant_key: str) -> Path:
        return self.path / "tenants" / hashlib.sha1(tenant_key.encode()).hexdigest()

    def _conn(self, tenant_key: str, create: bool = False) -> sqlite3.Connection | None:
        conns = self._local.__dict__.setdefault("conns", {})
        if tenant_key in conns:
            return conns[tenant_key]
        folder = self._folder(tenant_key)
        db = folder / "chunks.db"
        if not db.exists():
            if not create:
                return None
            folder.mkdir(parents=True, exist_ok=True)
            publish(db, lambda tmp: create_db(tmp, tenant_key, self.dim))
        c = sqlite3.connect(db, isolation_level=None, check_same_thread=False, timeout=60)
        c.execute("PRAGMA synchronous = NORMAL")
        c.execute("PRAGMA case_sensitive_like = ON")  # as Milvus `like`
        owner = c.execute("SELECT tenant_key, dim FROM state").fetchone()
        if owner != (tenant_key, self.dim):
            c.close()
            raise StoreError(f"{db} belongs to another tenant or vector size")
        conns[tenant_key] = c
        with self._lock:
            self._conns.append(c)
        return c

    def close(self) -> None:
        """Close every connection this store opened and unmap its HNSW files."""
        with self._lock:
            for c in self._conns:
                c.close()
            self._conns.clear()
        self._local = threading.local()
        self.ann.close()

    # --- writes ------------------------------------------------------------------------
    def _vec(self, vector: Sequence[float]) -> bytes:
        v = np.asarray(vector, dtype=np.float32)
        if v.shape != (self.dim,):
            raise InvalidInput(f"vectors must have {self.dim} dimensions")
        return v.tobytes()

    @staticmethod
    def _take_vids(c: sqlite3.Connection, n: int) -> int:
        first = c.execute("SELECT next_vid FROM state").fetchone()[0]
        c.execute("UPDATE state SET next_vid = ?", (first + n,))
        return first

    def upsert(self, records: Sequence[ChunkRecord], model: str = "") -> None:
        """Write chunks; a record without a vector waits for one (see `pending_vectors`)."""
        by_tenant: dict[str, list[ChunkRecord]] = {}
        for r in records:
            by_tenant.setdefault(r.tenant_key, []).append(r)
        for tenant, recs in by_tenant.items():
            c = self._conn(tenant, create=True)
            for i in range(0, len(recs), _BATCH):
                batch = recs[i:i + _BATCH]
                c.execute("BEGIN IMMEDIATE")
                try:
                    vid = self._take_vids(c, len(batch))
                    rows = []
                    for j, r in enumerate(batch):
                        ch, has = r.chunk, r.vector is not None
                        rows.append((
                            r.chunk_id, tenant, r.project_id, r.commit, r.file_sha,
                            file_key(ch.rel_path, r.file_sha), fit(ch.rel_path, 2048), ch.lang,
                            str(ch.kind), fit(ch.symbol, 512), fit(ch.qualified_name, 1024),
                            ch.start_line, ch.end_line, ch.content_hash,
                            model if has else PENDING, fit(ch.text),
                            fit(chunk_lexical_text(ch.text, ch.rel_path, ch.symbol,
                                                    ch.qualified_name)),
                            vid + j if has else None, self._vec(r.vector) if has else None))
                    c.executemany(UPSERT, rows)
                    c.execute("COMMIT")
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
            self._dirty.add(tenant)

    def set_vectors(self, tenant_key: str, vectors: dict[str, Sequence[float]],
                    model: str) -> None:
        """Fill in dense vectors of this tenant's rows (text and BM25 stay)."""
        c = self._conn(tenant_key)
        items = list(vectors.items())
        for i in range(0, len(items) if c else 0, _BATCH):
            batch = items[i:i + _BATCH]
            write_txn(c, lambda b=batch: c.executemany(
                "UPDATE chunks SET vec = ?, vec_model = ?, vid = ? "
                "WHERE chunk_id = ? AND tenant_key = ?",
                [(self._vec(v), model, first + j, cid, tenant_key)
                 for first in [self._take_vids(c, len(b))] for j, (cid, v) in enumerate(b)]))
            self._dirty.add(tenant_key)

    def _delete(self, tenant_key: str, where: str, params: Sequence) -> None:
        c = self._conn(tenant_key)
        if c is not None:
            write_txn(c, lambda: c.execute(
                f"DELETE FROM chunks WHERE tenant_key = ? AND {where}", (tenant_key, *params)))
            self._dirty.add(tenant_key)

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        """Delete the chunks of (rel_path, file_sha) versions of one repo."""
        keys = [file_key(p, sha) for p, sha in versions]
        for i in range(0, len(keys), _BATCH):
            part = keys[i:i + _BATCH]
            self._delete(tenant_key, f"project_id = ? AND file_key IN ({_marks(len(part))})",
                         (int(project_id), *part))

    def delete_project(self, tenant_key: str, project_id: int) -> None:
        """Delete every chunk of one repo of one tenant."""
        self._delete(tenant_key, "project_id = ?", (int(project_id),))

    def delete_tenant(self, tenant_key: str) -> None:
        """Delete every chunk of one tenant (its folder stays for readers that have it open)."""
        self._delete(tenant_key, "1 = 1", ())

    def flush(self) -> None:
        """Bring the HNSW files of the tenants written here up to date; checkpoint the WAL."""
        while self._dirty:
            tenant = self._dirty.pop()
            c = self._conn(tenant)
            if c is not None:
                refresh(c, self._folder(tenant), self.ann, self.ann_min)
                c.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def pending_vectors(self, tenant_key: str, project_id: int, limit: int) -> list[dict]:
        """Rows still without a dense vector, with what their embedding text needs."""
        c = self._conn(tenant_key)
        if c is None:
            return []
        rows = c.execute(
            f"SELECT {', '.join(_PENDING_FIELDS)} FROM chunks WHERE tenant_key = ? "
            "AND project_id = ? AND vec_model = ? ORDER BY id LIMIT ?",
            (tenant_key, int(project_id), PENDING, int(limit))).fetchall()
        return [dict(zip(_PENDING_FIELDS, r, strict=True)) for r in rows]

    def count_pending(self, tenant_key: str, project_id: int) -> int:
        """How many rows of one repo still wait for a dense vector."""
        c = self._conn(tenant_key)
        return 0 if c is None else c.execute(
            "SELECT count(*) FROM chunks WHERE tenant_key = ? AND project_id = ? "
            "AND vec_model = ?", (tenant_key, int(project_id), PENDING)).fetchone()[0]

    # --- reads -------------------------------------------------------------------------
    @staticmethod
    def _where(scope: StoreScope, filters: SearchFilters | None) -> tuple[str, list]:
        """The scope and filters as SQL over `c` (tenant bound per tenant database)."""
        if not scope.project_ids:
            raise InvalidInput("a search needs at least one repository")
        parts = ["c.tenant_key = ?", f"c.project_id IN ({_marks(len(scope.project_ids))})"]
        params: list = [int(p) for p in scope.project_ids]
        if filters is not None:
            if filters.langs:
                parts.append(f"c.lang IN ({_marks(len(filters.langs))})")
                params += filters.langs
            if filters.kinds:
                parts.append(f"c.kind IN ({_marks(len(filters.kinds))})")
                params += filters.kinds
            if filters.path_prefix:
                # `%` and `_` stay wildcards: a superset the search service re-checks
                if "\\" in filters.path_prefix:
                    raise InvalidInput("a path prefix may not contain backslashes")
                parts.append("c.rel_path LIKE ? ESCAPE '\\'")
                params.append(filters.path_prefix + "%")
            if filters.path_glob:
                parts.append("c.rel_path LIKE ? ESCAPE '\\'")
                params.append(glob_to_like(filters.path_glob))
        return " AND ".join(parts), params

    def _tenants(self, scope: StoreScope):  # noqa: ANN202
        for tenant in dict.fromkeys(scope.tenant_keys):
            c = self._conn(tenant)
            if c is not None:
                yield tenant, c

    @staticmethod
    def _hit(row: Sequence, score: float) -> ChunkHit:
        return ChunkHit(*row[:13], score=float(score))

    def search_dense(self, scope: StoreScope, vector: Sequence[float], limit: int,
                     filters: SearchFilters | None = None, model: str = "") -> list[ChunkHit]:
        """Chunks of the scope nearest `vector` (inner product) among vectors of `model`."""
        where, params = self._where(scope, filters)
        where += " AND c.vec_model = ? AND c.vid IS NOT NULL"
        q = np.asarray(vector, dtype=np.float32)
        hits: list[ChunkHit] = []
        for tenant, c in self._tenants(scope):
            p = [tenant, *params, model]
            c.execute("BEGIN")  # the HNSW file named and the rows read are one snapshot
            try:
                name, ann_vid = c.execute("SELECT ann_file, ann_vid FROM state").fetchone()
                best = self._exact(c, where + " AND c.vid > ?", [*p, ann_vid], q, limit)
                if name:
                    ann = self._ann(c, self._folder(tenant), name, where, p, q, limit)
                    best += ann if ann is not None else self._exact(
                        c, where + " AND c.vid <= ?", [*p, ann_vid], q, limit)
                best = sorted(best, reverse=True)[:limit]
                rows = {r[13]: r for r in c.execute(
                    f"SELECT {_COLS}, c.id FROM chunks c WHERE c.id IN ({_marks(len(best))})",
                    [i for _, i in best])}
            finally:
                c.execute("COMMIT")
            hits += [self._hit(rows[i], s) for s, i in best if i in rows]
        return sorted(hits, key=lambda h: -h.score)[:limit]

    def _scored(self, rows: list, q: np.ndarray, limit: int) -> list[tuple[float, int]]:
        if not rows or limit <= 0:
            return []
        m = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), self.dim)
        scores = m @ q
        top = np.argpartition(-scores, limit - 1)[:limit] if len(rows) > limit else \
            range(len(rows))
        return [(float(scores[i]), rows[i][0]) for i in top]

    def _exact(self, c: sqlite3.Connection, where: str, params: list, q: np.ndarray,
               limit: int) -> list[tuple[float, int]]:
        rows = c.execute(f"SELECT c.id, c.vec FROM chunks c WHERE {where}", params).fetchall()
        return self._scored(rows, q, limit)

    def _ann(self, c: sqlite3.Connection, folder: Path, name: str, where: str, params: list,
             q: np.ndarray, limit: int) -> list[tuple[float, int]] | None:
        """HNSW candidates that pass the filters, or None when too few do (scan instead)."""
        k = max(4 * limit, 128)
        for _ in range(2):
            keys = self.ann.search(folder, name, q, k)
            if keys is None:
                return None
            rows = c.execute(f"SELECT c.id, c.vec FROM chunks c WHERE c.vid IN "
                             f"({_marks(len(keys))}) AND {where}",
                             [*map(int, keys), *params]).fetchall()
            if len(rows) >= limit:
                return self._scored(rows, q, limit)
            if len(keys) < k or not rows:
                return None
            k *= 16
        return None

    def search_lexical(self, scope: StoreScope, query: str, limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        """BM25 (FTS5) over the analysed query terms, OR-ed; higher scores are better."""
        where, params = self._where(scope, filters)
        terms = analyse(query).split()
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        hits: list[ChunkHit] = []
        for tenant, c in self._tenants(scope):
            # FTS5 ranks every match; the best `k` are joined to the filters, and `k` grows
            # until `limit` pass or every match was seen
            k = max(4 * limit, 200)
            while True:
                rows = c.execute(
                    f"SELECT {_COLS}, -f.score FROM (SELECT rowid, bm25(fts) AS score FROM fts "
                    "WHERE fts MATCH ? ORDER BY score LIMIT ?) f CROSS JOIN chunks c "
                    f"ON c.id = f.rowid WHERE {where} ORDER BY f.score LIMIT ?",
                    [match, k, tenant, *params, limit]).fetchall()
                if len(rows) >= limit or c.execute(
                        "SELECT count(*) FROM fts WHERE fts MATCH ?", [match]).fetchone()[0] <= k:
                    break
                k *= 16
            hits += [self._hit(r, r[13]) for r in rows]
        return sorted(hits, key=lambda h: -h.score)[:limit]

    def search_symbols(self, scope: StoreScope, names: Sequence[str], limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        """Chunks whose symbol is one of `names` (score 1.0) or starts with one (0.5)."""
        where, params = self._where(scope, filters)
        names = [n for n in dict.fromkeys(names) if n and len(n) <= 256]
        if not names:
            return []
        prefixes = [n for n in names if len(n) >= 4 and "%" not in n]
        exact: list[ChunkHit] = []
        more: list[ChunkHit] = []
        for tenant, c in self._tenants(scope):
            p = [tenant, *params]
            exact += [self._hit(r, 1.0) for r in c.execute(
                f"SELECT {_COLS} FROM chunks c WHERE {where} AND c.symbol IN "
                f"({_marks(len(names))}) ORDER BY c.id LIMIT ?", [*p, *names, limit])]
            if prefixes:  # a range over the symbol index: exactly the strings with the prefix
                ranges = " OR ".join("(c.symbol >= ? AND c.symbol < ?)" for _ in prefixes)
                bounds = [b for n in prefixes for b in (n, _after(n))]
                more += [self._hit(r, 0.5) for r in c.execute(
                    f"SELECT {_COLS} FROM chunks c WHERE {where} AND ({ranges}) "
                    f"AND c.symbol NOT IN ({_marks(len(names))}) ORDER BY c.id LIMIT ?",
                    [*p, *bounds, *names, limit])]
        return (exact + more)[:limit]

    def count(self, scope: StoreScope) -> int:
        """Rows of the scope, with or without a dense vector."""
        where, params = self._where(scope, None)
        return sum(c.execute(f"SELECT count(*) FROM chunks c WHERE {where}",
                             [tenant, *params]).fetchone()[0]
                   for tenant, c in self._tenants(scope))
