"""mount_web: the built UI under /app/, never in the way of the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kosha.entrypoints.api.web import ASSET_CACHE, mount_web


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("outside")
    return tmp_path


def _app(dist: Path) -> FastAPI:
    app = FastAPI()

    @app.get("/jobs/{job_id}")
    def job(job_id: str) -> dict:
        return {"job": job_id}

    @app.post("/search")
    def search() -> dict:
        return {"hits": []}

    mount_web(app, dist)
    return app


def test_client_routes_get_the_page_and_assets_are_cached(dist: Path) -> None:
    client = TestClient(_app(dist))
    for path in ("/app/", "/app/dashboard", "/app/jobs/abc", "/app/search?q=x"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-cache"
    r = client.get("/app/assets/index-abc123.js")
    assert r.status_code == 200 and r.headers["cache-control"] == ASSET_CACHE
    assert client.get("/app/favicon.svg").text == "<svg/>"
    assert client.get("/app/assets/index-gone.js").status_code == 404
    assert client.head("/app/dashboard").status_code == 200


def test_api_paths_win_and_root_redirects(dist: Path) -> None:
    client = TestClient(_app(dist))
    assert client.get("/jobs/42").json() == {"job": "42"}
    assert client.post("/search").json() == {"hits": []}
    assert client.get("/nothing").status_code == 404  # not the SPA: only /app/ is
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/app/"
    r = client.get("/app", follow_redirects=False)
    assert r.headers["location"] == "/app/"


def test_no_escape_from_dist(dist: Path) -> None:
    client = TestClient(_app(dist))
    for path in ("/app/..%2Fsecret.txt", "/app/assets/..%2F..%2Fsecret.txt"):
        r = client.get(path)
        assert "outside" not in r.text, path


def test_nothing_is_mounted_without_a_build(tmp_path: Path) -> None:
    app = _app(tmp_path / "missing")
    client = TestClient(app)
    assert client.get("/app/").status_code == 404
    assert client.get("/").status_code == 404
    assert client.get("/jobs/1").status_code == 200
