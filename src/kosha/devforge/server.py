"""A threaded WSGI server on 127.0.0.1 for the stand-in forge."""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class BackgroundServer:
    """Serve a WSGI app on 127.0.0.1 in a daemon thread; `url` is its base address."""

    def __init__(self, app, port: int = 0) -> None:  # noqa: ANN001
        self.httpd = make_server("127.0.0.1", port, app, server_class=_ThreadingServer,
                                 handler_class=_QuietHandler)
        self.port = self.httpd.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
