"""`kosha` command line: serve, index, embed, repos, migrate (search commands: cli_search)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kosha.bootstrap import Container
from kosha.config import Settings
from kosha.domain.errors import InvalidInput, KoshaError, StoreLocked
from kosha.domain.links import forge_kind
from kosha.domain.tenancy import LOCAL_TENANT, TenantKey, parse_repo_url, parse_tenant_key
from kosha.entrypoints.cli_common import app, container, err, fail, local_repo, out
from kosha.entrypoints.cli_jobs import (
    SUCCESS,
    JobBar,
    JobWatch,
    WatchError,
    job_progress,
    summary,
)
from kosha.entrypoints.handoff import ServerClient, announce, server_client, withdraw
from kosha.ingest.pipeline import IndexRequest
from kosha.ingest.progress import IndexProgress


def _default_tenant(domain: str, namespace: tuple[str, ...]) -> TenantKey:
    return TenantKey(domain=domain, path=namespace[:2])


def _request(target: str, ref: str | None, full: bool, tenant: str | None) -> IndexRequest:
    mode = "full" if full else "incremental"
    path = Path(target).expanduser()
    if path.exists():
        top = local_repo(path)
        if top is None:
            raise InvalidInput(f"{target} is not a git repository (run `git init` and commit)")
        key = parse_tenant_key(tenant) if tenant else LOCAL_TENANT
        return IndexRequest(tenant=key, repo_url=top.as_uri(), source=str(top),
                            ref=ref or "HEAD", mode=mode, local=True)
    repo = parse_repo_url(target)
    key = parse_tenant_key(tenant) if tenant else _default_tenant(repo.domain, repo.namespace)
    owner = key.owner_of(repo)
    token = os.environ.get("KOSHA_GIT_TOKEN")
    return IndexRequest(tenant=owner, repo_url=repo.url, source=repo.git_url,
                        ref=ref or "HEAD", mode=mode, group_path=repo.group_path,
                        token=SecretStr(token) if token else None,
                        token_username="x-access-token" if forge_kind(repo.url) == "github"
                        else "oauth2")


class _Bar:
    """Renders IndexProgress with rich."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("queued", total=None)

    def __call__(self, p: IndexProgress) -> None:
        if p.phase == "embed":
            done, total, unit = p.chunks_embedded, p.chunks_to_embed, "chunks"
        else:
            done, total, unit = p.files_done, p.files_total or None, "files"
        eta = f"ETA {p.eta:.0f}s" if p.eta is not None else ""
        info = (f"{p.phase:<7} {done}/{total or '?'} {unit}  {p.chunks} chunks  "
                f"{p.rate:.1f} {unit}/s  {eta}")
        self.progress.update(self.task, description=info, completed=done, total=total)


@app.command()
def index(target: Annotated[str, typer.Argument(help="local repository path or repo URL")],
          ref: Annotated[str | None, typer.Option(help="branch, tag or SHA (default: HEAD)")]
          = None,
          full: Annotated[bool, typer.Option("--full", help="rebuild from scratch")] = False,
          tenant: Annotated[str | None, typer.Option(help="tenant key (local path: 'local')")]
          = None,
          embed: Annotated[bool, typer.Option(help="also compute every dense vector now")]
          = True,
          as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")]
          = False) -> None:
    """Index a repository (incremental by default) and print a summary.

    While `kosha serve` runs on this KOSHA_HOME, a local repository is indexed by it (it holds
    the embedded stores): the command queues the job there and follows it."""
    try:
        req = _request(target, ref, full, tenant)
    except KoshaError as exc:
        fail(exc)
    client = server_client(Settings()) if req.local and req.tenant == LOCAL_TENANT else None
    if client is not None:
        _index_on_server(client, req, ref, as_json)
        return
    c = container()
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=err, transient=True, disable=as_json) as bar:
            result = c.indexer.index(req, on_progress=_Bar(bar), embed=embed)
    except KoshaError as exc:
        fail(exc)
    finally:
        c.close()
    data = result.to_dict()
    if as_json:
        out.print_json(json.dumps(data))
        return
    if result.up_to_date:
        out.print(f"[green]up to date[/green] {result.repo_url} @ {result.commit[:12]}")
    table = Table(show_header=False, box=None)
    for key in ("repo_url", "commit", "previous_commit", "mode", "files_indexed",
                "files_removed", "chunks_written", "chunks_pending_vectors", "skipped",
                "languages", "searchable_after_s", "elapsed_s"):
        table.add_row(key, str(data.get(key)))
    out.print(table)
    if result.chunks_pending:
        out.print(f"{result.chunks_pending} chunks still lack dense vectors; lexical search "
                  "covers them. Run `kosha embed` to finish.")


def _index_on_server(client: ServerClient, req: IndexRequest, ref: str | None,
                     as_json: bool) -> None:
    """Queue the index run on the server that owns this home and follow it to the end."""
    server = client.server
    try:
        job = client.call("POST", "/index", {"repo_url": req.source, "ref": ref,
                                             "mode": req.mode})["job"]
        with job_progress(disable=as_json) as bar:
            job = JobWatch(client.http, job["id"], {}, JobBar(bar)).run()
    except KoshaError as exc:
        fail(exc)
    except WatchError as exc:
        err.print(f"[red]error[/red] {escape(f'[{exc.code}] {exc.message}')}", soft_wrap=True)
        raise typer.Exit(2) from None
    finally:
        client.close()
    if as_json:
        out.print_json(json.dumps(job))
    else:
        out.print(escape(summary(job)), soft_wrap=True, highlight=False)
        out.print(f"[dim]indexed by kosha serve (pid {server.pid}, {server.url}), which holds "
                  "this KOSHA_HOME[/dim]")
    status = str(job.get("status"))
    raise typer.Exit(0 if status in SUCCESS else 1 if status == "cancelled" else 2)


