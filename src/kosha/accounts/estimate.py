"""Estimates of a repository's size before anything is indexed, from the forge's tree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil

from kosha.domain.models import FileVersion
from kosha.ingest.files import Candidate, classify_path

# Measured with the embedded default's chunker on flask 3.1.0, requests 2.32.3 and Kosha itself
# (docs/benchmarks.md, "Chunk estimates"): 500-850 source bytes per chunk and 6.5-15 chunks per
# file. GitLab's tree API gives no sizes, so there the estimate counts files. Both land within
# about ±40% of the real count; the ingestion itself enforces the quota exactly.
BYTES_PER_CHUNK = 650
CHUNKS_PER_FILE = 10


@dataclass(frozen=True)
class RepoEstimate:
    files: int  # files Kosha would index (code and text; vendored, generated, binary skipped)
    chunks: int
    exact_sizes: bool  # whether the forge reported file sizes

    def to_dict(self) -> dict:
        return {"files": self.files, "estimated_chunks": self.chunks,
                "estimate_basis": "file sizes" if self.exact_sizes else "file count"}


def estimate(entries: Iterable, max_file_bytes: int) -> RepoEstimate:
    """Files Kosha would index and their chunks, from (path, size or None, mode) entries."""
    files = chunks = 0
    sized = True
    for e in entries:
        size = e.size if e.size is not None else 1
        verdict = classify_path(FileVersion(e.path, "", size, e.mode or "100644"),
                                max_file_bytes)
        if not isinstance(verdict, Candidate):
            continue
        files += 1
        if e.size is None:
            sized = False
            chunks += CHUNKS_PER_FILE
        else:
            chunks += max(1, ceil(e.size / BYTES_PER_CHUNK))
    return RepoEstimate(files, chunks, sized)
