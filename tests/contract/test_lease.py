"""The per-repo index lease on SQLite and PostgreSQL: exclusive while alive, lapses when not."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from kosha.domain.errors import IndexBusy
from kosha.domain.tenancy import LOCAL_TENANT
from kosha.ingest.lease import RepoLease


def test_a_live_holder_keeps_the_lease_past_its_ttl(meta) -> None:  # noqa: ANN001
    repo = meta.ensure_repo(meta.ensure_tenant(LOCAL_TENANT), "file:///r", source="local")
    ttl = timedelta(seconds=0.6)
    with RepoLease(meta, repo.id, repo.repo_url, ttl):
        time.sleep(1.5)  # well past the ttl: only the heartbeat keeps it
        with pytest.raises(IndexBusy, match="being indexed"):
            RepoLease(meta, repo.id, repo.repo_url, ttl).__enter__()
    with RepoLease(meta, repo.id, repo.repo_url, ttl):  # released on exit
        pass


def test_a_dead_holders_lease_lapses(meta) -> None:  # noqa: ANN001
    repo = meta.ensure_repo(meta.ensure_tenant(LOCAL_TENANT), "file:///r", source="local")
    assert meta.acquire_lock(repo.id, "crashed-process", timedelta(seconds=0.5))
    with pytest.raises(IndexBusy):
        RepoLease(meta, repo.id, repo.repo_url).__enter__()
    time.sleep(0.8)
    with RepoLease(meta, repo.id, repo.repo_url):
        pass
