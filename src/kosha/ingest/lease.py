"""A short per-repo lease kept alive by a heartbeat while its holder works.

If the holder dies (even by SIGKILL) the lease lapses within `ttl`, so the next run can take
over quickly; while the holder lives, no other run can take it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

from kosha.domain.errors import IndexBusy

log = logging.getLogger(__name__)


class RepoLease:
    def __init__(self, meta, repo_id: int, repo_url: str,  # noqa: ANN001
                 ttl: timedelta = timedelta(minutes=2)) -> None:
        self.meta = meta
        self.repo_id = repo_id
        self.repo_url = repo_url
        self.ttl = ttl
        self.token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RepoLease:
        if not self.meta.acquire_lock(self.repo_id, self.token, self.ttl):
            raise IndexBusy(f"{self.repo_url} is being indexed right now; try again when that "
                            f"run ends (a crashed run's lease lapses within "
                            f"{int(self.ttl.total_seconds())} s)")
        self._thread = threading.Thread(target=self._beat, name="kosha-lease", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        interval = max(self.ttl.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                if not self.meta.acquire_lock(self.repo_id, self.token, self.ttl):
                    log.error("lost the index lease of repo %d", self.repo_id)
            except Exception:  # noqa: BLE001 - a missed beat is retried on the next one
                log.warning("index lease heartbeat failed for repo %d", self.repo_id)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.meta.release_lock(self.repo_id, self.token)
