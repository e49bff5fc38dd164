"""Read a bare repository's tree with `git ls-tree`, for the stand-in forge's tree endpoints.

Part of the stand-in forge used by the tests and the README walkthrough; never in production.
Refs are checked strictly before git sees them, and git runs without any user or system config.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_REF = re.compile(r"^[A-Za-z0-9._/-]{1,255}$")


@dataclass(frozen=True)
class GitTreeItem:
    """One `git ls-tree` line: mode, type (`blob`, `tree`, `commit`), object id, size, path."""

    mode: str
    type: str
    sha: str
    size: int | None
    path: str

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


@dataclass(frozen=True)
class GitTree:
    """A tree's own object id and its entries."""

    sha: str
    items: list[GitTreeItem]


def valid_ref(ref: str) -> bool:
    """Whether `ref` looks like a branch, tag or object id we may hand to git."""
    return (bool(_REF.match(ref)) and ".." not in ref and not ref.startswith(("-", "/"))
            and not ref.endswith("/") and "//" not in ref)


def _env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def _git(repo: Path, *args: str) -> bytes | None:
    proc = subprocess.run(["git", f"--git-dir={repo}", *args], capture_output=True,
                          env=_env(), timeout=60, check=False)
    return proc.stdout if proc.returncode == 0 else None


def read_tree(repo: Path, ref: str, recursive: bool = True) -> GitTree | None:
    """The tree of `ref` in the bare repository `repo`: with `recursive`, every entry below it
    (subtrees listed too, before their content), else the top level only. None if the repo,
    or the ref, does not exist or the ref is not a plain name."""
    if not valid_ref(ref) or not (repo / "HEAD").is_file():
        return None
    sha = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{tree}}")
    if not sha:
        return None
    tree_sha = sha.decode().strip()
    listing = _git(repo, "ls-tree", "-l", "-z", *(("-r", "-t") if recursive else ()), tree_sha)
    if listing is None:
        return None
    items = []
    for record in listing.decode("utf-8", "replace").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, obj, size = meta.split()
        items.append(GitTreeItem(mode=mode, type=kind, sha=obj,
                                 size=int(size) if size.isdigit() else None, path=path))
    return GitTree(sha=tree_sha, items=items)
