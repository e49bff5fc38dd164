"""Graph store queries in the Cypher subset both ladybug (embedded) and Neo4j run.

Every node and edge carries `tenant` and `project_id`; every query filters on them in its
WHERE clause. Engines differ only in how a query is executed and how the schema is declared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from kosha.domain.models import GRAPH_LABELS, Edge, GraphFile, Kind, StoreScope, Symbol, file_key

LABELS = ("File", "Class", "Method", "Function")
DEFINITION_LABELS = ("Class", "Method", "Function")
EDGE_TYPES = ("CONTAINS", "CALLS", "IMPORTS")
_KIND_OF_LABEL = {v: k for k, v in GRAPH_LABELS.items()}
_RETURN = ("n.id, n.name, n.qualified_name, n.rel_path, n.start_line, n.end_line, n.lang, "
           "n.file_sha, n.project_id, n.tenant, n.calls, n.rank")
_BATCH = 2000
MAX_NESTING = 4  # classes inside classes inside …: deeper definitions are not features


def _symbol(label: str, row: Sequence) -> Symbol:
    return Symbol(node_id=row[0], kind=_KIND_OF_LABEL[label], name=row[1],
                  qualified_name=row[2], rel_path=row[3], start_line=row[4], end_line=row[5],
                  lang=row[6], file_sha=row[7], project_id=row[8], tenant_key=row[9],
                  calls=list(row[10] or []), rank=float(row[11] or 0.0))


class CypherGraphStore:
    """Shared graph logic; subclasses provide `_run` and `ensure`."""

    def _run(self, query: str, params: dict) -> list[list]:
        raise NotImplementedError

    def _run_batched(self, query: str, rows: list[dict], params: dict) -> None:
        for i in range(0, len(rows), _BATCH):
            self._run(query, {**params, "rows": rows[i:i + _BATCH]})

    # --- writes ------------------------------------------------------------------------
    def write_files(self, tenant_key: str, project_id: int, files: Sequence[GraphFile]) -> None:
        """Write the symbols and CONTAINS edges of many file versions (idempotent)."""
        by_label: dict[str, list[dict]] = defaultdict(list)
        for f in files:
            for s in f.symbols:
                by_label[GRAPH_LABELS[s.kind]].append({
                    "id": s.node_id, "file_sha": f.file_sha,
                    "file_key": file_key(s.rel_path, f.file_sha), "name": s.name,
                    "qualified_name": s.qualified_name, "rel_path": s.rel_path,
                    "start_line": s.start_line, "end_line": s.end_line, "lang": s.lang,
                    "calls": list(s.calls),
                    "import_paths": list(f.import_paths) if s.kind == Kind.FILE else [],
                })
        for label, rows in by_label.items():
            self._run_batched(
                f"UNWIND $rows AS r MERGE (n:{label} {{id: r.id, tenant: $tenant}}) "
                "SET n.project_id = $pid, n.file_sha = r.file_sha, n.file_key = r.file_key, "
                "n.name = r.name, n.qualified_name = r.qualified_name, n.rel_path = r.rel_path, "
                "n.start_line = r.start_line, n.end_line = r.end_line, n.lang = r.lang, "
                "n.calls = r.calls, n.import_paths = r.import_paths, n.rank = 0.0",
                rows, {"tenant": tenant_key, "pid": project_id})
        self.write_edges(tenant_key, project_id, [e for f in files for e in f.edges])

    def write_edges(self, tenant_key: str, project_id: int, edges: Iterable[Edge]) -> None:
        groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
        for e in edges:
            if e.type not in EDGE_TYPES:
                raise ValueError(f"unknown edge type {e.type}")
            groups[(e.type, GRAPH_LABELS[e.src_kind], GRAPH_LABELS[e.dst_kind])].append(
                {"src": e.src, "dst": e.dst})
        for (etype, src, dst), rows in groups.items():
            self._write_edge_group(tenant_key, project_id, etype, src, dst, rows)

    def _write_edge_group(self, tenant_key: str, project_id: int, etype: str, src: str,
                          dst: str, rows: list[dict]) -> None:
        """MERGE edges whose endpoints both belong to this tenant and repo."""
        self._run_batched(
            f"UNWIND $rows AS r MATCH (a:{src} {{id: r.src}}), (b:{dst} {{id: r.dst}}) "
            "WHERE a.tenant = $tenant AND b.tenant = $tenant "
            "AND a.project_id = $pid AND b.project_id = $pid "
            f"MERGE (a)-[e:{etype}]->(b) SET e.tenant = $tenant, e.project_id = $pid",
            rows, {"tenant": tenant_key, "pid": project_id})

    def set_ranks(self, tenant_key: str, project_id: int, kind: Kind,
                  ranks: dict[str, float]) -> None:
        rows = [{"id": k, "rank": v} for k, v in ranks.items()]
        self._run_batched(
            f"UNWIND $rows AS r MATCH (n:{GRAPH_LABELS[kind]} {{id: r.id}}) "
            "WHERE n.tenant = $tenant AND n.project_id = $pid SET n.rank = r.rank",
            rows, {"tenant": tenant_key, "pid": project_id})

    # --- deletes -----------------------------------------------------------------------
    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        keys = [file_key(p, sha) for p, sha in versions]
        for i in range(0, len(keys), _BATCH):
            for label in LABELS:
                self._run(f"MATCH (n:{label}) WHERE n.tenant = $tenant AND n.project_id = $pid "
                          "AND n.file_key IN $keys DETACH DELETE n",
                          {"tenant": tenant_key, "pid": project_id, "keys": keys[i:i + _BATCH]})

    def delete_project(self, tenant_key: str, project_id: int) -> None:
        for label in LABELS:
            self._run(f"MATCH (n:{label}) WHERE n.tenant = $tenant AND n.project_id = $pid "
                      "DETACH DELETE n", {"tenant": tenant_key, "pid": project_id})

    def delete_tenant(self, tenant_key: str) -> None:
        for label in LABELS:
            self._run(f"MATCH (n:{label}) WHERE n.tenant = $tenant DETACH DELETE n",
                      {"tenant": tenant_key})

    # --- reads -------------------------------------------------------------------------
    @staticmethod
    def _scope(scope: StoreScope) -> dict:
        return {"tenants": list(scope.tenant_keys), "pids": list(scope.project_ids)}

    def symbols_by_name(self, scope: StoreScope, names: Iterable[str],
                        labels: Sequence[str] = DEFINITION_LABELS) -> list[Symbol]:
        wanted = sorted(set(names))
        out: list[Symbol] = []
        for i in range(0, len(wanted), _BATCH):
            for label in labels:
                rows = self._run(
                    f"MATCH (n:{label}) WHERE n.tenant IN $tenants AND n.project_id IN $pids "
                    f"AND n.name IN $names RETURN {_RETURN}",
                    {**self._scope(scope), "names": wanted[i:i + _BATCH]})
                out.extend(_symbol(label, r) for r in rows)
        return out

    def callers_of_names(self, scope: StoreScope, names: Iterable[str]) -> list[Symbol]:
        wanted = sorted(set(names))
        out: dict[str, Symbol] = {}
        for i in range(0, len(wanted), _BATCH):
            for label in LABELS:
                rows = self._run(
                    f"UNWIND $names AS nm MATCH (n:{label}) WHERE n.tenant IN $tenants "
                    f"AND n.project_id IN $pids AND nm IN n.calls RETURN DISTINCT {_RETURN}",
                    {**self._scope(scope), "names": wanted[i:i + _BATCH]})
                out.update((r[0], _symbol(label, r)) for r in rows)
        return list(out.values())

    def importers_of_paths(self, scope: StoreScope,
                           paths: Iterable[str]) -> list[tuple[str, str, str]]:
        """(File node id, its path, imported path) for files that import any of `paths`."""
        rows = self._run(
            "UNWIND $paths AS p MATCH (n:File) WHERE n.tenant IN $tenants "
            "AND n.project_id IN $pids AND p IN n.import_paths RETURN DISTINCT n.id, "
            "n.rel_path, p", {**self._scope(scope), "paths": sorted(set(paths))})
        return [(r[0], r[1], r[2]) for r in rows]

    def files(self, scope: StoreScope, paths: Iterable[str]) -> list[Symbol]:
        """File nodes of the given paths (every version present)."""
        rows = self._run(
            f"MATCH (n:File) WHERE n.tenant IN $tenants AND n.project_id IN $pids "
            f"AND n.rel_path IN $paths RETURN {_RETURN}",
            {**self._scope(scope), "paths": sorted(set(paths))})
        return [_symbol("File", r) for r in rows]

    def call_edges(self, tenant_key: str, project_id: int) -> list[tuple[str, str, str, str]]:
        """Every CALLS edge of one repo as (src id, src label, dst id, dst label)."""
        out = []
        for a in LABELS:
            for b in DEFINITION_LABELS:
                rows = self._run(f"MATCH (x:{a})-[e:CALLS]->(y:{b}) WHERE e.tenant = $tenant "
                                 "AND e.project_id = $pid AND x.tenant = $tenant "
                                 "RETURN x.id, y.id", {"tenant": tenant_key, "pid": project_id})
                out.extend((r[0], a, r[1], b) for r in rows)
        return out

    def ranks(self, tenant_key: str, project_id: int) -> dict[str, tuple[str, float]]:
        """Non-zero stored ranks of one repo: id -> (label, rank)."""
        out: dict[str, tuple[str, float]] = {}
        for label in LABELS:
            rows = self._run(f"MATCH (n:{label}) WHERE n.tenant = $tenant AND n.project_id = $pid "
                             "AND n.rank <> 0.0 RETURN n.id, n.rank",
                             {"tenant": tenant_key, "pid": project_id})
            out.update((r[0], (label, float(r[1]))) for r in rows)
        return out

    def definitions_in(self, scope: StoreScope, file_ids: Iterable[str]) -> list[Symbol]:
        """Classes, methods and functions inside the given File nodes (nested too), with their
        rank and how many symbols call them. Nodes are reached by id and CONTAINS edges: a
        primary-key lookup, where a property filter would scan every node."""
        out: list[Symbol] = []
        level = [("File", sorted(set(file_ids)))]
        for _depth in range(MAX_NESTING):
            classes: list[str] = []
            for parent, ids in level:
                for label in DEFINITION_LABELS:
                    for i in range(0, len(ids), _BATCH):
                        rows = self._run(
                            f"UNWIND $ids AS i MATCH (p:{parent} {{id: i}}) "
                            "WHERE p.tenant IN $tenants AND p.project_id IN $pids "
                            f"OPTIONAL MATCH (p)-[:CONTAINS]->(n:{label}) RETURN {_RETURN}",
                            {**self._scope(scope), "ids": ids[i:i + _BATCH]})
                        found = [_symbol(label, r) for r in rows if r[0] is not None]
                        out.extend(found)
                        if label == "Class":
                            classes.extend(s.node_id for s in found)
            if not classes:
                break
            level = [("Class", classes)]
        self._count_callers(scope, out)
        return out

    def _count_callers(self, scope: StoreScope, symbols: list[Symbol]) -> None:
        by_label: dict[str, list[Symbol]] = defaultdict(list)
        for s in symbols:
            by_label[GRAPH_LABELS[s.kind]].append(s)
        for label, group in by_label.items():
            ids = [s.node_id for s in group]
            counts: dict[str, int] = defaultdict(int)
            # Not `UNWIND … OPTIONAL MATCH (c)-[:CALLS]->(n)`: faster, but ladybug 0.22 ran out
            # of buffer pool on it for repos with Function->Function calls.
            for i in range(0, len(ids), _BATCH):
                rows = self._run(
                    f"MATCH (c)-[e:CALLS]->(n:{label}) WHERE n.id IN $ids "
                    "AND e.tenant IN $tenants AND e.project_id IN $pids RETURN n.id, count(c)",
                    {**self._scope(scope), "ids": ids[i:i + _BATCH]})
                for node_id, n in rows:
                    counts[node_id] += int(n)
            for s in group:
                s.callers = counts.get(s.node_id, 0)

    def _neighbours(self, scope: StoreScope, ids: Iterable[str],
                    outgoing: bool) -> list[tuple[str, Symbol]]:
        wanted = sorted(set(ids))
        pattern = "(t)-[e:CALLS]->(n:{label})" if outgoing else "(n:{label})-[e:CALLS]->(t)"
        out: list[tuple[str, Symbol]] = []
        for label in LABELS:
            for i in range(0, len(wanted), _BATCH):
                rows = self._run(
                    f"MATCH {pattern.format(label=label)} WHERE t.id IN $ids "
                    "AND e.tenant IN $tenants AND e.project_id IN $pids "
                    f"AND n.tenant IN $tenants AND n.project_id IN $pids RETURN t.id, {_RETURN}",
                    {**self._scope(scope), "ids": wanted[i:i + _BATCH]})
                out.extend((r[0], _symbol(label, r[1:])) for r in rows)
        return out

    def callers_of(self, scope: StoreScope, ids: Iterable[str]) -> list[tuple[str, Symbol]]:
        """(callee id, caller) for every CALLS edge into the given symbols."""
        return self._neighbours(scope, ids, outgoing=False)

    def callees_of(self, scope: StoreScope, ids: Iterable[str]) -> list[tuple[str, Symbol]]:
        """(caller id, callee) for every CALLS edge out of the given symbols."""
        return self._neighbours(scope, ids, outgoing=True)

    def count(self, scope: StoreScope) -> dict[str, int]:
        counts = {}
        for label in LABELS:
            rows = self._run(f"MATCH (n:{label}) WHERE n.tenant IN $tenants "
                             "AND n.project_id IN $pids RETURN count(n)", self._scope(scope))
            counts[label] = int(rows[0][0]) if rows else 0
        for etype in EDGE_TYPES:
            rows = self._run(f"MATCH (a)-[e:{etype}]->(b) WHERE e.tenant IN $tenants "
                             "AND e.project_id IN $pids RETURN count(e)", self._scope(scope))
            counts[etype] = int(rows[0][0]) if rows else 0
        return counts