@app.command()
def embed(target: Annotated[str, typer.Argument(help="local repository path or repo URL")],
          tenant: Annotated[str | None, typer.Option(help="tenant key")] = None) -> None:
    """Compute the dense vectors a repository still lacks."""
    c = container()
    try:
        req = _request(target, None, False, tenant)
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            n = c.indexer.embed_pending(req.tenant, req.repo_url, on_progress=_Bar(bar))
        out.print(f"{n} chunks still pending")
    except KoshaError as exc:
        fail(exc)
    finally:
        c.close()


@app.command()
def repos(tenant: Annotated[str, typer.Option(help="tenant key")] = "local") -> None:
    """List the repositories of a tenant and what is indexed."""
    c = container()
    try:
        rows = c.meta.list_repos(c.meta.tenants_read_by(parse_tenant_key(tenant)))
    except KoshaError as exc:
        fail(exc)
    finally:
        c.close()
    table = Table("id", "repo", "commit", "ref")
    for r in rows:
        table.add_row(str(r.id), r.repo_url, (r.last_indexed_commit or "-")[:12],
                      r.last_indexed_ref or "-")
    out.print(table)


@app.command()
def migrate() -> None:
    """Create or upgrade the metadata schema (SQLite or PostgreSQL)."""
    from kosha.adapters.sql.engine import make_engine
    from kosha.adapters.sql.engine import migrate as run_migrations

    settings = Settings()
    engine = make_engine(settings.sql_url)
    run_migrations(engine)
    engine.dispose()
    out.print(f"schema up to date at {engine.url.render_as_string(hide_password=True)}")


@app.command()
def serve(host: Annotated[str | None, typer.Option(help="bind address")] = None,
          port: Annotated[int | None, typer.Option(help="port")] = None) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from kosha.entrypoints.api.app import create_app

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    c = Container(settings)
    try:
        c.check_secrets()
        other = server_client(settings)  # a file whose server is gone does not count
        if other is not None:
            other.close()
            raise StoreLocked(f"kosha serve (pid {other.server.pid}) already serves "
                              f"{settings.home_dir} at {other.server.url}; stop it or give this "
                              "one another KOSHA_HOME")
    except KoshaError as exc:
        fail(exc)
    c.local_key = announce(settings, host, port)  # `kosha index` etc. hand their work to us
    out.print(f"Kosha on http://{host}:{port}  (docs: /docs, data: {settings.home_dir})")
    try:
        uvicorn.run(create_app(c), host=host, port=port, log_level=settings.log_level.lower())
    finally:
        withdraw(settings, c.local_key)


@app.command()
def worker(concurrency: Annotated[int, typer.Option(help="jobs run at once by this worker")]
           = 2) -> None:
    """Run index jobs from the Celery queue on Redis (KOSHA_JOB_BACKEND=celery)."""
    from kosha.entrypoints.worker import run_worker

    settings = Settings()
    try:
        if settings.job_backend != "celery" or not settings.redis_url:
            raise InvalidInput("kosha worker needs KOSHA_JOB_BACKEND=celery and KOSHA_REDIS_URL")
        run_worker(settings, concurrency=max(1, concurrency))
    except KoshaError as exc:
        fail(exc)


@app.command()
def mcp(tenant: Annotated[str | None, typer.Option(
            envvar="KOSHA_TENANT_KEY",
            help="workspace tenant key (<domain>//<region>/<team>); unset: this machine's "
                 "repos, as `kosha index ./repo` indexes them")]
        = None,
        git_identity: Annotated[list[str] | None, typer.Option(
            envvar="KOSHA_GIT_IDENTITY", show_envvar=False,
            help="domain=<forge domain>,token=<token> (repeatable; prefer the environment)")]
        = None,
        access_token: Annotated[str | None, typer.Option(
            envvar="KOSHA_ACCESS_TOKEN", show_envvar=False,
            help="account mode: an access token from /auth/login (prefer the environment)")]
        = None) -> None:
    """Serve the MCP tools on stdin/stdout for an AI assistant (HTTP: /mcp on kosha serve)."""
    from kosha.entrypoints.mcp import run_stdio, stdio_scope

    c = container()
    try:
        c.check_secrets()
        run_stdio(c, stdio_scope(c, access_token, tenant, git_identity or []))
    except KoshaError as exc:
        fail(exc)
    finally:
        c.close()


def main() -> None:
    logging.basicConfig(level=os.environ.get("KOSHA_LOG_LEVEL", "WARNING").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted: the previous index stays searchable; run again to finish")
        sys.exit(130)


import kosha.entrypoints.cli_admin  # noqa: E402, F401  (registers rotate-key, admin)
import kosha.entrypoints.cli_jobs  # noqa: E402, F401  (registers jobs)
import kosha.entrypoints.cli_search  # noqa: E402, F401  (registers search, def, callers, callees)
