"""Usage recording: indexing work per tenant per day (queries are counted by the services)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class UsageRecorder:
    """The job service's `on_result` hook: adds a finished run's work to its tenant's day."""

    def __init__(self, meta, usage) -> None:  # noqa: ANN001
        self.meta = meta
        self.usage = usage

    def __call__(self, req, result) -> None:  # noqa: ANN001
        tenant = self.meta.find_tenant(req.tenant)
        if tenant is None:
            return
        progress = result.progress
        self.usage.add(tenant.id, chunks_written=result.chunks_written,
                       chunks_embedded=progress.vectors_computed, bytes_indexed=progress.bytes)
