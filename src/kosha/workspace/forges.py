"""Configured forge domains: which repo URLs Kosha accepts and how it reaches their forge."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from cachetools import TTLCache
from pydantic import SecretStr

from kosha.adapters.forges import ForgeProject
from kosha.adapters.github import GitHubClient
from kosha.adapters.gitlab import GitLabClient
from kosha.config import ForgeConfig
from kosha.domain.errors import UnknownForge
from kosha.domain.tenancy import RepoRef, parse_repo_url


@dataclass(frozen=True)
class ForgeRepo:
    """A repo URL resolved against the forge configuration."""

    ref: RepoRef
    forge: ForgeConfig

    @property
    def url(self) -> str:
        """Canonical identity: the forge's web base + path (same for https, ssh, scp forms)."""
        return f"{self.forge.git_base}/{self.ref.path}".lower()

    @property
    def git_url(self) -> str:
        return f"{self.forge.git_base}/{self.ref.path}.git"

    @property
    def token_username(self) -> str:
        return "x-access-token" if self.forge.kind == "github" else "oauth2"


class ForgeRegistry:
    """Forge clients by domain; a domain outside the configuration is refused (no SSRF)."""

    def __init__(self, forges: dict[str, ForgeConfig]) -> None:
        self.forges = forges
        self._clients: dict[str, GitLabClient | GitHubClient] = {}
        self._lock = threading.Lock()

    def resolve(self, repo_url: str) -> ForgeRepo:
        """Parse a repo URL and find its forge, or raise UnknownForge."""
        ref = parse_repo_url(repo_url)
        forge = self.forges.get(ref.domain)
        if forge is None:
            raise UnknownForge(f"{ref.domain} is not a configured forge domain")
        return ForgeRepo(ref, forge)

    def forge(self, domain: str) -> ForgeConfig:
        forge = self.forges.get(domain)
        if forge is None:
            raise UnknownForge(f"{domain} is not a configured forge domain")
        return forge

    def client(self, domain: str) -> GitLabClient | GitHubClient:
        forge = self.forge(domain)
        with self._lock:
            if domain not in self._clients:
                cls = GitHubClient if forge.kind == "github" else GitLabClient
                self._clients[domain] = cls(forge.api_base)
            return self._clients[domain]

    def close(self) -> None:
        with self._lock:
            for c in self._clients.values():
                c.close()
            self._clients.clear()


def token_digest(token: SecretStr) -> str:
    """What caches are keyed by: never the token itself."""
    return hashlib.sha256(token.get_secret_value().encode()).hexdigest()


class AccessChecker:
    """Asks the forge what a token can read; answers cached ≤ ttl s under a token hash."""

    def __init__(self, registry: ForgeRegistry, ttl_seconds: int = 60) -> None:
        self.registry = registry
        self._cache: TTLCache = TTLCache(maxsize=10_000, ttl=max(ttl_seconds, 0) or 1e-9)
        self._lock = threading.Lock()

    def _cached(self, key: tuple, fetch):  # noqa: ANN001, ANN202
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = fetch()
        with self._lock:
            self._cache[key] = value
        return value

    def project(self, repo: ForgeRepo, token: SecretStr) -> ForgeProject | None:
        """The forge project if the token can read it, else None."""
        client = self.registry.client(repo.ref.domain)
        key = ("project", token_digest(token), repo.ref.domain, repo.ref.path)
        return self._cached(key, lambda: client.project(repo.ref.path, token))

    def readable_paths(self, domain: str, group_path: str, token: SecretStr) -> set[str]:
        """Paths of every project under `group_path` the token can read."""
        client = self.registry.client(domain)
        key = ("group", token_digest(token), domain, group_path)
        return set(self._cached(key, lambda: frozenset(
            p.path.lower() for p in client.group_projects(group_path, token))))
