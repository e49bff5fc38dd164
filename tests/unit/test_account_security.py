"""Passwords, session JWTs, the stored-token cipher, service keys and rate limits."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr

from kosha.accounts.cipher import DecryptionFailed, TokenCipher, new_salt
from kosha.accounts.keys import ConfigError, service_key
from kosha.accounts.passwords import Passwords
from kosha.accounts.ratelimit import AuthRateLimiter, RateLimitExceeded
from kosha.accounts.sessions import SessionTokens
from kosha.config import Settings
from kosha.domain.errors import InvalidAccessToken, InvalidInput

KEY = "k" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz"
FAST = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def test_password_hash_verifies_and_rejects() -> None:
    pw = Passwords(FAST)
    stored = pw.hash("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert pw.verify(stored, "correct horse battery")
    assert not pw.verify(stored, "wrong horse battery")
    assert not pw.verify(None, "correct horse battery")  # unknown user: still one full check
    assert not pw.verify("not-a-hash", "x")


@pytest.mark.parametrize("bad", ["", "short", "x" * 257])
def test_password_policy(bad: str) -> None:
    with pytest.raises(InvalidInput):
        Passwords.check_policy(bad)


def test_access_and_refresh_tokens_round_trip() -> None:
    tokens = SessionTokens(KEY)
    claims = tokens.decode(tokens.access("u1"), "access")
    assert claims.user_id == "u1" and claims.kind == "access"
    issued = tokens.refresh("u1")
    r = tokens.decode(issued.token, "refresh")
    assert r.family == issued.family and r.jti == issued.jti
    with pytest.raises(InvalidAccessToken):  # a refresh token is no access token
        tokens.decode(issued.token, "access")
    with pytest.raises(InvalidAccessToken):
        tokens.decode(tokens.access("u1"), "refresh")


def test_expired_tampered_and_foreign_tokens_are_refused() -> None:
    tokens = SessionTokens(KEY, access_ttl=timedelta(seconds=-1))
    with pytest.raises(InvalidAccessToken, match="expired"):
        tokens.decode(tokens.access("u1"), "access")
    good = SessionTokens(KEY).access("u1")
    head, body, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(InvalidAccessToken):
        SessionTokens(KEY).decode(f"{head}.{forged}.{sig}", "access")
    other = SessionTokens("z" * 40 + "another-secret-entirely")
    with pytest.raises(InvalidAccessToken):
        other.decode(good, "access")


@pytest.mark.parametrize("alg", ["none", "HS512"])
def test_other_algorithms_are_refused(alg: str) -> None:
    now = int(time.time())
    claims = {"sub": "u1", "typ": "access", "jti": "j", "iss": "kosha", "iat": now,
              "exp": now + 600}
    token = jwt.encode(claims, None if alg == "none" else KEY * 2, algorithm=alg)
    with pytest.raises(InvalidAccessToken):
        SessionTokens(KEY).decode(token, "access")


def test_cipher_round_trip_and_binding() -> None:
    cipher, salt = TokenCipher(KEY), new_salt()
    sealed = cipher.seal(SecretStr("glpat-secret-value"), user_id="u1", salt=salt,
                         domain="gitlab.com")
    assert b"glpat-secret-value" not in sealed.ciphertext
    opened = cipher.open(sealed, user_id="u1", salt=salt, domain="gitlab.com")
    assert opened.get_secret_value() == "glpat-secret-value"
    for kwargs in ({"user_id": "u2", "salt": salt, "domain": "gitlab.com"},
                   {"user_id": "u1", "salt": new_salt(), "domain": "gitlab.com"},
                   {"user_id": "u1", "salt": salt, "domain": "github.com"}):
        with pytest.raises(DecryptionFailed):
            cipher.open(sealed, **kwargs)
    with pytest.raises(DecryptionFailed, match="rotate-key"):
        TokenCipher(KEY + "x").open(sealed, user_id="u1", salt=salt, domain="gitlab.com")
    again = cipher.seal(SecretStr("glpat-secret-value"), user_id="u1", salt=salt,
                        domain="gitlab.com")
    assert again.nonce != sealed.nonce and again.ciphertext != sealed.ciphertext


def test_embedded_default_generates_keys_once(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    first = service_key(settings, "secret")
    assert len(first) >= 32 and service_key(settings, "secret") == first
    assert service_key(settings, "encryption") != first
    path = tmp_path / "home" / "secret.key"
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("value", [None, "changeme", "short-key", "a" * 64,
                                   "change-me-please-change-me-please-1234"])
def test_servers_refuse_missing_or_default_keys(tmp_path: Path, value: str | None) -> None:
    settings = Settings(home=tmp_path, database_url="postgresql+psycopg://x@127.0.0.1/db",
                        secret_key=value)
    with pytest.raises(ConfigError):
        service_key(settings, "secret")


def test_rate_limit_allows_ten_a_minute_then_says_when() -> None:
    limiter = AuthRateLimiter("10/minute")
    for _ in range(10):
        limiter.hit("login", "10.0.0.1")
    with pytest.raises(RateLimitExceeded) as info:
        limiter.hit("login", "10.0.0.1")
    assert 1 <= info.value.retry_after <= 60 and info.value.status == 429
    limiter.hit("login", "10.0.0.2")  # another address has its own count
    limiter.hit("signup", "10.0.0.1")  # and another action
