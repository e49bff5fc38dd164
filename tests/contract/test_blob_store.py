"""Contract of the BlobStore port: the in-memory fake, the local directory and S3 (a moto
server over real HTTP on loopback) behave alike."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
from pydantic import SecretStr

from kosha.adapters.localblobs import LocalBlobStore
from kosha.adapters.s3 import S3BlobStore
from kosha.domain.errors import InvalidInput, StoreError
from tests.fakes import InMemoryBlobStore

A, B = "gitlab.example.com//emea/teama", "gitlab.example.com//emea/teamb"
ACCESS, SECRET = "AKIAKOSHATESTKEY", "kosha-s3-test-secret-7d1f0c"


def make_s3(endpoint: str, bucket: str | None = None, **kw) -> S3BlobStore:  # noqa: ANN003
    """A store on a fresh bucket of the session's moto server."""
    store = S3BlobStore(bucket or f"kosha-{uuid.uuid4().hex[:16]}", prefix="blobs",
                        endpoint_url=endpoint, region="us-east-1", access_key=ACCESS,
                        secret_key=SecretStr(SECRET), **kw)
    store.ensure()
    return store


def raw_keys(endpoint: str, bucket: str) -> list[str]:
    """Every object key in a bucket, as S3 stores it."""
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=ACCESS, aws_secret_access_key=SECRET)
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", ()))


@pytest.fixture(params=["memory", "local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    if request.param == "s3":
        store = make_s3(request.getfixturevalue("moto_endpoint"))
        yield store
        store.close()
    elif request.param == "local":
        yield LocalBlobStore(tmp_path / "b")
    else:
        yield InMemoryBlobStore()


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


def test_tenants_whose_escaped_keys_could_collide_stay_apart(blobs) -> None:  # noqa: ANN001
    # unescaped, tenant "a" + key "b/1/c/x" and tenant "a/b" + key "1/c/x" would be one object
    writes = {("a", "b/1/c/x"): b"a", ("a/b", "1/c/x"): b"a/b", ("a%2Fb", "1/c/x"): b"a%2Fb",
              ("a%2F", "b/1/c/x"): b"a%2F"}
    for (tenant, key), data in writes.items():
        blobs.put(tenant, key, data)
    for (tenant, key), data in writes.items():
        assert blobs.get(tenant, key) == data
    assert list(blobs.list("a", "")) == ["b/1/c/x"]
    assert list(blobs.list("a/b", "")) == ["1/c/x"]
    blobs.delete_prefix("a", "")
    blobs.delete_prefix("a/b", "1")
    assert blobs.get("a", "b/1/c/x") is None and blobs.get("a/b", "1/c/x") is None
    assert blobs.get("a%2Fb", "1/c/x") == b"a%2Fb" and blobs.get("a%2F", "b/1/c/x") == b"a%2F"


def test_a_prefix_is_whole_segments(blobs) -> None:  # noqa: ANN001
    blobs.put(A, "1/c/x", b"1")
    blobs.put(A, "10/c/x", b"10")
    assert list(blobs.list(A, "1")) == ["1/c/x"]
    blobs.delete_prefix(A, "1/")
    assert list(blobs.list(A, "")) == ["10/c/x"]


# S3 only ---------------------------------------------------------------------------------


def _count_calls(store: S3BlobStore, operation: str) -> list[dict]:
    """Record the parameters of each `operation` request the store's client sends."""
    seen: list[dict] = []
    store._client.meta.events.register(f"provide-client-params.s3.{operation}",
                                       lambda params, **_: seen.append(params))
    return seen


def test_s3_layout_starts_with_the_prefix_and_the_escaped_tenant(moto_endpoint: str) -> None:
    store = make_s3(moto_endpoint)
    store.put(A, "3/c/files/x.py.gz", b"x")
    assert raw_keys(moto_endpoint, store.bucket) == [
        "blobs/gitlab.example.com%2F%2Femea%2Fteama/3/c/files/x.py.gz"]
    assert store._client.meta.config.retries["mode"] == "standard"  # boto3 retries, not ours


def test_s3_large_put_is_a_multipart_upload(moto_endpoint: str) -> None:
    store = make_s3(moto_endpoint, multipart_threshold=1024 * 1024)
    creates = _count_calls(store, "CreateMultipartUpload")
    parts = _count_calls(store, "UploadPart")
    big = os.urandom(6 * 1024 * 1024 + 123)  # S3's smallest part is 5 MiB: two parts
    store.put(A, "1/c/files/big.bin", big)
    store.put(A, "1/c/files/small.bin", b"s" * 1000)
    assert store.get(A, "1/c/files/big.bin") == big
    assert store.get(A, "1/c/files/small.bin") == b"s" * 1000
    assert len(creates) == 1 and len(parts) == 2
    def etag(key: str) -> str:
        full = f"blobs/{quote(A, safe='')}/{key}"
        return store._client.head_object(Bucket=store.bucket, Key=full)["ETag"]

    big_etag, small_etag = etag("1/c/files/big.bin"), etag("1/c/files/small.bin")
    assert big_etag.strip('"').endswith("-2") and "-" not in small_etag


def test_s3_delete_prefix_over_a_thousand_objects_is_batched(moto_endpoint: str) -> None:
    store = make_s3(moto_endpoint)
    keys = [f"1/c/files/f{i:04d}.gz" for i in range(1105)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: store.put(A, k, b"x"), keys))
    store.put(A, "2/c/files/keep.gz", b"k")
    store.put(B, "1/c/files/f0000.gz", b"b")
    assert sorted(store.list(A, "")) == [*keys, "2/c/files/keep.gz"]  # more than a page
    batches = _count_calls(store, "DeleteObjects")
    store.delete_prefix(A, "1")
    assert [len(p["Delete"]["Objects"]) for p in batches] == [1000, 105]
    assert list(store.list(A, "")) == ["2/c/files/keep.gz"]
    assert store.get(B, "1/c/files/f0000.gz") == b"b"
    store.delete(A, ["2/c/files/keep.gz", *keys])  # delete() batches too
    assert [len(p["Delete"]["Objects"]) for p in batches[2:]] == [1000, 106]
    assert raw_keys(moto_endpoint, store.bucket) == [f"blobs/{quote(B, safe='')}/1/c/files/"
                                                     "f0000.gz"]


def test_s3_list_follows_pages(moto_endpoint: str) -> None:
    store = make_s3(moto_endpoint, page_size=7)
    keys = sorted(f"5/c/files/k{i:02d}.gz" for i in range(30))
    for key in keys:
        store.put(A, key, b"x")
    calls = _count_calls(store, "ListObjectsV2")
    assert list(store.list(A, "5/c")) == keys
    assert len(calls) == 5 and all(c["MaxKeys"] == 7 for c in calls)


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])  # eu: a LocationConstraint
def test_s3_ensure_creates_the_bucket_once(moto_endpoint: str, region: str) -> None:
    store = S3BlobStore(f"kosha-{uuid.uuid4().hex[:16]}", endpoint_url=moto_endpoint,
                        region=region, access_key=ACCESS, secret_key=SecretStr(SECRET))
    creates = _count_calls(store, "CreateBucket")
    store.ensure()
    store.put(A, "1/c/x", b"x")
    store.ensure()
    assert store.get(A, "1/c/x") == b"x" and len(creates) == 1


