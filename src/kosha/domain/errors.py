"""Domain errors: each has a stable machine code, a human message and an HTTP status."""

from __future__ import annotations


class KoshaError(Exception):
    """Base of every error Kosha reports to a user."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict:
        """The JSON body an API or CLI shows for this error."""
        body = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(KoshaError):
    code = "invalid_input"
    status = 400


class InvalidRepoUrl(InvalidInput):
    code = "invalid_repo_url"


class InvalidTenantKey(InvalidInput):
    code = "invalid_tenant_key"


class UnknownForge(InvalidInput):
    code = "unknown_forge"


class Forbidden(KoshaError):
    code = "forbidden"
    status = 403


class RepoNotInTenant(Forbidden):
    code = "repo_not_in_tenant"


class NotFound(KoshaError):
    code = "not_found"
    status = 404


class RepoNotIndexed(NotFound):
    code = "repo_not_indexed"


class GitError(KoshaError):
    code = "git_error"
    status = 502


class RefNotFound(GitError):
    code = "ref_not_found"
    status = 404


class EmptyRepository(GitError):
    code = "empty_repository"
    status = 422


class Conflict(KoshaError):
    code = "conflict"
    status = 409


class IndexBusy(Conflict):
    code = "index_busy"


class ForgeError(KoshaError):
    """A forge API (GitLab, GitHub) is unreachable or answered with an error."""

    code = "forge_unavailable"
    status = 502


class EmbeddingError(KoshaError):
    code = "embedding_error"
    status = 502


class StoreError(KoshaError):
    code = "store_error"
    status = 503


class Unauthorized(KoshaError):
    code = "unauthorized"
    status = 401


class MissingIdentity(Unauthorized):
    code = "missing_git_identity"


class RepoNotReadable(Forbidden):
    code = "repo_not_readable"


class PayloadTooLarge(KoshaError):
    code = "payload_too_large"
    status = 413


class QuotaExceeded(KoshaError):
    """An account's tier does not allow this much: nothing was done."""

    code = "quota_exceeded"
    status = 402


class QuotaReposExceeded(QuotaExceeded):
    code = "quota_repos_exceeded"


class QuotaChunksExceeded(QuotaExceeded):
    code = "quota_chunks_exceeded"


class QuotaQueriesExceeded(QuotaExceeded):
    code = "quota_queries_exceeded"
    status = 429


class RateLimited(KoshaError):
    code = "rate_limited"
    status = 429


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class InvalidAccessToken(Unauthorized):
    code = "invalid_token"


class RefreshTokenReused(Unauthorized):
    code = "refresh_token_reused"


class EmailUnavailable(Conflict):
    code = "email_unavailable"


class InvalidForgeToken(InvalidInput):
    code = "invalid_forge_token"


class NoStoredToken(InvalidInput):
    code = "no_stored_token"


class ModeNotAllowed(InvalidInput):
    code = "mode_not_allowed"


class JobsRunning(Conflict):
    code = "jobs_running"


class IndexCancelled(Conflict):
    """Someone cancelled the job: the run stopped at a file boundary, nothing new is live."""

    code = "cancelled"


class QueueUnavailable(StoreError):
    code = "queue_unavailable"


class StoreLocked(StoreError):
    """An embedded store's files are held by another process (a worker or the CLI)."""

    code = "store_locked"
