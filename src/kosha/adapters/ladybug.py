"""Embedded graph store on ladybug (a maintained Kùzu fork): one file under KOSHA_HOME.

ladybug allows one writing process; Kosha's embedded default runs in one process, and all
calls here are serialised on one connection.
"""

from __future__ import annotations

import threading
from pathlib import Path

import ladybug

from kosha.adapters.cypher import EDGE_TYPES, LABELS, CypherGraphStore

_NODE_COLUMNS = (
    "id STRING, tenant STRING, project_id INT64, file_sha STRING, file_key STRING, "
    "name STRING, qualified_name STRING, rel_path STRING, start_line INT64, end_line INT64, "
    "lang STRING, calls STRING[], import_paths STRING[], rank DOUBLE, PRIMARY KEY (id)"
)
_EDGE_ENDPOINTS = {
    "CONTAINS": [("File", "Class"), ("File", "Method"), ("File", "Function"),
                 ("Class", "Class"), ("Class", "Method"), ("Class", "Function")],
    "CALLS": [(a, b) for a in LABELS for b in ("Class", "Method", "Function")],
    "IMPORTS": [("File", "File")],
}


class LadybugGraphStore(CypherGraphStore):
    def __init__(self, path: Path, buffer_pool_mb: int = 512) -> None:
        self.path = Path(path)
        self._buffer_pool = buffer_pool_mb * 1024 * 1024
        self._db: ladybug.Database | None = None
        self._conn: ladybug.Connection | None = None
        self._lock = threading.RLock()

    def _connection(self) -> ladybug.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = ladybug.Database(str(self.path), buffer_pool_size=self._buffer_pool)
            self._conn = ladybug.Connection(self._db)
        return self._conn

    def _run(self, query: str, params: dict) -> list[list]:
        with self._lock:
            result = self._connection().execute(query, params)
            rows = result.get_all()
            result.close()
            return rows

    def ensure(self) -> None:
        with self._lock:
            for label in LABELS:
                self._run(f"CREATE NODE TABLE IF NOT EXISTS {label}({_NODE_COLUMNS})", {})
            for etype in EDGE_TYPES:
                pairs = ", ".join(f"FROM {a} TO {b}" for a, b in _EDGE_ENDPOINTS[etype])
                self._run(f"CREATE REL TABLE IF NOT EXISTS {etype}({pairs}, tenant STRING, "
                          "project_id INT64)", {})

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            if self._db is not None:
                self._db.close()
            self._conn = self._db = None
