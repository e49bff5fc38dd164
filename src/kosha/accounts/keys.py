"""The service's two secrets: the JWT signing key and the master key of stored tokens.

Set them with `KOSHA_SECRET_KEY` and `KOSHA_ENCRYPTION_KEY`. The embedded default (metadata in
SQLite) generates each once into a 0600 file under `KOSHA_HOME`; a server on PostgreSQL
refuses to start without both, and any configured key that is short or a well-known default is
refused everywhere.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from kosha.config import Settings
from kosha.domain.errors import KoshaError

MIN_LENGTH = 32
_KNOWN_DEFAULTS = {"changeme", "change-me", "secret", "kosha", "default", "dev", "test",
                   "please-change-me", "your-secret-key", "supersecret"}


class ConfigError(KoshaError):
    code = "configuration_error"
    status = 500


def is_weak(value: str) -> bool:
    """Whether a key is too short, too repetitive or a well-known default."""
    lowered = value.strip().lower()
    return (len(value) < MIN_LENGTH or lowered in _KNOWN_DEFAULTS
            or any(lowered.startswith(d) for d in _KNOWN_DEFAULTS if len(d) > 5)
            or len(set(value)) < 8)


def _generated(path: Path) -> str:
    """The key stored at `path`, created (0600) on first use."""
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def key_file(settings: Settings, name: str) -> Path:
    """Where the embedded default keeps a generated key."""
    return settings.home_dir / f"{name}.key"


def service_key(settings: Settings, name: str) -> str:
    """`secret` or `encryption`: the configured key, or the embedded default's generated one."""
    env = f"KOSHA_{name.upper()}_KEY"
    value: SecretStr | None = getattr(settings, f"{name}_key")
    if value is not None:
        text = value.get_secret_value()
        if is_weak(text):
            raise ConfigError(f"{env} is too short or a well-known default: use at least "
                              f"{MIN_LENGTH} random characters")
        return text
    if not settings.embedded_sql:
        raise ConfigError(f"{env} must be set when metadata is not in SQLite (only the "
                          "embedded default generates its own keys)")
    return _generated(key_file(settings, name))
