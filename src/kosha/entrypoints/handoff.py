"""A running `kosha serve` owns its home's embedded graph; CLI commands on this machine's
`local` repos hand their work to it over HTTP instead of failing with `store_locked`.

`kosha serve` writes `$KOSHA_HOME/server.json` (mode 0600: its URL, pid and a random local
key made at start) and removes it on exit. A request carrying that key in `X-Kosha-Local` acts
for the `local` tenant only, as the CLI on this machine would.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass

import httpx

from kosha.domain.errors import KoshaError, StoreError

SERVER_FILE = "server.json"
LOCAL_HEADER = "X-Kosha-Local"


@dataclass(frozen=True)
class RunningServer:
    """Where the server that owns a home listens, and the key its local scope wants."""

    url: str
    pid: int
    key: str


def _connect_host(host: str) -> str:
    if host in ("", "0.0.0.0"):  # noqa: S104 - listening everywhere: reach it on loopback
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def announce(settings, host: str, port: int) -> str:  # noqa: ANN001
    """Write the server file of this process (0600); returns the local key."""
    key = secrets.token_urlsafe(32)
    body = json.dumps({"url": f"http://{_connect_host(host)}:{port}", "pid": os.getpid(),
                       "key": key})
    path = settings.home_dir / SERVER_FILE
    tmp = path.with_name(f".{SERVER_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(tmp, path)
    return key


def withdraw(settings, key: str) -> None:  # noqa: ANN001
    """Remove the server file if it is still this server's."""
    found = running_server(settings, check_pid=False)
    if found is not None and secrets.compare_digest(found.key, key):
        (settings.home_dir / SERVER_FILE).unlink(missing_ok=True)


def running_server(settings, check_pid: bool = True) -> RunningServer | None:  # noqa: ANN001
    """The server that owns this home, if its file is there and its process alive."""
    try:
        data = json.loads((settings.home_dir / SERVER_FILE).read_text(encoding="utf-8"))
        found = RunningServer(str(data["url"]), int(data["pid"]), str(data["key"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if check_pid:
        try:
            os.kill(found.pid, 0)
        except ProcessLookupError:
            return None  # a server that was killed left its file behind
        except PermissionError:
            pass  # alive, another user's: its 0600 file was readable only if it is ours
    return found


def remote_error(response: httpx.Response) -> KoshaError:
    """The server's JSON error as a KoshaError with the same code and message."""
    try:
        body = response.json()["error"]
        exc = KoshaError(str(body["message"]))
        exc.code = str(body["code"])
    except (ValueError, KeyError, TypeError):
        exc = KoshaError(f"the Kosha server answered HTTP {response.status_code}")
    exc.status = response.status_code
    return exc


class ServerClient:
    """The local scope of a running server, over HTTP."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, headers={LOCAL_HEADER: server.key},
                                 timeout=httpx.Timeout(30.0, read=120.0))

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        """One JSON request; the server's errors come back as KoshaErrors."""
        try:
            response = self.http.request(method, path, json=body)
        except httpx.TransportError as exc:
            raise StoreError(f"kosha serve (pid {self.server.pid}) holds this KOSHA_HOME but "
                             f"does not answer at {self.server.url} ({type(exc).__name__}); "
                             "wait for it to start, or stop it") from None
        if response.status_code >= 400:
            raise remote_error(response)
        return response.json()

    def close(self) -> None:
        self.http.close()


def server_client(settings) -> ServerClient | None:  # noqa: ANN001
    """A client of the server that owns this home, or None when none answers there (its file
    may outlive a killed server whose pid was reused)."""
    found = running_server(settings)
    if found is None:
        return None
    client = ServerClient(found)
    try:
        client.http.get("/health", timeout=5.0)
    except httpx.TransportError:
        client.close()
        return None
    return client
