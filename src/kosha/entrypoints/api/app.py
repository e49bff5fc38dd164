"""The FastAPI application."""

from __future__ import annotations

import logging
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import text

from kosha import __version__
from kosha.adapters.sql.jobs import SqlJobStore
from kosha.bootstrap import Container
from kosha.entrypoints.api import (
    account_routes,
    auth_routes,
    job_routes,
    webhooks,
    workspace_routes,
)
from kosha.entrypoints.api.errors import install_error_handlers
from kosha.entrypoints.api.limits import BodyLimit
from kosha.entrypoints.api.web import mount_web
from kosha.entrypoints.mcp import build_server, transport_security

log = logging.getLogger("kosha.api")


def create_app(container: Container) -> FastAPI:
    mcp = build_server(container)
    mcp_http = mcp.streamable_http_app(streamable_http_path="/mcp", stateless_http=True,
                                       transport_security=transport_security(container.settings))

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        container.check_secrets()  # refuse to start with missing or default keys
        container.engine  # noqa: B018 - migrate before the first request
        if container.settings.job_backend == "inprocess":
            # one API process per database on the embedded default: a job row still queued or
            # running was left by a process that died, and will never finish (with Celery,
            # queued jobs wait in Redis and a lost worker's job runs again)
            SqlJobStore(container.engine).mark_interrupted_on_start()
        async with mcp.session_manager.run():
            yield
        container.close()

    app = FastAPI(title="Kosha", version=__version__, lifespan=lifespan,
                  description="Multi-tenant code indexing and search over Git repositories.")
    app.state.container = container
    install_error_handlers(app)
    app.include_router(auth_routes.router)
    app.include_router(account_routes.router)
    app.include_router(job_routes.router)
    app.include_router(workspace_routes.router)
    app.include_router(webhooks.router)
    app.router.routes.extend(mcp_http.routes)  # POST/GET/DELETE /mcp: the MCP server
    app.add_middleware(BodyLimit, limit=container.settings.max_request_bytes)

    @app.middleware("http")
    async def request_id(request: Request, call_next):  # noqa: ANN001, ANN202
        rid = request.headers.get("x-request-id", "")
        rid = rid if rid.isalnum() and len(rid) <= 64 else uuid.uuid4().hex
        request.state.request_id = rid
        response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        log.info("%s %s -> %s (request %s)", request.method, request.url.path,
                 response.status_code, rid)
        return response

    @app.get("/health", tags=["ops"])
    def health() -> dict:
        """Liveness and metadata-store reachability."""
        with container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    mount_web(app)  # last: the UI under /app/, and / when no route claims it
    return app
