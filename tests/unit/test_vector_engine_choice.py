"""Which embedded vector engine a home uses: LanceDB by default, Milvus Lite where it has data."""

from __future__ import annotations

from pathlib import Path

import pytest

from kosha.config import Settings


@pytest.fixture(autouse=True)
def _no_engine_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KOSHA_VECTOR_ENGINE", "KOSHA_VECTORS_PATH", "KOSHA_MILVUS_URI"):
        monkeypatch.delenv(name, raising=False)


def test_a_fresh_home_uses_lancedb(tmp_path: Path) -> None:
    assert Settings(home=tmp_path).embedded_vectors == "lancedb"


def test_a_home_indexed_on_milvus_lite_stays_there_unless_told(tmp_path: Path) -> None:
    (tmp_path / "milvus.db").mkdir()
    assert Settings(home=tmp_path).embedded_vectors == "milvus"
    assert Settings(home=tmp_path, vector_engine="lancedb").embedded_vectors == "lancedb"
    (tmp_path / "vectors").mkdir()  # once LanceDB holds data, it wins
    assert Settings(home=tmp_path).embedded_vectors == "lancedb"


def test_the_environment_chooses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "milvus.db").mkdir()
    monkeypatch.setenv("KOSHA_VECTOR_ENGINE", "sqlite")
    assert Settings(home=tmp_path).embedded_vectors == "sqlite"
