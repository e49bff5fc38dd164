"""Per-tenant files of `SqliteVectorStore`: the SQLite schema and the usearch HNSW files.

A file is immutable once written: a build writes `<name>.tmp`, fsyncs it and renames it to a
fresh name, and the tenant's SQLite `state` row names the current file. Readers memory-map
the named file (`view=True`); an old file unlinked after a rebuild stays readable to a process
that already mapped it. Keys are the rows' `vid`s, which SQLite never reuses, so a key whose
row is gone or has a newer vector simply finds no row (a tombstone until the next rebuild).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from pathlib import Path

import numpy as np
from usearch.index import Index

CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 64
DTYPE = "i8"  # candidates are re-scored from the exact float32 rows, so i8 only sets recall


SCHEMA = """
CREATE TABLE chunks (
  id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, tenant_key TEXT NOT NULL,
  project_id INTEGER NOT NULL, commit_sha TEXT NOT NULL, file_sha TEXT NOT NULL,
  file_key TEXT NOT NULL, rel_path TEXT NOT NULL, lang TEXT NOT NULL, kind TEXT NOT NULL,
  symbol TEXT NOT NULL, qualified_name TEXT NOT NULL, start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL, content_hash TEXT NOT NULL, vec_model TEXT NOT NULL,
  text TEXT NOT NULL, lex TEXT NOT NULL, vid INTEGER, vec BLOB);
CREATE INDEX ix_scope ON chunks(project_id, vec_model, vid, lang, kind, rel_path);
CREATE INDEX ix_file ON chunks(project_id, file_key);
CREATE INDEX ix_symbol ON chunks(symbol);
CREATE INDEX ix_vid ON chunks(vid);
CREATE VIRTUAL TABLE fts USING fts5(lex, content='chunks', content_rowid='id',
  tokenize="unicode61 remove_diacritics 0 tokenchars '_'");
CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
  INSERT INTO fts(rowid, lex) VALUES (new.id, new.lex); END;
CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
  INSERT INTO fts(fts, rowid, lex) VALUES ('delete', old.id, old.lex); END;
CREATE TRIGGER chunks_au AFTER UPDATE OF lex ON chunks BEGIN
  INSERT INTO fts(fts, rowid, lex) VALUES ('delete', old.id, old.lex);
  INSERT INTO fts(rowid, lex) VALUES (new.id, new.lex); END;
CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 1), tenant_key TEXT NOT NULL,
  dim INTEGER NOT NULL, next_vid INTEGER NOT NULL, ann_file TEXT NOT NULL,
  ann_vid INTEGER NOT NULL, ann_size INTEGER NOT NULL);
"""
UPSERT = (
    "INSERT INTO chunks (chunk_id, tenant_key, project_id, commit_sha, file_sha, file_key, "
    "rel_path, lang, kind, symbol, qualified_name, start_line, end_line, content_hash, "
    "vec_model, text, lex, vid, vec) VALUES (" + ", ".join("?" * 19) + ") "
    "ON CONFLICT(chunk_id) DO UPDATE SET " + ", ".join(
        f"{c} = excluded.{c}" for c in (
            "tenant_key", "project_id", "commit_sha", "file_sha", "file_key", "rel_path", "lang",
            "kind", "symbol", "qualified_name", "start_line", "end_line", "content_hash",
            "vec_model", "text", "lex", "vid", "vec")))


def write_txn(c: sqlite3.Connection, fn) -> None:  # noqa: ANN001
    """Run `fn` in one write transaction (BEGIN IMMEDIATE waits for other writers)."""
    c.execute("BEGIN IMMEDIATE")
    try:
        fn()
        c.execute("COMMIT")
    except BaseException:
        c.execute("ROLLBACK")
        raise


def publish(final: Path, write) -> None:  # noqa: ANN001
    """Create `final` complete or not at all; the first of racing creators wins."""
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.link(tmp, final)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def create_db(path: Path, tenant_key: str, dim: int) -> None:
    """A tenant's database: WAL mode, the schema, and its `state` row."""
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode = WAL")
    c.executescript(SCHEMA)
    c.execute("INSERT INTO state VALUES (1, ?, ?, 1, '', 0, 0)", (tenant_key, dim))
    c.close()


