"""Best-effort resolution of import strings to files of the same repository."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable

_PACKAGE_FILES = {"__init__", "index", "mod", "package-info"}
_JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".d.ts")
_SPLIT = re.compile(r"[./:\\]+")
_IGNORED = {"crate", "self", "super", "", "@"}
MAX_KEY = 4
# languages whose imports name files, extension included (`#include "x.h"`, `require 'x.rb'`)
_FILE_INCLUDERS = (".c", ".h", ".cc", ".cpp", ".hpp", ".hh", ".cxx", ".hxx", ".rb", ".php")


def _stem(name: str) -> str:
    return name[:-5] if name.endswith(".d.ts") else posixpath.splitext(name)[0]


class PathIndex:
    """All paths of a commit, looked up by trailing segments without extensions."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = set(paths)
        self._by_suffix: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self._go_dirs: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for path in sorted(self.paths):
            segs = path.split("/")
            stem = _stem(segs[-1])
            keys = [segs[:-1] + [stem]]
            if stem in _PACKAGE_FILES:
                keys.append(segs[:-1])  # a package directory names its __init__/index/mod
            for key in keys:
                for k in range(1, min(MAX_KEY, len(key)) + 1):
                    self._by_suffix[tuple(key[-k:])].append(path)
            if path.endswith(".go") and not path.endswith("_test.go"):
                for k in range(1, min(MAX_KEY, len(segs) - 1) + 1):  # a Go import names a dir
                    self._go_dirs[tuple(segs[-1 - k:-1])].append(path)

    def lookup(self, key: tuple[str, ...]) -> list[str]:
        return self._by_suffix.get(key, [])

    def lookup_go_package(self, key: tuple[str, ...]) -> list[str]:
        """The non-test .go files of directories whose trailing segments are `key`."""
        return self._go_dirs.get(key, [])


def _home(path: str, name: str) -> str:
    """The directory in which `name` names `path`: a package (`pkg/__init__.py`, `mod.rs`,
    `index.ts`) is named from the parent of its directory."""
    folder = posixpath.dirname(path)
    return folder if _stem(posixpath.basename(path)) == name else posixpath.dirname(folder)


def _first_existing(index: PathIndex, candidates: Iterable[str]) -> list[str]:
    for c in candidates:
        c = posixpath.normpath(c)
        if c in index.paths:
            return [c]
    return []


def resolve_import(module: str, from_path: str, index: PathIndex) -> list[str]:
    """Paths of the repo an import string most likely names ([] if external)."""
    here = posixpath.dirname(from_path)
    ext = posixpath.splitext(from_path)[1]
    if module.startswith(("./", "../")):  # JS/TS, C includes written relative
        base = posixpath.join(here, module)
        return _first_existing(index, [base, *(base + e for e in _JS_EXTS),
                                       *(posixpath.join(base, "index" + e) for e in _JS_EXTS),
                                       base + ext])
    if module.startswith(".") and ext in (".py", ".pyi"):  # Python relative import
        dots = len(module) - len(module.lstrip("."))
        base = here
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        rest = module.lstrip(".").replace(".", "/")
        target = posixpath.join(base, rest) if rest else base
        return _first_existing(index, [target + ".py", target + ".pyi",
                                       posixpath.join(target, "__init__.py"),
                                       posixpath.join(target, "__init__.pyi")])
    if ext == ".go":  # an import path names a package directory, matched by its tail
        parts = [s for s in module.split("/") if s]
        for length in range(min(len(parts), MAX_KEY), 0, -1):
            hits = index.lookup_go_package(tuple(parts[-length:]))
            if length == 1:  # `import "errors"` is no far-away errors/ directory
                hits = [h for h in hits if posixpath.dirname(posixpath.dirname(h)) in (here, "")]
            if hits:
                return hits[:3]
        return []
    includes_files = ext in _FILE_INCLUDERS
    if includes_files and (found := _first_existing(index, [posixpath.join(here, module),
                                                            posixpath.join(here, module + ext)])):
        return found
    segs = [s for s in _SPLIT.split(module) if s not in _IGNORED]
    if includes_files and module.endswith((".h", ".hpp", ".hh", ".php", ".rb")) and len(segs) > 1:
        segs = segs[:-1]  # the extension, split off as a segment (not `import pkg.h` in Python)
    for length in range(min(len(segs), MAX_KEY), 0, -1):
        for start in range(len(segs) - length, -1, -1):
            hits = index.lookup(tuple(segs[start:start + length]))
            if length == 1:
                # `import json` must not land on some far-away json.py
                hits = [h for h in hits if _home(h, segs[start]) in (here, "")]
            if hits:
                return hits[:3]
    return []
