"""Reading jobs, the same for every backend: always by id *and* tenant."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kosha.domain.errors import NotFound

if TYPE_CHECKING:
    from kosha.domain.tenancy import TenantKey
    from kosha.jobs.views import JobView

_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


class JobReads:
    """`get` and `list_for` over a job store (`self._store`)."""

    _store: object

    def get(self, job_id: str, tenant_key: TenantKey | str) -> JobView:
        """The job `job_id` of this tenant; NotFound for any other id."""
        if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
            raise NotFound("no such job")
        job = self._store.get(job_id, str(tenant_key))
        if job is None:
            raise NotFound("no such job")
        return job

    def list_for(self, tenant_keys: Sequence[TenantKey | str], limit: int = 50) -> list[JobView]:
        """The newest jobs of these tenants, newest first."""
        return self._store.list_for([str(k) for k in tenant_keys], limit)
