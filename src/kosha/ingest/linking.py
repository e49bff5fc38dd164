"""CALLS and IMPORTS edges: resolve names and import paths within one repo (best effort).

Works incrementally: new file versions are linked against the whole repo, and unchanged
callers/importers of what changed are re-linked to the new versions. Edges to replaced versions
vanish when those versions are collected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kosha.domain.models import Edge, Kind, StoreScope, Symbol

MAX_AMBIGUOUS_TARGETS = 3
_DEFINITIONS = (Kind.CLASS, Kind.METHOD, Kind.FUNCTION)


@dataclass
class NewVersions:
    """What one index run wrote, as linking needs it."""

    symbols: list[Symbol] = field(default_factory=list)
    import_paths: dict[str, list[str]] = field(default_factory=dict)  # rel_path -> targets
    changed_paths: set[str] = field(default_factory=set)  # paths whose old versions go away
    fresh: bool = False  # every earlier version is replaced: nothing old to link with

    def add(self, symbols: Iterable[Symbol], rel_path: str, import_paths: list[str]) -> None:
        self.symbols.extend(symbols)
        self.import_paths[rel_path] = import_paths


def _pick(caller: Symbol, candidates: list[Symbol], imported: set[str]) -> list[Symbol]:
    candidates = [c for c in candidates if c.node_id != caller.node_id]
    same_file = [c for c in candidates if c.rel_path == caller.rel_path]
    if same_file:
        return same_file[:1]
    from_imports = [c for c in candidates if c.rel_path in imported]
    if from_imports:
        return from_imports[:MAX_AMBIGUOUS_TARGETS]
    return candidates if len(candidates) <= MAX_AMBIGUOUS_TARGETS else []


def link(graph, scope: StoreScope, new: NewVersions) -> list[Edge]:  # noqa: ANN001
    """Edges to add for this run's new versions (graph: a CypherGraphStore)."""
    unchanged = lambda s: s.rel_path not in new.changed_paths  # noqa: E731
    table: dict[str, list[Symbol]] = defaultdict(list)
    for s in new.symbols:
        if s.kind in _DEFINITIONS:
            table[s.name].append(s)
    if not new.fresh:
        wanted = {name for s in new.symbols for name in s.calls} | set(table)
        for s in filter(unchanged, graph.symbols_by_name(scope, wanted)):
            table[s.name].append(s)

    edges: set[Edge] = set()

    def calls_from(caller: Symbol, names: Iterable[str], imported: set[str]) -> None:
        for name in names:
            for target in _pick(caller, table.get(name, []), imported):
                edges.add(Edge(caller.node_id, caller.kind, target.node_id, target.kind,
                               "CALLS"))

    for caller in new.symbols:
        calls_from(caller, caller.calls, set(new.import_paths.get(caller.rel_path, ())))
    new_names = {s.name for s in new.symbols if s.kind in _DEFINITIONS}
    if not new.fresh:
        for caller in filter(unchanged, graph.callers_of_names(scope, new_names)):
            calls_from(caller, [n for n in caller.calls if n in new_names], set())

    # IMPORTS: File -> File
    new_files = {s.rel_path: s for s in new.symbols if s.kind == Kind.FILE}
    targets_needed = {p for paths in new.import_paths.values() for p in paths} - set(new_files)
    old_files = {} if new.fresh else {
        s.rel_path: s for s in graph.files(scope, targets_needed) if unchanged(s)}
    for path, targets in new.import_paths.items():
        src = new_files.get(path)
        for target in targets:
            dst = new_files.get(target) or old_files.get(target)
            if src is not None and dst is not None and dst.node_id != src.node_id:
                edges.add(Edge(src.node_id, Kind.FILE, dst.node_id, Kind.FILE, "IMPORTS"))
    importers = [] if new.fresh else graph.importers_of_paths(scope, new_files)
    for importer_id, importer_path, target in importers:
        if importer_path in new.changed_paths:
            continue  # a replaced version, or a new one linked above
        edges.add(Edge(importer_id, Kind.FILE, new_files[target].node_id, Kind.FILE, "IMPORTS"))
    return sorted(edges, key=lambda e: (e.type, e.src, e.dst))
