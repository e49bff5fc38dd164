"""Closing a Milvus Lite store frees its data directory for another process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kosha.adapters.milvus import MilvusVectorStore

CHILD = ("import sys; from pymilvus import MilvusClient; "
         "print(MilvusClient(sys.argv[1]).list_collections())")


def test_close_releases_the_lite_directory(tmp_path: Path) -> None:
    uri = str(tmp_path / "milvus.db")
    store = MilvusVectorStore(uri, dim=4, collection="locked")
    store.ensure()
    held = subprocess.run([sys.executable, "-c", CHILD, uri], capture_output=True, text=True)
    assert held.returncode != 0  # one process at a time
    store.close()
    freed = subprocess.run([sys.executable, "-c", CHILD, uri], capture_output=True, text=True)
    assert freed.returncode == 0 and "locked" in freed.stdout
