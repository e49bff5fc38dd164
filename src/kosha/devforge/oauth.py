"""OAuth 2 authorization-code endpoints of the stand-in forge, GitLab and GitHub style.

GitLab style: `GET /oauth/authorize`, `POST /oauth/token`. GitHub style:
`GET /login/oauth/authorize`, `POST /login/oauth/access_token`. There is no login page: the
user who approves is named by a `login=<user>` query parameter (a test and demo hook; default:
the spec's `oauth_default_user`). The access token handed out is that user's token from the
spec. Codes are random, one-time, live 60 seconds and stay in memory. PKCE (`S256`, `plain`) is
checked when the authorize request carried a `code_challenge`.

Part of the stand-in forge used by the tests and the README walkthrough; never in production.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from kosha.devforge.forge_api import Reply

if TYPE_CHECKING:
    from kosha.devforge.forge import ForgeSpec, OAuthClientSpec

AUTHORIZE_PATHS = {"/oauth/authorize": "gitlab", "/login/oauth/authorize": "github"}
TOKEN_PATHS = {"/oauth/token": "gitlab", "/login/oauth/access_token": "github"}
DEFAULT_SCOPES = {"gitlab": "read_user read_api", "github": "repo read:user user:email"}
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class _Grant:
    client_id: str
    redirect_uri: str | None  # as sent to the authorize endpoint (None: it sent none)
    user: str
    scope: str
    challenge: str | None = field(repr=False)
    challenge_method: str
    expires: float


class OAuthEndpoints:
    """Serves the authorize and token endpoints of one stand-in forge (thread-safe)."""

    def __init__(self, spec: Callable[[], ForgeSpec], code_ttl: float = 60.0) -> None:
        self._spec = spec
        self.code_ttl = code_ttl
        self._codes: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    @staticmethod
    def handles(path: str) -> bool:
        """Whether `path` is one of the OAuth endpoints."""
        return path in AUTHORIZE_PATHS or path in TOKEN_PATHS

    def __call__(self, environ: dict, method: str, path: str) -> Reply:
        if path in AUTHORIZE_PATHS:
            if method != "GET":
                return Reply(405, {"error": "method_not_allowed"}, [("Allow", "GET")])
            query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
            return self.authorize(query, AUTHORIZE_PATHS[path])
        if method != "POST":
            return Reply(405, {"error": "method_not_allowed"}, [("Allow", "POST")])
        return self.token(environ, TOKEN_PATHS[path])

    def pending(self) -> int:
        """How many issued codes are still unused and unexpired."""
        now = time.monotonic()
        with self._lock:
            return sum(1 for g in self._codes.values() if g.expires > now)

    # --- authorize ---------------------------------------------------------------------------

    def authorize(self, query: dict[str, str], style: str) -> Reply:
        """Check client and redirect URI (400 JSON if wrong: never redirect to an unchecked
        URI), then redirect with a fresh code, or with `error=` if the request is refused."""
        spec = self._spec()
        client = spec.oauth_client(query.get("client_id", ""))
        if client is None:
            return _error(400, "invalid_client", "unknown client_id")
        given = query.get("redirect_uri") or None
        if given is None:
            if len(client.redirect_uris) != 1:
                return _error(400, "invalid_request", "redirect_uri is required")
            redirect = client.redirect_uris[0]
        elif client.allows(given):
            redirect = given
        else:
            return _error(400, "invalid_request", "redirect_uri is not allowed for this client")
        state = query.get("state")
        response_type = query.get("response_type")
        if response_type != "code" and not (style == "github" and response_type is None):
            return _redirect(redirect, {"error": "unsupported_response_type"}, state)
        login = query.get("login") or spec.oauth_default_user
        if not login or spec.user_token(login) is None:
            return _redirect(redirect, {"error": "access_denied"}, state)
        method = query.get("code_challenge_method") or "plain"
        challenge = query.get("code_challenge") or None
        if challenge and method not in ("S256", "plain"):
            return _redirect(redirect, {"error": "invalid_request"}, state)
        code = secrets.token_urlsafe(32)
        now = time.monotonic()
        grant = _Grant(client_id=client.client_id, redirect_uri=given, user=login,
                       scope=query.get("scope") or DEFAULT_SCOPES[style], challenge=challenge,
                       challenge_method=method, expires=now + self.code_ttl)
        with self._lock:
            for old in [c for c, g in self._codes.items() if g.expires <= now]:
                del self._codes[old]
            self._codes[code] = grant
        return _redirect(redirect, {"code": code}, state)

    # --- token -------------------------------------------------------------------------------

    def token(self, environ: dict, style: str) -> Reply:
        """Exchange a code for the user's token; client auth by HTTP Basic or in the body."""
        as_form = style == "github" and "json" not in environ.get("HTTP_ACCEPT", "").lower()
        params = _body(environ)
        if params is None:
            return _error(400, "invalid_request", "unreadable body", as_form)
        basic = _basic(environ)
        client_id, secret = basic or (params.get("client_id", ""), params.get("client_secret"))
        client = self._client(client_id, secret)
        if client is None:
            reply = _error(401 if basic else 400, "invalid_client",
                           "client authentication failed", as_form)
            if basic:
                reply.headers.append(("WWW-Authenticate", 'Basic realm="oauth"'))
            return reply
        if params.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "only authorization_code", as_form)
        with self._lock:
            grant = self._codes.pop(params.get("code", ""), None)  # one use, right or wrong
        problem = self._check(grant, client, params, style)
        if problem:
            return _error(400, "invalid_grant", problem, as_form)
        owner = self._spec().user_token(grant.user)
        if owner is None:
            return _error(400, "invalid_grant", "the user is gone", as_form)
        answer = {"access_token": owner.token, "token_type": "bearer", "scope": grant.scope}
        if style == "gitlab":
            answer["created_at"] = int(time.time())
        headers = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
        if as_form:
            return Reply(200, urlencode(answer).encode(),
                         [("Content-Type", "application/x-www-form-urlencoded"), *headers])
        return Reply(200, answer, headers)

    def _client(self, client_id: str, secret: str | None) -> OAuthClientSpec | None:
        spec = self._spec()
        client = spec.oauth_client(client_id) or spec.oauth_client(unquote_plus(client_id))
        if client is None or secret is None:
            return None
        expected = client.client_secret.encode()
        # RFC 6749 form-encodes Basic credentials; Authlib sends them raw. Accept both.
        if any(hmac.compare_digest(expected, s.encode()) for s in {secret, unquote_plus(secret)}):
            return client
        return None

    def _check(self, grant: _Grant | None, client: OAuthClientSpec, params: dict[str, str],
               style: str) -> str | None:
        if grant is None:
            return "unknown or used code"
        if grant.expires <= time.monotonic():
            return "expired code"
        if grant.client_id != client.client_id:
            return "code issued to another client"
        sent = params.get("redirect_uri") or None
        if grant.redirect_uri is None:  # authorize used the one registered URI
            if sent is not None and sent not in client.redirect_uris:
                return "redirect_uri does not match"
        elif sent is None and style == "github":
            pass  # GitHub makes redirect_uri optional at the token endpoint
        elif sent != grant.redirect_uri:
            return "redirect_uri does not match"
        if grant.challenge:
            verifier = params.get("code_verifier", "")
            if grant.challenge_method == "S256":
                digest = hashlib.sha256(verifier.encode()).digest()
                verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not verifier or not hmac.compare_digest(verifier.encode(),
                                                       grant.challenge.encode()):
                return "code_verifier does not match"
        return None


