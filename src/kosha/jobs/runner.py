"""One job's run: its repositories in order, progress into their rows and the job's row."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kosha.domain.errors import IndexBusy, IndexCancelled, KoshaError
from kosha.jobs.views import CANCELLED, FAILED, INTERNAL_MESSAGE, INTERRUPTED, SUCCEEDED

if TYPE_CHECKING:
    from kosha.ingest.pipeline import IndexRequest, IndexResult
    from kosha.ingest.progress import IndexProgress, ProgressCallback
    from kosha.jobs.service import JobStore

log = logging.getLogger(__name__)

RunIndex = Callable[["IndexRequest", "ProgressCallback"], "IndexResult"]
OnResult = Callable[["IndexRequest", "IndexResult"], None]
COUNTS = ("files_total", "files_done", "chunks", "chunks_to_embed", "chunks_embedded")
REPO_FIELDS = ("phase", "files_total", "files_done", "chunks", "languages", "commit")


def snapshot(progress: IndexProgress) -> dict[str, Any]:
    """What one run's progress says now (counts, phase, eta, commit, languages)."""
    return {"phase": progress.phase, "files_total": progress.files_total,
            "files_done": progress.files_done, "chunks": progress.chunks,
            "chunks_to_embed": progress.chunks_to_embed,
            "chunks_embedded": progress.chunks_embedded, "eta": progress.eta,
            "commit": progress.commit, "languages": dict(progress.langs)}


def job_eta(current: float | None, elapsed: float, durations: list[float],
            remaining: int) -> float | None:
    """The current repo's eta plus the mean finished duration for each repo not yet started."""
    mean = sum(durations) / len(durations) if durations else None
    if current is None:
        if mean is None:
            return None
        current = max(0.0, mean - elapsed)
    if remaining == 0:
        return current
    return None if mean is None else current + remaining * mean


@dataclass(frozen=True)
class RepoEnd:
    status: str
    commit: str | None = None
    code: str | None = None
    message: str | None = None


class _ProgressWriter:
    """The on_progress callback of one repo run: writes at most every `interval` s, and on
    phase changes; `last` is the newest progress seen."""

    def __init__(self, write: Callable[[dict[str, Any]], None], interval: float,
                 cancelled: Callable[[], bool] | None = None) -> None:
        self._write = write
        self._interval = interval
        self._cancelled = cancelled
        self._cancel_checked = 0.0
        self._cancel = False
        self._last_write = 0.0
        self._phase: str | None = None
        self._unsaved: dict[str, Any] | None = None
        self.last: dict[str, Any] | None = None

    def __call__(self, progress: IndexProgress) -> None:
        fields = self.last = snapshot(progress)
        now = time.monotonic()
        if fields["phase"] != self._phase or now - self._last_write >= self._interval:
            self._phase = fields["phase"]
            self._last_write = now
            self._unsaved = None
            self._write(fields)
        else:
            self._unsaved = fields

    def cancel_requested(self) -> bool:
        """Whether the job was cancelled (asked of the store at most twice a second)."""
        now = time.monotonic()
        if self._cancelled is not None and not self._cancel and now - self._cancel_checked >= 0.5:
            self._cancel_checked = now
            try:
                self._cancel = bool(self._cancelled())
            except Exception as exc:  # noqa: BLE001 - an unreadable flag is not a cancel
                log.warning("could not read the cancel flag (%s)", type(exc).__name__)
        return self._cancel

    def flush(self) -> None:
        """Write the last progress the throttle held back."""
        if self._unsaved is not None:
            self._write(self._unsaved)
            self._unsaved = None


