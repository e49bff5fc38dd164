"""`kosha rotate-key` on the real metadata store (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kosha.accounts.cipher import Sealed, TokenCipher
from kosha.adapters.sql.tables import ForgeCredentialRow, UserRow
from kosha.entrypoints import cli
from tests.accounts.conftest import ENCRYPTION_KEY, PAT, SECRET_KEY, AccountApi

runner = CliRunner()
NEW_KEY = "rotated-master-key-" + "7e5b2d4f6a8c0e1b3d5f7a9c2e9f3a1c"


def test_rotate_key_re_encrypts_every_stored_token(accounts_api: AccountApi,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    api = accounts_api
    for email in ("rita@example.com", "sam@example.com"):
        api.save_pat(api.signup(email))
    settings = api.container.settings
    monkeypatch.setenv("KOSHA_HOME", str(settings.home))
    monkeypatch.setenv("KOSHA_DATABASE_URL", settings.sql_url)
    monkeypatch.setenv("KOSHA_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("KOSHA_ENCRYPTION_KEY", ENCRYPTION_KEY)
    monkeypatch.setenv("KOSHA_NEW_ENCRYPTION_KEY", "too-short")
    result = runner.invoke(cli.app, ["rotate-key"])
    assert result.exit_code == 2 and "32" in result.output
    monkeypatch.setenv("KOSHA_NEW_ENCRYPTION_KEY", NEW_KEY)
    result = runner.invoke(cli.app, ["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 2" in result.output
    new, old = TokenCipher(NEW_KEY), TokenCipher(ENCRYPTION_KEY)
    with api.container.engine.connect() as conn:
        rows = conn.execute(select(ForgeCredentialRow, UserRow.key_salt).join(
            UserRow, UserRow.id == ForgeCredentialRow.user_id)).all()
    assert len(rows) == 2
    for row in rows:
        sealed = Sealed(row.key_id, row.nonce, row.ciphertext)
        assert row.key_id == new.key_id != old.key_id
        opened = new.open(sealed, user_id=row.user_id, salt=row.key_salt, domain=row.domain)
        assert opened.get_secret_value() == PAT
    result = runner.invoke(cli.app, ["rotate-key"])  # again: nothing left to move
    assert result.exit_code == 0 and "re-encrypted 0" in result.output
