"""SQLAlchemy 2 tables of the metadata store (the Alembic migrations create the same)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    pass


class TenantRow(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # workspace | named
    gitlab_domain: Mapped[str | None] = mapped_column(String(255))
    root_group_path: Mapped[str] = mapped_column(String(512), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RepoRow(Base):
    __tablename__ = "repos"
    __table_args__ = (
        UniqueConstraint("tenant_id", "repo_url", name="uq_repos_tenant_url"),
        Index("ix_repos_tenant_id", "tenant_id"),
        Index("ix_repos_forge_project_id", "forge_project_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    repo_url: Mapped[str] = mapped_column(String(2048))
    # The forge's own project id (resolved once). Every store keys a repo by `id` above,
    # under the name `project_id`: it stays unique when one tenant mixes forges.
    forge_project_id: Mapped[int | None] = mapped_column(BigInteger)
    group_path: Mapped[str | None] = mapped_column(String(1024))
    source: Mapped[str] = mapped_column(String(16), default="forge")  # forge | local
    default_branch: Mapped[str | None] = mapped_column(String(255))
    last_indexed_commit: Mapped[str | None] = mapped_column(String(64))
    last_indexed_ref: Mapped[str | None] = mapped_column(String(255))
    last_indexed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_index_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    lock_token: Mapped[str | None] = mapped_column(String(64))
    lock_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RepoFileRow(Base):
    """The live manifest: the file versions search may return for a repo."""

    __tablename__ = "repo_files"

    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"),
                                         primary_key=True)
    rel_path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    file_sha: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(BigInteger)
    line_count: Mapped[int] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    blob_commit: Mapped[str] = mapped_column(String(64))  # where its blob was written


class IndexIntentRow(Base):
    """A file version written to the stores but not (or no longer) live: garbage to collect
    unless it becomes live. Lets a killed run leave nothing behind."""

    __tablename__ = "index_intents"
    __table_args__ = (Index("ix_index_intents_repo", "repo_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"))
    rel_path: Mapped[str] = mapped_column(String(1024))
    file_sha: Mapped[str] = mapped_column(String(64))
    blob_commit: Mapped[str] = mapped_column(String(64))


class EmbeddingCacheRow(Base):
    __tablename__ = "embedding_cache"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           primary_key=True)
    model: Mapped[str] = mapped_column(String(255), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class IndexRunRow(Base):
    __tablename__ = "index_runs"
    __table_args__ = (Index("ix_index_runs_repo", "repo_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"))
    commit: Mapped[str | None] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(255))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class JobRow(Base):
    """An index job of the job service: its state and progress, never a credential."""

    __tablename__ = "index_jobs"
    __table_args__ = (
        Index("ix_index_jobs_tenant_repo_status", "tenant_key", "repo_url", "status"),
        # at most one queued single-repo job per repo: concurrent requests in several API
        # processes join it instead of queueing a second run (Celery coalescing)
        Index("uq_index_jobs_one_queued", "tenant_key", "repo_url", unique=True,
              sqlite_where=text("status = 'queued' AND total_repos = 1"),
              postgresql_where=text("status = 'queued' AND total_repos = 1")),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    tenant_key: Mapped[str] = mapped_column(String(512))
    repo_url: Mapped[str] = mapped_column(String(2048))
    ref: Mapped[str] = mapped_column(String(255))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # queued | running | succeeded | failed
    phase: Mapped[str] = mapped_column(String(16))
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    files_done: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    chunks_to_embed: Mapped[int] = mapped_column(Integer, default=0)
    chunks_embedded: Mapped[int] = mapped_column(Integer, default=0)
    eta_s: Mapped[float | None] = mapped_column(Float)
    commit: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    requests: Mapped[int] = mapped_column(Integer, default=1)  # requests this job absorbed
    total_repos: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    current_repo_index: Mapped[int] = mapped_column(Integer, default=0,  # 0-based
                                                    server_default="0")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobRepoRow(Base):
    """One repository of an index job, in the order the job runs them (seed 000 progress)."""

    __tablename__ = "index_job_repos"

    job_id: Mapped[str] = mapped_column(ForeignKey("index_jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0-based
    repo_url: Mapped[str] = mapped_column(String(2048))
    ref: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # queued | running | succeeded | failed
    phase: Mapped[str] = mapped_column(String(16))
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    files_done: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    languages: Mapped[dict] = mapped_column(JSON, default=dict)  # lang -> chunks
    commit: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    """An account (account mode): one person, one named tenant `account:<id>`."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    email: Mapped[str] = mapped_column(String(320), unique=True)  # normalised, lower case
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: OAuth-only
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    tier: Mapped[str] = mapped_column(String(16), default="free")  # free | pro | enterprise
    # enterprise (custom) limits; None = the tier's default, and for queries: unlimited
    max_repos: Mapped[int | None] = mapped_column(Integer)
    max_chunks: Mapped[int | None] = mapped_column(Integer)
    max_queries_per_day: Mapped[int | None] = mapped_column(Integer)
    key_salt: Mapped[bytes] = mapped_column(LargeBinary)  # per-user HKDF salt for stored tokens
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OAuthLinkRow(Base):
    """A forge account (OAuth sign-in) linked to a Kosha user."""

    __tablename__ = "oauth_links"
    __table_args__ = (UniqueConstraint("domain", "subject", name="uq_oauth_links_subject"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255))  # the forge's user id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RefreshTokenRow(Base):
    """A refresh token's id and family: a used one is dead; reusing it revokes the family."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"),
                      Index("ix_refresh_tokens_user", "user_id"))

    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    family_id: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ForgeCredentialRow(Base):
    """A stored forge token: AES-256-GCM ciphertext under a per-user key, never plaintext."""

    __tablename__ = "forge_credentials"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # gitlab | github
    source: Mapped[str] = mapped_column(String(16), default="pat")  # pat | oauth
    forge_user: Mapped[str | None] = mapped_column(String(255))
    key_id: Mapped[str] = mapped_column(String(16))  # which master key encrypted it
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UsageDayRow(Base):
    """Usage of one tenant on one UTC day."""

    __tablename__ = "usage_daily"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD
    queries: Mapped[int] = mapped_column(Integer, default=0)
    chunks_written: Mapped[int] = mapped_column(Integer, default=0)
    chunks_embedded: Mapped[int] = mapped_column(Integer, default=0)
    bytes_indexed: Mapped[int] = mapped_column(BigInteger, default=0)


class RecentQueryRow(Base):
    """A tenant's recent queries, for the dashboard (the newest 20 are kept)."""

    __tablename__ = "recent_queries"
    __table_args__ = (Index("ix_recent_queries_tenant", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    query: Mapped[str] = mapped_column(String(2000))
    mode: Mapped[str] = mapped_column(String(16))
    hits: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
