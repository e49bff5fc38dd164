"""Wiring: settings in, adapters and services out. The only place that picks engines."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kosha.accounts.keys import service_key
from kosha.accounts.usage import UsageRecorder
from kosha.adapters.cypher import CypherGraphStore
from kosha.adapters.http_embedder import HttpEmbedder
from kosha.adapters.ladybug import LadybugGraphStore
from kosha.adapters.local_embedder import LocalEmbedder
from kosha.adapters.localblobs import LocalBlobStore
from kosha.adapters.onnx_embedder import default_path as onnx_default_path
from kosha.adapters.sql.engine import make_engine, migrate
from kosha.adapters.sql.jobs import SqlJobStore
from kosha.adapters.sql.metadata import SqlMetadataStore
from kosha.adapters.sql.usage import SqlUsageStore
from kosha.config import Settings
from kosha.domain.errors import InvalidInput, StoreLocked
from kosha.domain.ports import Embedder, VectorStore
from kosha.ingest.pipeline import IndexService
from kosha.jobs.events import EventBus, PublishingJobStore, make_event_bus
from kosha.jobs.service import JobService
from kosha.search.files import FileReader
from kosha.search.fusion import Weights
from kosha.search.navigation import CodeNavigator
from kosha.search.service import SearchService
from kosha.workspace.forges import AccessChecker, ForgeRegistry
from kosha.workspace.local import LocalService
from kosha.workspace.service import WorkspaceService

if TYPE_CHECKING:  # server adapters and account mode are imported when used (cold starts)
    from kosha.accounts.auth import AuthService
    from kosha.accounts.cipher import TokenCipher
    from kosha.accounts.oauth import OAuthSignIn
    from kosha.accounts.purge import DataPurger
    from kosha.accounts.ratelimit import AuthRateLimiter
    from kosha.accounts.service import AccountService
    from kosha.adapters.s3 import S3BlobStore
    from kosha.jobs.queue import CeleryJobService

log = logging.getLogger(__name__)


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "openai":
        if not settings.embed_url:
            raise InvalidInput("KOSHA_EMBEDDER=openai needs KOSHA_EMBED_URL")
        key = settings.embed_api_key.get_secret_value() if settings.embed_api_key else None
        return HttpEmbedder(settings.embed_url, settings.embed_model, api_key=key,
                            dim=settings.embed_dim, batch_size=settings.embed_batch_size)
    return LocalEmbedder(max_tokens=settings.embed_max_tokens,
                         batch_size=settings.embed_batch_size, bf16=settings.embed_bf16,
                         onnx_path=onnx_default_path(settings.model_cache),
                         onnx_batch=settings.embed_onnx_batch)


class _Lazy:
    """Looks its target up on each use: an API process whose jobs run in Celery workers must
    not open (and lock) the embedded stores until it searches."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build

    def __getattr__(self, name: str) -> Any:
        return getattr(self._build(), name)


@contextmanager
def _embedded_lock(what: str) -> Iterator[None]:
    """An embedded store another process holds becomes a clear error, not a stack trace."""
    try:
        yield
    except Exception as exc:
        chain, seen = [], exc
        while seen is not None and len(chain) < 5:  # Milvus Lite wraps its lock error
            chain.append(f"{type(seen).__name__} {seen}".lower())
            seen = seen.__cause__ or seen.__context__
        # Milvus Lite logs its DataDirLockedError and raises "Open local milvus failed"
        if not any("lock" in text or "open local milvus failed" in text for text in chain):
            raise
        raise StoreLocked(f"the embedded {what} could not be opened: another process (a kosha "
                          "worker or CLI run on the same KOSHA_HOME) holds it; wait for it, or "
                          "move to server engines (KOSHA_MILVUS_URI, KOSHA_NEO4J_URI) to share "
                          "stores") \
            from None


