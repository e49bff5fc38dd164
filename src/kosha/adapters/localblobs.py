"""Blob store in a local directory: `<root>/<escaped tenant key>/<key>`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

from kosha.domain.errors import InvalidInput


def check_key(key: str) -> list[str]:
    """Split an object key into path segments, refusing anything that could escape."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) \
            or "\x00" in key or "\\" in key:
        raise InvalidInput(f"invalid object key {key!r}")
    return parts


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _tenant_dir(self, tenant_key: str) -> Path:
        if not tenant_key:
            raise InvalidInput("a blob operation needs a tenant")
        return self.root / quote(tenant_key, safe="")

    def _path(self, tenant_key: str, key: str) -> Path:
        return self._tenant_dir(tenant_key).joinpath(*check_key(key))

    def put(self, tenant_key: str, key: str, data: bytes) -> None:
        path = self._path(tenant_key, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, tenant_key: str, key: str) -> bytes | None:
        try:
            return self._path(tenant_key, key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def delete(self, tenant_key: str, keys: Sequence[str]) -> None:
        for key in keys:
            self._path(tenant_key, key).unlink(missing_ok=True)

    def delete_prefix(self, tenant_key: str, prefix: str) -> None:
        base = self._tenant_dir(tenant_key)
        target = base.joinpath(*check_key(prefix.rstrip("/"))) if prefix else base
        shutil.rmtree(target, ignore_errors=True)

    def list(self, tenant_key: str, prefix: str) -> Iterator[str]:
        base = self._tenant_dir(tenant_key)
        start = base.joinpath(*check_key(prefix.rstrip("/"))) if prefix else base
        if not start.exists():
            return
        for dirpath, _dirs, files in os.walk(start):
            for name in files:
                if not name.startswith(".tmp-"):
                    yield Path(dirpath, name).relative_to(base).as_posix()
