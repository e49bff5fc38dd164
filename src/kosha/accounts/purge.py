"""Deleting data from every store: one repository, or a whole tenant (GDPR erasure)."""

from __future__ import annotations

import logging
import shutil
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from kosha.domain.errors import IndexBusy, InvalidInput, JobsRunning, NotFound
from kosha.domain.models import RepoRecord
from kosha.domain.tenancy import parse_tenant_key
from kosha.ingest.lease import RepoLease

log = logging.getLogger(__name__)


class DataPurger:
    """Removes repos and tenants from SQL, vectors, graph, blobs and git mirrors."""

    def __init__(self, meta, vectors, graph, blobs, mirrors_dir: Path,  # noqa: ANN001
                 lease_ttl: timedelta = timedelta(minutes=2)) -> None:
        self.meta = meta
        self.vectors = vectors
        self.graph = graph
        self.blobs = blobs
        self.mirrors_dir = Path(mirrors_dir)
        self.lease_ttl = lease_ttl

    def _tenant_mirrors(self, tenant_key: str) -> Path:
        return self.mirrors_dir / quote(tenant_key, safe="")

    def delete_repo(self, repo: RepoRecord) -> None:
        """Remove one repo everywhere; IndexBusy while an index run holds it."""
        tenant = self.meta.find_tenant(parse_tenant_key(repo.tenant_key))
        if tenant is None:
            raise NotFound("no such repository")
        with RepoLease(self.meta, repo.id, repo.repo_url, self.lease_ttl):
            self.vectors.delete_project(repo.tenant_key, repo.id)
            self.vectors.flush()
            self.graph.delete_project(repo.tenant_key, repo.id)
            self.blobs.delete_prefix(repo.tenant_key, str(repo.id))
            shutil.rmtree(self._tenant_mirrors(repo.tenant_key) / f"{repo.id}.git",
                          ignore_errors=True)
            self.meta.delete_repo(tenant, repo.id)
        log.info("deleted repo %d of a tenant from every store", repo.id)

    def delete_tenant(self, tenant_key: str) -> bool:
        """Remove a tenant everywhere; False if it holds nothing. JobsRunning while it indexes."""
        key = parse_tenant_key(tenant_key)
        if key.wildcard:
            raise InvalidInput("delete one tenant at a time, not a region wildcard")
        text = str(key)
        tenant = self.meta.find_tenant(key)
        repos = self.meta.list_repos([tenant]) if tenant else []
        with ExitStack() as held:
            try:  # no index run may write while the tenant goes
                for r in repos:
                    held.enter_context(RepoLease(self.meta, r.id, r.repo_url, self.lease_ttl))
            except IndexBusy:
                raise JobsRunning("an index run of this tenant is in progress: try again when "
                                  "it ends") from None
            self.vectors.delete_tenant(text)
            self.vectors.flush()
            self.graph.delete_tenant(text)
            self.blobs.delete_prefix(text, "")
            shutil.rmtree(self._tenant_mirrors(text), ignore_errors=True)
            if tenant is not None:
                self.meta.delete_tenant(tenant.id)
        log.info("deleted a tenant from every store (%d repos)", len(repos))
        return tenant is not None
