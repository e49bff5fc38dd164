"""FastAPI dependencies as `Annotated` aliases: who a request acts for, and the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from kosha.accounts.auth import Account, AuthService
from kosha.accounts.service import AccountService
from kosha.domain.errors import InvalidAccessToken
from kosha.domain.tenancy import TenantKey
from kosha.entrypoints.scope import (
    Scoped,
    bearer_token,
    identities_of,
    scope_of,
    tenant_key_of,
)
from kosha.search.files import FileReader
from kosha.workspace.identity import GitIdentities
from kosha.workspace.service import Caller, WorkspaceService


def tenant_key_header(x_tenant_key: Annotated[str | None, Header(
        description="`<domain>//<region>/<team>` or `<domain>//<region>/*`")] = None) -> TenantKey:
    """The workspace tenant key of the X-Tenant-Key header (400 when missing or malformed)."""
    return tenant_key_of(x_tenant_key)


def git_identities(request: Request, x_git_identity: Annotated[list[str] | None, Header(
        description="`domain=<forge domain>,token=<token>`, repeatable")] = None
                   ) -> GitIdentities:
    """Every X-Git-Identity header of the request, parsed."""
    del x_git_identity  # declared for the OpenAPI docs; read raw to keep every repetition
    return identities_of(request.headers)


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


def account_of(request: Request, authorization: Annotated[str | None, Header(
        description="`Bearer <access token>` (account mode)")] = None) -> Account:
    """The signed-in account of an `Authorization: Bearer` request (401 otherwise)."""
    del authorization  # declared for the OpenAPI docs
    token = bearer_token(request.headers)
    if token is None:
        raise InvalidAccessToken("sign in first: send Authorization: Bearer <access token>")
    return request.app.state.container.auth.authenticate(token)


def scoped(request: Request, authorization: Annotated[str | None, Header(
        description="`Bearer <access token>` (account mode)")] = None,
           x_tenant_key: Annotated[str | None, Header(
               description="workspace mode: `<domain>//<region>/<team>` or "
                           "`<domain>//<region>/*`")] = None) -> Scoped:
    """Account mode when the request has a Bearer token, workspace mode otherwise."""
    del authorization, x_tenant_key  # declared for the OpenAPI docs
    return scope_of(request.app.state.container, request.headers)


def accounts_service(request: Request) -> AccountService:
    return request.app.state.container.accounts


def auth_service(request: Request) -> AuthService:
    return request.app.state.container.auth


def file_reader(request: Request) -> FileReader:
    return request.app.state.container.files


def client_address(request: Request) -> str:
    """The client's address as the server sees it (put a proxy's trusted header in front)."""
    return request.client.host if request.client else "unknown"


AccountDep = Annotated[Account, Depends(account_of)]
ScopedDep = Annotated[Scoped, Depends(scoped)]
AccountsDep = Annotated[AccountService, Depends(accounts_service)]
AuthDep = Annotated[AuthService, Depends(auth_service)]
FilesDep = Annotated[FileReader, Depends(file_reader)]
