"""Tiers and their limits (DESIGN §5): checked before work starts."""

from __future__ import annotations

from dataclasses import dataclass

TIERS = ("free", "pro", "enterprise")


@dataclass(frozen=True)
class Quota:
    """Limits of one account; `queries_per_day` None means unlimited."""

    repos: int
    chunks: int
    queries_per_day: int | None

    def to_dict(self) -> dict:
        return {"repos": self.repos, "chunks": self.chunks,
                "queries_per_day": self.queries_per_day}


TIER_QUOTAS = {
    "free": Quota(repos=10, chunks=50_000, queries_per_day=100),
    "pro": Quota(repos=100, chunks=500_000, queries_per_day=None),
    # enterprise limits are set per account; these apply until they are
    "enterprise": Quota(repos=1_000, chunks=5_000_000, queries_per_day=None),
}


def quota_of(tier: str, repos: int | None = None, chunks: int | None = None,
             queries_per_day: int | None = None) -> Quota:
    """The tier's limits, with an account's own (enterprise) limits where set."""
    base = TIER_QUOTAS.get(tier, TIER_QUOTAS["free"])
    return Quota(repos=repos if repos is not None else base.repos,
                 chunks=chunks if chunks is not None else base.chunks,
                 queries_per_day=queries_per_day if queries_per_day is not None
                 else base.queries_per_day)
