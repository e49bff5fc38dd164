"""`kosha rotate-key` and `kosha admin …`: operator tasks."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from kosha.accounts.cipher import TokenCipher
from kosha.accounts.keys import ConfigError, is_weak, key_file, service_key
from kosha.accounts.rotation import rotate_tokens
from kosha.domain.errors import KoshaError
from kosha.entrypoints.cli_common import app, container, fail, out

admin = typer.Typer(help="Operator tasks: tenants and accounts.", no_args_is_help=True)
app.add_typer(admin, name="admin")


@app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored forge token under KOSHA_NEW_ENCRYPTION_KEY."""
    c = container()
    try:
        new_key = os.environ.get("KOSHA_NEW_ENCRYPTION_KEY", "")
        if is_weak(new_key):
            raise ConfigError("set KOSHA_NEW_ENCRYPTION_KEY to at least 32 random characters")
        old = TokenCipher(service_key(c.settings, "encryption"))
        new = TokenCipher(new_key)
        report = rotate_tokens(c.auth.store, old, new)
        generated = c.settings.encryption_key is None
        if generated and not report.unreadable:
            path = key_file(c.settings, "encryption")
            tmp = path.with_suffix(".new")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(new_key + "\n")
            os.replace(tmp, path)
    except KoshaError as exc:
        fail(exc)
    finally:
        c.close()
    out.print(f"re-encrypted {report.rotated} stored tokens ({report.already_new} already "
              f"under the new key, {report.unreadable} under neither)")
    if not generated:
        out.print("now set KOSHA_ENCRYPTION_KEY to the new key and restart every process")


@admin.command("delete-tenant")
def delete_tenant(key: Annotated[str, typer.Argument(help="tenant key, e.g. account:<id> "
                                                          "or gitlab.example.com//emea/team-a")],
                  yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False) -> None:
    """Erase a tenant from SQL, vectors, graph, blobs and mirrors."""
    if not yes:
        typer.confirm(f"Erase every trace of tenant {key}?", abort=True)
    c = container()
    try:
        found = c.purger.delete_tenant(key)
    except KoshaError as exc:
        fail(exc)
    finally:
        c.close()
    out.print(f"tenant {key} erased" if found else f"tenant {key} held nothing; its "
              "stores were swept anyway")


@admin.command("set-tier")
def set_tier(email: Annotated[str, typer.Argument(help="the account's email")],
             tier: Annotated[str, typer.Argument(help="free, pro or enterprise")],
             repos: Annotated[int | None, typer.Option(help="enterprise: max repos")] = None,
             chunks: Annotated[int | None, typer.Option(help="enterprise: max chunks")] = None,
             queries: Annotated[int | None, typer.Option(help="enterprise: queries a day")]
             = None) -> None:
    """Move an account to another tier (enterprise: with its own limits)."""
    from kosha.accounts.auth import normalise_email
    from kosha.accounts.quotas import TIERS
    from kosha.domain.errors import InvalidInput, NotFound

    c = container()
    try:
        if tier not in TIERS:
            raise InvalidInput(f"tier must be one of {', '.join(TIERS)}")
        user = c.auth.store.user_by_email(normalise_email(email))
        if user is None:
            raise NotFound("no account with this email")
        c.auth.store.set_tier(user.id, tier, max_repos=repos, max_chunks=chunks,
                              max_queries_per_day=queries)
    except KoshaError as exc:
        fail(exc)
    finally:
        c.close()
    out.print(f"{email} is now on the {tier} tier")
