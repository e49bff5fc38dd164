"""Re-encrypting every stored forge token under a new master key (`kosha rotate-key`)."""

from __future__ import annotations

from dataclasses import dataclass

from kosha.accounts.cipher import TokenCipher


@dataclass
class RotationReport:
    rotated: int = 0
    already_new: int = 0
    unreadable: int = 0  # under neither key: left as they are


def rotate_tokens(store, old: TokenCipher, new: TokenCipher) -> RotationReport:  # noqa: ANN001
    """Move each token from `old` to `new`; safe to re-run after an interruption."""
    report = RotationReport()
    for cred, salt in store.all_credentials():
        if cred.sealed.key_id == new.key_id:
            report.already_new += 1
            continue
        if cred.sealed.key_id != old.key_id:
            report.unreadable += 1
            continue
        token = old.open(cred.sealed, user_id=cred.user_id, salt=salt, domain=cred.domain)
        store.reseal(cred.user_id, cred.domain,
                     new.seal(token, user_id=cred.user_id, salt=salt, domain=cred.domain))
        report.rotated += 1
    return report
