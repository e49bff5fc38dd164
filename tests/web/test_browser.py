"""The whole journey in a real browser: sign up → save a token → select repos → live progress
→ search → a hit's callers; and the workspace sign-in (token in memory only), with cancel."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.web.conftest import CHROMIUM, ROOT, WEB, Servers, browser_tools

pytestmark = pytest.mark.browser

PAGES = ("landing", "signup-error", "connect", "progress", "search", "search-callers",
         "search-empty", "dashboard", "login-error", "workspace-signin", "workspace-search",
         "workspace-progress", "workspace-progress-cancelled", "workspace-dashboard")


def test_journeys_in_chromium(servers: Servers, tmp_path: Path) -> None:
    node, chromium = browser_tools()
    # KOSHA_UI_SCREENSHOTS=docs refreshes docs/ui (committed); by default they go to tmp.
    shots = ROOT / "docs" / "ui" if os.environ.get("KOSHA_UI_SCREENSHOTS") == "docs" \
        else tmp_path / "shots"
    env = {**os.environ, "KOSHA_URL": servers.kosha_url, "FORGE_DOMAIN": servers.forge_domain,
           "CHROMIUM": chromium if chromium else CHROMIUM, "SCREENSHOTS": str(shots),
           "BIG_REPO": "emea/team-a/monorepo"}
    run = subprocess.run([node, "e2e/run.mjs"], cwd=WEB, env=env, capture_output=True,
                         text=True, timeout=900)
    kosha_log = (servers.logs / "kosha.log").read_text()[-4000:]
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n--- kosha serve ---\n{kosha_log}"
    assert "2 passed, 0 failed" in run.stdout, run.stdout
    for page in PAGES:
        png = shots / f"{page}.png"
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
