"""The web UI for real: the stand-in forge and `kosha serve` as subprocesses on free ports,
driven by Debian's chromium through playwright-core (web/e2e)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kosha.devforge.demo import build_bare_repo, demo_forge
from kosha.devforge.forge import ForgeSpec, ProjectSpec

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
PYTHON = sys.executable
KOSHA = str(Path(sys.executable).with_name("kosha"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BIG_REPO = "emea/team-a/monorepo"  # large enough that a job is still running when cancelled
BIG_FILES = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_tools() -> tuple[str, str]:
    """node and chromium, or a skip saying which is missing."""
    node = shutil.which("node")
    chromium = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    missing = [name for name, path in (("node", node), ("chromium", chromium)) if not path]
    if missing:
        if os.environ.get("CI"):  # make test installs both: missing in CI is a broken set-up
            pytest.fail(f"{' and '.join(missing)} missing in CI (scripts/web installs chromium)")
        pytest.skip(f"{' and '.join(missing)} not installed: the browser suite needs Node.js "
                    "and Debian's chromium (scripts/web installs chromium as root)")
    return node, chromium


def _module(i: int) -> str:
    return (f'"""Generated module {i} of the monorepo."""\n\n'
            f"def parse_record_{i}(line: str) -> dict:\n"
            f'    """Split record {i} into its named fields."""\n'
            f'    name, _, value = line.partition("=")\n'
            f"    return {{'name': name.strip(), 'value': value.strip(), 'n': {i}}}\n\n\n"
            f"def total_{i}(lines: list[str]) -> int:\n"
            f'    """Sum the numeric values of records of kind {i}."""\n'
            f"    return sum(int(parse_record_{i}(x)['value'] or 0) for x in lines)\n")


def build_forge(root: Path) -> Path:
    """The demo forge plus a larger repo of team A; returns its spec file."""
    spec = demo_forge(root)
    target = root / f"{BIG_REPO}.git"
    if not (target / "HEAD").is_file():
        files = {f"records/mod_{i:03d}.py": _module(i) for i in range(BIG_FILES)}
        build_bare_repo(target, {"README.md": "# monorepo\n", **files})
    spec = ForgeSpec(projects=(*spec.projects, ProjectSpec(path=BIG_REPO, id=109)),
                     tokens=spec.tokens, groups=spec.groups, oauth_clients=spec.oauth_clients)
    path = root / "forge-web.json"
    path.write_text(json.dumps(spec.to_dict(), indent=2) + "\n")
    return path


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout} s\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@dataclass
class Servers:
    kosha_url: str
    forge_domain: str
    logs: Path


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The stand-in forge and `kosha serve` (own KOSHA_HOME, SQLite), both on free ports."""
    browser_tools()
    subprocess.run([str(ROOT / "scripts" / "web"), "--no-browser"], check=True, timeout=600)
    tmp = tmp_path_factory.mktemp("web")
    spec = build_forge(tmp / "forge")
    forge_port, kosha_port = free_port(), free_port()
    domain = f"127.0.0.1:{forge_port}"
    forge_log, kosha_log = tmp / "forge.log", tmp / "kosha.log"
    forge = subprocess.Popen(
        [PYTHON, "-m", "kosha.devforge", "--root", str(tmp / "forge"), "--spec", str(spec),
         "--port", str(forge_port), "--quiet"],
        stdout=forge_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    env = {**os.environ, "KOSHA_HOME": str(tmp / "home"),
           "KOSHA_FORGES": json.dumps({domain: {
               "kind": "gitlab", "api_base": f"http://{domain}/api/v4",
               "git_base": f"http://{domain}"}})}
    for name in ("KOSHA_DATABASE_URL", "KOSHA_MILVUS_URI", "KOSHA_JOB_BACKEND", "KOSHA_REDIS_URL",
                 "KOSHA_GRAPH_PATH", "KOSHA_BLOB_DIR", "KOSHA_SECRET_KEY",
                 "KOSHA_ENCRYPTION_KEY"):
        env.pop(name, None)  # the embedded default in KOSHA_HOME
    kosha = subprocess.Popen([KOSHA, "serve", "--host", "127.0.0.1", "--port", str(kosha_port)],
                             env=env, cwd=tmp, stdout=kosha_log.open("w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_tcp(forge_port, forge, forge_log)
        url = f"http://127.0.0.1:{kosha_port}"
        wait_http(f"{url}/health", kosha, kosha_log)
        try:
            urllib.request.urlopen(f"{url}/app/", timeout=5).close()
        except urllib.error.HTTPError as exc:
            pytest.fail(f"`kosha serve` does not serve the web UI at /app/ ({exc.code}): "
                        "create_app must call mount_web(app) (kosha.entrypoints.api.web)")
        yield Servers(url, domain, tmp)
    finally:
        stop(kosha)
        stop(forge)


def wait_tcp(port: int, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the forge exited\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the forge did not listen in {timeout} s\n{log.read_text()[-3000:]}")
