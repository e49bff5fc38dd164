"""A stand-in forge: GitLab v4 and GitHub REST answers plus real git over smart HTTP.

Serves what Kosha asks of a company forge from a small spec (groups, projects, tokens and what
each token may read, OAuth clients), on 127.0.0.1, for the tests and the README walkthrough;
never production. OAuth 2 sign-in (authorization code) is served GitLab style at
`/oauth/authorize` + `/oauth/token` and GitHub style at `/login/oauth/authorize` +
`/login/oauth/access_token` (see `kosha.devforge.oauth`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from kosha.devforge import forge_api
from kosha.devforge.git_http import GitHttpApp, token_from_headers
from kosha.devforge.oauth import OAuthEndpoints

GITLAB_PREFIX = "/api/v4"
GITHUB_PREFIX = "/api/github"
# Query parameters that can carry a credential; the request log never keeps their value.
# (Request bodies, where the OAuth token endpoint takes its code and secret, are never logged.)
_SECRET_PARAMS = {"private_token", "access_token", "job_token", "token", "code", "client_secret",
                  "code_verifier", "refresh_token", "password"}


@dataclass(frozen=True)
class ProjectSpec:
    """One repository: `emea/team-a/svc`, its numeric id and its default branch."""

    path: str
    id: int
    default_branch: str = "main"

    @property
    def namespace(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


@dataclass(frozen=True)
class TokenSpec:
    """A token, the user it belongs to, and the project paths or group prefixes it reads."""

    token: str = field(repr=False)
    reads: tuple[str, ...] = ()
    user: str = "forge-user"
    email: str | None = None

    @property
    def address(self) -> str:
        """The user's e-mail: `email`, else `<user>@forge.invalid`."""
        return self.email or f"{self.user}@forge.invalid"

    def can_read(self, path: str) -> bool:
        """Whether this token reads the project at `path` (`*` reads everything)."""
        return any(g == "*" or path == g or path.startswith(g.rstrip("/") + "/")
                   for g in self.reads)


@dataclass(frozen=True)
class OAuthClientSpec:
    """An OAuth application: id, secret and the redirect URIs it may use (exact match; none
    listed: any `http://127.0.0.1[:port]/…` or `http://localhost[:port]/…`)."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...] = ()

    def allows(self, redirect_uri: str) -> bool:
        """Whether the authorize endpoint may send this client's user to `redirect_uri`."""
        if self.redirect_uris:
            return redirect_uri in self.redirect_uris
        try:
            parts = urlsplit(redirect_uri)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            return False
        return (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
                and "@" not in parts.netloc and not parts.fragment)