def test_s3_bad_input_is_invalid_input(moto_endpoint: str) -> None:
    store = make_s3(moto_endpoint)
    with pytest.raises(InvalidInput):
        store.put("", "1/c/x", b"x")
    with pytest.raises(InvalidInput):
        store.put(A, "1/c/" + "x" * 1100, b"x")
    with pytest.raises(InvalidInput):
        store.get(A, "../x")
    with pytest.raises(InvalidInput):
        store.delete(A, ["1/c/x", "a//b"])
    with pytest.raises(InvalidInput):
        list(store.list(A, "../"))
    with pytest.raises(InvalidInput):
        S3BlobStore("b", prefix="a/../b")
    with pytest.raises(InvalidInput, match="both") as err:
        S3BlobStore("b", endpoint_url=moto_endpoint, secret_key=SecretStr(SECRET))
    assert SECRET not in _chain(err.value)


def _chain(exc: BaseException) -> str:
    text = []
    seen: BaseException | None = exc
    while seen is not None:
        text.append(f"{seen!r} {seen} {getattr(seen, 'details', '')}")
        seen = seen.__cause__ or seen.__context__
    return " ".join(text)


def test_s3_credentials_never_show(moto_endpoint: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = make_s3(moto_endpoint)
    assert SECRET not in repr(store) and ACCESS not in repr(store)
    missing = S3BlobStore(f"kosha-missing-{uuid.uuid4().hex[:8]}", endpoint_url=moto_endpoint,
                          region="us-east-1", access_key=ACCESS, secret_key=SecretStr(SECRET))
    for data in (b"x", b"x" * (missing.transfer.multipart_threshold + 1)):  # one / multipart
        with pytest.raises(StoreError, match="NoSuchBucket") as err:
            missing.put(A, "1/c/x", data)
        assert SECRET not in _chain(err.value) and ACCESS not in str(err.value)
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    down = S3BlobStore("b", endpoint_url=dead, region="us-east-1", access_key=ACCESS,
                       secret_key=SecretStr(SECRET), max_attempts=1)
    with pytest.raises(StoreError, match="EndpointConnectionError") as err:
        down.get(A, "1/c/x")
    assert SECRET not in _chain(err.value) and ACCESS not in str(err.value)
    assert SECRET not in caplog.text
