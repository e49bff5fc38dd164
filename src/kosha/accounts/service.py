"""Account mode behind the edge: stored tokens, repo selection, scopes, usage, erasure.

An account is one more tenant (`account:<user id>`): it indexes and searches through the same
job service, stores and search as workspace mode. It may read only its own tenant's repos.
"""

from __future__ import annotations

import re

from cachetools import TTLCache
from pydantic import SecretStr

from kosha.accounts.auth import Account
from kosha.accounts.cipher import TokenCipher
from kosha.accounts.estimate import RepoEstimate, estimate
from kosha.adapters.git import check_ref
from kosha.domain.errors import (
    Forbidden,
    InvalidForgeToken,
    InvalidInput,
    JobsRunning,
    ModeNotAllowed,
    NoStoredToken,
    NotFound,
    QuotaChunksExceeded,
    QuotaQueriesExceeded,
    QuotaReposExceeded,
    RepoNotIndexed,
    RepoNotReadable,
)
from kosha.domain.models import RepoRecord, SearchFilters
from kosha.ingest.pipeline import IndexRequest
from kosha.workspace.forges import ForgeRepo, token_digest

MAX_SELECT = 50
_TOKEN = re.compile(r"^[A-Za-z0-9._~+/=:-]{1,512}$")


class AccountService:
    def __init__(self, store, usage, meta, registry, access, jobs, search, navigator,  # noqa: ANN001
                 purger, cipher: TokenCipher, max_file_bytes: int = 1_000_000) -> None:
        self.store = store
        self.usage = usage
        self.meta = meta
        self.registry = registry
        self.access = access
        self.jobs = jobs
        self.search_service = search
        self.navigator = navigator
        self.purger = purger
        self.cipher = cipher
        self.max_file_bytes = max_file_bytes
        self._estimates: TTLCache = TTLCache(maxsize=4096, ttl=600)

    # --- stored forge tokens -------------------------------------------------------------
    def _domain_for(self, kind: str, domain: str | None) -> str:
        if domain:
            forge = self.registry.forge(domain.strip().lower())
            if forge.kind != kind:
                raise InvalidInput(f"{domain} is a {forge.kind} forge, not {kind}")
            return domain.strip().lower()
        of_kind = sorted(d for d, f in self.registry.forges.items() if f.kind == kind)
        default = "github.com" if kind == "github" else "gitlab.com"
        if default in of_kind:
            return default
        if len(of_kind) == 1:
            return of_kind[0]
        raise InvalidInput(f"name the {kind} forge domain: one of {', '.join(of_kind) or '-'}")

    def save_token(self, account: Account, kind: str, token: str, domain: str | None,
                   source: str = "pat") -> dict:
        """Verify a token with its forge, then store it encrypted; never returned again."""
        if not isinstance(token, str) or not _TOKEN.match(token):
            raise InvalidForgeToken("the token is empty, too long or has odd characters")
        domain = self._domain_for(kind, domain)
        secret = SecretStr(token)
        try:
            who = self.registry.client(domain).current_user(secret)
        except Forbidden:
            raise InvalidForgeToken(f"{domain} did not accept this token") from None
        sealed = self.cipher.seal(secret, user_id=account.id, salt=account.user.key_salt,
                                  domain=domain)
        self.store.put_credential(account.id, domain, kind, source, who.login, sealed)
        return {"domain": domain, "kind": kind, "forge_user": who.login, "saved": True}

    def tokens(self, account: Account) -> list[dict]:
        """The forge domains the account has a token for (never the tokens)."""
        return [c.to_dict() for c in self.store.credentials(account.id)]

    def delete_token(self, account: Account, domain: str) -> None:
        if not self.store.delete_credential(account.id, domain.strip().lower()):
            raise NotFound(f"no stored token for {domain}")

    def stored_token(self, account: Account, domain: str) -> SecretStr:
        """The account's decrypted token for a forge domain (in memory only)."""
        cred = self.store.credential(account.id, domain)
        if cred is None:
            raise NoStoredToken(f"save a token for {domain} first (POST /auth/"
                                f"{self.registry.forge(domain).kind}-pat)")
        return self.cipher.open(cred.sealed, user_id=account.id, salt=account.user.key_salt,
                                domain=domain)

    # --- repositories ----------------------------------------------------------------------
    def _repo_for_path(self, domain: str, path: str) -> ForgeRepo:
        return self.registry.resolve(f"{self.registry.forge(domain).git_base}/{path}")

    def _estimate(self, repo: ForgeRepo, ref: str | None, token: SecretStr) -> RepoEstimate:
        key = (token_digest(token), repo.url, ref)
        if key not in self._estimates:
            entries = self.registry.client(repo.ref.domain).tree(repo.ref.path, ref or "HEAD",
                                                                 token)
            self._estimates[key] = estimate(entries, self.max_file_bytes)
        return self._estimates[key]

    def available(self, account: Account, domain: str | None, page: int,
                  per_page: int) -> dict:
        """One page of the repos the stored token reads, each with size estimates."""
        creds = self.store.credentials(account.id)
        if domain is None:
            if len(creds) != 1:
                raise NoStoredToken("save a forge token first" if not creds else
                                    "name the forge domain (?domain=…)")
            domain = creds[0].domain
        domain = domain.strip().lower()
        token = self.stored_token(account, domain)
        projects, more = self.registry.client(domain).projects_page(token, page, per_page)
        mine = {r.repo_url: r for r in self.meta.list_repos([account.tenant_record])}
        repos = []
        for p in projects:
            repo = self._repo_for_path(domain, p.path)
            est = self._estimate(repo, p.default_branch, token)
            known = mine.get(repo.url)
            repos.append({"repo_url": repo.url, "path": p.path,
                          "default_branch": p.default_branch, **est.to_dict(),
                          "selected": known is not None,
                          "indexed_commit": known.last_indexed_commit if known else None})
        return {"domain": domain, "page": page, "per_page": per_page, "has_more": more,
                "repos": repos, "quota": self.quota_view(account)}

    def select(self, account: Account, repo_urls: list[str], ref: str | None = None,
               mode: str = "incremental"):  # noqa: ANN201
        """Check quotas, then queue ONE ingestion job for every selected repo."""
        if not repo_urls or len(repo_urls) > MAX_SELECT:
            raise InvalidInput(f"select 1 to {MAX_SELECT} repositories")
        if ref is not None:
            check_ref(ref)
        chosen: dict[str, tuple[ForgeRepo, object, SecretStr]] = {}
        for url in repo_urls:
            repo = self.registry.resolve(url)
            token = self.stored_token(account, repo.ref.domain)
            project = self.access.project(repo, token)
            if project is None:
                raise RepoNotReadable(f"the stored token for {repo.ref.domain} cannot read "
                                      f"{repo.url}")
            chosen[repo.url] = (repo, project, token)
        tenant = account.tenant_record
        have = {r.repo_url for r in self.meta.list_repos([tenant])}
        new = [u for u in chosen if u not in have]
        repos_used, chunks_used = len(have), self.meta.tenant_chunks(tenant.id)
        if repos_used + len(new) > account.quota.repos:
            raise QuotaReposExceeded(
                f"this selection needs {repos_used + len(new)} repositories; the "
                f"{account.user.tier} tier allows {account.quota.repos}",
                details={"used": repos_used, "adding": len(new), "limit": account.quota.repos})
        wanted = sum(self._estimate(chosen[u][0], ref or chosen[u][1].default_branch,
                                    chosen[u][2]).chunks for u in new)
        if chunks_used + wanted > account.quota.chunks:
            raise QuotaChunksExceeded(
                f"these repositories hold about {wanted} chunks; {chunks_used} of "
                f"{account.quota.chunks} are used", details={
                    "used": chunks_used, "estimated": wanted, "limit": account.quota.chunks})
        requests = []
        for repo, project, token in chosen.values():
            self.meta.ensure_repo(tenant, repo.url, source="forge",
                                  group_path=repo.ref.group_path, forge_project_id=project.id)
            requests.append(IndexRequest(
                tenant=account.tenant, repo_url=repo.url, source=repo.git_url,
                ref=ref or project.default_branch or "HEAD", mode=mode, token=token,
                token_username=repo.token_username, group_path=repo.ref.group_path,
                forge_project_id=project.id, max_chunks=account.quota.chunks))
        if len(requests) == 1:
            return self.jobs.submit(requests[0])
        return self.jobs.submit_batch(requests)

    def index(self, account: Account, repo_url: str, ref: str | None, mode: str):  # noqa: ANN201
        """POST /index with a Bearer token: a selection of one repo."""
        return self.select(account, [repo_url], ref, mode)

    def repos(self, account: Account) -> list[dict]:
        """The account's repositories, indexed or waiting for their first run."""
        chunks = self.usage.repo_chunks(account.user.tenant_id)
        return [{"id": r.id, "repo_url": r.repo_url, "indexed": r.last_indexed_commit is not None,
                 "last_indexed_commit": r.last_indexed_commit, "ref": r.last_indexed_ref,
                 "chunks": chunks.get(r.id, 0)}
                for r in self.meta.list_repos([account.tenant_record])]

    def delete_repo(self, account: Account, repo_id: int) -> None:
        """Remove one of the account's repos from every store."""
        repo = self.meta.get_repo(account.tenant_record, repo_id)
        if repo is None:
            raise NotFound("no such repository")
        self.purger.delete_repo(repo)

    # --- scopes: search, graph, jobs ---------------------------------------------------------
    def _indexed(self, account: Account, url: str) -> RepoRecord:
        repo = self.registry.resolve(url)
        record = self.meta.find_repo(account.tenant_record, repo.url)
        if record is None or not record.last_indexed_commit:
            raise RepoNotIndexed(f"{repo.url} is not indexed for this account")
        return record

    def allowed_repos(self, account: Account, mode: str, repo_url: str | None = None,
                      repo_urls: list[str] | None = None) -> list[RepoRecord]:
        """The account's indexed repos a request may read, by the rules of its mode."""
        if mode == "region":
            raise ModeNotAllowed("mode 'region' is for workspace keys; accounts search with "
                                 "'my', 'repo' or 'list'")
        if mode == "repo":
            if not repo_url or repo_urls:
                raise InvalidInput("mode 'repo' takes repo_url (and no repo_urls)")
            return [self._indexed(account, repo_url)]
        if mode == "list":
            if not repo_urls or repo_url:
                raise InvalidInput("mode 'list' takes repo_urls (and no repo_url)")
            return list({r.id: r for r in (self._indexed(account, u)
                                           for u in repo_urls)}.values())
        if mode != "my":
            raise InvalidInput(f"unknown mode {mode!r}")
        if repo_url or repo_urls:
            raise InvalidInput("mode 'my' takes no repo_url or repo_urls")
        return self.meta.list_repos([account.tenant_record], indexed_only=True)

    def search(self, account: Account, query: str, mode: str, repo_url: str | None,
               repo_urls: list[str] | None, top_k: int, filters: SearchFilters):  # noqa: ANN201
        """Search the account's repos; counts against the daily query quota first."""
        repos = self.allowed_repos(account, mode, repo_url, repo_urls)
        tenant_id = account.user.tenant_id
        if not self.usage.count_query(tenant_id, account.quota.queries_per_day):
            raise QuotaQueriesExceeded(
                f"the {account.user.tier} tier allows {account.quota.queries_per_day} queries "
                "a day; the count resets at 00:00 UTC")
        result = self.search_service.search(repos, query, top_k=top_k, filters=filters)
        self.usage.record_query(tenant_id, query, mode, len(result.hits))
        return result

    def navigate(self, account: Account, what: str, name: str, mode: str,
                 repo_url: str | None, repo_urls: list[str] | None) -> list:
        repos = self.allowed_repos(account, mode, repo_url, repo_urls)
        return getattr(self.navigator, what)(repos, name)

    def job(self, account: Account, job_id: str):  # noqa: ANN201
        return self.jobs.get(job_id, account.tenant)

    def cancel(self, account: Account, job_id: str):  # noqa: ANN201
        return self.jobs.cancel(job_id, account.tenant)

    def list_jobs(self, account: Account, limit: int = 50) -> list:
        """The account's newest jobs."""
        return self.jobs.list_for([account.tenant], limit)

    # --- account -----------------------------------------------------------------------------
    def quota_view(self, account: Account) -> dict:
        """Limits and what is used of them."""
        tenant = account.tenant_record
        return {"limits": account.quota.to_dict(),
                "used": {"repos": len(self.meta.list_repos([tenant])),
                         "chunks": self.meta.tenant_chunks(tenant.id),
                         "queries_today": self.usage.queries_today(tenant.id)}}

    def me(self, account: Account) -> dict:
        view = self.quota_view(account)
        return {"user_id": account.id, "email": account.user.email, "tier": account.user.tier,
                "quota": view["limits"], "usage": view["used"], "tokens": self.tokens(account)}

    def usage_view(self, account: Account, days: int = 30) -> dict:
        """Usage per day, recent queries and quota, for the dashboard."""
        tid = account.user.tenant_id
        return {"quota": self.quota_view(account), "days": self.usage.days(tid, days),
                "recent_queries": self.usage.recent_queries(tid)}

    def delete_account(self, account: Account) -> None:
        """Erase the account and everything of its tenant from every store."""
        if any(not j.done for j in self.jobs.list_for([account.tenant], 200)):
            raise JobsRunning("an ingestion job of this account is queued or running: cancel "
                              "it or try again when it ends")
        self.purger.delete_tenant(str(account.tenant))

