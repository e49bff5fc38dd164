"""Ports: the small interfaces services use; adapters implement them for each engine."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from kosha.domain.models import ChunkHit, ChunkRecord, Edge, FileVersion, StoreScope, Symbol


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    model_id: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class SearchFilters(Protocol):
    langs: tuple[str, ...]
    kinds: tuple[str, ...]
    path_prefix: str


class VectorStore(Protocol):
    """Chunks with dense vectors and a lexical (BM25) index; every call carries the tenant."""

    def ensure(self) -> None: ...

    def upsert(self, records: Sequence[ChunkRecord]) -> None: ...

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        """Delete the chunks of (rel_path, file_sha) pairs of one repo."""

    def delete_project(self, tenant_key: str, project_id: int) -> None: ...

    def delete_tenant(self, tenant_key: str) -> None: ...

    def search_dense(self, scope: StoreScope, vector: Sequence[float], limit: int,
                     filters: SearchFilters | None = None) -> list[ChunkHit]: ...

    def search_lexical(self, scope: StoreScope, text: str, limit: int,
                       filters: SearchFilters | None = None) -> list[ChunkHit]: ...

    def count(self, scope: StoreScope) -> int: ...


class GraphStore(Protocol):
    """Symbols and their edges; nodes and edges carry {tenant, project_id}."""

    def ensure(self) -> None: ...

    def write_symbols(self, tenant_key: str, project_id: int, file_sha: str,
                      symbols: Sequence[Symbol], edges: Sequence[Edge]) -> None: ...

    def write_edges(self, tenant_key: str, project_id: int, edges: Sequence[Edge]) -> None: ...

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None: ...

    def symbols_by_name(self, scope: StoreScope, names: Iterable[str]) -> list[Symbol]: ...

    def callers_of_names(self, scope: StoreScope, names: Iterable[str]) -> list[Symbol]:
        """Symbols whose recorded call names include any of `names`."""

    def delete_project(self, tenant_key: str, project_id: int) -> None: ...

    def delete_tenant(self, tenant_key: str) -> None: ...


class BlobStore(Protocol):
    """Opaque objects under a tenant's prefix; the tenant is part of every call."""

    def put(self, tenant_key: str, key: str, data: bytes) -> None: ...

    def get(self, tenant_key: str, key: str) -> bytes | None: ...

    def delete(self, tenant_key: str, keys: Sequence[str]) -> None: ...

    def delete_prefix(self, tenant_key: str, prefix: str) -> None: ...

    def list(self, tenant_key: str, prefix: str) -> Iterator[str]: ...


class GitSource(Protocol):
    """A bare mirror of one repository."""

    def resolve(self, ref: str) -> str: ...

    def list_files(self, commit: str) -> list[FileVersion]: ...

    def diff(self, old: str, new: str) -> list[tuple[str, str]]:
        """(status, rel_path) pairs between two commits; status is A, M or D."""

    def read_blobs(self, shas: Sequence[str]) -> Iterator[tuple[str, bytes]]: ...
