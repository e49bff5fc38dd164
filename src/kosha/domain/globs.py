"""Path globs for search filters: `*` and `?` within one path segment, `**` across them."""

from __future__ import annotations

import re
from functools import lru_cache

from kosha.domain.errors import InvalidInput

MAX_GLOB = 512


@lru_cache(maxsize=256)
def _compile(glob: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def check_glob(glob: str) -> str:
    """The glob itself, or InvalidInput when it cannot be a path pattern."""
    if len(glob) > MAX_GLOB or any(ord(c) < 0x20 for c in glob) or "\\" in glob:
        raise InvalidInput("a path glob may not contain control characters or backslashes "
                           f"and is at most {MAX_GLOB} characters")
    return glob


def glob_match(glob: str, path: str) -> bool:
    """Whether `path` matches `glob` (a glob without `/` matches the file name anywhere)."""
    check_glob(glob)
    if "/" not in glob:
        glob = "**/" + glob
    return _compile(glob).match(path) is not None


def glob_to_like(glob: str) -> str:
    """A SQL-style `like` pattern matching at least every path `glob` matches (`%`/`_` in
    the glob stay wildcards, so the result is re-checked with `glob_match`)."""
    check_glob(glob)
    if "/" not in glob:
        glob = "**/" + glob
    like = re.sub(r"\*+", "%", glob).replace("?", "_")
    # `**/` may match no directory at all: loosen `%/` so `a/%b` still matches `a/b`
    return like.replace("%/", "%")
