"""Who a request acts for, from its headers: one rule for REST and MCP alike.

`Authorization: Bearer <access token>` is an account; otherwise `X-Tenant-Key` with
`X-Git-Identity` headers is a workspace team; `X-Kosha-Local` (the serving process's key) is
this machine's `local` repos, for the CLI handing work to a running server. Either way the
result is a `Scoped`: the mode's service bound to its caller, so every surface applies the same
checks in the same service.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from kosha.accounts.auth import Account
from kosha.accounts.service import AccountService
from kosha.domain.errors import InvalidAccessToken, InvalidTenantKey
from kosha.domain.models import RepoRecord
from kosha.domain.tenancy import LOCAL_TENANT, TenantKey, parse_tenant_key
from kosha.search.files import FileReader, FileText
from kosha.workspace.identity import GitIdentities, parse_identities
from kosha.workspace.service import Caller, WorkspaceService


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The Bearer token of an Authorization header; None without one, 401 when malformed."""
    scheme, _, value = (headers.get("authorization") or "").partition(" ")
    if not scheme:
        return None
    if scheme.lower() != "bearer" or not value.strip():
        raise InvalidAccessToken("send Authorization: Bearer <access token>")
    return value.strip()


def tenant_key_of(value: str | None) -> TenantKey:
    """A workspace tenant key (400 when missing, malformed or a named account key)."""
    if not value:
        raise InvalidTenantKey("the X-Tenant-Key header is required")
    key = parse_tenant_key(value)
    if key.is_named:
        raise InvalidTenantKey("X-Tenant-Key must look like <domain>//<region>/<team> "
                               "or <domain>//<region>/*")
    return key


def identities_of(headers: Mapping[str, str]) -> GitIdentities:
    """Every X-Git-Identity header, parsed (each repetition when the mapping keeps them)."""
    getlist = getattr(headers, "getlist", None)
    values = getlist("x-git-identity") if getlist else [headers.get("x-git-identity") or ""]
    return parse_identities(v for v in values if v)


@dataclass(frozen=True)
class Scoped:
    """A request's service bound to who it acts for: a workspace caller or an account."""

    service: WorkspaceService | AccountService
    caller: Caller | Account

    @property
    def is_account(self) -> bool:
        return isinstance(self.caller, Account)

    def index(self, repo_url: str, ref: str | None, mode: str):  # noqa: ANN201
        return self.service.index(self.caller, repo_url, ref, mode)

    def search(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return self.service.search(self.caller, *args, **kwargs)

    def navigate(self, *args, **kwargs) -> list:  # noqa: ANN002, ANN003
        return self.service.navigate(self.caller, *args, **kwargs)

    def job(self, job_id: str):  # noqa: ANN201
        return self.service.job(self.caller, job_id)

    def cancel(self, job_id: str):  # noqa: ANN201
        return self.service.cancel(self.caller, job_id)

    def jobs(self, limit: int):  # noqa: ANN201
        return self.service.list_jobs(self.caller, limit)

    def searchable(self) -> list[RepoRecord]:
        """Every indexed repo this caller may search ('region' for a wildcard key)."""
        wide = not self.is_account and self.caller.tenant.wildcard
        return self.service.allowed_repos(self.caller, "region" if wide else "my")

    def read_file(self, files: FileReader, repo_url: str, path: str,
                  start: int | None = None, end: int | None = None) -> FileText:
        """Lines of a file at the repo's indexed commit, after the repo's access checks."""
        repo = self.service.allowed_repos(self.caller, "repo", repo_url)[0]
        return files.read(repo, path, start, end)


def scope_of(container, headers: Mapping[str, str]) -> Scoped:  # noqa: ANN001
    """Account mode when the headers carry a Bearer token, workspace mode otherwise; this
    machine's `local` repos with the serving process's local key (kosha.entrypoints.handoff)."""
    local = headers.get("x-kosha-local")
    if local is not None:
        if not container.local_key or not secrets.compare_digest(local, container.local_key):
            raise InvalidAccessToken("X-Kosha-Local does not match this server's local key "
                                     "(in $KOSHA_HOME/server.json while kosha serve runs)")
        return Scoped(container.local, Caller(LOCAL_TENANT, GitIdentities({})))
    token = bearer_token(headers)
    if token is not None:
        return Scoped(container.accounts, container.auth.authenticate(token))
    caller = Caller(tenant_key_of(headers.get("x-tenant-key")), identities_of(headers))
    return Scoped(container.workspace, caller)
