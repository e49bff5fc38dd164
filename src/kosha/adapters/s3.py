"""Blob store in an S3 bucket (AWS, MinIO, …): `<prefix>/<escaped tenant key>/<key>`.

The tenant is applied here, as a key prefix, on every call; keys are checked like the local
store's. Retries (standard mode) and multipart uploads are boto3's own.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from kosha.adapters.localblobs import check_key
from kosha.domain.errors import InvalidInput, StoreError

MAX_KEY_BYTES = 1024  # S3's limit on an object key
DELETE_BATCH = 1000  # S3's limit on one DeleteObjects request


def _error_code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"{err.get('Code', 'error')} (HTTP {status})"
    return type(exc).__name__


class S3BlobStore:
    """BlobStore on S3 or MinIO; credentials stay inside the boto3 client."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, access_key: str | None = None,
                 secret_key: SecretStr | None = None,
                 multipart_threshold: int = 8 * 1024 * 1024, page_size: int = 1000,
                 max_attempts: int = 5) -> None:
        if not bucket:
            raise InvalidInput("an S3 blob store needs a bucket")
        if (access_key is None) != (secret_key is None):
            raise InvalidInput("S3 needs both an access key and a secret key, or neither "
                               "(then boto3's default credential chain applies)")
        prefix = prefix.strip("/")
        self.bucket = bucket
        self.prefix = "/".join(check_key(prefix)) + "/" if prefix else ""
        self.endpoint_url = endpoint_url
        self.page_size = page_size
        self.transfer = TransferConfig(multipart_threshold=multipart_threshold,
                                       multipart_chunksize=multipart_threshold)
        config = Config(retries={"mode": "standard", "max_attempts": max_attempts},
                        s3={"addressing_style": "path"} if endpoint_url else None)
        self._client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key.get_secret_value() if secret_key else None)

    def __repr__(self) -> str:
        where = urlsplit(self.endpoint_url).hostname if self.endpoint_url else "aws"
        return f"S3BlobStore(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint={where!r})"

    @contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        """Library errors become a StoreError naming the operation and the S3 error code."""
        try:
            yield
        except (ClientError, BotoCoreError, Boto3Error) as exc:
            raise StoreError(f"S3 {op} on bucket {self.bucket!r} failed: "
                             f"{_error_code(exc)}") from exc

    def _tenant_prefix(self, tenant_key: str) -> str:
        if not tenant_key:
            raise InvalidInput("a blob operation needs a tenant")
        return f"{self.prefix}{quote(tenant_key, safe='')}/"

    def _key(self, tenant_key: str, key: str) -> str:
        full = self._tenant_prefix(tenant_key) + "/".join(check_key(key))
        if len(full.encode()) > MAX_KEY_BYTES:
            raise InvalidInput(f"object key {key!r} is too long for S3")
        return full

    def _under(self, tenant_key: str, prefix: str) -> str:
        base = self._tenant_prefix(tenant_key)
        return base + "/".join(check_key(prefix.rstrip("/"))) + "/" if prefix else base

    def ensure(self) -> None:
        """Create the bucket if it is missing; idempotent."""
        with self._errors("ensure"):
            try:
                self._client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                    raise
            region = self._client.meta.region_name
            extra = ({"CreateBucketConfiguration": {"LocationConstraint": region}}
                     if region and region != "us-east-1" else {})
            try:
                self._client.create_bucket(Bucket=self.bucket, **extra)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                    raise

    def put(self, tenant_key: str, key: str, data: bytes) -> None:
        """Write one object; from `multipart_threshold` bytes on, a multipart upload."""
        full = self._key(tenant_key, key)
        with self._errors("put"):
            if len(data) < self.transfer.multipart_threshold:
                self._client.put_object(Bucket=self.bucket, Key=full, Body=data)
            else:
                self._client.upload_fileobj(io.BytesIO(data), self.bucket, full,
                                            Config=self.transfer)

    def get(self, tenant_key: str, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""
        full = self._key(tenant_key, key)
        with self._errors("get"):
            try:
                resp = self._client.get_object(Bucket=self.bucket, Key=full)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            with resp["Body"] as body:
                return body.read()

    def _delete_keys(self, full_keys: Sequence[str]) -> None:
        for i in range(0, len(full_keys), DELETE_BATCH):
            batch = [{"Key": k} for k in full_keys[i:i + DELETE_BATCH]]
            resp = self._client.delete_objects(Bucket=self.bucket,
                                               Delete={"Objects": batch, "Quiet": True})
            if resp.get("Errors"):
                first = resp["Errors"][0]
                raise StoreError(f"S3 delete on bucket {self.bucket!r} failed for "
                                 f"{len(resp['Errors'])} object(s): {first.get('Code')}")

    def delete(self, tenant_key: str, keys: Sequence[str]) -> None:
        """Delete objects (missing ones are fine), in batches of 1000."""
        full = [self._key(tenant_key, key) for key in keys]
        with self._errors("delete"):
            self._delete_keys(full)

    def _pages(self, start: str) -> Iterator[list[str]]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start,
                                       PaginationConfig={"PageSize": self.page_size}):
            yield [obj["Key"] for obj in page.get("Contents", ())]

    def delete_prefix(self, tenant_key: str, prefix: str) -> None:
        """Delete every object under `prefix` ("" = all of the tenant's)."""
        start = self._under(tenant_key, prefix)
        with self._errors("delete_prefix"):
            for keys in self._pages(start):  # page by page, as boto3's batch actions do
                self._delete_keys(keys)

    def list(self, tenant_key: str, prefix: str) -> Iterator[str]:
        """Keys under `prefix` ("" = all), relative to the tenant, page by page."""
        base, start = self._tenant_prefix(tenant_key), self._under(tenant_key, prefix)
        with self._errors("list"):
            for keys in self._pages(start):
                yield from (k[len(base):] for k in keys)

    def close(self) -> None:
        """Close the client's connection pool."""
        self._client.close()
