"""Ports: the small interfaces services use; adapters implement them for each engine.

Every method that reads or writes tenant data takes the tenant (or a scope naming it): the
adapters apply it inside their query, never afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from kosha.domain.models import (
    ChunkHit,
    ChunkRecord,
    Edge,
    GraphFile,
    Kind,
    SearchFilters,
    StoreScope,
    Symbol,
)


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    model_id: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class VectorStore(Protocol):
    """Chunks with dense vectors and a code-aware lexical (BM25) index."""

    def ensure(self) -> None: ...

    def upsert(self, records: Sequence[ChunkRecord], model: str = "") -> None:
        """Write chunks; a record without a vector waits for one (see `pending_vectors`)."""

    def set_vectors(self, tenant_key: str, vectors: dict[str, Sequence[float]],
                    model: str) -> None: ...

    def flush(self) -> None:
        """Make written rows durable and indexed for search (end of an index run)."""

    def pending_vectors(self, tenant_key: str, project_id: int, limit: int) -> list[dict]: ...

    def count_pending(self, tenant_key: str, project_id: int) -> int: ...

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        """Delete the chunks of (rel_path, file_sha) versions of one repo."""

    def delete_project(self, tenant_key: str, project_id: int) -> None: ...

    def delete_tenant(self, tenant_key: str) -> None: ...

    def search_dense(self, scope: StoreScope, vector: Sequence[float], limit: int,
                     filters: SearchFilters | None = None, model: str = "") -> list[ChunkHit]: ...

    def search_lexical(self, scope: StoreScope, query: str, limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]: ...

    def search_symbols(self, scope: StoreScope, names: Sequence[str], limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]:
        """Chunks whose symbol equals one of `names` (score 1.0) or starts with one (0.5)."""

    def count(self, scope: StoreScope) -> int: ...


class GraphStore(Protocol):
    """Symbols and their edges; nodes and edges carry {tenant, project_id}."""

    def ensure(self) -> None: ...

    def write_files(self, tenant_key: str, project_id: int,
                    files: Sequence[GraphFile]) -> None:
        """Symbols and CONTAINS edges of file versions; idempotent."""

    def write_edges(self, tenant_key: str, project_id: int, edges: Iterable[Edge]) -> None: ...

    def set_ranks(self, tenant_key: str, project_id: int, kind: Kind,
                  ranks: dict[str, float]) -> None: ...

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None: ...

    def delete_project(self, tenant_key: str, project_id: int) -> None: ...

    def delete_tenant(self, tenant_key: str) -> None: ...

    def symbols_by_name(self, scope: StoreScope, names: Iterable[str]) -> list[Symbol]: ...

    def callers_of_names(self, scope: StoreScope, names: Iterable[str]) -> list[Symbol]:
        """Symbols whose recorded call names include any of `names`."""

    def importers_of_paths(self, scope: StoreScope,
                           paths: Iterable[str]) -> list[tuple[str, str, str]]: ...

    def files(self, scope: StoreScope, paths: Iterable[str]) -> list[Symbol]: ...

    def call_edges(self, tenant_key: str, project_id: int) -> list[tuple[str, str, str, str]]:
        """Every CALLS edge of one repo as (src id, src label, dst id, dst label)."""

    def ranks(self, tenant_key: str, project_id: int) -> dict[str, tuple[str, float]]:
        """Non-zero stored ranks of one repo: id -> (label, rank)."""

    def definitions_in(self, scope: StoreScope, file_ids: Iterable[str]) -> list[Symbol]:
        """Definitions inside the given File nodes, with `rank` and `callers` filled."""

    def callers_of(self, scope: StoreScope, ids: Iterable[str]) -> list[tuple[str, Symbol]]:
        """(callee id, caller) pairs for CALLS edges into `ids`."""

    def callees_of(self, scope: StoreScope, ids: Iterable[str]) -> list[tuple[str, Symbol]]:
        """(caller id, callee) pairs for CALLS edges out of `ids`."""

    def count(self, scope: StoreScope) -> dict[str, int]: ...


class BlobStore(Protocol):
    """Opaque objects under a tenant's prefix; the tenant is part of every call."""

    def put(self, tenant_key: str, key: str, data: bytes) -> None: ...

    def get(self, tenant_key: str, key: str) -> bytes | None: ...

    def delete(self, tenant_key: str, keys: Sequence[str]) -> None: ...

    def delete_prefix(self, tenant_key: str, prefix: str) -> None: ...

    def list(self, tenant_key: str, prefix: str) -> Iterator[str]: ...
