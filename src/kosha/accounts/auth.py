"""Sign-up, log-in, refresh rotation, log-out and Bearer authentication of accounts."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from kosha.accounts.cipher import new_salt
from kosha.accounts.passwords import Passwords
from kosha.accounts.quotas import Quota, quota_of
from kosha.accounts.sessions import SessionTokens
from kosha.adapters.sql.accounts import SqlAccountStore, UserRecord
from kosha.domain.errors import (
    InvalidAccessToken,
    InvalidCredentials,
    InvalidInput,
    RefreshTokenReused,
)
from kosha.domain.models import TenantRecord
from kosha.domain.tenancy import TenantKey, parse_tenant_key


@dataclass(frozen=True)
class Account:
    """Who an account-mode request acts for: the user, its tenant and its limits."""

    user: UserRecord
    tenant: TenantKey
    quota: Quota

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def tenant_record(self) -> TenantRecord:
        """The account's tenant row (created with the user, removed with it)."""
        return TenantRecord(id=self.user.tenant_id, key=self.user.tenant_key)

    @classmethod
    def of(cls, user: UserRecord) -> Account:
        """The account of a user row, with its tier's (or its own) limits."""
        return cls(user=user, tenant=parse_tenant_key(user.tenant_key),
                   quota=quota_of(user.tier, user.max_repos, user.max_chunks,
                                  user.max_queries_per_day))

    def __repr__(self) -> str:
        return f"Account(id={self.user.id!r})"


def normalise_email(raw: str) -> str:
    """A syntactically valid email, lower-cased (InvalidInput otherwise)."""
    if not isinstance(raw, str) or len(raw) > 320:
        raise InvalidInput("email is not valid", details={"field": "email"})
    try:
        valid = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"email is not valid: {exc}", details={"field": "email"}) from None
    return valid.normalized.lower()


class AuthService:
    def __init__(self, store: SqlAccountStore, passwords: Passwords,
                 tokens: SessionTokens) -> None:
        self.store = store
        self.passwords = passwords
        self.tokens = tokens

    def _session(self, user: UserRecord, family: str | None = None) -> dict:
        refresh = self.tokens.refresh(user.id, family)
        self.store.add_refresh(refresh.jti, user.id, refresh.family, refresh.expires_at)
        return {"user_id": user.id, "access_token": self.tokens.access(user.id),
                "refresh_token": refresh.token, "token_type": "bearer",
                "expires_in": int(self.tokens.access_ttl.total_seconds())}

    def signup(self, email: str, password: str) -> dict:
        """A new account: `{user_id, access_token, refresh_token, …}`."""
        address = normalise_email(email)
        Passwords.check_policy(password)
        hashed = self.passwords.hash(password)  # hashed before the uniqueness check: same time
        user = self.store.create_user(address, hashed, new_salt())
        return self._session(user)

    def create_oauth_user(self, email: str) -> UserRecord:
        """An account without a password (signs in through a forge)."""
        return self.store.create_user(normalise_email(email), None, new_salt())

    def session_for(self, user: UserRecord) -> dict:
        """A fresh token pair for a user who proved who they are some other way (OAuth)."""
        return self._session(user)

    def login(self, email: str, password: str) -> dict:
        """Tokens for a correct email and password; one answer for every kind of failure."""
        try:
            address = normalise_email(email)
        except InvalidInput:
            address = None
        user = self.store.user_by_email(address) if address else None
        ok = self.passwords.verify(user.password_hash if user else None, password
                                   if isinstance(password, str) else "")
        if not ok or user is None:
            raise InvalidCredentials("wrong email or password")
        return self._session(user)

    def refresh(self, refresh_token: str) -> dict:
        """Rotate: the given refresh token dies and a new pair is issued in its family.
        Presenting a dead one again revokes the whole family."""
        claims = self.tokens.decode(refresh_token, "refresh")
        outcome = self.store.use_refresh(claims.jti, claims.user_id)
        if outcome == "reused":
            raise RefreshTokenReused("this refresh token was already used: every session of "
                                     "its family is now signed out")
        user = self.store.user_by_id(claims.user_id)
        if outcome != "ok" or user is None:
            raise InvalidAccessToken("the refresh token is not valid")
        return self._session(user, claims.family)

    def logout(self, refresh_token: str) -> None:
        """End the session family of a refresh token."""
        claims = self.tokens.decode(refresh_token, "refresh")
        self.store.revoke_family(claims.family or "", claims.user_id)

    def authenticate(self, access_token: str) -> Account:
        """The account of a valid access token (its user must still exist)."""
        claims = self.tokens.decode(access_token, "access")
        user = self.store.user_by_id(claims.user_id)
        if user is None:
            raise InvalidAccessToken("the account no longer exists")
        return Account.of(user)
