"""A small multi-language repository used by the integration tests."""

PY_AUTH = '''"""Authentication helpers."""
import hmac

from .keys import load_signing_key


def validate_jwt(token: str) -> dict:
    """Check the signature of a JSON web token and return its claims."""
    header, payload, signature = token.split(".")
    if not verify_signature(header + "." + payload, signature):
        raise ValueError("bad signature")
    return decode_claims(payload)


def verify_signature(message: str, signature: str) -> bool:
    key = load_signing_key()
    return hmac.compare_digest(hmac.new(key, message.encode(), "sha256").hexdigest(), signature)


def decode_claims(payload: str) -> dict:
    return {"sub": payload}
'''

PY_KEYS = '''import os


def load_signing_key() -> bytes:
    """Read the signing key from the environment."""
    return os.environ.get("SIGNING_KEY", "dev").encode()
'''

TS_SERVER = '''import { checkSession } from './session';

export class RateLimiter {
  private hits = new Map<string, number>();

  allowRequest(ip: string): boolean {
    const n = (this.hits.get(ip) ?? 0) + 1;
    this.hits.set(ip, n);
    return n <= 10;
  }
}

export function handleLogin(req: { cookie: string }): boolean {
  return checkSession(req.cookie);
}
'''

TS_SESSION = '''export function checkSession(cookie: string): boolean {
  return cookie.startsWith("s:");
}
'''

GO_URL = '''package urls

import "strings"

// SplitRepositoryURL splits a repository URL into its host and path.
func SplitRepositoryURL(url string) (string, string) {
	parts := strings.SplitN(url, "/", 2)
	return parts[0], parts[1]
}
'''

JAVA_CART = '''package shop;

public class ShoppingCart {
    private double total;

    public void addItem(double price) {
        total += price;
    }

    public double checkoutTotal() {
        return applyDiscount(total);
    }

    private double applyDiscount(double amount) {
        return amount * 0.9;
    }
}
'''

README = "# Demo\n\nA demo repository for Kosha's tests.\n"

FILES: dict[str, str | bytes] = {
    "src/auth/jwt.py": PY_AUTH,
    "src/auth/keys.py": PY_KEYS,
    "web/server.ts": TS_SERVER,
    "web/session.ts": TS_SESSION,
    "go/urls/urls.go": GO_URL,
    "java/shop/ShoppingCart.java": JAVA_CART,
    "README.md": README,
    "assets/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00binary",
    "lib/compiled.js": b"\x00\x01\x02 not really javascript",
    "node_modules/left-pad/index.js": "module.exports = function leftPad() {}\n",
    "data/notes.xyz": "unknown format\n",
    "docs/latin1.txt": "caf\xe9 ".encode("latin-1") * 400 + bytes(range(128, 256)) * 40,
}
