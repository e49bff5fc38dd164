"""What an index job looks like to its readers: the job, its repositories, their JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED = "queued", "running", "completed", "failed", "skipped"
CANCELLED = "cancelled"
ACTIVE = (QUEUED, RUNNING)
FINAL = (SUCCEEDED, FAILED, CANCELLED)
INTERRUPTED = "interrupted"
INTERNAL_MESSAGE = "internal error while indexing"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    value = _utc(value)
    return None if value is None else value.isoformat()


def repo_name(repo_url: str) -> str:
    """The path of a repo URL without scheme and host (`emea/team-a/svc`), else the URL."""
    try:
        path = urlsplit(repo_url).path.strip("/")
    except ValueError:
        return repo_url
    return path.removesuffix(".git") or repo_url


def _error(code: str | None, message: str | None) -> dict | None:
    return None if code is None else {"code": code, "message": message or ""}


@dataclass(frozen=True)
class JobRepoView:
    """One repository of a job: its state, counts and languages (lang -> chunks)."""

    position: int
    repo_url: str
    ref: str
    status: str
    phase: str
    files_total: int = 0
    files_done: int = 0
    chunks: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    commit: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def duration_s(self, now: datetime | None = None) -> float | None:
        """Seconds it ran (so far, while running), rounded to 0.1; None before it started."""
        started = _utc(self.started_at)
        if started is None:
            return None
        end = _utc(self.finished_at) or now or datetime.now(UTC)
        return round(max(0.0, (end - started).total_seconds()), 1)

    def to_dict(self) -> dict:
        """The JSON body an API shows for this repository of a job."""
        return {
            "position": self.position, "repo_url": self.repo_url,
            "name": repo_name(self.repo_url), "ref": self.ref, "status": self.status,
            "phase": self.phase, "files_total": self.files_total,
            "files_done": self.files_done, "chunks": self.chunks,
            "languages": dict(self.languages), "commit": self.commit,
            "error": _error(self.error_code, self.error_message),
            "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at),
            "duration_s": self.duration_s(),
        }


@dataclass(frozen=True)
class JobView:
    """One index job as the store holds it (no credentials: those live only in memory)."""

    id: str
    tenant_key: str
    repo_url: str
    ref: str
    mode: str
    status: str
    phase: str
    files_total: int
    files_done: int
    chunks: int
    chunks_to_embed: int
    chunks_embedded: int
    eta_s: float | None
    commit: str | None
    error_code: str | None
    error_message: str | None
    requests: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    total_repos: int = 1
    current_repo_index: int = 0
    repos: tuple[JobRepoView, ...] = ()
    attempts: int = 0  # runs started (a lost worker's included)

    @property
    def done(self) -> bool:
        """Whether the job has ended (succeeded or failed)."""
        return self.status in FINAL

    @property
    def current_repo_url(self) -> str:
        """The URL of the repository the job is at (or ended at)."""
        if 0 <= self.current_repo_index < len(self.repos):
            return self.repos[self.current_repo_index].repo_url
        return self.repo_url

    def estimated_completion(self, now: datetime | None = None) -> datetime | None:
        """When a running job should end (now + eta_s); None otherwise."""
        if self.status != RUNNING or self.eta_s is None:
            return None
        return (now or datetime.now(UTC)) + timedelta(seconds=self.eta_s)

    def to_dict(self) -> dict:
        """The JSON body an API shows for this job."""
        return {
            "id": self.id, "job_id": self.id, "repo_url": self.repo_url, "ref": self.ref,
            "mode": self.mode, "status": self.status, "phase": self.phase,
            "files_total": self.files_total, "files_done": self.files_done,
            "chunks": self.chunks, "chunks_to_embed": self.chunks_to_embed,
            "chunks_embedded": self.chunks_embedded, "eta_s": self.eta_s,
            "commit": self.commit, "error": _error(self.error_code, self.error_message),
            "requests": self.requests, "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at),
            "total_repos": self.total_repos, "attempts": self.attempts,
            "progress": {
                "current_repo_index": self.current_repo_index,
                "current_repo_name": repo_name(self.current_repo_url),
                "total_repos": self.total_repos, "files_processed": self.files_done,
                "chunks_processed": self.chunks,
            },
            "repos": [r.to_dict() for r in self.repos],
            "estimated_completion": _iso(self.estimated_completion()),
        }
