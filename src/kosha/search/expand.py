"""Growing a hit to its enclosing definition, read from the blob store at the live version."""

from __future__ import annotations

import gzip
from collections.abc import Iterable

from kosha.domain.models import ChunkHit, Symbol
from kosha.ingest.writer import blob_key

MAX_EXPAND_LINES = 300  # a hit inside a longer definition keeps its own lines


def smallest_enclosing(defs: Iterable[Symbol], start: int, end: int) -> Symbol | None:
    """The innermost definition whose lines contain [start, end]."""
    inside = [d for d in defs if d.start_line <= start and d.end_line >= end]
    return min(inside, key=lambda d: d.end_line - d.start_line, default=None)


def symbol_of(defs: list[Symbol], hit: ChunkHit) -> Symbol | None:
    """The graph node a chunk is (same name and first line), else the one around it."""
    for d in defs:
        if d.name == hit.symbol and d.start_line == hit.start_line:
            return d
    return smallest_enclosing(defs, hit.start_line, hit.end_line)


def expanded_range(defs: list[Symbol], hit: ChunkHit) -> tuple[int, int]:
    """Lines to show for a hit: its enclosing method/class when that is not too long."""
    around = smallest_enclosing(defs, hit.start_line, hit.end_line)
    if around is None or around.end_line - around.start_line + 1 > MAX_EXPAND_LINES:
        return hit.start_line, hit.end_line
    return around.start_line, around.end_line


class SourceReader:
    """File versions read from the blob store, cached for one search."""

    def __init__(self, blobs) -> None:  # noqa: ANN001
        self.blobs = blobs
        self._cache: dict[tuple, list[str] | None] = {}

    def lines(self, tenant_key: str, project_id: int, blob_commit: str,
              rel_path: str) -> list[str] | None:
        key = (tenant_key, project_id, blob_commit, rel_path)
        if key not in self._cache:
            data = self.blobs.get(tenant_key, blob_key(project_id, blob_commit, rel_path))
            self._cache[key] = (None if data is None else
                                [line.rstrip("\r") for line in
                                 gzip.decompress(data).decode("utf-8", "replace").split("\n")])
        return self._cache[key]

    def code(self, hit: ChunkHit, blob_commit: str, start: int, end: int) -> str | None:
        """Lines start..end (1-based, inclusive) of the hit's file version."""
        lines = self.lines(hit.tenant_key, hit.project_id, blob_commit, hit.rel_path)
        if lines is None:
            return None
        return "\n".join(lines[start - 1:end])
