"""Domain errors -> JSON responses with a stable `code` and a human `message`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kosha.domain.errors import KoshaError

log = logging.getLogger("kosha.api")


def _body(request: Request, code: str, message: str, **extra: object) -> dict:
    return {"error": {"code": code, "message": message,
                      "request_id": getattr(request.state, "request_id", None), **extra}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KoshaError)
    async def _kosha(request: Request, exc: KoshaError) -> JSONResponse:
        details = {"details": exc.details} if exc.details else {}
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        if exc.status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        return JSONResponse(_body(request, exc.code, exc.message, **details),
                            status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]),
                     "problem": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse(_body(request, "invalid_input", "the request body is not valid",
                                  details=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(_body(request, code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s on %s %s (request %s)", type(exc).__name__, request.method,
                  request.url.path, getattr(request.state, "request_id", None))
        return JSONResponse(_body(request, "internal_error", "something went wrong on our side"),
                            status_code=500)
