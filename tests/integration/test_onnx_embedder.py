"""Small batches of the bundled model on ONNX Runtime: the same vectors, no torch import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kosha.adapters.local_embedder import LocalEmbedder
from kosha.adapters.onnx_embedder import default_path, ensure_exported
from kosha.config import Settings

pytestmark = pytest.mark.slow
TEXTS = ["def add(a, b):\n    return a + b", "read a json file into a dict", "x" * 3000, "a",
         "class Cart:\n    def total(self):\n        return sum(p for p in self.prices)"]


@pytest.fixture(scope="module")
def onnx_file() -> Path:
    # scripts/bootstrap has usually derived it already
    return ensure_exported(default_path(Settings().model_cache))


def test_small_batches_match_torch_and_large_ones_use_torch(onnx_file: Path,
                                                           local_embedder) -> None:  # noqa: ANN001
    fast = LocalEmbedder(onnx_path=onnx_file, onnx_batch=8)
    small = np.array(fast.embed_documents(TEXTS))  # padded batch of mixed lengths
    assert fast._model is None  # torch was not needed
    exact = np.array(LocalEmbedder(bf16=False, onnx_batch=0).embed_documents(TEXTS))
    assert (small * exact).sum(1).min() > 0.9999  # fp32 ONNX == fp32 torch
    served = np.array(local_embedder.embed_documents(TEXTS))  # the default (bf16 where native)
    assert (small * served).sum(1).min() > 0.995
    query = np.array(fast.embed_query(TEXTS[1]))
    assert float(query @ small[1]) > 0.9999  # alone or in a batch: the same vector
    fast.embed_documents(TEXTS * 2)  # more than onnx_batch texts: torch
    assert fast._model is not None


def test_a_cold_process_embeds_a_query_without_torch(onnx_file: Path) -> None:
    code = ("import sys; from kosha.bootstrap import make_embedder; "
            "from kosha.config import Settings; "
            "e = make_embedder(Settings()); v = e.embed_query('open a session'); "
            "print(__import__('json').dumps([len(v), 'torch' in sys.modules, "
            "'sentence_transformers' in sys.modules]))")
    env = {"KOSHA_MODEL_CACHE": str(onnx_file.parent), "PATH": "/usr/bin:/bin",
           "HOME": str(Path.home())}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [384, False, False]


def test_a_broken_onnx_file_falls_back_to_torch(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    e = LocalEmbedder(onnx_path=broken)
    v = e.embed_query("read a json file")
    assert len(v) == 384 and e._model is not None
    assert "using torch from now on" in caplog.text


def test_bf16_only_where_the_cpu_has_bf16_units() -> None:
    from kosha.adapters.local_embedder import has_bf16_units, native_bf16

    assert has_bf16_units("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16 amx_tile\n")
    assert has_bf16_units("flags\t\t: fpu avx512f avx512_bf16\n")
    assert not has_bf16_units("flags\t\t: fpu fma avx avx2\nbugs\t\t: amx_bf16\n")
    assert LocalEmbedder().bf16 == native_bf16()
    assert LocalEmbedder(bf16=True).bf16 and not LocalEmbedder(bf16=False).bf16
