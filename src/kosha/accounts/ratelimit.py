"""Rate limits on the auth endpoints (the `limits` library): memory on the embedded default,
Redis when `KOSHA_REDIS_URL` is set, so every API process shares one count."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from kosha.domain.errors import RateLimited


class RateLimitExceeded(RateLimited):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after})
        self.retry_after = retry_after


class AuthRateLimiter:
    """`spec` (e.g. `10/minute`) per client address and action."""

    def __init__(self, spec: str, storage_uri: str | None = None,
                 key_prefix: str = "kosha-ratelimit") -> None:
        self.item = parse(spec)
        options = {"key_prefix": key_prefix} if storage_uri else {}
        self.storage = storage_from_string(storage_uri or "memory://", **options)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.spec = spec

    def hit(self, action: str, client: str) -> None:
        """Count one attempt; RateLimitExceeded (429, with Retry-After) past the limit."""
        if self.limiter.hit(self.item, action, client):
            return
        stats = self.limiter.get_window_stats(self.item, action, client)
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimitExceeded(f"too many {action} attempts from this address ({self.spec}); "
                                f"try again in {retry} s", retry)

    def reset(self) -> None:
        """Forget every count (tests, admin)."""
        self.storage.reset()
