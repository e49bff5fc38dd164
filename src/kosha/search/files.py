"""Reading an indexed file (or a range of its lines) at the repo's indexed commit."""

from __future__ import annotations

import posixpath
from dataclasses import asdict, dataclass

from kosha.domain.errors import InvalidInput, NotFound
from kosha.domain.links import deep_link, forge_kind
from kosha.domain.models import RepoRecord
from kosha.search.expand import SourceReader

MAX_LINES = 500  # one answer; ask for the next range to read on


@dataclass(frozen=True)
class FileText:
    """Lines start..end of one file version, with where they came from."""

    repo_url: str
    path: str
    commit: str
    lang: str
    start_line: int
    end_line: int
    total_lines: int
    truncated: bool
    link: str
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def clean_path(path: str) -> str:
    """A repo-relative path, refused when absolute, escaping the repo or malformed."""
    if not path or len(path) > 1024 or any(ord(c) < 0x20 for c in path) or "\\" in path:
        raise InvalidInput("path must be 1 to 1024 printable characters, '/'-separated")
    norm = posixpath.normpath(path)
    if path.startswith("/") or norm == "." or norm.startswith("../") or norm == "..":
        raise InvalidInput("path must be relative to the repository root")
    return norm


class FileReader:
    """Indexed files from the blob store; the caller has already checked the repo."""

    def __init__(self, meta, blobs, github_domains: frozenset[str] = frozenset({"github.com"})
                 ) -> None:  # noqa: ANN001
        self.meta = meta
        self.blobs = blobs
        self.github_domains = github_domains

    def read(self, repo: RepoRecord, path: str, start: int | None = None,
             end: int | None = None) -> FileText:
        """Lines start..end (1-based, inclusive; at most MAX_LINES) of a live file."""
        rel = clean_path(path)
        live = self.meta.live_file(repo.id, rel)
        lines = (SourceReader(self.blobs).lines(repo.tenant_key, repo.id, live.blob_commit, rel)
                 if live is not None else None)
        if live is None or lines is None:
            raise NotFound(f"{rel} is not an indexed file of {repo.repo_url}")
        total = len(lines) - 1 if lines and lines[-1] == "" else len(lines)
        first = 1 if start is None else start
        if first < 1 or (end is not None and end < first):
            raise InvalidInput("start_line must be >= 1 and end_line >= start_line")
        if first > max(total, 1):
            raise InvalidInput(f"{rel} has {total} lines; start_line {first} is past its end")
        last = min(total, end if end is not None else total, first + MAX_LINES - 1)
        wanted = end if end is not None else total
        commit = repo.last_indexed_commit or live.blob_commit
        return FileText(
            repo_url=repo.repo_url, path=rel, commit=commit, lang=live.lang,
            start_line=first, end_line=last, total_lines=total, truncated=last < min(wanted, total),
            link=deep_link(repo.repo_url, commit, rel, first, last,
                           forge_kind(repo.repo_url, self.github_domains)),
            text="\n".join(lines[first - 1:last]))