@dataclass
class Container:
    """Lazily built adapters and services for one process."""

    settings: Settings = field(default_factory=Settings)
    migrate_on_start: bool = True
    local_key: str | None = None  # set by `kosha serve`: requests with it act for `local`

    @cached_property
    def engine(self):  # noqa: ANN201
        engine = make_engine(self.settings.sql_url)
        if self.migrate_on_start:
            migrate(engine)
        return engine

    @cached_property
    def meta(self) -> SqlMetadataStore:
        return SqlMetadataStore(self.engine)

    @cached_property
    def embedder(self) -> Embedder:
        return make_embedder(self.settings)

    @cached_property
    def vectors(self) -> VectorStore:
        s = self.settings
        engine = s.embedded_vectors
        if engine == "sqlite" and not s.milvus_uri:
            from kosha.adapters.sqlite_vectors import SqliteVectorStore

            store = SqliteVectorStore(s.vectors_dir, dim=self.embedder.dim)
            store.ensure()  # readers and a writer in other processes share it: no lock
            return store
        if engine == "lancedb" and not s.milvus_uri:
            from kosha.adapters.lancedb import LanceVectorStore

            lance = LanceVectorStore(s.vectors_dir, dim=self.embedder.dim,
                                     table=s.milvus_collection)
            lance.ensure()  # versioned files: readers in other processes see each commit
            return lance
        from kosha.adapters.milvus import MilvusTuning, MilvusVectorStore

        token = s.milvus_token
        tuning = MilvusTuning(hnsw_m=s.milvus_hnsw_m, ef_construction=s.milvus_ef_construction,
                              search_ef=s.milvus_search_ef, consistency=s.milvus_consistency,
                              num_partitions=s.milvus_partitions, timeout_s=s.milvus_timeout_s,
                              keepalive_s=s.milvus_keepalive_s)
        store = MilvusVectorStore(s.milvus_target, dim=self.embedder.dim,
                                  collection=s.milvus_collection, tuning=tuning,
                                  token=token.get_secret_value() if token else None)
        with _embedded_lock("vector store (Milvus Lite)"):
            store.ensure()
        return store

    @cached_property
    def graph(self) -> CypherGraphStore:
        s = self.settings
        if s.neo4j_uri:
            from kosha.adapters.neo4j import Neo4jGraphStore

            server = Neo4jGraphStore(s.neo4j_uri, s.neo4j_user, s.neo4j_password,
                                     s.neo4j_database)
            server.ensure()
            return server
        store = LadybugGraphStore(s.graph_dir / "kosha.lbug")
        with _embedded_lock("graph (ladybug)"):
            store.ensure()
        return store

    @cached_property
    def blobs(self) -> LocalBlobStore | S3BlobStore:
        s = self.settings
        if not s.blob_url:
            return LocalBlobStore(s.blob_root)
        from kosha.adapters.s3 import S3BlobStore

        url = urlsplit(s.blob_url)
        store = S3BlobStore(url.netloc, prefix=url.path, endpoint_url=s.s3_endpoint_url,
                            region=s.s3_region, access_key=s.s3_access_key,
                            secret_key=s.s3_secret_key)
        store.ensure()
        return store

    @cached_property
    def indexer(self) -> IndexService:
        return IndexService(self.meta, self.vectors, self.graph, self.blobs, self.embedder,
                            self.settings.mirrors_dir,
                            max_file_bytes=self.settings.max_file_bytes,
                            lock_ttl=timedelta(seconds=self.settings.index_lease_seconds))

    @cached_property
    def search(self) -> SearchService:
        return SearchService(self.meta, self.vectors, self.graph, self.blobs, self.embedder,
                             weights=Weights(floor_dense=self.settings.search_min_similarity),
                             github_domains=self.settings.github_domains)

    @cached_property
    def files(self) -> FileReader:
        return FileReader(self.meta, self.blobs, github_domains=self.settings.github_domains)

    @cached_property
    def navigator(self) -> CodeNavigator:
        return CodeNavigator(self.meta, self.graph, github_domains=self.settings.github_domains)

    @cached_property
    def forges(self) -> ForgeRegistry:
        return ForgeRegistry(self.settings.forges)

    @cached_property
    def usage(self) -> SqlUsageStore:
        return SqlUsageStore(self.engine)

    @cached_property
    def events(self) -> EventBus:
        """Job progress events: in memory, or Redis streams when jobs run in Celery workers."""
        s = self.settings
        return make_event_bus(s.redis_url if s.job_backend == "celery" else None,
                              prefix=f"{s.redis_prefix}events:")

    @cached_property
    def job_store(self) -> PublishingJobStore:
        return PublishingJobStore(SqlJobStore(self.engine), self.events)

    @cached_property
    def jobs(self) -> JobService | CeleryJobService:
        s = self.settings
        if s.job_backend == "celery":
            from kosha.jobs.celery_app import make_celery
            from kosha.jobs.queue import CeleryJobService

            return CeleryJobService(self.job_store, make_celery(s), self.cipher, s.celery_queue)
        return JobService(self.job_store, self.indexer.index, workers=s.job_workers,
                          on_result=UsageRecorder(self.meta, self.usage))

    @cached_property
    def access(self) -> AccessChecker:
        return AccessChecker(self.forges, self.settings.access_cache_seconds)

    @cached_property
    def workspace(self) -> WorkspaceService:
        return WorkspaceService(self.meta, self.forges, self.access, self.jobs,
                                _Lazy(lambda: self.search), _Lazy(lambda: self.navigator),
                                usage=self.usage)

    @cached_property
    def local(self) -> LocalService:
        """This machine's repos (tenant `local`): for the CLI and the stdio MCP server only."""
        return LocalService(self.meta, self.jobs, _Lazy(lambda: self.search),
                            _Lazy(lambda: self.navigator))

    @cached_property
    def purger(self) -> DataPurger:
        from kosha.accounts.purge import DataPurger

        return DataPurger(self.meta, self.vectors, self.graph, self.blobs,
                          self.settings.mirrors_dir,
                          lease_ttl=timedelta(seconds=self.settings.index_lease_seconds))

    @cached_property
    def cipher(self) -> TokenCipher:
        from kosha.accounts.cipher import TokenCipher

        return TokenCipher(service_key(self.settings, "encryption"))

    @cached_property
    def auth(self) -> AuthService:
        from kosha.accounts.auth import AuthService
        from kosha.accounts.passwords import Passwords
        from kosha.accounts.sessions import SessionTokens
        from kosha.adapters.sql.accounts import SqlAccountStore

        s = self.settings
        tokens = SessionTokens(service_key(s, "secret"),
                               access_ttl=timedelta(minutes=s.access_token_minutes),
                               refresh_ttl=timedelta(days=s.refresh_token_days))
        return AuthService(SqlAccountStore(self.engine), Passwords(), tokens)

    @cached_property
    def accounts(self) -> AccountService:
        from kosha.accounts.service import AccountService

        return AccountService(self.auth.store, self.usage, self.meta, self.forges, self.access,
                              self.jobs, _Lazy(lambda: self.search),
                              _Lazy(lambda: self.navigator), _Lazy(lambda: self.purger),
                              self.cipher, max_file_bytes=self.settings.max_file_bytes)

    @cached_property
    def oauth(self) -> OAuthSignIn:
        from kosha.accounts.oauth import OAuthSignIn

        return OAuthSignIn(self.auth, self.accounts, self.forges,
                           service_key(self.settings, "secret"))

    @cached_property
    def auth_limiter(self) -> AuthRateLimiter:
        from kosha.accounts.ratelimit import AuthRateLimiter

        return AuthRateLimiter(self.settings.auth_rate_limit, self.settings.redis_url,
                               key_prefix=f"{self.settings.redis_prefix}ratelimit")

    def check_secrets(self) -> None:
        """Refuse to start without usable keys (generated on the embedded default)."""
        service_key(self.settings, "secret")
        service_key(self.settings, "encryption")

    def close(self) -> None:
        for name in ("jobs", "search", "vectors", "graph", "forges", "events"):
            if name in self.__dict__:
                self.__dict__[name].close()
        if "engine" in self.__dict__:
            self.engine.dispose()