@dataclass(frozen=True)
class ForgeSpec:
    """Groups, projects, tokens and OAuth clients of a stand-in forge (load with `from_dict`
    or `load`). `oauth_default_user` approves OAuth requests that name no `login`; it defaults
    to the first token's user."""

    projects: tuple[ProjectSpec, ...]
    tokens: tuple[TokenSpec, ...] = ()
    groups: tuple[str, ...] = ()
    oauth_clients: tuple[OAuthClientSpec, ...] = ()
    oauth_default_user: str | None = None

    def __post_init__(self) -> None:
        paths = [p.path for p in self.projects]
        ids = [p.id for p in self.projects]
        if len(set(paths)) != len(paths) or len(set(ids)) != len(ids):
            raise ValueError("project paths and ids must be unique")
        if any(p.path.count("/") < 1 or ".." in p.path.split("/") for p in self.projects):
            raise ValueError("a project path needs a group and a name, and no '..'")
        # Every namespace of a project, and each of its parents, is a group.
        implied = {"/".join(p.path.split("/")[:i]) for p in self.projects
                   for i in range(1, p.path.count("/") + 1)}
        object.__setattr__(self, "groups", tuple(sorted(implied | set(self.groups))))
        client_ids = [c.client_id for c in self.oauth_clients]
        if len(set(client_ids)) != len(client_ids) or not all(client_ids):
            raise ValueError("OAuth client ids must be unique and non-empty")
        if self.oauth_default_user is None and self.tokens:
            object.__setattr__(self, "oauth_default_user", self.tokens[0].user)

    @classmethod
    def from_dict(cls, data: dict) -> ForgeSpec:
        """Build a spec from `{"groups": [...], "projects": [...], "tokens": [...]}`."""
        projects = tuple(ProjectSpec(path=p["path"].strip("/"), id=int(p["id"]),
                                     default_branch=p.get("default_branch", "main"))
                         for p in data.get("projects", []))
        tokens = tuple(TokenSpec(token=t["token"], reads=tuple(t.get("reads", ())),
                                 user=t.get("user", "forge-user"), email=t.get("email"))
                       for t in data.get("tokens", []))
        clients = tuple(OAuthClientSpec(client_id=c["client_id"],
                                        client_secret=c["client_secret"],
                                        redirect_uris=tuple(c.get("redirect_uris", ())))
                        for c in data.get("oauth_clients", []))
        return cls(projects=projects, tokens=tokens,
                   groups=tuple(g.strip("/") for g in data.get("groups", [])),
                   oauth_clients=clients, oauth_default_user=data.get("oauth_default_user"))

    @classmethod
    def load(cls, path: Path) -> ForgeSpec:
        """Read a spec from a JSON file."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    def to_dict(self) -> dict:
        """The JSON form `from_dict` reads."""
        return {"groups": list(self.groups),
                "projects": [{"path": p.path, "id": p.id, "default_branch": p.default_branch}
                             for p in self.projects],
                "tokens": [{"token": t.token, "user": t.user, "email": t.email,
                            "reads": list(t.reads)} for t in self.tokens],
                "oauth_clients": [{"client_id": c.client_id, "client_secret": c.client_secret,
                                   "redirect_uris": list(c.redirect_uris)}
                                  for c in self.oauth_clients],
                "oauth_default_user": self.oauth_default_user}

    def token(self, token: str | None) -> TokenSpec | None:
        """The spec of a known token, else None."""
        return next((t for t in self.tokens if token and t.token == token), None)

    def user_token(self, user: str | None) -> TokenSpec | None:
        """The first token of `user` (what the OAuth token endpoint hands out), else None."""
        return next((t for t in self.tokens if user and t.user == user), None)

    def oauth_client(self, client_id: str | None) -> OAuthClientSpec | None:
        """The OAuth client with this id, else None."""
        return next((c for c in self.oauth_clients if client_id and c.client_id == client_id),
                    None)

    def project(self, ref: str) -> ProjectSpec | None:
        """A project by numeric id or by path."""
        ref = ref.strip("/")
        if ref.isdigit():
            return next((p for p in self.projects if p.id == int(ref)), None)
        return next((p for p in self.projects if p.path == ref), None)

    def can_read(self, token: str | None, path: str) -> bool:
        """Whether `token` reads the project at `path`."""
        spec = self.token(token)
        return spec is not None and self.project(path) is not None and spec.can_read(path)

    def readable(self, token: str | None) -> list[ProjectSpec]:
        """The projects `token` reads, by path."""
        return sorted((p for p in self.projects if self.can_read(token, p.path)),
                      key=lambda p: p.path)


@dataclass(frozen=True)
class LoggedRequest:
    """One request the forge answered: never a token (credential query values are masked)."""

    method: str
    path: str
    status: int
    query: str = ""


class StandInForge:
    """WSGI app: GitLab under `/api/v4`, GitHub under `/api/github`, OAuth sign-in, git smart
    HTTP elsewhere. `oauth` holds the issued codes (`oauth.code_ttl` is their lifetime)."""

    def __init__(self, root: Path, spec: ForgeSpec,
                 on_request: Callable[[LoggedRequest], None] | None = None) -> None:
        self.root = Path(root)
        self.spec = spec
        self.requests: list[LoggedRequest] = []
        self._on_request = on_request
        self._failures: list[list] = []  # [path prefix, remaining, status]
        self._lock = threading.Lock()
        self._git = GitHttpApp(self.root, lambda path, token: self.spec.can_read(token, path))
        self.oauth = OAuthEndpoints(lambda: self.spec)

    def fail(self, path_prefix: str, times: int = 1, status: int = 503) -> None:
        """Answer the next `times` requests whose path starts with `path_prefix` with `status`."""
        with self._lock:
            self._failures.append([path_prefix, times, status])

    def clear(self) -> None:
        """Forget the request log and any failures still to inject."""
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def paths(self, method: str = "GET") -> list[str]:
        """The logged paths of one method, in order."""
        return [r.path for r in self.requests if r.method == method]

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:  # noqa: ANN001
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        query = _masked(environ.get("QUERY_STRING", ""))
        seen: list[int] = []

        def recording_start(status: str, headers: list, exc_info=None):  # noqa: ANN001, ANN202
            seen.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        try:
            return self._dispatch(environ, method, path, recording_start)
        finally:
            entry = LoggedRequest(method, path, seen[-1] if seen else 500, query)
            with self._lock:
                self.requests.append(entry)
            if self._on_request:
                self._on_request(entry)

    def _dispatch(self, environ: dict, method: str, path: str,
                  start_response) -> Iterable[bytes]:  # noqa: ANN001
        injected = self._take_failure(path)
        if injected:
            return _send(start_response, forge_api.Reply(injected, {"message": "injected"}))
        if OAuthEndpoints.handles(path):
            return _send(start_response, self.oauth(environ, method, path))
        for prefix, handler, kind in ((GITLAB_PREFIX, forge_api.gitlab, "gitlab"),
                                      (GITHUB_PREFIX, forge_api.github, "github")):
            if path == prefix or path.startswith(prefix + "/"):
                if method not in ("GET", "HEAD"):
                    reply = forge_api.Reply(405, {"message": "405 Method Not Allowed"})
                    return _send(start_response, reply)
                call = forge_api.Call(path=path[len(prefix):] or "/",
                                      query=dict(parse_qsl(environ.get("QUERY_STRING", ""))),
                                      token=_api_token(environ, kind),
                                      base_url=_base_url(environ), prefix=prefix,
                                      root=self.root)
                return _send(start_response, handler(self.spec, call), head=method == "HEAD")
        return self._git(environ, start_response)

    def _take_failure(self, path: str) -> int | None:
        with self._lock:
            for failure in self._failures:
                prefix, remaining, status = failure
                if remaining > 0 and path.startswith(prefix):
                    failure[1] -= 1
                    return status
        return None


def _api_token(environ: dict, kind: str) -> str | None:
    """GitLab: `PRIVATE-TOKEN` or Bearer; GitHub: `Bearer`/`token`; both also take Basic."""
    if kind == "gitlab" and environ.get("HTTP_PRIVATE_TOKEN"):
        return environ["HTTP_PRIVATE_TOKEN"].strip()
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if kind == "github" and scheme.lower() == "token" and value.strip():
        return value.strip()
    return token_from_headers(environ)


def _base_url(environ: dict) -> str:
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


def _masked(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in pairs])


def _send(start_response, reply: forge_api.Reply, head: bool = False) -> list[bytes]:  # noqa: ANN001
    """Send a reply: a JSON body, or bytes whose Content-Type is among the reply's headers."""
    if isinstance(reply.body, bytes):
        body, kind = reply.body, []
    else:
        body, kind = json.dumps(reply.body).encode(), [("Content-Type", "application/json")]
    headers = [*kind, ("Content-Length", str(len(body))), *reply.headers]
    start_response(f"{reply.status} {forge_api.reason(reply.status)}", headers)
    return [] if head else [body]