def _new(ndim: int) -> Index:
    return Index(ndim=ndim, metric="ip", dtype=DTYPE, connectivity=CONNECTIVITY,
                 expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)


class AnnFiles:
    """Builds, names and memory-maps the HNSW files of tenants' folders."""

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self._lock = threading.Lock()
        self._views: dict[Path, tuple[str, Index]] = {}  # folder -> (file name, mapped index)

    def build(self, folder: Path, keys: np.ndarray, vectors: np.ndarray,
              base: str = "") -> str:
        """Write a new index file (from `base`'s graph plus these vectors) and return its name."""
        index = Index.restore(str(folder / base)) if base else None
        if index is None:
            index = _new(self.ndim)
        if len(keys):
            index.add(keys.astype(np.uint64), vectors, threads=0)
        name = f"ann-{uuid.uuid4().hex}.usearch"
        tmp = folder / f"{name}.tmp"
        index.save(str(tmp))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, folder / name)
        return name

    def search(self, folder: Path, name: str, query: np.ndarray,
               k: int) -> np.ndarray | None:
        """Keys of the approximate top `k`; None if the file has gone (a newer one replaced it)."""
        with self._lock:
            cached = self._views.get(folder)
        if cached is None or cached[0] != name:
            index = Index.restore(str(folder / name), view=True)
            if index is None:
                return None
            cached = (name, index)
            with self._lock:
                self._views[folder] = cached
        k = min(k, len(cached[1]))
        if k <= 0:
            return np.empty(0, dtype=np.uint64)
        matches = cached[1].search(query, k, threads=1)
        return np.asarray(matches.keys[:len(matches)], dtype=np.uint64)

    def drop(self, folder: Path, name: str) -> None:
        """Forget and unlink a replaced file (mapped readers keep their pages)."""
        with self._lock:
            if folder in self._views and self._views[folder][0] == name:
                del self._views[folder]
        (folder / name).unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._views.clear()


def refresh(c: sqlite3.Connection, folder: Path, files: AnnFiles, ann_min: int) -> None:
    """Extend or rebuild a tenant's HNSW file from one snapshot of its rows and name it in
    `state` unless another process named a newer one meanwhile."""
    c.execute("BEGIN")  # one snapshot for the counts and the vectors read
    try:
        top, name, ann_vid, size = c.execute(
            "SELECT next_vid - 1, ann_file, ann_vid, ann_size FROM state").fetchone()
        live, old = c.execute("SELECT count(*), count(*) FILTER (WHERE vid <= ?) "
                              "FROM chunks WHERE vid IS NOT NULL", (ann_vid,)).fetchone()
        if live < ann_min and not name:
            return
        extend = bool(name) and (size - old) <= 0.2 * size and live >= ann_min
        if live == old and (not name or extend):
            return
        keys, vecs = np.empty(0, np.uint64), np.empty((0, files.ndim), np.float32)
        if live >= ann_min:
            rows = c.execute("SELECT vid, vec FROM chunks WHERE vid > ? AND vid <= ?",
                             (ann_vid if extend else 0, top)).fetchall()
            keys = np.fromiter((r[0] for r in rows), np.uint64, len(rows))
            vecs = np.frombuffer(b"".join(r[1] for r in rows), np.float32)
            vecs = vecs.reshape(len(rows), files.ndim)
    finally:
        c.execute("COMMIT")
    new = files.build(folder, keys, vecs, name if extend else "") if len(keys) else ""
    installed = []

    def install() -> None:
        if c.execute("SELECT ann_vid FROM state").fetchone()[0] == ann_vid:
            c.execute("UPDATE state SET ann_file = ?, ann_vid = ?, ann_size = ?",
                      (new, top if new else 0, (size if extend else 0) + len(keys)))
            installed.append(True)
    write_txn(c, install)
    if installed and name:
        files.drop(folder, name)
    elif not installed and new:  # another process refreshed this tenant meanwhile
        files.drop(folder, new)
