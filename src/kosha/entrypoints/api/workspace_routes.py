"""POST /index, GET /jobs/{id}, POST /search and the graph lookups of workspace mode."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from kosha.entrypoints.api.deps import CallerDep, WorkspaceDep
from kosha.entrypoints.api.schemas import IndexBody, SearchBody, SymbolBody

router = APIRouter(tags=["workspace"])


@router.post("/index", status_code=202)
def index(body: IndexBody, caller: CallerDep, ws: WorkspaceDep, response: Response) -> dict:
    """Queue an index run of one repo (or join the one queued for it); returns the job."""
    job = ws.index(caller, body.repo_url, body.ref, body.mode)
    response.headers["Location"] = f"/jobs/{job.id}"
    return {"job": job.to_dict()}


@router.get("/jobs/{job_id}")
def job(job_id: str, caller: CallerDep, ws: WorkspaceDep) -> dict:
    """Status and progress of an index job of the caller's tenant."""
    return {"job": ws.job(caller, job_id).to_dict()}


@router.post("/search")
def search(body: SearchBody, caller: CallerDep, ws: WorkspaceDep) -> dict:
    """Hybrid code search over the repos the tenant key and the token may read."""
    result = ws.search(caller, body.query, body.mode, body.repo_url, body.repo_urls,
                       body.top_k, body.filters())
    return result.to_dict()


@router.post("/graph/{what}")
def graph(what: Literal["definitions", "callers", "callees"], body: SymbolBody,
          caller: CallerDep, ws: WorkspaceDep) -> dict:
    """Where NAME is defined, who calls it, or what it calls, with the search scoping."""
    refs = ws.navigate(caller, what, body.name, body.mode, body.repo_url, body.repo_urls)
    return {"name": body.name, what: [r.to_dict() for r in refs]}
