"""The web UI's Vitest component tests (jsdom), run by `make test` like the rest."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.web.conftest import ROOT, WEB


def test_vitest_component_suite() -> None:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("Node.js and npm are not installed: the web UI's component tests need them")
    subprocess.run([str(ROOT / "scripts" / "web"), "--no-browser"], check=True, timeout=600)
    run = subprocess.run([npm, "test", "--silent", "--", "--reporter=dot"], cwd=WEB,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{run.stdout[-6000:]}\n{run.stderr[-3000:]}"
    assert " passed" in run.stdout and "failed" not in run.stdout, run.stdout[-3000:]