class JobRun:
    """Runs the repositories of one job in order and records every step in the store."""

    def __init__(self, store: JobStore, run: RunIndex, job_id: str,
                 requests: list[IndexRequest], *, batch: bool, interval: float,
                 on_result: OnResult | None, busy_poll: float, busy_wait: float,
                 stopped: threading.Event, retry_busy: bool | None = None) -> None:
        self._store, self._run, self._job_id = store, run, job_id
        self._requests = requests
        self._batch = batch  # batch: retry IndexBusy, end as `repos_failed`, no job commit
        self._interval, self._on_result = interval, on_result
        self._busy_poll, self._busy_wait = busy_poll, busy_wait
        self._stopped = stopped
        self._retry_busy = batch if retry_busy is None else retry_busy  # wait out other runs
        self._totals: Counter[str] = Counter()  # counts of the finished repos
        self._durations: list[float] = []
        self._position = 0
        self._repo_started = 0.0

    def _cancel_asked(self) -> bool:
        return bool(self._store.cancel_requested(self._job_id))

    def execute(self) -> None:
        """Run every repo, then record how the job ended."""
        if not self._store.begin(self._job_id):  # cancelled (or ended) before it started
            return
        ends: list[RepoEnd] = []
        for position, req in enumerate(self._requests):
            if self._stopped.is_set() and ends:
                self._store.finish(self._job_id, FAILED, error_code=INTERRUPTED,
                                   error_message="the service stopped before this job ended")
                return
            if self._cancel_asked():
                ends.append(RepoEnd(CANCELLED, code=IndexCancelled.code,
                                    message="the job was cancelled"))
                self._store.skip_repos(self._job_id, position)
                break
            end = self._repo(position, req)
            ends.append(end)
            if end.status == CANCELLED or (
                    end.status == FAILED and (end.code or "").startswith("quota_")):
                self._store.skip_repos(self._job_id, position + 1)
                break
        self._finish(ends)

    def _finish(self, ends: list[RepoEnd]) -> None:
        last = ends[-1]
        if last.status == CANCELLED:
            self._store.finish(self._job_id, CANCELLED, error_code=last.code,
                               error_message="the job was cancelled; the previous index of "
                                             "each repository stays searchable")
            return
        failed = [e for e in ends if e.status == FAILED]
        if not failed:
            self._store.finish(self._job_id, SUCCEEDED,
                               commit=None if self._batch else last.commit)
        elif not self._batch or (last.code or "").startswith("quota_"):
            self._store.finish(self._job_id, FAILED, error_code=last.code,
                               error_message=last.message)
        else:
            total = len(self._requests)
            self._store.finish(self._job_id, FAILED, error_code="repos_failed",
                               error_message=f"{len(failed)} of {total} repositories failed")

    def _repo(self, position: int, req: IndexRequest) -> RepoEnd:
        self._position, self._repo_started = position, time.monotonic()
        self._store.start_repo(self._job_id, position)
        writer = _ProgressWriter(self._write, self._interval, self._cancel_asked)
        result = None
        try:
            result = self._run_retrying(req, writer)
            end = RepoEnd(SUCCEEDED, commit=getattr(result, "commit", None))
        except IndexCancelled as exc:
            end = RepoEnd(CANCELLED, code=exc.code, message=exc.message)
        except KoshaError as exc:
            end = RepoEnd(FAILED, code=exc.code, message=exc.message)
        except Exception as exc:  # noqa: BLE001 - never str(exc): it may hold a secret
            log.error("index job %s failed at repo %d: internal error (%s)", self._job_id,
                      position, type(exc).__name__)
            end = RepoEnd(FAILED, code="internal_error", message=INTERNAL_MESSAGE)
        writer.flush()
        progress = getattr(result, "progress", None)
        final = snapshot(progress) if progress is not None else writer.last or {}
        self._durations.append(time.monotonic() - self._repo_started)
        self._totals.update({k: final.get(k) or 0 for k in COUNTS})
        fields = {k: final[k] for k in ("files_total", "files_done", "chunks", "languages")
                  if k in final}
        self._store.finish_repo(self._job_id, position, end.status,
                                commit=end.commit or final.get("commit"),
                                error_code=end.code, error_message=end.message, **fields)
        self._store.update_progress(self._job_id, **self._job_fields(None, end))
        if end.status == SUCCEEDED and self._on_result is not None:
            self._notify(req, result)
        return end

    def _run_retrying(self, req: IndexRequest, writer: _ProgressWriter) -> IndexResult:
        deadline = time.monotonic() + self._busy_wait
        while True:
            try:
                return self._run(req, writer)
            except IndexBusy:
                if not self._retry_busy or time.monotonic() + self._busy_poll > deadline:
                    raise
                if writer.cancel_requested():
                    raise IndexCancelled("the job was cancelled") from None
                if self._stopped.wait(self._busy_poll):
                    raise

    def _notify(self, req: IndexRequest, result: Any) -> None:
        try:
            self._on_result(req, result)
        except Exception as exc:  # noqa: BLE001 - recording usage must not fail the job
            log.error("on_result hook of index job %s failed (%s)", self._job_id,
                      type(exc).__name__)

    def _job_fields(self, current: dict[str, Any] | None, end: RepoEnd | None = None,
                    ) -> dict[str, Any]:
        cur = current or {}
        fields: dict[str, Any] = {k: self._totals[k] + (cur.get(k) or 0) for k in COUNTS}
        remaining = len(self._requests) - self._position - 1
        if end is not None:  # between repos: nothing is running
            fields["phase"] = {SUCCEEDED: "done", CANCELLED: "cancelled"}.get(end.status, "failed")
            eta = job_eta(0.0, 0.0, self._durations, remaining) if remaining else None
        else:
            fields["phase"] = cur.get("phase", "queued")
            eta = job_eta(cur.get("eta"), time.monotonic() - self._repo_started,
                          self._durations, remaining)
            if not self._batch:
                fields["commit"] = cur.get("commit")
        fields["eta_s"] = None if eta is None else round(eta, 1)
        return fields

    def _write(self, current: dict[str, Any]) -> None:
        try:
            self._store.update_repo_progress(self._job_id, self._position,
                                             **{k: current[k] for k in REPO_FIELDS})
            self._store.update_progress(self._job_id, **self._job_fields(current))
        except Exception as exc:  # noqa: BLE001 - a lost progress row must not fail the index
            log.warning("could not record progress of index job %s (%s)", self._job_id,
                        type(exc).__name__)
