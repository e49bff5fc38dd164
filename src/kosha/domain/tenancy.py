"""Repository URLs and tenant keys: parsing, canonical forms and ownership (pure, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from kosha.domain.errors import InvalidRepoUrl, InvalidTenantKey

# A path segment as GitLab and GitHub allow it; never "." or "..", never a leading "-"
# (which git would read as an option).
_SEGMENT = re.compile(r"^[a-z0-9_.][a-z0-9_.-]{0,99}$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$")
_SCP = re.compile(r"^(?P<user>[a-z0-9_.-]+)@(?P<host>[^:/\s]+):(?P<path>[^\s]+)$")
_NAMED_TENANT = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}(:[a-z0-9][a-z0-9_.-]{0,127})?$")
MAX_URL_LEN = 2048
_DEFAULT_PORTS = {"https": 443, "http": 80}


def _check_segment(seg: str, what: str, error: type[Exception]) -> str:
    if seg in (".", "..") or not _SEGMENT.match(seg) or seg.endswith((".lock", ".atom")):
        raise error(f"{what} has an invalid path segment {seg!r}")
    return seg


def _check_domain(host: str, port: int | None, error: type[Exception], what: str) -> str:
    if not host or not _HOST.match(host):
        raise error(f"{what} has an invalid host {host!r}")
    return f"{host}:{port}" if port else host


@dataclass(frozen=True)
class RepoRef:
    """A forge repository: `domain` (host, with a non-default port), group path and project."""

    domain: str
    namespace: tuple[str, ...]
    project: str
    scheme: str = "https"

    @property
    def path(self) -> str:
        return "/".join((*self.namespace, self.project))

    @property
    def group_path(self) -> str:
        return "/".join(self.namespace)

    @property
    def url(self) -> str:
        """Canonical web URL (no `.git`, lower case): the identity of the repo in Kosha."""
        return f"{self.scheme}://{self.domain}/{self.path}"

    @property
    def git_url(self) -> str:
        return f"{self.url}.git"

    def __str__(self) -> str:
        return self.url


def parse_repo_url(raw: str) -> RepoRef:
    """Parse an https, http, ssh or `git@host:path` repository URL into a `RepoRef`.

    Refuses anything git could read as an option or a local/transport path, credentials in the
    URL, query strings, and odd path segments.
    """
    if not isinstance(raw, str):
        raise InvalidRepoUrl("repo_url must be a string")
    # Only surrounding blanks are trimmed: str.strip() alone would also drop (and so accept)
    # newlines, control characters and non-ASCII spaces such as U+00A0.
    text = raw.strip(" ")
    if not text or len(text) > MAX_URL_LEN:
        raise InvalidRepoUrl("repo_url is empty or too long")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text) or not text.isascii():
        raise InvalidRepoUrl("repo_url may only contain printable ASCII characters")
    if text.startswith("-"):
        raise InvalidRepoUrl("repo_url may not start with '-'")
    if "\\" in text or "%" in text:
        raise InvalidRepoUrl("repo_url may not contain backslashes or percent-escapes")
    lowered = text.lower()
    scheme = "https"
    port: int | None = None
    m = _SCP.match(lowered)
    if m and "://" not in lowered:
        host, path = m.group("host"), m.group("path")
    else:
        try:
            parts = urlsplit(lowered)
            port = parts.port
        except ValueError as exc:
            raise InvalidRepoUrl(f"repo_url is not a valid URL: {exc}") from None
        if port == 0:
            raise InvalidRepoUrl("repo_url has an invalid port 0")
        if port == _DEFAULT_PORTS.get(parts.scheme):
            port = None  # https://h:443/a/b is https://h/a/b: one repo, one identity
        if parts.scheme not in ("https", "http", "ssh"):
            raise InvalidRepoUrl(
                f"repo_url scheme {parts.scheme or '(none)'!r} is not allowed; "
                "use https://, ssh:// or git@host:path"
            )
        if parts.query or parts.fragment:
            raise InvalidRepoUrl("repo_url may not carry a query string or fragment")
        if parts.password is not None or (parts.username and parts.scheme != "ssh"):
            raise InvalidRepoUrl("repo_url may not carry credentials; send the token as a header")
        host, path = parts.hostname or "", parts.path
        if parts.scheme == "http":
            scheme = "http"
        if parts.scheme == "ssh":
            port = None  # the web/API side never uses the ssh port
    domain = _check_domain(host, port, InvalidRepoUrl, "repo_url")
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    segments = path.split("/") if path else []
    if len(segments) < 2:
        raise InvalidRepoUrl("repo_url needs at least a group and a project in its path")
    if len(segments) > 20:
        raise InvalidRepoUrl("repo_url path is nested too deeply")
    for seg in segments:
        _check_segment(seg, "repo_url", InvalidRepoUrl)
    return RepoRef(domain=domain, namespace=tuple(segments[:-1]), project=segments[-1],
                   scheme=scheme)


@dataclass(frozen=True)
class TenantKey:
    """A tenant: `<domain>//<group>/<team>`, a region wildcard `<domain>//<region>/*`,
    or a named tenant (`local`, `account:<id>`) whose repos are registered, not derived."""

    domain: str | None
    path: tuple[str, ...]
    wildcard: bool = False
    name: str | None = None

    @property
    def is_named(self) -> bool:
        return self.name is not None

    @property
    def root_group_path(self) -> str:
        return "/".join(self.path) + ("/*" if self.wildcard else "")

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return f"{self.domain}//{self.root_group_path}"

    @property
    def storage_prefix(self) -> str:
        """The key escaped for use as a path component or object-key prefix."""
        return quote(str(self), safe="")

    def covers(self, repo: RepoRef) -> bool:
        """Whether a repo lies under this workspace key (named tenants own no URL space)."""
        if self.name is not None or repo.domain != self.domain:
            return False
        n = len(self.path)
        # The repo must sit strictly below the key's group: the project itself is no group.
        depth = n + (1 if self.wildcard else 0)
        return repo.namespace[:n] == self.path and len(repo.namespace) >= depth

    def covers_tenant(self, other: TenantKey) -> bool:
        """Whether this (wildcard) key reads the tenant `other`: itself, or a team of its region."""
        if self == other:
            return True
        if not self.wildcard or other.is_named or other.domain != self.domain:
            return False
        return other.path[: len(self.path)] == self.path and len(other.path) > len(self.path)

    def owner_of(self, repo: RepoRef) -> TenantKey:
        """The concrete tenant a repo indexed under this key belongs to.

        For a region wildcard that is the team directly below the region.
        """
        if not self.covers(repo):
            raise InvalidTenantKey(f"repository {repo.url} is not under tenant {self}")
        if not self.wildcard:
            return self
        return TenantKey(domain=self.domain, path=repo.namespace[: len(self.path) + 1])


def parse_tenant_key(raw: str) -> TenantKey:
    """Parse `<domain>//<g1>/<g2>…`, `<domain>//<region>/*`, or a named tenant like `local`."""
    if not isinstance(raw, str):
        raise InvalidTenantKey("tenant key must be a string")
    text = raw.strip(" ")  # as for URLs: never strip (and so accept) control characters
    if not text or len(text) > 512 or not text.isascii():
        raise InvalidTenantKey("tenant key is empty, too long or not ASCII")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise InvalidTenantKey("tenant key may not contain whitespace or control characters")
    text = text.lower()
    if "//" not in text:
        if not _NAMED_TENANT.match(text):
            raise InvalidTenantKey(
                "tenant key must look like <domain>//<region>/<team> or <domain>//<region>/*"
            )
        return TenantKey(domain=None, path=(), name=text)
    domain_part, _, path_part = text.partition("//")
    host, _, port_text = domain_part.partition(":")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InvalidTenantKey(f"tenant key has an invalid port {port_text!r}")
        port = int(port_text)
    domain = _check_domain(host, port, InvalidTenantKey, "tenant key")
    segments = path_part.split("/")
    wildcard = segments[-1] == "*"
    if wildcard:
        segments = segments[:-1]
    if not segments or segments == [""]:
        raise InvalidTenantKey("tenant key needs at least one group after the domain")
    if len(segments) > 20:
        raise InvalidTenantKey("tenant key is nested too deeply")
    for seg in segments:
        if seg == "*":
            raise InvalidTenantKey("'*' may only be the last segment of a tenant key")
        _check_segment(seg, "tenant key", InvalidTenantKey)
    return TenantKey(domain=domain, path=tuple(segments), wildcard=wildcard)


LOCAL_TENANT = TenantKey(domain=None, path=(), name="local")
