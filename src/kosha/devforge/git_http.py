"""Real git over smart HTTP (`git http-backend`) behind a token check, as a WSGI app.

Part of the stand-in forge used by the tests and the README walkthrough; never in production.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

# (path of the repo relative to the root, token or None) -> may this token read it?
TokenCheck = Callable[[str, str | None], bool]


def token_from_headers(environ: dict) -> str | None:
    """The token of an `Authorization: Basic <user:token>` or `Bearer <token>` header."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    if scheme.lower() == "basic" and value:
        try:
            _user, _, token = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return token or None
    return None


class GitHttpApp:
    """Serves bare repositories under `root` (`<group>/<project>.git`) read-only."""

    def __init__(self, root: Path, can_read: TokenCheck) -> None:
        self.root = Path(root)
        self.can_read = can_read

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:  # noqa: ANN001
        path = environ.get("PATH_INFO", "")
        repo_path = path.split(".git/", 1)[0].strip("/")
        known = ".." not in repo_path and (self.root / f"{repo_path}.git").is_dir()
        if ".git/" not in path or not known:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if "git-receive-pack" in path or "git-receive-pack" in environ.get("QUERY_STRING", ""):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"read-only\n"]
        if not self.can_read(repo_path, token_from_headers(environ)):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"),
                                                ("WWW-Authenticate", 'Basic realm="forge"')])
            return [b"authentication required\n"]
        return self._backend(environ, start_response)

    def _backend(self, environ: dict, start_response) -> Iterable[bytes]:  # noqa: ANN001
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root), "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "PATH_INFO": environ.get("PATH_INFO", ""),
            "REQUEST_METHOD": environ.get("REQUEST_METHOD", "GET"),
            "QUERY_STRING": environ.get("QUERY_STRING", ""),
            "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": environ.get("REMOTE_ADDR", "127.0.0.1"),
            "REMOTE_USER": "forge-user",
            "GIT_PROTOCOL": environ.get("HTTP_GIT_PROTOCOL", ""),
            "HTTP_CONTENT_ENCODING": environ.get("HTTP_CONTENT_ENCODING", ""),
        }
        proc = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=env,
                              timeout=300)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        status, headers = "200 OK", []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = value.strip()
            elif name:
                headers.append((name.strip(), value.strip()))
        start_response(status, headers)
        return [payload]
