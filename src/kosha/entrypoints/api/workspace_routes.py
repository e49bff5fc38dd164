"""POST /index, /jobs, POST /search and the graph lookups: one surface for both modes.

A request with `Authorization: Bearer` acts for its account; one with `X-Tenant-Key` and
`X-Git-Identity` acts for a workspace team. Either way it is turned into one scope first.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from kosha.entrypoints.api.deps import FilesDep, ScopedDep
from kosha.entrypoints.api.schemas import FileBody, IndexBody, SearchBody, SymbolBody

router = APIRouter(tags=["search"])


@router.post("/index", status_code=202, operation_id="index_repo")
def index(body: IndexBody, scope: ScopedDep, response: Response) -> dict:
    """Queue an index run of one repo (or join the one queued for it); returns the job."""
    job = scope.index(body.repo_url, body.ref, body.mode)
    response.headers["Location"] = f"/jobs/{job.id}"
    return {"job": job.to_dict()}


@router.get("/jobs", operation_id="list_jobs")
def jobs(scope: ScopedDep, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    """The newest index jobs of the caller's tenant (a region key: of its teams)."""
    return {"jobs": [j.to_dict() for j in scope.jobs(limit)]}


@router.get("/jobs/{job_id}", operation_id="get_job")
def job(job_id: str, scope: ScopedDep) -> dict:
    """Status and progress of an index job of the caller's tenant."""
    return {"job": scope.job(job_id).to_dict()}


@router.post("/jobs/{job_id}/cancel", status_code=202, operation_id="cancel_job")
def cancel(job_id: str, scope: ScopedDep) -> dict:
    """Cancel a job: a queued one ends now, a running one at its next file boundary; the
    previous index of each repo stays searchable."""
    return {"job": scope.cancel(job_id).to_dict()}


@router.post("/search", operation_id="search_code")
def search(body: SearchBody, scope: ScopedDep) -> dict:
    """Hybrid code search over the repos the caller may read."""
    result = scope.search(body.query, body.mode, body.repo_url, body.repo_urls, body.top_k,
                          body.filters())
    return result.to_dict()


@router.post("/graph/{what}", operation_id="graph_lookup")
def graph(what: Literal["definitions", "callers", "callees"], body: SymbolBody,
          scope: ScopedDep) -> dict:
    """Where NAME is defined, who calls it, or what it calls, with the search scoping."""
    refs = scope.navigate(what, body.name, body.mode, body.repo_url, body.repo_urls)
    return {"name": body.name, what: [r.to_dict() for r in refs]}


@router.post("/files/read", operation_id="read_file")
def read_file(body: FileBody, scope: ScopedDep, files: FilesDep) -> dict:
    """Lines of an indexed file at the repo's indexed commit (the repo's access checks apply)."""
    return scope.read_file(files, body.repo_url, body.path, body.start_line,
                           body.end_line).to_dict()
