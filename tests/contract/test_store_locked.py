"""An embedded store held by another process is a clear 503, not a stack trace (the stores
that lock their files: Milvus Lite and the ladybug graph)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kosha.bootstrap import Container
from kosha.config import Settings
from kosha.domain.errors import StoreLocked
from tests.fakes import HashEmbedder

HOLD = textwrap.dedent("""
    import sys, time
    from kosha.bootstrap import Container
    from kosha.config import Settings
    from tests.fakes import HashEmbedder
    c = Container(Settings(home=sys.argv[1], vector_engine="milvus"))
    c.__dict__["embedder"] = HashEmbedder()
    c.vectors, c.graph
    print("holding", flush=True)
    time.sleep(60)
""")


@pytest.mark.parametrize("store", ["vectors", "graph"])
def test_a_store_another_process_holds_is_store_locked(tmp_path: Path, store: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout.readline().strip() == "holding"
        c = Container(Settings(home=tmp_path, vector_engine="milvus"))
        c.__dict__["embedder"] = HashEmbedder()
        with pytest.raises(StoreLocked) as info:
            getattr(c, store)
        assert info.value.status == 503 and "another process" in info.value.message
    finally:
        holder.kill()
        holder.wait()
