"""A per-tenant cap on running jobs across every worker: a Redis sorted set of leases.

Each running job holds a member whose score is its expiry; a heartbeat pushes it forward, so
the slot of a worker that died frees itself within `ttl` seconds. Acquiring is one Lua script
(atomic on the Redis server), so two workers never both take the last slot.
"""

from __future__ import annotations

import logging
import threading
import time

import redis

log = logging.getLogger(__name__)

_ACQUIRE = """
local now, ttl, cap, member = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], member) or redis.call('ZCARD', KEYS[1]) < cap then
  redis.call('ZADD', KEYS[1], now + ttl, member)
  redis.call('EXPIRE', KEYS[1], math.ceil(ttl) + 1)
  return 1
end
return 0
"""


class TenantSlots:
    """At most `cap` jobs of one tenant hold a slot at once."""

    def __init__(self, client: redis.Redis, cap: int, prefix: str = "kosha:",
                 ttl: float = 60.0) -> None:
        self.client = client
        self.cap = cap
        self.prefix = prefix
        self.ttl = ttl
        self._acquire = client.register_script(_ACQUIRE)

    def _key(self, tenant_key: str) -> str:
        return f"{self.prefix}slots:{tenant_key}"

    def acquire(self, tenant_key: str, job_id: str) -> bool:
        """Take a slot for `job_id` (again, if it holds one); False when the tenant is full."""
        return bool(self._acquire(keys=[self._key(tenant_key)],
                                  args=[time.time(), self.ttl, self.cap, job_id]))

    def release(self, tenant_key: str, job_id: str) -> None:
        self.client.zrem(self._key(tenant_key), job_id)

    def holding(self, tenant_key: str, job_id: str) -> _Held:
        """Keep a taken slot alive until the block ends, then free it."""
        return _Held(self, tenant_key, job_id)


class _Held:
    def __init__(self, slots: TenantSlots, tenant_key: str, job_id: str) -> None:
        self.slots, self.tenant_key, self.job_id = slots, tenant_key, job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="kosha-slot", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.slots.ttl / 3):
            try:
                self.slots.acquire(self.tenant_key, self.job_id)
            except redis.RedisError as exc:  # a missed beat is retried on the next one
                log.warning("tenant slot heartbeat failed (%s)", type(exc).__name__)

    def __enter__(self) -> _Held:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            self.slots.release(self.tenant_key, self.job_id)
        except redis.RedisError as err:  # it expires by itself within ttl
            log.warning("could not free a tenant slot (%s)", type(err).__name__)
