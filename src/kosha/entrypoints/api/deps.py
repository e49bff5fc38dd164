"""FastAPI dependencies as `Annotated` aliases: the caller of a workspace request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from kosha.domain.errors import InvalidTenantKey
from kosha.domain.tenancy import TenantKey, parse_tenant_key
from kosha.workspace.identity import GitIdentities, parse_identities
from kosha.workspace.service import Caller, WorkspaceService


def _tenant(x_tenant_key: Annotated[str | None, Header(
        description="`<domain>//<region>/<team>` or `<domain>//<region>/*`")] = None) -> TenantKey:
    if not x_tenant_key:
        raise InvalidTenantKey("the X-Tenant-Key header is required")
    key = parse_tenant_key(x_tenant_key)
    if key.is_named:
        raise InvalidTenantKey("X-Tenant-Key must look like <domain>//<region>/<team> "
                               "or <domain>//<region>/*")
    return key


def _identities(request: Request, x_git_identity: Annotated[list[str] | None, Header(
        description="`domain=<forge domain>,token=<token>`, repeatable")] = None
                ) -> GitIdentities:
    del x_git_identity  # declared for the OpenAPI docs; read raw to keep every repetition
    return parse_identities(request.headers.getlist("x-git-identity"))


def _caller(tenant: Annotated[TenantKey, Depends(_tenant)],
            identities: Annotated[GitIdentities, Depends(_identities)]) -> Caller:
    return Caller(tenant, identities)


def _workspace(request: Request) -> WorkspaceService:
    return request.app.state.container.workspace


TenantDep = Annotated[TenantKey, Depends(_tenant)]
CallerDep = Annotated[Caller, Depends(_caller)]
WorkspaceDep = Annotated[WorkspaceService, Depends(_workspace)]
