"""Plain data types shared by ingestion, search and the stores."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a chunk or graph node is."""

    FILE = "file"
    CLASS = "class"
    METHOD = "method"
    FUNCTION = "function"
    BLOCK = "block"  # top-level code between definitions, or a window of a non-code text file


GRAPH_LABELS = {Kind.FILE: "File", Kind.CLASS: "Class", Kind.METHOD: "Method",
                Kind.FUNCTION: "Function"}


def sha1(text: str | bytes) -> str:
    """Hex SHA-1 of text (UTF-8) or bytes: ids and content hashes, not security."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def file_key(rel_path: str, file_sha: str) -> str:
    """Identifies one version of one path in every store (two paths may share a blob sha)."""
    return sha1(f"{rel_path}\x00{file_sha}")


def node_id_prefix(tenant_key: str, project_id: int, rel_path: str, file_sha: str) -> str:
    """What makes graph node ids unique per (tenant, repo, file version)."""
    return f"{tenant_key}|{project_id}|{rel_path}|{file_sha}"


def file_node_id(tenant_key: str, project_id: int, rel_path: str, file_sha: str) -> str:
    """The id of a file version's `File` graph node (search finds it from a chunk)."""
    return sha1(f"{node_id_prefix(tenant_key, project_id, rel_path, file_sha)}|file")


@dataclass(frozen=True)
class StoreScope:
    """What every store read or write is confined to: one tenant and some of its repos."""

    tenant_keys: tuple[str, ...]
    project_ids: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.tenant_keys:
            raise ValueError("a store scope needs at least one tenant")


@dataclass(frozen=True)
class FileVersion:
    """One file of a commit as git reports it."""

    rel_path: str
    blob_sha: str
    size: int
    mode: str = "100644"


@dataclass
class Chunk:
    """A searchable piece of a file: a definition or a window of lines (1-based, inclusive)."""

    rel_path: str
    lang: str
    kind: Kind
    start_line: int
    end_line: int
    text: str
    symbol: str = ""
    qualified_name: str = ""
    part: int = 0

    @property
    def content_hash(self) -> str:
        return sha1(self.text)


@dataclass
class Symbol:
    """A graph node: a file, class, method or function of one file version."""

    node_id: str
    kind: Kind
    name: str
    qualified_name: str
    rel_path: str
    start_line: int
    end_line: int
    lang: str
    calls: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    file_sha: str = ""
    project_id: int = 0
    tenant_key: str = ""
    rank: float = 0.0  # centrality over CALLS computed at index time (1.0 = average)
    callers: int = 0  # CALLS edges into this symbol, when a query asked for them


@dataclass(frozen=True)
class Edge:
    """A directed graph edge between two symbols of one repo."""

    src: str
    src_kind: Kind
    dst: str
    dst_kind: Kind
    type: str  # CONTAINS | CALLS | IMPORTS


@dataclass(frozen=True)
class SearchFilters:
    """Optional narrowing of a search, applied inside every store query."""

    langs: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    path_prefix: str = ""
    path_glob: str = ""  # `*` within a path segment, `**` across segments, `?` one character


@dataclass
class ParsedFile:
    """Everything the parser extracts from one file."""

    rel_path: str
    lang: str
    line_count: int
    chunks: list[Chunk]
    symbols: list[Symbol]
    contains: list[Edge]
    imports: list[str]


@dataclass
class GraphFile:
    """One file version's graph: its symbols, CONTAINS edges and resolved import paths."""

    file_sha: str
    symbols: list[Symbol]
    edges: list[Edge]
    import_paths: list[str] = field(default_factory=list)


@dataclass
class ChunkRecord:
    """A chunk as stored in the vector/lexical index, with its tenant, repo and file version."""

    chunk_id: str
    tenant_key: str
    project_id: int
    commit: str
    file_sha: str
    chunk: Chunk
    vector: list[float] | None = None


@dataclass
class ChunkHit:
    """A chunk returned by a store query, with the score of that query."""

    chunk_id: str
    tenant_key: str
    project_id: int
    commit: str
    file_sha: str
    rel_path: str
    lang: str
    kind: str
    symbol: str
    qualified_name: str
    start_line: int
    end_line: int
    text: str
    score: float


@dataclass(frozen=True)
class TenantRecord:
    id: str
    key: str


@dataclass(frozen=True)
class RepoRecord:
    """A repository known to Kosha. `id` is the `project_id` every store filters on."""

    id: int
    tenant_id: str
    tenant_key: str
    repo_url: str
    source: str
    forge_project_id: int | None = None
    group_path: str | None = None
    last_indexed_commit: str | None = None
    last_indexed_ref: str | None = None


@dataclass(frozen=True)
class LiveFile:
    """A file version in a repo's live manifest."""

    rel_path: str
    file_sha: str
    lang: str
    size: int
    line_count: int
    chunk_count: int
    blob_commit: str
