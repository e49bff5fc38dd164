"""The HTTP app: health, OpenAPI docs, JSON errors with stable codes and request ids."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from kosha.bootstrap import Container
from kosha.config import Settings
from kosha.entrypoints.api.app import create_app


def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Container(Settings(home=tmp_path / "home"))))


def test_health_docs_and_openapi(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        health = c.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert c.get("/docs").status_code == 200 and "swagger" in c.get("/docs").text.lower()
        spec = c.get("/openapi.json").json()
        assert spec["info"]["title"] == "Kosha" and "/health" in spec["paths"]
    assert (tmp_path / "home" / "kosha.db").exists()  # migrated on start


def test_errors_are_json_with_a_code_and_the_request_id(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        r = c.get("/no/such/path", headers={"X-Request-ID": "abc123"})
        assert r.status_code == 404
        assert r.json() == {"error": {"code": "not_found", "message": "Not Found",
                                      "request_id": "abc123"}}
        assert r.headers["x-request-id"] == "abc123"
        r = c.get("/health", headers={"X-Request-ID": "bad id\nwith newline"})
        assert r.headers["x-request-id"] != "bad id\nwith newline"
        assert len(r.headers["x-request-id"]) == 32
