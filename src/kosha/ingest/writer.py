"""Writing file versions to every store, and collecting versions that are no longer live."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from kosha.domain.models import ChunkRecord, GraphFile, LiveFile, ParsedFile, RepoRecord, sha1
from kosha.ingest.vectors import VectorMaker, embedding_text

log = logging.getLogger(__name__)


def blob_key(project_id: int, commit: str, rel_path: str) -> str:
    """`<project_id>/<commit>/files/<rel_path>.gz` under the tenant's prefix."""
    return f"{project_id}/{commit}/files/{rel_path}.gz"


def manifest_key(project_id: int, commit: str) -> str:
    return f"{project_id}/{commit}/manifest.json.gz"


def chunk_id(tenant_key: str, project_id: int, rel_path: str, file_sha: str,
             ordinal: int) -> str:
    """Deterministic per (tenant, repo, file version, position of the chunk in the file)."""
    return sha1(f"{tenant_key}|{project_id}|{rel_path}|{file_sha}|{ordinal}")


@dataclass
class ParsedVersion:
    """A parsed file version ready to be written."""

    rel_path: str
    file_sha: str
    size: int
    raw: bytes
    parsed: ParsedFile
    import_paths: list[str]


class StoreWriter:
    """Writes and deletes file versions of one repo in the vector, graph and blob stores."""

    def __init__(self, vectors, graph, blobs, repo: RepoRecord, commit: str) -> None:  # noqa: ANN001
        self.vectors = vectors
        self.graph = graph
        self.blobs = blobs
        self.repo = repo
        self.tenant = repo.tenant_key
        self.commit = commit

    def write(self, versions: Sequence[ParsedVersion], maker: VectorMaker | None,
              embed_now: bool) -> tuple[list[LiveFile], int]:
        """Write versions everywhere; returns their manifest rows and chunks left unembedded."""
        records: list[ChunkRecord] = []
        for v in versions:
            self.blobs.put(self.tenant, blob_key(self.repo.id, self.commit, v.rel_path),
                           gzip.compress(v.raw, compresslevel=6))
            for ordinal, ch in enumerate(v.parsed.chunks):
                records.append(ChunkRecord(
                    chunk_id=chunk_id(self.tenant, self.repo.id, v.rel_path, v.file_sha,
                                      ordinal),
                    tenant_key=self.tenant, project_id=self.repo.id, commit=self.commit,
                    file_sha=v.file_sha, chunk=ch))
        pending = 0
        if maker is not None and records:
            texts = [embedding_text(r.chunk.rel_path, str(r.chunk.kind),
                                    r.chunk.qualified_name, r.chunk.text) for r in records]
            vecs = maker.vectors(texts) if embed_now else maker.cached(texts)
            for r, vec in zip(records, vecs, strict=True):
                r.vector = vec
            pending = sum(1 for r in records if r.vector is None)
        self.vectors.upsert(records, maker.embedder.model_id if maker else "")
        self.graph.write_files(self.tenant, self.repo.id, [
            GraphFile(v.file_sha, v.parsed.symbols, v.parsed.contains, v.import_paths)
            for v in versions])
        live = [LiveFile(rel_path=v.rel_path, file_sha=v.file_sha, lang=v.parsed.lang,
                         size=v.size, line_count=v.parsed.line_count,
                         chunk_count=len(v.parsed.chunks), blob_commit=self.commit)
                for v in versions]
        return live, pending

    def write_manifest(self, live: dict[str, LiveFile], previous_commit: str | None) -> None:
        body = {"repo_url": self.repo.repo_url, "commit": self.commit, "files": [
            {"path": f.rel_path, "sha": f.file_sha, "lang": f.lang, "lines": f.line_count,
             "chunks": f.chunk_count, "blob": blob_key(self.repo.id, f.blob_commit, f.rel_path)}
            for f in sorted(live.values(), key=lambda f: f.rel_path)]}
        self.blobs.put(self.tenant, manifest_key(self.repo.id, self.commit),
                       gzip.compress(json.dumps(body).encode()))
        if previous_commit and previous_commit != self.commit:
            self.blobs.delete(self.tenant, [manifest_key(self.repo.id, previous_commit)])


def collect_garbage(meta, vectors, graph, blobs, repo: RepoRecord) -> int:  # noqa: ANN001
    """Remove every recorded file version that is not live from every store.

    Runs after a publish and at the start of each run, so a killed run leaves nothing behind.
    """
    intents = meta.intents(repo.id)
    if not intents:
        return 0
    live = meta.live_files(repo.id)
    dead_versions: list[tuple[str, str]] = []
    dead_blobs: list[str] = []
    for rel_path, file_sha, blob_commit in intents:
        current = live.get(rel_path)
        if current is None or current.file_sha != file_sha:
            dead_versions.append((rel_path, file_sha))
        if current is None or current.blob_commit != blob_commit:
            dead_blobs.append(blob_key(repo.id, blob_commit, rel_path))
    if dead_versions:
        vectors.delete_file_versions(repo.tenant_key, repo.id, dead_versions)
        graph.delete_file_versions(repo.tenant_key, repo.id, dead_versions)
    blobs.delete(repo.tenant_key, dead_blobs)
    meta.clear_intents(repo.id, intents)
    log.info("collected %d dead file versions of repo %d", len(dead_versions), repo.id)
    return len(dead_versions)
