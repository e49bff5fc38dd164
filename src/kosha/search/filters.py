"""Search filters from user-facing values (CLI options, JSON bodies)."""

from __future__ import annotations

from kosha.domain.errors import InvalidInput
from kosha.domain.models import SearchFilters

KINDS = ("function", "method", "class", "file", "block")


def make_filters(lang: list[str] | None, kind: list[str] | None,
                 path: str | None) -> SearchFilters:
    """Filters from CLI/JSON values; a path with `*` or `?` is a glob, else a prefix."""
    kinds = tuple(kind or ())
    bad = set(kinds) - set(KINDS)
    if bad:
        raise InvalidInput(f"unknown kind {sorted(bad)[0]!r}: use function, method, class, "
                           "file or block")
    path = path or ""
    glob = any(c in path for c in "*?")
    return SearchFilters(langs=tuple(x.lower() for x in lang or ()), kinds=kinds,
                         path_prefix="" if glob else path, path_glob=path if glob else "")
