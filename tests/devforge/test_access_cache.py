"""Forge access answers are cached per token hash, for at most the configured seconds."""

from __future__ import annotations

import time

from pydantic import SecretStr

from kosha.config import ForgeConfig
from kosha.workspace.forges import AccessChecker, ForgeRegistry


def checker(url: str, ttl: int) -> AccessChecker:
    domain = url.split("://", 1)[1]
    return AccessChecker(ForgeRegistry({domain: ForgeConfig(
        kind="gitlab", api_base=f"{url}/api/v4", git_base=url)}), ttl)


def test_cache_is_keyed_by_token_and_expires(server, forge) -> None:  # noqa: ANN001
    _app, url = server
    access = checker(url, ttl=1)
    registry = access.registry
    repo = registry.resolve(f"{url}/emea/team-a/svc")
    assert access.project(repo, SecretStr("tok-a")).id == 101
    assert access.project(repo, SecretStr("tok-a")).id == 101
    assert len(forge.paths()) == 1  # the second answer came from the cache
    assert access.project(repo, SecretStr("tok-b")) is None  # another token: asked again
    assert len(forge.paths()) == 2
    time.sleep(1.1)
    assert access.project(repo, SecretStr("tok-a")).id == 101
    assert len(forge.paths()) == 3  # expired
    assert access.readable_paths(registry.resolve(repo.url).ref.domain, "emea",
                                 SecretStr("tok-emea")) >= {"emea/team-a/svc",
                                                            "emea/team-b/svc"}
    assert all("tok-" not in repr(k) for k in access._cache)  # keys hold hashes only
    registry.close()


def test_zero_ttl_never_caches(server, forge) -> None:  # noqa: ANN001
    _app, url = server
    access = checker(url, ttl=0)
    repo = access.registry.resolve(f"{url}/emea/team-a/svc")
    access.project(repo, SecretStr("tok-a"))
    access.project(repo, SecretStr("tok-a"))
    assert len(forge.paths()) == 2
    access.registry.close()