def _basic(environ: dict) -> tuple[str, str] | None:
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        client_id, sep, secret = base64.b64decode(value.strip()).decode("latin-1").partition(":")
    except ValueError:
        return None
    return (client_id, secret) if sep else None


def _body(environ: dict) -> dict[str, str] | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length < 0 or length > MAX_BODY:
        return None
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        text = raw.decode()
        if "json" in environ.get("CONTENT_TYPE", "").lower():
            data = json.loads(text or "{}")
            if not isinstance(data, dict):
                return None
            return {str(k): str(v) for k, v in data.items() if v is not None}
        return dict(parse_qsl(text, keep_blank_values=True))
    except ValueError:
        return None


def _error(status: int, error: str, description: str, as_form: bool = False) -> Reply:
    body = {"error": error, "error_description": description}
    if as_form:
        return Reply(status, urlencode(body).encode(),
                     [("Content-Type", "application/x-www-form-urlencoded")])
    return Reply(status, body, [("Cache-Control", "no-store")])


def _redirect(uri: str, params: dict[str, str], state: str | None) -> Reply:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    if state is not None:
        query.append(("state", state))
    location = urlunsplit(parts._replace(query=urlencode(query), fragment=""))
    return Reply(302, b"", [("Location", location), ("Content-Type", "text/plain"),
                            ("Cache-Control", "no-store")])
