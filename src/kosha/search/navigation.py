"""Where is X defined, who calls X, what does X call: graph lookups scoped like search."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from kosha.domain.errors import InvalidInput
from kosha.domain.links import deep_link, forge_kind
from kosha.domain.models import RepoRecord, Symbol
from kosha.search.service import scope_of

MAX_NAME = 512
_SEP = re.compile(r"\.|::|#|->")


@dataclass
class SymbolRef:
    repo_url: str
    rel_path: str
    start_line: int
    end_line: int
    symbol: str
    kind: str
    lang: str
    commit: str
    link: str
    via: str = ""  # for callers/callees: the symbol of the question this one is linked to

    def to_dict(self) -> dict:
        return asdict(self)


def _split(name: str) -> tuple[str, str]:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(ord(c) < 0x20 for c in name):
        raise InvalidInput(f"a symbol name is 1 to {MAX_NAME} printable characters")
    return _SEP.split(name)[-1], name


def _qualified_match(s: Symbol, wanted: str) -> bool:
    if _SEP.search(wanted) is None:
        return True
    q = ".".join(_SEP.split(s.qualified_name))
    w = ".".join(_SEP.split(wanted))
    return q == w or q.endswith("." + w)


class CodeNavigator:
    def __init__(self, meta, graph,  # noqa: ANN001
                 github_domains: frozenset[str] = frozenset({"github.com"})) -> None:
        self.meta = meta
        self.graph = graph
        self.github_domains = github_domains

    def _live(self, symbols: list[Symbol]) -> list[Symbol]:
        live = self.meta.live_versions((s.project_id, s.rel_path, s.file_sha) for s in symbols)
        return [s for s in symbols if (s.project_id, s.rel_path, s.file_sha) in live]

    def _ref(self, s: Symbol, repos: dict[int, RepoRecord], via: str = "") -> SymbolRef:
        repo = repos[s.project_id]
        commit = repo.last_indexed_commit or ""
        return SymbolRef(repo.repo_url, s.rel_path, s.start_line, s.end_line,
                         s.qualified_name or s.name, str(s.kind), s.lang, commit,
                         deep_link(repo.repo_url, commit, s.rel_path, s.start_line, s.end_line,
                                   forge_kind(repo.repo_url, self.github_domains)),
                         via)

    def _targets(self, repos: list[RepoRecord], name: str) -> list[Symbol]:
        short, full = _split(name)
        found = self.graph.symbols_by_name(scope_of(repos), [short])
        return sorted(self._live([s for s in found if _qualified_match(s, full)]),
                      key=lambda s: (s.project_id, s.rel_path, s.start_line))

    def definitions(self, repos: list[RepoRecord], name: str) -> list[SymbolRef]:
        """Where `name` (a bare or qualified name) is defined in the authorised repos."""
        repos = [r for r in repos if r.last_indexed_commit]
        if not repos:
            return []
        by_id = {r.id: r for r in repos}
        return [self._ref(s, by_id) for s in self._targets(repos, name)]

    def _linked(self, repos: list[RepoRecord], name: str, callers: bool) -> list[SymbolRef]:
        repos = [r for r in repos if r.last_indexed_commit]
        if not repos:
            return []
        by_id = {r.id: r for r in repos}
        targets = {s.node_id: s for s in self._targets(repos, name)}
        if not targets:
            return []
        lookup = self.graph.callers_of if callers else self.graph.callees_of
        pairs = lookup(scope_of(repos), list(targets))
        live = {s.node_id for s in self._live([s for _t, s in pairs])}
        seen, out = set(), []
        for target_id, s in sorted(pairs, key=lambda p: (p[1].project_id, p[1].rel_path,
                                                          p[1].start_line)):
            if s.node_id in live and (s.node_id, target_id) not in seen:
                seen.add((s.node_id, target_id))
                t = targets[target_id]
                out.append(self._ref(s, by_id, t.qualified_name or t.name))
        return out

    def callers(self, repos: list[RepoRecord], name: str) -> list[SymbolRef]:
        """Symbols that call `name`."""
        return self._linked(repos, name, callers=True)

    def callees(self, repos: list[RepoRecord], name: str) -> list[SymbolRef]:
        """Symbols `name` calls (resolved within its repo)."""
        return self._linked(repos, name, callers=False)
