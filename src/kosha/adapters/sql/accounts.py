"""Accounts on SQLAlchemy 2: users, refresh-token families, stored (encrypted) forge tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kosha.accounts.cipher import Sealed
from kosha.adapters.sql.tables import (
    ForgeCredentialRow,
    OAuthLinkRow,
    RefreshTokenRow,
    TenantRow,
    UserRow,
)
from kosha.domain.errors import EmailUnavailable


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True)
class UserRecord:
    id: str
    email: str
    password_hash: str | None
    tenant_id: str
    tenant_key: str
    tier: str
    max_repos: int | None
    max_chunks: int | None
    max_queries_per_day: int | None
    key_salt: bytes
    created_at: datetime

    def __repr__(self) -> str:  # never print the hash or salt
        return f"UserRecord(id={self.id!r}, tier={self.tier!r})"


@dataclass(frozen=True)
class StoredCredential:
    user_id: str
    domain: str
    kind: str
    source: str
    forge_user: str | None
    sealed: Sealed
    created_at: datetime

    def __repr__(self) -> str:
        return f"StoredCredential(user_id={self.user_id!r}, domain={self.domain!r})"

    def to_dict(self) -> dict:
        """What an API may show of a stored token: never the token."""
        return {"domain": self.domain, "kind": self.kind, "source": self.source,
                "forge_user": self.forge_user, "created_at": _aware(self.created_at).isoformat()}


def tenant_key_of(user_id: str) -> str:
    """The named tenant of an account."""
    return f"account:{user_id}"


class SqlAccountStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._session()

    # --- users -------------------------------------------------------------------------
    def create_user(self, email: str, password_hash: str | None, key_salt: bytes,
                    tier: str = "free") -> UserRecord:
        """A user and its tenant, in one transaction; EmailUnavailable if the email is taken."""
        user_id = uuid.uuid4().hex
        now = _now()
        tenant = TenantRow(id=str(uuid.uuid4()), key=tenant_key_of(user_id), kind="named",
                           gitlab_domain=None, root_group_path="", is_active=True,
                           created_at=now)
        user = UserRow(id=user_id, email=email, password_hash=password_hash,
                       tenant_id=tenant.id, tier=tier, key_salt=key_salt, created_at=now)
        try:
            with self.session() as s, s.begin():
                s.add(tenant)
                s.flush()
                s.add(user)
        except IntegrityError:
            raise EmailUnavailable("this email cannot be used to sign up: log in "
                                   "instead") from None
        return _user(user, tenant.key)

    def _one(self, *where) -> UserRecord | None:  # noqa: ANN002
        with self.session() as s:
            row = s.execute(select(UserRow, TenantRow.key).join(
                TenantRow, TenantRow.id == UserRow.tenant_id).where(*where)).first()
            return _user(row[0], row[1]) if row else None

    def user_by_email(self, email: str) -> UserRecord | None:
        return self._one(UserRow.email == email)

    def user_by_id(self, user_id: str) -> UserRecord | None:
        return self._one(UserRow.id == user_id)

    def user_by_tenant(self, tenant_id: str) -> UserRecord | None:
        return self._one(UserRow.tenant_id == tenant_id)

    def set_tier(self, user_id: str, tier: str, *, max_repos: int | None = None,
                 max_chunks: int | None = None, max_queries_per_day: int | None = None) -> None:
        """Change an account's tier (and custom limits, for enterprise)."""
        with self.session() as s, s.begin():
            s.execute(update(UserRow).where(UserRow.id == user_id).values(
                tier=tier, max_repos=max_repos, max_chunks=max_chunks,
                max_queries_per_day=max_queries_per_day))

    # --- OAuth links ---------------------------------------------------------------------
    def user_by_oauth(self, domain: str, subject: str) -> UserRecord | None:
        with self.session() as s:
            user_id = s.scalar(select(OAuthLinkRow.user_id).where(
                OAuthLinkRow.domain == domain, OAuthLinkRow.subject == subject))
        return self.user_by_id(user_id) if user_id else None

    def link_oauth(self, user_id: str, domain: str, subject: str) -> None:
        with self.session() as s, s.begin():
            s.merge(OAuthLinkRow(user_id=user_id, domain=domain, subject=subject,
                                 created_at=_now()))

    # --- refresh tokens ------------------------------------------------------------------
    def add_refresh(self, jti: str, user_id: str, family: str, expires_at: datetime) -> None:
        with self.session() as s, s.begin():
            s.add(RefreshTokenRow(jti=jti, user_id=user_id, family_id=family,
                                  expires_at=expires_at))

    def use_refresh(self, jti: str, user_id: str) -> str:
        """Spend a refresh token: `ok`, `reused` (its family is now revoked) or `unknown`."""
        now = _now()
        with self.session() as s, s.begin():
            spent = s.execute(update(RefreshTokenRow).where(
                RefreshTokenRow.jti == jti, RefreshTokenRow.user_id == user_id,
                RefreshTokenRow.used_at.is_(None), RefreshTokenRow.revoked_at.is_(None),
            ).values(used_at=now)).rowcount
            if spent == 1:
                return "ok"
            family = s.scalar(select(RefreshTokenRow.family_id).where(
                RefreshTokenRow.jti == jti, RefreshTokenRow.user_id == user_id))
            if family is None:
                return "unknown"
            s.execute(update(RefreshTokenRow).where(RefreshTokenRow.family_id == family,
                                                    RefreshTokenRow.revoked_at.is_(None))
                      .values(revoked_at=now))
            return "reused"

    def revoke_family(self, family: str, user_id: str) -> None:
        with self.session() as s, s.begin():
            s.execute(update(RefreshTokenRow).where(
                RefreshTokenRow.family_id == family, RefreshTokenRow.user_id == user_id,
                RefreshTokenRow.revoked_at.is_(None)).values(revoked_at=_now()))

    # --- stored forge tokens -------------------------------------------------------------
    def put_credential(self, user_id: str, domain: str, kind: str, source: str,
                       forge_user: str | None, sealed: Sealed) -> None:
        """Store (or replace) the user's token for a forge domain."""
        with self.session() as s, s.begin():
            s.merge(ForgeCredentialRow(user_id=user_id, domain=domain, kind=kind, source=source,
                                       forge_user=forge_user, key_id=sealed.key_id,
                                       nonce=sealed.nonce, ciphertext=sealed.ciphertext,
                                       created_at=_now()))

    def credential(self, user_id: str, domain: str) -> StoredCredential | None:
        with self.session() as s:
            row = s.get(ForgeCredentialRow, (user_id, domain))
            return _credential(row) if row else None

    def credentials(self, user_id: str) -> list[StoredCredential]:
        with self.session() as s:
            rows = s.scalars(select(ForgeCredentialRow).where(
                ForgeCredentialRow.user_id == user_id).order_by(ForgeCredentialRow.domain))
            return [_credential(r) for r in rows]

    def delete_credential(self, user_id: str, domain: str) -> bool:
        with self.session() as s, s.begin():
            return s.execute(delete(ForgeCredentialRow).where(
                ForgeCredentialRow.user_id == user_id,
                ForgeCredentialRow.domain == domain)).rowcount == 1

    def all_credentials(self) -> Iterator[tuple[StoredCredential, bytes]]:
        """Every stored token with its user's salt (key rotation)."""
        with self.session() as s:
            rows = s.execute(select(ForgeCredentialRow, UserRow.key_salt).join(
                UserRow, UserRow.id == ForgeCredentialRow.user_id)).all()
        for row, salt in rows:
            yield _credential(row), salt

    def reseal(self, user_id: str, domain: str, sealed: Sealed) -> None:
        with self.session() as s, s.begin():
            s.execute(update(ForgeCredentialRow).where(
                ForgeCredentialRow.user_id == user_id, ForgeCredentialRow.domain == domain)
                .values(key_id=sealed.key_id, nonce=sealed.nonce, ciphertext=sealed.ciphertext))


def _user(row: UserRow, tenant_key: str) -> UserRecord:
    return UserRecord(id=row.id, email=row.email, password_hash=row.password_hash,
                      tenant_id=row.tenant_id, tenant_key=tenant_key, tier=row.tier,
                      max_repos=row.max_repos, max_chunks=row.max_chunks,
                      max_queries_per_day=row.max_queries_per_day, key_salt=row.key_salt,
                      created_at=row.created_at)


def _credential(row: ForgeCredentialRow) -> StoredCredential:
    return StoredCredential(user_id=row.user_id, domain=row.domain, kind=row.kind,
                            source=row.source, forge_user=row.forge_user,
                            sealed=Sealed(row.key_id, row.nonce, row.ciphertext),
                            created_at=row.created_at)
