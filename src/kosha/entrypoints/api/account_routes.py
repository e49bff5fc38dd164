"""An account's repositories and usage: `/repos*` and `/usage` (Bearer only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kosha.entrypoints.api.deps import AccountDep, AccountsDep
from kosha.entrypoints.api.schemas import SelectBody

router = APIRouter(tags=["accounts"])


@router.get("/repos/available", operation_id="available_repos")
def available(account: AccountDep, accounts: AccountsDep,
              domain: Annotated[str | None, Query(max_length=255)] = None,
              page: Annotated[int, Query(ge=1, le=10_000)] = 1,
              per_page: Annotated[int, Query(ge=1, le=100)] = 20) -> dict:
    """Repos the stored token reads, each with file count and estimated chunks."""
    return accounts.available(account, domain, page, per_page)


@router.post("/repos/select", status_code=202, operation_id="select_repos")
def select(body: SelectBody, account: AccountDep, accounts: AccountsDep,
           response: Response) -> dict:
    """Check the quota, then queue one ingestion job for the selected repos."""
    job = accounts.select(account, body.repo_urls, body.ref, body.mode)
    response.headers["Location"] = f"/jobs/{job.id}"
    return {"job": job.to_dict()}


@router.get("/repos", operation_id="list_repos")
def repos(account: AccountDep, accounts: AccountsDep) -> dict:
    """The account's repositories and what of each is indexed."""
    return {"repos": accounts.repos(account)}


@router.delete("/repos/{repo_id}", status_code=204, operation_id="delete_repo")
def delete_repo(repo_id: int, account: AccountDep, accounts: AccountsDep) -> Response:
    """Remove one repository from every store."""
    accounts.delete_repo(account, repo_id)
    return Response(status_code=204)


@router.get("/usage", operation_id="usage")
def usage(account: AccountDep, accounts: AccountsDep,
          days: Annotated[int, Query(ge=1, le=366)] = 30) -> dict:
    """Usage per day, quota and the last 20 queries."""
    return accounts.usage_view(account, days)
