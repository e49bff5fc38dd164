"""Graph store on a Neo4j 5 server (official `neo4j` driver): many workers share one graph.

It runs the shared queries of `cypher.py` unchanged, writes included (batched
`UNWIND $rows AS r MERGE …`, where ladybug bulk-loads edges with COPY). Every query is one
managed transaction (`Driver.execute_query`): the driver retries it on transient errors
(deadlocks between concurrent MERGEs, a cluster leader switch) and routes reads to readers.

Identity is the `id` property, unique per label; an id is derived from the tenant, the repo,
the file version and the symbol, so the constraint holds across tenants too. It backs every
MERGE and id lookup, and makes a write of another tenant's id fail instead of taking the node
over (ladybug's PRIMARY KEY does the same). Composite range indexes lead with
`(tenant, project_id)`, the filter every query carries.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from urllib.parse import urlsplit

from neo4j import Driver, GraphDatabase, RoutingControl
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired
from pydantic import SecretStr

from kosha.adapters.cypher import EDGE_TYPES, LABELS, CypherGraphStore
from kosha.domain.errors import StoreError
from kosha.domain.models import file_key

_KEY_BATCH = 2000
_DELETE_BATCH = 10_000  # nodes per delete transaction: a tenant can outgrow one transaction
_WRITE = re.compile(r"\b(MERGE|CREATE|SET|DELETE|REMOVE|DROP|CALL)\b")  # our queries' casing
_AWAIT_INDEXES_S = 300
# name suffix -> properties; every node label gets these composite range indexes
_NODE_INDEXES = {
    "scope": ("tenant", "project_id"),
    "fqn": ("tenant", "project_id", "qualified_name"),
    "name": ("tenant", "project_id", "name"),
    "file_key": ("tenant", "project_id", "file_key"),
}
_FILE_INDEXES = {"path": ("tenant", "project_id", "rel_path")}


def schema_statements() -> list[str]:
    """The idempotent DDL `ensure()` runs (Neo4j 5 syntax; Community edition is enough)."""
    out = []
    for label in LABELS:
        low = label.lower()
        out.append(f"CREATE CONSTRAINT kosha_{low}_id IF NOT EXISTS "
                   f"FOR (n:{label}) REQUIRE n.id IS UNIQUE")
        indexes = {**_NODE_INDEXES, **(_FILE_INDEXES if label == "File" else {})}
        for suffix, props in indexes.items():
            on = ", ".join(f"n.{p}" for p in props)
            out.append(f"CREATE INDEX kosha_{low}_{suffix} IF NOT EXISTS "
                       f"FOR (n:{label}) ON ({on})")
    for etype in EDGE_TYPES:
        out.append(f"CREATE INDEX kosha_{etype.lower()}_scope IF NOT EXISTS "
                   f"FOR ()-[e:{etype}]-() ON (e.tenant, e.project_id)")
    return out


class Neo4jGraphStore(CypherGraphStore):
    def __init__(self, uri: str, user: str | None = None, password: SecretStr | None = None,
                 database: str | None = None, retry_s: float = 30.0) -> None:
        parts = urlsplit(uri)
        if "@" in parts.netloc:
            # Neither echo the URI nor keep it: it may hold a password.
            raise ValueError("give Neo4j credentials as user and password, not in the URI")
        if parts.scheme not in {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}:
            raise ValueError(f"unsupported Neo4j URI scheme {parts.scheme!r}")
        self.uri = uri
        self.database = database
        self.retry_s = retry_s  # how long the driver retries a transaction on transient errors
        self._user = user
        self._password = password
        self._driver: Driver | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Neo4jGraphStore(uri={self.uri!r}, database={self.database!r})"

    def _connection(self) -> Driver:
        with self._lock:
            if self._driver is None:
                auth = None
                if self._user is not None:
                    secret = self._password.get_secret_value() if self._password else ""
                    auth = (self._user, secret)
                self._driver = GraphDatabase.driver(self.uri, auth=auth, user_agent="kosha",
                                                    max_transaction_retry_time=self.retry_s)
            return self._driver

    def _run(self, query: str, params: dict) -> list[list]:
        routing = RoutingControl.WRITE if _WRITE.search(query) else RoutingControl.READ
        try:
            result = self._connection().execute_query(query, params, routing_=routing,
                                                      database_=self.database)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(f"the Neo4j graph server at {self.uri} is unreachable") from exc
        except AuthError:
            raise StoreError("Neo4j refused the credentials (KOSHA_NEO4J_USER / "
                             "KOSHA_NEO4J_PASSWORD)") from None
        return [list(record.values()) for record in result.records]

    def ensure(self) -> None:
        """Create the constraints and indexes (idempotent) and wait until they are online."""
        for statement in schema_statements():
            self._run(statement, {})
        self._run("CALL db.awaitIndexes($timeout)", {"timeout": _AWAIT_INDEXES_S})

    def close(self) -> None:
        with self._lock:
            if self._driver is not None:
                self._driver.close()
            self._driver = None

    # --- deletes: bounded transactions --------------------------------------------------
    # The shared deletes remove everything in one transaction; a tenant or a big re-index on
    # Neo4j can outgrow the transaction memory limit, so delete in slices. The same queries
    # run on ladybug in the contract suite.
    def _delete_where(self, label: str, where: str, params: dict) -> None:
        while True:
            rows = self._run(f"MATCH (n:{label}) WHERE {where} WITH n LIMIT $batch "
                             "DETACH DELETE n RETURN count(*)", {**params, "batch": _DELETE_BATCH})
            if not rows or int(rows[0][0]) < _DELETE_BATCH:
                return

    def delete_file_versions(self, tenant_key: str, project_id: int,
                             versions: Sequence[tuple[str, str]]) -> None:
        keys = [file_key(p, sha) for p, sha in versions]
        for i in range(0, len(keys), _KEY_BATCH):
            for label in LABELS:
                self._delete_where(label, "n.tenant = $tenant AND n.project_id = $pid "
                                   "AND n.file_key IN $keys",
                                   {"tenant": tenant_key, "pid": project_id,
                                    "keys": keys[i:i + _KEY_BATCH]})

    def delete_project(self, tenant_key: str, project_id: int) -> None:
        for label in LABELS:
            self._delete_where(label, "n.tenant = $tenant AND n.project_id = $pid",
                               {"tenant": tenant_key, "pid": project_id})

    def delete_tenant(self, tenant_key: str) -> None:
        # `project_id IS NOT NULL` (always true) lets the (tenant, project_id) index serve it
        for label in LABELS:
            self._delete_where(label, "n.tenant = $tenant AND n.project_id IS NOT NULL",
                               {"tenant": tenant_key})
