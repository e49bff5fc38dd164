"""Workspace mode: turn (tenant key, git identities, repo URLs) into index jobs and scopes.

Every rule of DESIGN §1-3 is applied here, before any store is touched: the repo must be on
a configured forge, under the caller's tenant key, and readable by the caller's token as the
forge says (cached under a hash of the token for at most a minute).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

from kosha.adapters.git import check_ref
from kosha.domain.errors import (
    InvalidInput,
    MissingIdentity,
    NotFound,
    RepoNotIndexed,
    RepoNotInTenant,
    RepoNotReadable,
    UnknownForge,
)
from kosha.domain.models import RepoRecord, SearchFilters
from kosha.domain.tenancy import TenantKey
from kosha.ingest.pipeline import IndexRequest
from kosha.workspace.forges import AccessChecker, ForgeRegistry, ForgeRepo
from kosha.workspace.identity import GitIdentities

Mode = Literal["repo", "list", "my", "region"]
MAX_LIST = 50


@dataclass(frozen=True)
class Caller:
    """Who a request acts for: its tenant key and its per-domain git tokens."""

    tenant: TenantKey
    identities: GitIdentities

    def token(self, domain: str) -> SecretStr:
        token = self.identities.token_for(domain)
        if token is None:
            raise MissingIdentity(f"send X-Git-Identity: domain={domain},token=… for this "
                                  "repository")
        return token


class WorkspaceService:
    def __init__(self, meta, registry: ForgeRegistry, access: AccessChecker,  # noqa: ANN001
                 jobs, search, navigator, usage=None) -> None:  # noqa: ANN001
        self.meta = meta
        self.usage = usage  # counts queries per team tenant (no quota in workspace mode)
        self.registry = registry
        self.access = access
        self.jobs = jobs
        self.search_service = search
        self.navigator = navigator

    # --- rules -------------------------------------------------------------------------
    def _check_repo(self, caller: Caller, repo_url: str):  # noqa: ANN202
        """Configured forge, inside the tenant key, readable by the token: (repo, project)."""
        if caller.tenant.is_named:
            raise InvalidInput("workspace requests need a key like <domain>//<region>/<team>")
        repo = self.registry.resolve(repo_url)
        if not caller.tenant.covers(repo.ref):
            raise RepoNotInTenant(f"{repo.url} is not under tenant {caller.tenant}")
        project = self.access.project(repo, caller.token(repo.ref.domain))
        if project is None:
            raise RepoNotReadable(f"the token for {repo.ref.domain} cannot read {repo.url}")
        return repo, project

    def _indexed(self, caller: Caller, repo: ForgeRepo) -> RepoRecord:
        owner = caller.tenant.owner_of(repo.ref)
        tenant = self.meta.find_tenant(owner)
        record = self.meta.find_repo(tenant, repo.url) if tenant else None
        if record is None or not record.last_indexed_commit:
            raise RepoNotIndexed(f"{repo.url} is not indexed yet: POST /index first")
        return record

    def allowed_repos(self, caller: Caller, mode: Mode, repo_url: str | None = None,
                      repo_urls: list[str] | None = None) -> list[RepoRecord]:
        """The indexed repos this request may read, by the rules of its mode."""
        if mode == "repo":
            if not repo_url or repo_urls:
                raise InvalidInput("mode 'repo' takes repo_url (and no repo_urls)")
            return [self._indexed(caller, self._check_repo(caller, repo_url)[0])]
        if mode == "list":
            if not repo_urls or repo_url:
                raise InvalidInput("mode 'list' takes repo_urls (and no repo_url)")
            if len(repo_urls) > MAX_LIST:
                raise InvalidInput(f"at most {MAX_LIST} repo_urls")
            found = {}
            for url in repo_urls:
                record = self._indexed(caller, self._check_repo(caller, url)[0])
                found[record.id] = record
            return list(found.values())
        if repo_url or repo_urls:
            raise InvalidInput(f"mode '{mode}' takes no repo_url or repo_urls")
        if caller.tenant.is_named:
            raise InvalidInput("workspace requests need a key like <domain>//<region>/<team>")
        if mode == "region" and not caller.tenant.wildcard:
            raise InvalidInput("mode 'region' needs a tenant key ending in /*")
        if mode not in ("my", "region"):
            raise InvalidInput(f"unknown mode {mode!r}")
        domain = caller.tenant.domain or ""
        self.registry.forge(domain)
        readable = self.access.readable_paths(domain, "/".join(caller.tenant.path),
                                              caller.token(domain))
        repos = self.meta.list_repos(self.meta.tenants_read_by(caller.tenant), indexed_only=True)
        return [r for r in repos if self._path_of(r) in readable]

    def _path_of(self, record: RepoRecord) -> str | None:
        try:
            return self.registry.resolve(record.repo_url).ref.path
        except (UnknownForge, InvalidInput):  # a forge since removed from the configuration
            return None

    # --- operations --------------------------------------------------------------------
    def index(self, caller: Caller, repo_url: str, ref: str | None, mode: str):  # noqa: ANN201
        """Queue (or join) the index job of one repo; returns the job view."""
        if ref is not None:
            check_ref(ref)  # refused now, not as a failed job later
        repo, project = self._check_repo(caller, repo_url)
        req = IndexRequest(tenant=caller.tenant.owner_of(repo.ref), repo_url=repo.url,
                           source=repo.git_url, ref=ref or project.default_branch or "HEAD",
                           mode=mode, token=caller.token(repo.ref.domain),
                           token_username=repo.token_username, group_path=repo.ref.group_path,
                           forge_project_id=project.id)
        return self.jobs.submit(req)

    def job(self, caller: Caller, job_id: str):  # noqa: ANN201
        """A job of the caller's tenant (a region key sees its teams' jobs)."""
        keys = [t.key for t in self.meta.tenants_read_by(caller.tenant)] or [str(caller.tenant)]
        for key in keys[:-1]:
            try:
                return self.jobs.get(job_id, key)
            except NotFound:
                continue
        return self.jobs.get(job_id, keys[-1])

    def cancel(self, caller: Caller, job_id: str):  # noqa: ANN201
        """Cancel a job of the caller's tenant (a region key: of its teams)."""
        job = self.job(caller, job_id)
        return self.jobs.cancel(job.id, job.tenant_key)

    def list_jobs(self, caller: Caller, limit: int = 50) -> list:
        """The newest jobs of the caller's tenant (a region key: of each team below it)."""
        keys = [t.key for t in self.meta.tenants_read_by(caller.tenant)] or [str(caller.tenant)]
        return self.jobs.list_for(keys, limit)

    def search(self, caller: Caller, query: str, mode: Mode, repo_url: str | None,
               repo_urls: list[str] | None, top_k: int, filters: SearchFilters):  # noqa: ANN201
        repos = self.allowed_repos(caller, mode, repo_url, repo_urls)
        result = self.search_service.search(repos, query, top_k=top_k, filters=filters)
        tenant = None if caller.tenant.wildcard else self.meta.find_tenant(caller.tenant)
        if self.usage is not None and tenant is not None:
            self.usage.count_query(tenant.id, None)
        return result

    def navigate(self, caller: Caller, what: str, name: str, mode: Mode,
                 repo_url: str | None, repo_urls: list[str] | None) -> list:
        repos = self.allowed_repos(caller, mode, repo_url, repo_urls)
        return getattr(self.navigator, what)(repos, name)
