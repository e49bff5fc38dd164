"""The web UI: the built single-page app (web/dist) served under /app/ by `kosha serve`.

The UI lives under its own prefix, so no API path (/auth, /repos, /jobs, /search, /graph,
/index, /usage, /webhooks, /health, /docs, /openapi.json, /mcp, ...) can ever be shadowed by it,
whatever routes are added later. Under /app/: hashed assets (`/app/assets/*`) are immutable and
cached for a year; any other GET is a client-side route and answers index.html, never cached
(so a new build is picked up at once). `/` redirects to `/app/` unless a route already claims it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse
from starlette.routing import Route

log = logging.getLogger("kosha.api")

PREFIX = "/app"
ASSET_CACHE = "public, max-age=31536000, immutable"
PAGE_CACHE = "no-cache"
PAGE_HEADERS = {
    "Cache-Control": PAGE_CACHE,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

DEFAULT_DIST = Path(__file__).resolve().parents[4] / "web" / "dist"  # a source checkout


def _inside(root: Path, relative: str) -> Path | None:
    """`root/relative` if it is a file under root (no `..` escapes), else None."""
    candidate = (root / relative).resolve()
    if candidate.is_file() and candidate.is_relative_to(root):
        return candidate
    return None


def mount_web(app: FastAPI, dist: Path = DEFAULT_DIST) -> None:
    """Serve the built UI from `dist` under /app/; does nothing when it has not been built."""
    dist = Path(dist).resolve()
    index = dist / "index.html"
    if not index.is_file():
        log.info("web UI not built (%s missing): run scripts/web", index)
        return

    @app.api_route(PREFIX, methods=["GET", "HEAD"], include_in_schema=False)
    def app_root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=308)

    @app.api_route(PREFIX + "/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def app_page(path: str) -> FileResponse:
        if path.startswith("assets/"):
            asset = _inside(dist, path)
            if asset is None:  # a stale hashed name: a 404, not the page
                raise HTTPException(status_code=404, detail="no such asset")
            return FileResponse(asset, headers={"Cache-Control": ASSET_CACHE,
                                                "X-Content-Type-Options": "nosniff"})
        static = _inside(dist, path) if path else None  # favicon.svg and such from public/
        if static is not None and static != index:
            return FileResponse(static, headers={"Cache-Control": PAGE_CACHE})
        return FileResponse(index, media_type="text/html", headers=PAGE_HEADERS)

    if not any(isinstance(r, Route) and r.path == "/" for r in app.router.routes):
        @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
        def home() -> RedirectResponse:
            return RedirectResponse(f"{PREFIX}/", status_code=307)
