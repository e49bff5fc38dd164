"""An OpenAI-compatible `/embeddings` endpoint (vLLM, TEI, Ollama, LiteLLM, OpenAI, …)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import httpx
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from kosha.domain.errors import EmbeddingError


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


def _unit(v: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]


class HttpEmbedder:
    def __init__(self, base_url: str, model: str, *, api_key: str | None = None,
                 dim: int | None = None, batch_size: int = 64, timeout: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.model_id = model
        self.batch_size = batch_size
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers,
                                    timeout=httpx.Timeout(timeout, connect=10.0),
                                    transport=transport)
        self._dim = dim

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = len(self._post(["dimension probe"])[0])
        return self._dim

    @retry(retry=retry_if_exception(_retryable), stop=stop_after_attempt(5),
           wait=wait_exponential_jitter(initial=0.5, max=8), reraise=True)
    def _request(self, texts: list[str]) -> list[list[float]]:
        resp = self._client.post("/embeddings", json={"model": self.model_id, "input": texts})
        resp.raise_for_status()
        data = sorted(resp.json()["data"], key=lambda d: d["index"])
        return [d["embedding"] for d in data]

    def _post(self, texts: list[str]) -> list[list[float]]:
        try:
            vectors = self._request(texts)
        except httpx.HTTPStatusError as exc:
            raise EmbeddingError(f"embedding service answered {exc.response.status_code}") \
                from None
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise EmbeddingError(f"embedding service failed: {type(exc).__name__}") from None
        if len(vectors) != len(texts):
            raise EmbeddingError("embedding service returned the wrong number of vectors")
        return [_unit(v) for v in vectors]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            out.extend(self._post(list(texts[i:i + self.batch_size])))
        if out and self._dim is not None and len(out[0]) != self._dim:
            raise EmbeddingError(f"embedding service returned {len(out[0])} dimensions, "
                                 f"KOSHA_EMBED_DIM says {self._dim}")
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._post([text])[0]
