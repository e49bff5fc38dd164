"""`kosha admin delete-tenant` on the real embedded stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kosha.bootstrap import Container
from kosha.config import Settings
from kosha.domain.models import StoreScope
from kosha.domain.tenancy import parse_tenant_key
from kosha.entrypoints import cli
from tests.fakes import HashEmbedder
from tests.integration.samples import FILES

runner = CliRunner()


def test_admin_delete_tenant_erases_it_from_every_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_repo) -> None:  # noqa: ANN001
    home = tmp_path / "home"
    monkeypatch.setenv("KOSHA_HOME", str(home))
    monkeypatch.setattr("kosha.bootstrap.make_embedder", lambda settings: HashEmbedder())
    repo = make_repo(files=FILES)
    for tenant in ("team-x", "team-y"):
        result = runner.invoke(cli.app, ["index", str(repo.path), "--tenant", tenant, "--json"])
        assert result.exit_code == 0, result.output
    c = Container(Settings())
    try:
        ids = {t: tuple(r.id for r in c.meta.list_repos(c.meta.tenants_read_by(
            parse_tenant_key(t)))) for t in ("team-x", "team-y")}
    finally:
        c.close()
    result = runner.invoke(cli.app, ["admin", "delete-tenant", "team-x", "--yes"])
    assert result.exit_code == 0, result.output
    assert not (home / "blobs" / "team-x").exists() and (home / "blobs" / "team-y").exists()
    assert not (home / "mirrors" / "team-x").exists()
    c = Container(Settings())
    try:
        def rows(tenant: str) -> int:
            return c.vectors.count(StoreScope((tenant,), ids[tenant]))

        assert rows("team-x") == 0 and rows("team-y") > 0
        nodes = c.graph._run("MATCH (n) WHERE n.tenant = $t RETURN count(n)", {"t": "team-x"})
        assert nodes[0][0] == 0
    finally:
        c.close()
    result = runner.invoke(cli.app, ["repos", "--tenant", "team-x"])
    assert str(repo.path) not in result.output
    result = runner.invoke(cli.app, ["repos", "--tenant", "team-y"])
    assert repo.path.name in result.output  # the other tenant is untouched
    result = runner.invoke(cli.app, ["admin", "delete-tenant", "gitlab.com//emea/*", "--yes"])
    assert result.exit_code == 2 and "wildcard" in result.output
