"""The auth rate limit on both storages: memory (embedded default) and the real Redis."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from kosha.accounts.ratelimit import AuthRateLimiter, RateLimitExceeded

REDIS_URL = os.environ.get("KOSHA_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest):  # noqa: ANN201
    if request.param == "memory":
        yield AuthRateLimiter("3/minute")
        return
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but unreachable: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")
    prefix = f"kosha-test-{uuid.uuid4().hex[:8]}"
    yield AuthRateLimiter("3/minute", REDIS_URL, key_prefix=prefix)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def test_the_fourth_attempt_is_refused_per_address(limiter: AuthRateLimiter) -> None:
    for _ in range(3):
        limiter.hit("login", "192.0.2.1")
    with pytest.raises(RateLimitExceeded) as info:
        limiter.hit("login", "192.0.2.1")
    assert 1 <= info.value.retry_after <= 60
    limiter.hit("login", "192.0.2.2")


def test_two_processes_share_the_redis_count() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("Redis unreachable")
    prefix = f"kosha-test-{uuid.uuid4().hex[:8]}"
    a = AuthRateLimiter("2/minute", REDIS_URL, key_prefix=prefix)
    b = AuthRateLimiter("2/minute", REDIS_URL, key_prefix=prefix)  # another API process
    a.hit("signup", "192.0.2.9")
    b.hit("signup", "192.0.2.9")
    with pytest.raises(RateLimitExceeded):
        a.hit("signup", "192.0.2.9")
    a.reset()
