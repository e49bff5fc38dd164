"""A ready-made demo forge: two regions, three teams, four small repositories, five tokens
and one OAuth client (`kosha-demo`)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from kosha.devforge.forge import ForgeSpec, OAuthClientSpec, ProjectSpec, TokenSpec

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Demo Forge", "GIT_AUTHOR_EMAIL": "demo@forge.invalid",
    "GIT_COMMITTER_NAME": "Demo Forge", "GIT_COMMITTER_EMAIL": "demo@forge.invalid",
    "GIT_AUTHOR_DATE": "2024-01-02T03:04:05+00:00",
    "GIT_COMMITTER_DATE": "2024-01-02T03:04:05+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}

TEAM_A_SVC = {
    "README.md": "# team-a/svc\n\nLogin service of team A: JWT validation and sessions.\n",
    "auth/jwt.py": '''"""JSON Web Token checks."""

import base64
import hashlib
import hmac
import json
import time


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def validate_jwt(token: str, secret: bytes, now: float | None = None) -> dict:
    """Verify an HS256 JWT's signature and expiry and return its claims."""
    header, payload, signature = token.split(".")
    expected = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64decode(signature)):
        raise ValueError("bad signature")
    claims = json.loads(_b64decode(payload))
    if claims.get("exp", float("inf")) < (now or time.time()):
        raise ValueError("token expired")
    return claims
''',
    "auth/session.py": '''"""Sessions built on validated tokens."""

from auth.jwt import validate_jwt


def open_session(token: str, secret: bytes) -> dict:
    """Open a session for the subject of a valid token."""
    claims = validate_jwt(token, secret)
    return {"user": claims["sub"], "roles": claims.get("roles", [])}
''',
    "cmd/gateway/main.go": '''package main

import (
	"net/http"
	"strings"
)

// bearerToken extracts the token of an Authorization: Bearer header.
func bearerToken(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func main() {
	http.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if bearerToken(r) == "" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	http.ListenAndServe(":8080", nil)
}
''',
    "web/login.ts": '''export interface LoginForm { user: string; password: string }

export function isValidLogin(form: LoginForm): boolean {
  return form.user.length > 0 && form.password.length >= 12;
}
''',
}

TEAM_B_SVC = {
    "README.md": "# team-b/svc\n\nPayment service of team B: card charges and refunds.\n",
    "payments/charge.py": '''"""Card payments."""

from dataclasses import dataclass


@dataclass
class Charge:
    card_last4: str
    amount_cents: int
    currency: str


def charge_card(card_number: str, amount_cents: int, currency: str = "EUR") -> Charge:
    """Charge a card (Luhn-checked) and return the receipt."""
    digits = [int(d) for d in card_number if d.isdigit()]
    checksum = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
    if checksum % 10 or amount_cents <= 0:
        raise ValueError("card or amount rejected")
    return Charge(card_last4="".join(map(str, digits[-4:])), amount_cents=amount_cents,
                  currency=currency)
''',
    "payments/refund.go": '''package payments

import "errors"

// RefundCharge returns money for a charge, never more than was charged.
func RefundCharge(chargedCents, refundCents int) (int, error) {
	if refundCents <= 0 || refundCents > chargedCents {
		return 0, errors.New("invalid refund amount")
	}
	return chargedCents - refundCents, nil
}
''',
    "web/checkout.ts": '''export function formatAmount(cents: number, currency: string): string {
  return new Intl.NumberFormat("de-DE", { style: "currency", currency }).format(cents / 100);
}
''',
}

TEAM_A_BILLING = {
    "README.md": "# team-a/billing\n\nInvoices of team A.\n",
    "billing/invoice.py": '''"""Invoices."""


def invoice_total(lines: list[tuple[int, int]], vat_rate: float = 0.19) -> int:
    """Total of (quantity, unit price in cents) lines, VAT included, in cents."""
    net = sum(quantity * unit for quantity, unit in lines)
    return round(net * (1 + vat_rate))
''',
}

TEAM_C_TOOLS = {
    "README.md": "# team-c/tools\n\nBuild tools of team C.\n",
    "tools/changelog.py": '''"""Changelog helpers."""


def render_changelog(entries: dict[str, list[str]]) -> str:
    """Render version -> change lines as Markdown, newest version first."""
    out = []
    for version in sorted(entries, reverse=True):
        out.append(f"## {version}")
        out.extend(f"- {line}" for line in entries[version])
    return "\\n".join(out)
''',
}

DEMO_REPOS: dict[str, tuple[int, dict[str, str]]] = {
    "emea/team-a/svc": (101, TEAM_A_SVC),
    "emea/team-a/billing": (102, TEAM_A_BILLING),
    "emea/team-b/svc": (201, TEAM_B_SVC),
    "apac/team-c/tools": (301, TEAM_C_TOOLS),
}

DEMO_TOKENS = (
    TokenSpec(token="tok-a", reads=("emea/team-a",), user="alice", email="alice@example.com"),
    TokenSpec(token="tok-b", reads=("emea/team-b",), user="bob", email="bob@example.com"),
    TokenSpec(token="tok-emea", reads=("emea",), user="erin", email="erin@example.com"),
    TokenSpec(token="tok-c", reads=("apac/team-c",), user="carol", email="carol@example.com"),
    TokenSpec(token="tok-none", reads=(), user="nobody", email="nobody@example.com"),
)

# Any loopback redirect URI (http://127.0.0.1:<port>/… or http://localhost:<port>/…).
DEMO_OAUTH_CLIENT = OAuthClientSpec(client_id="kosha-demo", client_secret="kosha-demo-secret")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **_GIT_ENV}, timeout=60)


def build_bare_repo(target: Path, files: dict[str, str], branch: str = "main") -> None:
    """Create the bare repository `target` with one commit of `files` on `branch`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kosha-demo-") as tmp:
        work = Path(tmp)
        _git(work, "init", "-q", "-b", branch)
        for rel, text in files.items():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_text(text)
        _git(work, "add", "-A")
        _git(work, "commit", "-q", "-m", "Initial import")
        _git(work, "init", "-q", "--bare", "-b", branch, str(target))
        _git(work, "push", "-q", str(target), f"{branch}:{branch}")


def demo_forge(root: Path) -> ForgeSpec:
    """Build the demo repositories under `root` (if missing), write `forge.json`, return the spec.

    Region `emea` has `team-a` (`svc`, `billing`) and `team-b` (`svc`, other code); region `apac`
    has `team-c/tools`. Tokens: `tok-a` (alice, team-a), `tok-b` (bob, team-b), `tok-emea`
    (erin, both emea teams), `tok-c` (carol, team-c) and `tok-none` (nobody, nothing). OAuth
    client `kosha-demo` / `kosha-demo-secret` signs users in (default user: alice).
    """
    root = Path(root)
    for path, (_id, files) in DEMO_REPOS.items():
        target = root / f"{path}.git"
        if not (target / "HEAD").is_file():
            build_bare_repo(target, files)
    spec = ForgeSpec(projects=tuple(ProjectSpec(path=p, id=i) for p, (i, _f) in DEMO_REPOS.items()),
                     tokens=DEMO_TOKENS, oauth_clients=(DEMO_OAUTH_CLIENT,))
    (root / "forge.json").write_text(json.dumps(spec.to_dict(), indent=2) + "\n")
    return spec
