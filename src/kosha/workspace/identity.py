"""`X-Git-Identity: domain=<domain>,token=<token>` headers: per-domain tokens of one request."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import SecretStr

from kosha.domain.errors import InvalidInput

MAX_IDENTITIES = 10
MAX_TOKEN_LEN = 512
_DOMAIN = re.compile(r"^[a-z0-9.-]{1,253}(:[0-9]{1,5})?$")
_TOKEN = re.compile(r"^[A-Za-z0-9._~+/=:-]+$")


class InvalidIdentity(InvalidInput):
    code = "invalid_git_identity"


class GitIdentities:
    """Tokens by forge domain. Never printed: repr and str show domains only."""

    def __init__(self, tokens: dict[str, SecretStr]) -> None:
        self._tokens = dict(tokens)

    def token_for(self, domain: str) -> SecretStr | None:
        """The request's token for a forge domain, if it sent one."""
        return self._tokens.get(domain.lower())

    @property
    def domains(self) -> list[str]:
        return sorted(self._tokens)

    def __repr__(self) -> str:
        return f"GitIdentities(domains={self.domains})"

    __str__ = __repr__


def parse_identities(headers: Iterable[str]) -> GitIdentities:
    """Parse every `X-Git-Identity` header value; errors never echo the token."""
    tokens: dict[str, SecretStr] = {}
    for raw in headers:
        for value in raw.split(";"):  # tolerate several identities folded into one header
            if not value.strip():
                continue
            fields: dict[str, str] = {}
            for part in value.split(","):
                key, sep, val = part.strip().partition("=")
                key = key.strip().lower()
                if not sep or key not in ("domain", "token") or key in fields:
                    raise InvalidIdentity("X-Git-Identity must look like "
                                          "'domain=<forge domain>,token=<token>'")
                fields[key] = val.strip()
            domain, token = fields.get("domain", "").lower(), fields.get("token", "")
            if not _DOMAIN.match(domain):
                raise InvalidIdentity("X-Git-Identity has an invalid domain")
            if not token or len(token) > MAX_TOKEN_LEN or not _TOKEN.match(token):
                raise InvalidIdentity(f"X-Git-Identity for {domain} has an empty, too long "
                                      "or malformed token")
            if domain in tokens:
                raise InvalidIdentity(f"X-Git-Identity names {domain} twice")
            tokens[domain] = SecretStr(token)
    if len(tokens) > MAX_IDENTITIES:
        raise InvalidIdentity(f"at most {MAX_IDENTITIES} X-Git-Identity domains per request")
    return GitIdentities(tokens)
