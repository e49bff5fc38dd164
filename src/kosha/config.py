"""All settings, read from `KOSHA_*` environment variables (and an optional `.env`)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ForgeConfig(BaseModel):
    """One forge domain Kosha may talk to: its kind and where its API and git live."""

    kind: Literal["gitlab", "github"]
    api_base: str = Field(description="e.g. https://gitlab.example.com/api/v4")
    git_base: str = Field(description="e.g. https://gitlab.example.com (clone URLs)")
    oauth_client_id: str | None = Field(default=None, description="OAuth app for sign-in")
    oauth_client_secret: SecretStr | None = None

    @field_validator("api_base", "git_base")
    @classmethod
    def _http_base(cls, v: str) -> str:
        if not v.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return v.rstrip("/")


DEFAULT_FORGES = {
    "gitlab.com": ForgeConfig(kind="gitlab", api_base="https://gitlab.com/api/v4",
                              git_base="https://gitlab.com"),
    "github.com": ForgeConfig(kind="github", api_base="https://api.github.com",
                              git_base="https://github.com"),
}


class Settings(BaseSettings):
    """Kosha's configuration. Unset store URLs mean the embedded default under `home`."""

    model_config = SettingsConfigDict(env_prefix="KOSHA_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path("~/.kosha"), description="where the embedded default lives")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite if unset")
    vector_engine: Literal["milvus", "lancedb", "sqlite"] = Field(
        default="lancedb", description="embedded vector + lexical store when KOSHA_MILVUS_URI is "
                                       "unset: LanceDB, SQLite FTS5 + usearch or Milvus Lite")
    vectors_path: Path | None = Field(default=None, description="directory of the lancedb or "
                                      "sqlite engine; $KOSHA_HOME/vectors if unset")
    milvus_uri: str | None = Field(default=None, description="Milvus server URI; Lite if unset")
    milvus_token: SecretStr | None = None
    milvus_collection: str = "code_chunks"
    milvus_consistency: Literal["Strong", "Bounded", "Session", "Eventually"] = "Strong"
    milvus_hnsw_m: int = Field(default=16, ge=4, le=64)
    milvus_ef_construction: int = Field(default=200, ge=8, le=2048)
    milvus_search_ef: int = Field(default=64, ge=8, le=4096)
    milvus_partitions: int | None = Field(default=None, ge=1, le=4096,
                                          description="partition-key buckets (server only)")
    milvus_timeout_s: float | None = Field(default=None, gt=0)
    milvus_keepalive_s: float | None = Field(
        default=None, gt=0, description="gRPC keepalive of a Milvus server connection (pymilvus "
                                        "pings every 10 s; a milvus-lite server needs >= 300)")
    graph_path: Path | None = Field(default=None, description="embedded graph directory")
    neo4j_uri: str | None = Field(default=None, description="Neo4j server (bolt://, neo4j://, "
                                  "+s); the embedded ladybug graph if unset")
    neo4j_user: str | None = None
    neo4j_password: SecretStr | None = None
    neo4j_database: str | None = Field(default=None,
                                       description="the server's home database if unset")
    blob_dir: Path | None = Field(default=None, description="local blob directory")
    blob_url: str | None = Field(default=None, description="s3://bucket[/prefix] on S3 or "
                                 "MinIO; the local blob directory if unset")
    s3_endpoint_url: str | None = Field(default=None, description="e.g. http://minio:9000; "
                                        "AWS if unset")
    s3_region: str | None = None
    s3_access_key: str | None = Field(default=None, description="with KOSHA_S3_SECRET_KEY; "
                                      "boto3's default credential chain if both unset")
    s3_secret_key: SecretStr | None = None

    embedder: Literal["local", "openai"] = "local"
    embed_model: str = Field(default="all-MiniLM-L6-v2",
                             description="model name for the HTTP embedder; informational "
                                         "for the bundled local model")
    embed_url: str | None = Field(default=None, description="OpenAI-compatible /v1 base URL")
    embed_api_key: SecretStr | None = None
    embed_dim: int | None = Field(default=None, description="vector size of the HTTP model")
    embed_batch_size: int = 32
    embed_max_tokens: int = 256
    model_cache: Path = Field(default=Path("~/.cache/kosha/models"),
                              description="the ONNX copy of the bundled model (scripts/bootstrap "
                                          "derives it once per machine)")
    embed_onnx_batch: int = Field(default=64, ge=0, description="batches up to this size "
                                  "run on ONNX Runtime (fast cold start); 0: always torch")
    embed_bf16: bool | None = Field(
        default=None, description="bf16 weights on CPU (cosine >= 0.996 to fp32); unset: only "
                                  "where the CPU has bf16 units (AMX, AVX512-BF16): 3.3x faster "
                                  "there, 4.6x slower where torch emulates it")

    search_min_similarity: float = Field(
        default=0.45, ge=0.0, le=1.0,
        description="confidence floor: a hit below this cosine needs lexical or name evidence "
                    "(0.45 is measured for all-MiniLM-L6-v2; recalibrate for another model)")

    max_file_bytes: int = 1_000_000
    index_lease_seconds: int = Field(default=120, description="a crashed run's lease lapses "
                                     "after this; a live run renews it")

    forges: dict[str, ForgeConfig] = Field(
        default_factory=lambda: dict(DEFAULT_FORGES),
        description="JSON: forge domain (host[:port]) -> {kind, api_base, git_base}; any "
                    "other domain is refused")
    access_cache_seconds: int = Field(default=60, ge=0, le=60,
                                      description="forge access answers are cached this long, "
                                                  "keyed by a hash of the token")
    webhook_gitlab_secret: SecretStr | None = None
    webhook_github_secret: SecretStr | None = None
    max_request_bytes: int = 1_000_000
    job_workers: int = 2
    job_backend: Literal["inprocess", "celery"] = Field(
        default="inprocess", description="where index jobs run: threads of the API process, "
                                         "or Celery workers on Redis (`kosha worker`)")
    celery_queue: str = "kosha-index"
    celery_visibility_timeout: int = Field(
        default=3600, ge=1, description="a job whose worker vanished is run again after this "
                                        "many seconds (keep it above the longest job)")
    celery_restore_interval: int = Field(default=10, ge=1,
                                         description="how often workers look for such jobs")
    tenant_job_cap: int = Field(default=2, ge=1, description="jobs of one tenant running at "
                                "once across all workers")
    job_max_attempts: int = Field(default=3, ge=1, description="runs of one job (lost workers "
                                  "included) before it fails")
    redis_prefix: str = Field(default="kosha:", description="prefix of every Redis key Kosha "
                              "and its Celery queue write")

    secret_key: SecretStr | None = Field(
        default=None, description="signs session JWTs (HS256); generated under `home` on the "
                                  "embedded default, required (>= 32 characters) otherwise")
    encryption_key: SecretStr | None = Field(
        default=None, description="master key of stored forge tokens (AES-256-GCM, a key per "
                                  "user via HKDF); generated under `home` on the embedded "
                                  "default, required otherwise")
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=7, ge=1, le=90)
    auth_rate_limit: str = Field(default="10/minute",
                                 description="per client IP on signup, login and refresh")
    redis_url: str | None = Field(default=None, description="e.g. redis://127.0.0.1:6379/0: "
                                  "rate limits (and Celery jobs) move to Redis")
    public_url: str | None = Field(default=None, description="where people reach this server "
                                   "(OAuth redirect URIs); http://host:port if unset")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    @field_validator("forges")
    @classmethod
    def _lower_domains(cls, v: dict[str, ForgeConfig]) -> dict[str, ForgeConfig]:
        return {k.strip().lower(): c for k, c in v.items()}

    @field_validator("blob_url")
    @classmethod
    def _s3_url(cls, v: str | None) -> str | None:
        if v and (urlsplit(v).scheme != "s3" or not urlsplit(v).netloc):
            raise ValueError("must be s3://bucket[/prefix]")
        return v or None

    @property
    def embedded_vectors(self) -> str:
        """The embedded vector engine in use: the chosen one, except that a home indexed on
        Milvus Lite before LanceDB became the default stays on Milvus Lite unless told."""
        if ("vector_engine" not in self.model_fields_set and not self.vectors_dir.exists()
                and (self.home_dir / "milvus.db").exists()):
            return "milvus"
        return self.vector_engine

    @property
    def vectors_dir(self) -> Path:
        return (self.vectors_path or self.home_dir / "vectors").expanduser()

    @property
    def github_domains(self) -> frozenset[str]:
        return frozenset(d for d, f in self.forges.items() if f.kind == "github")

    @cached_property
    def home_dir(self) -> Path:
        path = self.home.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def sql_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'kosha.db'}"

    @property
    def milvus_target(self) -> str:
        return self.milvus_uri or str(self.home_dir / "milvus.db")

    @property
    def graph_dir(self) -> Path:
        return (self.graph_path or self.home_dir / "graph").expanduser()

    @property
    def blob_root(self) -> Path:
        return (self.blob_dir or self.home_dir / "blobs").expanduser()

    @property
    def embedded_sql(self) -> bool:
        """Whether metadata lives in a SQLite file on this machine (the embedded default)."""
        return self.sql_url.startswith("sqlite")

    @property
    def mirrors_dir(self) -> Path:
        return self.home_dir / "mirrors"
