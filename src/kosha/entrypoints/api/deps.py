"""FastAPI dependencies as `Annotated` aliases: the caller of a workspace request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from kosha.domain.errors import InvalidTenantKey
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
