"""Contract of the BlobStore port: the in-memory fake and the local directory behave alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from kosha.adapters.localblobs import LocalBlobStore
from kosha.domain.errors import InvalidInput
from tests.fakes import InMemoryBlobStore

A, B = "gitlab.example.com//emea/teama", "gitlab.example.com//emea/teamb"


@pytest.fixture(params=["memory", "local"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    return InMemoryBlobStore() if request.param == "memory" else LocalBlobStore(tmp_path / "b")


def test_put_get_delete(blobs) -> None:  # noqa: ANN001
    blobs.put(A, "7/abc/files/src/a.py.gz", b"one")
    blobs.put(A, "7/abc/files/src/a.py.gz", b"two")  # overwrite
    assert blobs.get(A, "7/abc/files/src/a.py.gz") == b"two"
    blobs.delete(A, ["7/abc/files/src/a.py.gz", "7/abc/files/missing.gz"])
    assert blobs.get(A, "7/abc/files/src/a.py.gz") is None


def test_same_key_in_two_tenants_is_two_objects(blobs) -> None:  # noqa: ANN001
    blobs.put(A, "1/c/manifest.json.gz", b"a")
    blobs.put(B, "1/c/manifest.json.gz", b"b")
    assert blobs.get(A, "1/c/manifest.json.gz") == b"a"
    assert blobs.get(B, "1/c/manifest.json.gz") == b"b"
    blobs.delete_prefix(A, "")
    assert blobs.get(A, "1/c/manifest.json.gz") is None
    assert blobs.get(B, "1/c/manifest.json.gz") == b"b"


def test_list_and_delete_prefix(blobs) -> None:  # noqa: ANN001
    for key in ("1/c1/files/a.gz", "1/c1/files/d/b.gz", "1/c2/files/a.gz", "2/c1/files/a.gz"):
        blobs.put(A, key, b"x")
    assert sorted(blobs.list(A, "1/c1")) == ["1/c1/files/a.gz", "1/c1/files/d/b.gz"]
    assert list(blobs.list(B, "1")) == []
    blobs.delete_prefix(A, "1")
    assert sorted(blobs.list(A, "")) == ["2/c1/files/a.gz"]


@pytest.mark.parametrize("key", ["../x", "1/../../x", "/etc/passwd", "", "a//b", "a/./b",
                                 "a\\b", "a\x00b"])
def test_keys_that_could_escape_are_refused(blobs, key: str) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput):
        blobs.put(A, key, b"x")


def test_local_layout_starts_with_the_escaped_tenant(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put(A, "3/c/files/x.py.gz", b"x")
    tenant_dir = tmp_path / "gitlab.example.com%2F%2Femea%2Fteama"
    assert (tenant_dir / "3" / "c" / "files" / "x.py.gz").read_bytes() == b"x"
    assert [p.name for p in tmp_path.iterdir()] == [tenant_dir.name]
