"""Progress of one index run: phase, counts, rate and ETA, reported to a callback."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from kosha.domain.errors import IndexCancelled

PHASES = ("queued", "fetch", "scan", "parse", "link", "publish", "embed", "done", "failed")


@dataclass
class IndexProgress:
    repo: str
    phase: str = "queued"
    commit: str | None = None
    files_total: int = 0
    files_done: int = 0
    chunks: int = 0
    chunks_to_embed: int = 0
    chunks_embedded: int = 0
    bytes: int = 0  # source bytes parsed
    vectors_computed: int = 0  # chunks the model embedded (cache hits excluded): usage
    skipped: Counter = field(default_factory=Counter)
    langs: Counter = field(default_factory=Counter)
    started_at: float = field(default_factory=time.monotonic)
    phase_started_at: float = field(default_factory=time.monotonic)
    searchable_after: float | None = None  # seconds until the new commit was live

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    def _done_total(self) -> tuple[int, int]:
        if self.phase == "embed":
            return self.chunks_embedded, self.chunks_to_embed
        return self.files_done, self.files_total

    @property
    def rate(self) -> float:
        """Files per second while parsing, chunks per second while embedding."""
        done, _ = self._done_total()
        spent = time.monotonic() - self.phase_started_at
        return done / spent if spent > 0 else 0.0

    @property
    def eta(self) -> float | None:
        done, total = self._done_total()
        rate = self.rate
        if total <= 0 or rate <= 0 or self.phase not in ("parse", "embed"):
            return None
        return max(0.0, (total - done) / rate)

    def to_dict(self) -> dict:
        return {
            "repo": self.repo, "phase": self.phase, "commit": self.commit,
            "files_total": self.files_total, "files_done": self.files_done,
            "files_skipped": sum(self.skipped.values()), "skipped": dict(self.skipped),
            "chunks": self.chunks, "chunks_to_embed": self.chunks_to_embed,
            "chunks_embedded": self.chunks_embedded, "languages": dict(self.langs),
            "elapsed_s": round(self.elapsed, 2),
            "rate": round(self.rate, 2), "eta_s": None if self.eta is None else round(self.eta),
            "searchable_after_s": None if self.searchable_after is None
            else round(self.searchable_after, 2),
        }


# A callback may also have `cancel_requested() -> bool`: runs check it at every file boundary.
ProgressCallback = Callable[[IndexProgress], None]


class ProgressReporter:
    """Holds one run's progress and tells the callback about changes (throttled)."""

    def __init__(self, progress: IndexProgress, callback: ProgressCallback | None,
                 min_interval: float = 0.2) -> None:
        self.progress = progress
        self._callback = callback
        self._min_interval = min_interval
        self._last = 0.0

    def phase(self, name: str) -> None:
        self.progress.phase = name
        self.progress.phase_started_at = time.monotonic()
        self.emit(force=True)

    def checkpoint(self) -> None:
        """Raise IndexCancelled if the callback says the run was cancelled (a file boundary)."""
        asked = getattr(self._callback, "cancel_requested", None)
        if asked is not None and asked():
            raise IndexCancelled("the job was cancelled; the previous index stays searchable")

    def emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._callback and (force or now - self._last >= self._min_interval):
            self._last = now
            self._callback(self.progress)
