"""Session tokens: HS256 JWTs (PyJWT). Access tokens live 1 h, refresh tokens 7 d.

Only HS256 is accepted (`alg=none` and every other algorithm are refused), and every claim
Kosha relies on is required.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from kosha.domain.errors import InvalidAccessToken

ALGORITHM = "HS256"
ISSUER = "kosha"


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    kind: str  # access | refresh
    jti: str
    family: str | None
    expires_at: datetime


@dataclass(frozen=True)
class IssuedRefresh:
    token: str
    jti: str
    family: str
    expires_at: datetime


class SessionTokens:
    """Issues and checks access and refresh JWTs signed with the service secret."""

    def __init__(self, secret: str, access_ttl: timedelta = timedelta(hours=1),
                 refresh_ttl: timedelta = timedelta(days=7)) -> None:
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    def _encode(self, user_id: str, kind: str, ttl: timedelta, **extra: str) -> tuple[str, str,
                                                                                       datetime]:
        now = datetime.now(UTC)
        jti = uuid.uuid4().hex
        expires = now + ttl
        claims = {"sub": user_id, "typ": kind, "jti": jti, "iss": ISSUER,
                  "iat": int(now.timestamp()), "exp": int(expires.timestamp()), **extra}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM), jti, expires

    def access(self, user_id: str) -> str:
        """A new access token for `user_id`."""
        return self._encode(user_id, "access", self.access_ttl)[0]

    def refresh(self, user_id: str, family: str | None = None) -> IssuedRefresh:
        """A new refresh token in `family` (a new family when None)."""
        family = family or uuid.uuid4().hex
        token, jti, expires = self._encode(user_id, "refresh", self.refresh_ttl, fam=family)
        return IssuedRefresh(token, jti, family, expires)

    def decode(self, token: str, kind: str) -> TokenClaims:
        """The claims of a valid, unexpired token of `kind`; InvalidAccessToken otherwise."""
        if not isinstance(token, str) or not token or len(token) > 4096:
            raise InvalidAccessToken("missing or malformed token")
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], issuer=ISSUER,
                                options={"require": ["sub", "typ", "jti", "exp", "iat", "iss"]})
        except jwt.ExpiredSignatureError:
            raise InvalidAccessToken("the token has expired") from None
        except jwt.PyJWTError:
            raise InvalidAccessToken("the token is not valid") from None
        if claims.get("typ") != kind or not isinstance(claims.get("sub"), str):
            raise InvalidAccessToken(f"this is not an {kind} token" if kind == "access"
                                     else f"this is not a {kind} token")
        family = claims.get("fam")
        if kind == "refresh" and not isinstance(family, str):
            raise InvalidAccessToken("the token is not valid")
        return TokenClaims(user_id=claims["sub"], kind=kind, jti=str(claims["jti"]),
                           family=family, expires_at=datetime.fromtimestamp(claims["exp"], UTC))
