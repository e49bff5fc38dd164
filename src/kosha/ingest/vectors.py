"""Dense vectors for chunks: the text a model sees, the per-tenant cache, the backlog pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kosha.domain.models import sha1
from kosha.domain.ports import Embedder

EMBED_CODE_CHARS = 2000  # all-MiniLM-L6-v2 reads 256 tokens; more text only costs time
PENDING_BATCH = 512


def embedding_text(rel_path: str, kind: str, qualified_name: str, text: str) -> str:
    """What the embedding model reads for a chunk: its code, as written.

    A path/kind/name header was measured to lower CoSQA dev MRR (0.523 vs 0.540 raw) with
    all-MiniLM-L6-v2; names already reach search through BM25 and symbol recall."""
    del rel_path, kind, qualified_name
    return text[:EMBED_CODE_CHARS]


class VectorMaker:
    """Embeds texts for one tenant, reusing cached vectors by (model, text hash)."""

    def __init__(self, embedder: Embedder, meta, tenant_id: str) -> None:  # noqa: ANN001
        self.embedder = embedder
        self.meta = meta
        self.tenant_id = tenant_id
        self.embedded = 0
        self.reused = 0

    def cached(self, texts: Sequence[str]) -> list[list[float] | None]:
        hashes = [sha1(t) for t in texts]
        found = self.meta.cached_vectors(self.tenant_id, self.embedder.model_id, hashes)
        self.reused += sum(1 for h in hashes if h in found)
        return [found.get(h) for h in hashes]

    def vectors(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for all texts: from the cache where possible, the model otherwise."""
        out = self.cached(texts)
        missing = [i for i, v in enumerate(out) if v is None]
        if missing:
            fresh = self.embedder.embed_documents([texts[i] for i in missing])
            self.embedded += len(fresh)
            new = {}
            for i, vec in zip(missing, fresh, strict=True):
                out[i] = vec
                new[sha1(texts[i])] = vec
            self.meta.cache_vectors(self.tenant_id, self.embedder.model_id, new)
        return out  # type: ignore[return-value]


def embed_backlog(vector_store, maker: VectorMaker, tenant_key: str, project_id: int,  # noqa: ANN001
                  on_batch: Callable[[int], None] | None = None) -> int:
    """Give every chunk of a repo that still lacks a dense vector its vector; returns count.

    Safe to interrupt: rows are updated batch by batch and the next pass continues.
    """
    done = 0
    while True:
        rows = vector_store.pending_vectors(tenant_key, project_id, PENDING_BATCH)
        if not rows:
            return done
        texts = [embedding_text(r["rel_path"], r["kind"], r["qualified_name"], r["text"])
                 for r in rows]
        vecs = maker.vectors(texts)
        vector_store.set_vectors(tenant_key, {r["chunk_id"]: v for r, v in zip(rows, vecs,
                                                                              strict=True)},
                                 maker.embedder.model_id)
        done += len(rows)
        if on_batch:
            on_batch(len(rows))
