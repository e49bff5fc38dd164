"""A full embedded stack per test: SQLite, Milvus Lite, ladybug and a blob directory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from kosha.adapters.ladybug import LadybugGraphStore
from kosha.adapters.localblobs import LocalBlobStore
from kosha.adapters.milvus import MilvusVectorStore
from kosha.adapters.sql.engine import make_engine, migrate
from kosha.adapters.sql.metadata import SqlMetadataStore
from kosha.domain.tenancy import LOCAL_TENANT, TenantKey
from kosha.ingest.pipeline import IndexRequest, IndexResult, IndexService
from kosha.search.service import SearchResponse, SearchService
from tests.conftest import Repo
from tests.fakes import HashEmbedder


@dataclass
class Stack:
    meta: SqlMetadataStore
    vectors: MilvusVectorStore
    graph: LadybugGraphStore
    blobs: LocalBlobStore
    embedder: object
    indexer: IndexService
    searcher: SearchService
    home: Path

    def index(self, repo: Repo, ref: str = "HEAD", mode: str = "incremental",
              tenant: TenantKey = LOCAL_TENANT, **kw) -> IndexResult:  # noqa: ANN003
        req = IndexRequest(tenant=tenant, repo_url=repo.path.resolve().as_uri(),
                           source=str(repo.path), ref=ref, mode=mode, local=True)
        return self.indexer.index(req, **kw)

    def repos(self, tenant: TenantKey = LOCAL_TENANT):  # noqa: ANN201
        return self.meta.list_repos(self.meta.tenants_read_by(tenant), indexed_only=True)

    def search(self, query: str, k: int = 5, tenant: TenantKey = LOCAL_TENANT,
               **kw) -> SearchResponse:  # noqa: ANN003
        return self.searcher.search(self.repos(tenant), query, top_k=k, **kw)


def _stack(tmp_path: Path, milvus_uri: str, embedder):  # noqa: ANN001, ANN202
    engine = make_engine(f"sqlite:///{tmp_path / 'kosha.db'}")
    migrate(engine)
    meta = SqlMetadataStore(engine)
    vectors = MilvusVectorStore(milvus_uri, dim=embedder.dim,
                                collection=f"c_{uuid.uuid4().hex[:10]}")
    vectors.ensure()
    graph = LadybugGraphStore(tmp_path / "graph" / "g.lbug", buffer_pool_mb=64)
    graph.ensure()
    blobs = LocalBlobStore(tmp_path / "blobs")
    indexer = IndexService(meta, vectors, graph, blobs, embedder, tmp_path / "mirrors")
    searcher = SearchService(meta, vectors, graph, blobs, embedder)
    yield Stack(meta, vectors, graph, blobs, embedder, indexer, searcher, tmp_path)
    searcher.close()
    vectors.client.drop_collection(vectors.collection)
    graph.close()
    engine.dispose()


@pytest.fixture
def stack(tmp_path: Path, milvus_uri: str):  # noqa: ANN201
    """The embedded stack with a fast hashing embedder."""
    yield from _stack(tmp_path, milvus_uri, HashEmbedder())


@pytest.fixture
def model_stack(tmp_path: Path, milvus_uri: str, local_embedder):  # noqa: ANN001, ANN201
    """The embedded stack with the bundled all-MiniLM-L6-v2 model."""
    yield from _stack(tmp_path, milvus_uri, local_embedder)
