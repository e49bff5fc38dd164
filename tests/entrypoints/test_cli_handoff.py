"""`kosha index` / `search` / `callers` while `kosha serve` runs on the same KOSHA_HOME: the
server holds the embedded graph, so the CLI hands its work to it (local tenant only)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kosha.bootstrap import Container
from kosha.config import Settings
from kosha.domain.errors import StoreLocked
from kosha.entrypoints import cli
from kosha.entrypoints.handoff import LOCAL_HEADER, running_server
from tests.integration.samples import FILES

pytestmark = pytest.mark.slow
KOSHA = str(Path(sys.executable).with_name("kosha"))
runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "KOSHA_HOME": str(home)}
    for name in ("KOSHA_DATABASE_URL", "KOSHA_MILVUS_URI", "KOSHA_JOB_BACKEND",
                 "KOSHA_GRAPH_PATH", "KOSHA_BLOB_DIR", "KOSHA_VECTOR_ENGINE"):
        env.pop(name, None)  # the embedded default in KOSHA_HOME
    return env


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """`kosha serve` on a free port over its own home; the CLI in this process uses it too."""
    home, port = tmp_path / "home", _free_port()
    log = tmp_path / "serve.log"
    home.mkdir()  # a file left by a server that is gone, its pid now someone else's (ours)
    (home / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:9",
                                                  "pid": os.getpid(), "key": "stale"}))
    proc = subprocess.Popen([KOSHA, "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=_env(home), stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"kosha serve did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        for name, value in _env(home).items():
            if name.startswith("KOSHA_"):
                monkeypatch.setenv(name, value)
        for name in ("KOSHA_VECTOR_ENGINE", "KOSHA_MILVUS_URI", "KOSHA_DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
        yield home, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert not (home / "server.json").exists(), "kosha serve left its server file behind"


def test_the_cli_hands_index_search_and_callers_to_a_running_server(
        served: tuple[Path, str], make_repo) -> None:  # noqa: ANN001
    home, url = served
    server = running_server(Settings())
    assert server is not None and server.url == url
    assert oct((home / "server.json").stat().st_mode & 0o777) == "0o600"
    repo = make_repo(files=FILES)

    result = runner.invoke(cli.app, ["index", str(repo.path), "--json"])
    assert result.exit_code == 0, result.output
    job = json.loads(result.output)
    assert job["status"] == "completed" and job["chunks"] > 0, job

    # the server holds the graph: this process could not have done any of it itself
    c = Container(Settings())
    try:
        with pytest.raises(StoreLocked):
            c.graph.ensure()
    finally:
        c.close()

    result = runner.invoke(cli.app, ["search", "check that a JSON web token is signed correctly",
                                     "--json", "-k", "3"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    assert hits and hits[0]["rel_path"] == "src/auth/jwt.py", hits

    result = runner.invoke(cli.app, ["callers", "verify_signature", "--json",
                                     "--repo", str(repo.path)])
    assert result.exit_code == 0, result.output
    assert [r["symbol"] for r in json.loads(result.output)] == ["validate_jwt"]
    result = runner.invoke(cli.app, ["callees", "validate_jwt"])  # human output renders
    assert result.exit_code == 0 and "decode_claims" in result.output, result.output

    result = runner.invoke(cli.app, ["search", "x", "--kind", "nope"])
    assert result.exit_code == 2 and "unknown kind" in result.output


def test_only_the_servers_own_key_reaches_the_local_tenant(served: tuple[Path, str]) -> None:
    home, url = served
    body = {"query": "token", "mode": "my"}
    wrong = httpx.post(f"{url}/search", json=body, headers={LOCAL_HEADER: "not-the-key"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_token"
    key = running_server(Settings()).key
    right = httpx.post(f"{url}/search", json=body, headers={LOCAL_HEADER: key})
    assert right.status_code == 200, right.text


def test_a_second_server_on_the_same_home_is_refused(served: tuple[Path, str]) -> None:
    home, _ = served
    second = subprocess.run([KOSHA, "serve", "--port", str(_free_port())], env=_env(home),
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 2 and "already serves" in second.stderr
    assert running_server(Settings()) is not None  # the first one's file is untouched


def test_a_dead_servers_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        make_repo) -> None:  # noqa: ANN001
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("KOSHA_HOME", str(home))
    monkeypatch.setattr("kosha.bootstrap.make_embedder", lambda settings: _hash_embedder())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (home / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": dead.pid,
                                                  "key": "k"}))
    repo = make_repo(files=FILES)
    result = runner.invoke(cli.app, ["index", str(repo.path), "--json", "--no-embed"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files_indexed"] == 7  # indexed here, not handed off


def _hash_embedder():  # noqa: ANN202
    from tests.fakes import HashEmbedder

    return HashEmbedder()
