"""What the vector stores share about a chunk row: its columns, the stored-text limit, the
scope and filter clauses every query carries (each query language writes its own literals)
and the hit a row becomes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kosha.domain.errors import InvalidInput
from kosha.domain.globs import glob_to_like
from kosha.domain.models import ChunkHit, SearchFilters, StoreScope

PENDING = ""  # vec_model of a row whose dense vector has not been computed yet
TEXT_BYTES = 60_000
OUT_FIELDS = ["chunk_id", "tenant_key", "project_id", "commit", "file_sha", "rel_path", "lang",
              "kind", "symbol", "qualified_name", "start_line", "end_line", "text"]
PENDING_FIELDS = ["chunk_id", "rel_path", "file_sha", "kind", "qualified_name", "text"]


def fit(text: str, limit: int = TEXT_BYTES) -> str:
    """Text cut to `limit` UTF-8 bytes (never inside a character)."""
    data = text.encode("utf-8", "replace")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def filter_safe(value: str) -> str:
    """`value`, if it may become a filter literal: control characters are refused, not
    escaped."""
    if any(ord(c) < 0x20 for c in value):
        raise InvalidInput("filter values may not contain control characters")
    return value


@dataclass(frozen=True)
class Literals:
    """How one query language writes a string literal and a list (Milvus `[…]`, SQL `(…)`)."""

    string: Callable[[str], str]
    open: str
    close: str

    def strings(self, values: Sequence[str]) -> str:
        return self.open + ", ".join(self.string(v) for v in values) + self.close

    def ints(self, values: Sequence[int]) -> str:
        return self.open + ", ".join(str(int(v)) for v in values) + self.close


def scope_filter(scope: StoreScope, filters: SearchFilters | None, lit: Literals) -> str:
    """The tenants, repos and search filters of a query as one filter expression."""
    if not scope.project_ids:
        raise InvalidInput("a search needs at least one repository")
    parts = [f"tenant_key in {lit.strings(scope.tenant_keys)}",
             f"project_id in {lit.ints(scope.project_ids)}"]
    if filters is not None:
        if filters.langs:
            parts.append(f"lang in {lit.strings(filters.langs)}")
        if filters.kinds:
            parts.append(f"kind in {lit.strings(filters.kinds)}")
        if filters.path_prefix:
            # `%` and `_` stay wildcards: a superset the search service re-checks
            if "\\" in filters.path_prefix:
                raise InvalidInput("a path prefix may not contain backslashes")
            parts.append(f"rel_path like {lit.string(filters.path_prefix + '%')}")
        if filters.path_glob:
            parts.append(f"rel_path like {lit.string(glob_to_like(filters.path_glob))}")
    return " and ".join(parts)


def chunk_hit(row: Mapping, score: float) -> ChunkHit:
    """The hit a row with the OUT_FIELDS columns becomes."""
    return ChunkHit(**{k: row[k] for k in OUT_FIELDS}, score=score)
