"""Local mode: repositories on this machine under the `local` tenant, as `kosha index ./repo`
leaves them. Only the stdio MCP server and the CLI act in it: they run as the user who owns
the files, so there is no forge to ask; HTTP never reaches this service."""

from __future__ import annotations

from pathlib import Path

from kosha.adapters.git import check_ref, local_repo
from kosha.domain.errors import InvalidInput, RepoNotIndexed
from kosha.domain.models import RepoRecord, SearchFilters
from kosha.domain.tenancy import LOCAL_TENANT
from kosha.ingest.pipeline import IndexRequest
from kosha.workspace.service import MAX_LIST, Caller


def local_repo_url(target: str) -> tuple[str, Path]:
    """(file:// URL, top directory) of a local repository given as a path or file:// URL."""
    raw = target[len("file://"):] if target.startswith("file://") else target
    path = Path(raw).expanduser()
    top = local_repo(path) if path.is_absolute() or path.exists() else None
    if top is None:
        raise InvalidInput(f"{target} is not a git repository on this machine")
    return top.as_uri(), top


class LocalService:
    """The workspace operations for the `local` tenant, without forge checks."""

    def __init__(self, meta, jobs, search, navigator) -> None:  # noqa: ANN001
        self.meta = meta
        self.jobs = jobs
        self.search_service = search
        self.navigator = navigator

    def _indexed(self, target: str) -> RepoRecord:
        tenant = self.meta.find_tenant(LOCAL_TENANT)
        url = target if target.startswith("file://") else local_repo_url(target)[0]
        record = self.meta.find_repo(tenant, url) if tenant else None
        if record is None or not record.last_indexed_commit:
            raise RepoNotIndexed(f"{target} is not indexed yet: index_repo it first")
        return record

    def allowed_repos(self, caller: Caller, mode: str, repo_url: str | None = None,
                      repo_urls: list[str] | None = None) -> list[RepoRecord]:
        """The local tenant's indexed repos, narrowed by the mode."""
        del caller
        if mode == "repo":
            if not repo_url or repo_urls:
                raise InvalidInput("mode 'repo' takes repo_url (and no repo_urls)")
            return [self._indexed(repo_url)]
        if mode == "list":
            if not repo_urls or repo_url or len(repo_urls) > MAX_LIST:
                raise InvalidInput(f"mode 'list' takes 1 to {MAX_LIST} repo_urls (no repo_url)")
            return list({r.id: r for r in map(self._indexed, repo_urls)}.values())
        if mode not in ("my", "region"):
            raise InvalidInput(f"unknown mode {mode!r}")
        if repo_url or repo_urls:
            raise InvalidInput(f"mode '{mode}' takes no repo_url or repo_urls")
        return self.meta.list_repos(self.meta.tenants_read_by(LOCAL_TENANT), indexed_only=True)

    def index(self, caller: Caller, repo_url: str, ref: str | None, mode: str):  # noqa: ANN201
        """Queue an index run of a repository on this machine."""
        del caller
        if ref is not None:
            check_ref(ref)
        url, top = local_repo_url(repo_url)
        return self.jobs.submit(IndexRequest(tenant=LOCAL_TENANT, repo_url=url, source=str(top),
                                             ref=ref or "HEAD", mode=mode, local=True))

    def job(self, caller: Caller, job_id: str):  # noqa: ANN201
        del caller
        return self.jobs.get(job_id, str(LOCAL_TENANT))

    def cancel(self, caller: Caller, job_id: str):  # noqa: ANN201
        del caller
        return self.jobs.cancel(job_id, str(LOCAL_TENANT))

    def list_jobs(self, caller: Caller, limit: int = 50) -> list:
        del caller
        return self.jobs.list_for([str(LOCAL_TENANT)], limit)

    def search(self, caller: Caller, query: str, mode: str, repo_url: str | None,
               repo_urls: list[str] | None, top_k: int, filters: SearchFilters):  # noqa: ANN201
        repos = self.allowed_repos(caller, mode, repo_url, repo_urls)
        return self.search_service.search(repos, query, top_k=top_k, filters=filters)

    def navigate(self, caller: Caller, what: str, name: str, mode: str,
                 repo_url: str | None, repo_urls: list[str] | None) -> list:
        repos = self.allowed_repos(caller, mode, repo_url, repo_urls)
        return getattr(self.navigator, what)(repos, name)
