"""FastAPI dependencies as `Annotated` aliases: who a request acts for, and the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from kosha.accounts.auth import Account, AuthService
from kosha.accounts.service import AccountService
from kosha.domain.errors import InvalidAccessToken, InvalidTenantKey
from kosha.domain.tenancy import TenantKey, parse_tenant_key
from kosha.workspace.identity import GitIdentities, parse_identities
from kosha.workspace.service import Caller, WorkspaceService


def tenant_key_header(x_tenant_key: Annotated[str | None, Header(
        description="`<domain>//<region>/<team>` or `<domain>//<region>/*`")] = None) -> TenantKey:
    """The workspace tenant key of the X-Tenant-Key header (400 when missing or malformed)."""
    if not x_tenant_key:
        raise InvalidTenantKey("the X-Tenant-Key header is required")
    key = parse_tenant_key(x_tenant_key)
    if key.is_named:
        raise InvalidTenantKey("X-Tenant-Key must look like <domain>//<region>/<team> "
                               "or <domain>//<region>/*")
    return key


def git_identities(request: Request, x_git_identity: Annotated[list[str] | None, Header(
        description="`domain=<forge domain>,token=<token>`, repeatable")] = None
                   ) -> GitIdentities:
    """Every X-Git-Identity header of the request, parsed."""
    del x_git_identity  # declared for the OpenAPI docs; read raw to keep every repetition
    return parse_identities(request.headers.getlist("x-git-identity"))


def caller_of(tenant: Annotated[TenantKey, Depends(tenant_key_header)],
              identities: Annotated[GitIdentities, Depends(git_identities)]) -> Caller:
    """Who the request acts for."""
    return Caller(tenant, identities)


def workspace_service(request: Request) -> WorkspaceService:
    """The app's workspace service."""
    return request.app.state.container.workspace


TenantDep = Annotated[TenantKey, Depends(tenant_key_header)]
CallerDep = Annotated[Caller, Depends(caller_of)]
WorkspaceDep = Annotated[WorkspaceService, Depends(workspace_service)]


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if not scheme:
        return None
    if scheme.lower() != "bearer" or not value.strip():
        raise InvalidAccessToken("send Authorization: Bearer <access token>")
    return value.strip()


def account_of(request: Request, authorization: Annotated[str | None, Header(
        description="`Bearer <access token>` (account mode)")] = None) -> Account:
    """The signed-in account of an `Authorization: Bearer` request (401 otherwise)."""
    del authorization  # declared for the OpenAPI docs
    token = _bearer(request)
    if token is None:
        raise InvalidAccessToken("sign in first: send Authorization: Bearer <access token>")
    return request.app.state.container.auth.authenticate(token)


@dataclass(frozen=True)
class Scoped:
    """A request's service bound to who it acts for: a workspace caller or an account."""

    service: WorkspaceService | AccountService
    caller: Caller | Account

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


def scoped(request: Request, authorization: Annotated[str | None, Header(
        description="`Bearer <access token>` (account mode)")] = None,
           x_tenant_key: Annotated[str | None, Header(
               description="workspace mode: `<domain>//<region>/<team>` or "
                           "`<domain>//<region>/*`")] = None) -> Scoped:
    """Account mode when the request has a Bearer token, workspace mode otherwise."""
    del authorization
    container = request.app.state.container
    token = _bearer(request)
    if token is not None:
        return Scoped(container.accounts, container.auth.authenticate(token))
    caller = caller_of(tenant_key_header(x_tenant_key), git_identities(request))
    return Scoped(container.workspace, caller)


def accounts_service(request: Request) -> AccountService:
    return request.app.state.container.accounts


def auth_service(request: Request) -> AuthService:
    return request.app.state.container.auth


def client_address(request: Request) -> str:
    """The client's address as the server sees it (put a proxy's trusted header in front)."""
    return request.client.host if request.client else "unknown"


AccountDep = Annotated[Account, Depends(account_of)]
ScopedDep = Annotated[Scoped, Depends(scoped)]
AccountsDep = Annotated[AccountService, Depends(accounts_service)]
AuthDep = Annotated[AuthService, Depends(auth_service)]
