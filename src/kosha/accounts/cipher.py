"""Stored forge tokens: AES-256-GCM under a key per user, derived with HKDF from the master
key and the user's own salt. The ciphertext is bound to (user, forge domain) as associated
data, so a row copied to another user or domain does not decrypt."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from kosha.domain.errors import KoshaError

NONCE_BYTES = 12
SALT_BYTES = 16


class DecryptionFailed(KoshaError):
    code = "stored_token_unreadable"
    status = 500


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes


def new_salt() -> bytes:
    """A fresh per-user salt."""
    return os.urandom(SALT_BYTES)


class TokenCipher:
    """Encrypts and decrypts stored tokens under one master key."""

    def __init__(self, master_key: str) -> None:
        self._master = master_key.encode()
        # identifies the master key without revealing it (rotation finds old rows by it)
        self.key_id = hashlib.sha256(b"kosha-key-id|" + self._master).hexdigest()[:16]

    def _key(self, salt: bytes, user_id: str) -> AESGCM:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                    info=b"kosha-forge-token-v1|" + user_id.encode())
        return AESGCM(hkdf.derive(self._master))

    @staticmethod
    def _aad(user_id: str, domain: str) -> bytes:
        return f"{user_id}|{domain}".encode()

    def seal(self, token: SecretStr, *, user_id: str, salt: bytes, domain: str) -> Sealed:
        """Encrypt a token for one user and forge domain."""
        nonce = os.urandom(NONCE_BYTES)
        data = self._key(salt, user_id).encrypt(nonce, token.get_secret_value().encode(),
                                                self._aad(user_id, domain))
        return Sealed(self.key_id, nonce, data)

    def open(self, sealed: Sealed, *, user_id: str, salt: bytes, domain: str) -> SecretStr:
        """Decrypt a stored token; DecryptionFailed if the key or binding does not match."""
        if sealed.key_id != self.key_id:
            raise DecryptionFailed("a stored token was encrypted under another master key: "
                                   "run `kosha rotate-key`")
        try:
            plain = self._key(salt, user_id).decrypt(sealed.nonce, sealed.ciphertext,
                                                     self._aad(user_id, domain))
        except InvalidTag:
            raise DecryptionFailed("a stored token could not be decrypted") from None
        return SecretStr(plain.decode())
