"""What every `kosha` command shares: the Typer app, consoles, the container, errors."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from kosha.adapters.git import local_repo
from kosha.bootstrap import Container
from kosha.config import Settings
from kosha.domain.errors import KoshaError, NotFound
from kosha.domain.models import RepoRecord
from kosha.domain.tenancy import parse_repo_url, parse_tenant_key

app = typer.Typer(help="Kosha: index Git repositories and search their code.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)


def container() -> Container:
    return Container(Settings())


def fail(exc: KoshaError) -> None:
    err.print(f"[red]error[/red] {escape(f'[{exc.code}] {exc.message}')}", soft_wrap=True)
    raise typer.Exit(2)


def repo_url(value: str) -> str:
    path = Path(value).expanduser()
    if path.exists():
        top = local_repo(path)
        return (top or path.resolve()).as_uri()
    return parse_repo_url(value).url




def scoped_repos(c: Container, tenant: str, repos: list[str] | None) -> list[RepoRecord]:
    """Indexed repos the tenant key reads, narrowed to `repos` (paths or URLs) if given."""
    key = parse_tenant_key(tenant)
    found = c.meta.list_repos(c.meta.tenants_read_by(key), indexed_only=True)
    if repos:
        wanted = {repo_url(r) for r in repos}
        missing = wanted - {r.repo_url for r in found}
        if missing:
            raise NotFound(f"not indexed for tenant {key}: {', '.join(sorted(missing))}")
        found = [r for r in found if r.repo_url in wanted]
    return found
