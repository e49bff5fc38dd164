"""Password hashing with Argon2id (argon2-cffi); unknown users cost the same as known ones."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kosha.domain.errors import InvalidInput

MIN_PASSWORD = 10
MAX_PASSWORD = 256


class Passwords:
    """Hash and verify passwords; `verify` runs one Argon2 check whether or not a hash exists."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("kosha-no-such-user-dummy-password")

    @staticmethod
    def check_policy(password: str) -> None:
        """Refuse passwords that are too short or too long."""
        if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInput(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                               details={"field": "password"})

    def hash(self, password: str) -> str:
        """An Argon2id hash of `password`."""
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored` (None: no such user, still one full check)."""
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
