"""GitLab v4 and GitHub REST clients: look a project up, list a group's, check read access.

For account mode both also tell who a token belongs to (`current_user`), list the user's
projects a page at a time (`projects_page`) and list a repository's files with sizes where the
forge gives them (`tree`); the two clients share method names and return types.

Tokens travel only in request headers, never in URLs, and appear in no message or log line.
Server errors (5xx) and connection failures are retried; 4xx answers are final. Redirects are
not followed, so a token never goes to another host.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from kosha.domain.errors import Forbidden, ForgeError

if TYPE_CHECKING:
    from pydantic import SecretStr

    Token = str | SecretStr | None

log = logging.getLogger(__name__)
MAX_PAGES = 1000


@dataclass(frozen=True)
class ForgeProject:
    """A project as the forge reports it: id, `group/…/name` path, default branch, web URL."""

    id: int
    path: str
    default_branch: str | None
    web_url: str


@dataclass(frozen=True)
class ForgeUser:
    """The user a token belongs to: the forge's id (as text), login name and e-mail if known."""

    id: str
    login: str
    email: str | None


@dataclass(frozen=True)
class TreeEntry:
    """One file of a repository tree: its path, size in bytes (None if the forge gives none)
    and git mode (`100644`, `100755`, `120000` for a symlink)."""

    path: str
    size: int | None
    mode: str


class _ServerError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"status {status}")
        self.status = status


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, _ServerError | httpx.TransportError)


def _reveal(token: Token) -> str | None:
    value = token.get_secret_value() if hasattr(token, "get_secret_value") else token
    return value or None


class _ForgeHttp:
    """GETs with timeouts, retries and error wrapping; subclasses add the forge's auth header."""

    default_headers: dict[str, str] = {}

    def __init__(self, api_base: str, *, timeout: float = 15.0, attempts: int = 4,
                 backoff: float = 0.5, page_size: int = 100,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.api_base = api_base.rstrip("/")
        parts = urlsplit(self.api_base)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
            raise ValueError("api_base must be an http(s) URL without credentials")
        self.host = parts.netloc
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.page_size = min(max(1, page_size), 100)
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                                    headers=self.default_headers, follow_redirects=False,
                                    transport=transport)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        what = (f"answered {exc.status}" if isinstance(exc, _ServerError)
                else f"failed ({type(exc).__name__})")
        log.warning("forge %s %s; retry %d of %d", self.host, what, state.attempt_number,
                    self.attempts - 1)

    def _get(self, url: str, token: Token, params: dict | None = None) -> httpx.Response | None:
        """GET `url` (below the API base); None on 404, errors on any other non-2xx answer."""
        if not url.startswith(self.api_base + "/"):
            raise ForgeError(f"forge {self.host} pointed outside its API base",
                             details={"host": self.host})
        secret = _reveal(token)
        headers = self._auth(secret) if secret else {}
        retrying = Retrying(retry=retry_if_exception(_retryable),
                            stop=stop_after_attempt(self.attempts),
                            wait=wait_exponential_jitter(initial=self.backoff, max=8.0,
                                                         jitter=self.backoff),
                            before_sleep=self._log_retry, reraise=True)
        try:
            resp = retrying(self._once, url, headers, params)
        except _ServerError as exc:
            raise self._error(f"answered {exc.status}", exc.status) from None
        except httpx.TransportError as exc:
            raise self._error(f"is unreachable ({type(exc).__name__})", None) from None
        except httpx.HTTPError as exc:
            raise self._error(f"request failed ({type(exc).__name__})", None) from None
        status = resp.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise Forbidden(f"forge {self.host} refused the token ({status})",
                            details={"host": self.host, "status": status})
        if not 200 <= status < 300:
            raise self._error(f"answered {status}", status)
        return resp

    def _once(self, url: str, headers: dict, params: dict | None) -> httpx.Response:
        resp = self._client.get(url, headers=headers, params=params)
        if resp.status_code >= 500:
            raise _ServerError(resp.status_code)
        return resp

    def _error(self, what: str, status: int | None) -> ForgeError:
        details = {"host": self.host} | ({"status": status} if status else {})
        return ForgeError(f"forge {self.host} {what}", details=details)

    def _json(self, resp: httpx.Response) -> object:
        try:
            return resp.json()
        except ValueError:
            raise self._error("sent an answer that is not JSON", resp.status_code) from None

    def _page_params(self, page: int, per_page: int) -> dict:
        return {"page": max(1, int(page)), "per_page": min(max(1, int(per_page)), 100)}

    def _list_page(self, resp: httpx.Response | None) -> list[dict]:
        if resp is None:
            return []
        page = self._json(resp)
        if not isinstance(page, list):
            raise self._error("sent a list that is not a JSON array", resp.status_code)
        return page

    def _user(self, data: object, login_key: str, email: str | None) -> ForgeUser:
        try:
            return ForgeUser(id=str(int(data["id"])), login=str(data[login_key]), email=email)
        except (KeyError, TypeError, ValueError):
            raise self._error(f"sent a user without id or {login_key}", None) from None

    def _pages(self, url: str, token: Token, params: dict | None) -> list[dict]:
        """Every item of a paginated list: GitLab `X-Next-Page`, else the `Link` rel="next"."""
        items: list[dict] = []
        next_url: str | None = url
        for _ in range(MAX_PAGES):
            if next_url is None:
                return items
            resp = self._get(next_url, token, params)
            if resp is None:
                return items
            items.extend(self._list_page(resp))
            next_url, params = self._next(resp, next_url, params)
        raise self._error(f"listed more than {MAX_PAGES} pages", None)

    def _next(self, resp: httpx.Response, url: str,
              params: dict | None) -> tuple[str | None, dict | None]:
        if "X-Next-Page" in resp.headers:
            page = resp.headers["X-Next-Page"].strip()
            return (url, {**(params or {}), "page": page}) if page else (None, params)
        nxt = resp.links.get("next", {}).get("url")
        if not nxt:
            return None, params
        # The next link carries its own query (params=None keeps it); `_get` checks that it
        # stays below our API base, so the token never goes elsewhere.
        return urljoin(str(resp.request.url), nxt), None


class GitLabClient(_ForgeHttp):
    """GitLab REST v4; `api_base` like `https://gitlab.example.com/api/v4`."""

    def _auth(self, token: str) -> dict[str, str]:
        return {"PRIVATE-TOKEN": token}

    def project(self, path: str, token: Token) -> ForgeProject | None:
        """The project at `group/…/name` (or a numeric id), None if missing or hidden."""
        resp = self._get(f"{self.api_base}/projects/{quote(path.strip('/'), safe='')}", token)
        return None if resp is None else self._project(self._json(resp))

    def group_projects(self, group_path: str, token: Token) -> list[ForgeProject]:
        """Every project below a group, subgroups included, that the token reads."""
        url = f"{self.api_base}/groups/{quote(group_path.strip('/'), safe='')}/projects"
        params = {"include_subgroups": "true", "per_page": self.page_size, "page": 1,
                  "order_by": "id", "sort": "asc"}
        return [self._project(p) for p in self._pages(url, token, params)]

    def member_projects(self, token: Token) -> list[ForgeProject]:
        """Every project the token's user is a member of."""
        params = {"membership": "true", "per_page": self.page_size, "page": 1,
                  "order_by": "id", "sort": "asc"}
        return [self._project(p) for p in self._pages(f"{self.api_base}/projects", token, params)]

    def current_user(self, token: Token) -> ForgeUser:
        """The user the token belongs to (`GET /user`); Forbidden on 401/403."""
        resp = self._get(f"{self.api_base}/user", token)
        if resp is None:
            raise self._error("has no current user (404)", 404)
        data = self._json(resp)
        email = data.get("email") if isinstance(data, dict) else None
        return self._user(data, "username", email if isinstance(email, str) and email else None)

    def projects_page(self, token: Token, page: int,
                      per_page: int) -> tuple[list[ForgeProject], bool]:
        """One page (from 1; `per_page` clamped to 1..100) of the projects the token's user is
        a member of, oldest first, and whether another page follows (`X-Next-Page`)."""
        params = {"membership": "true", "order_by": "id", "sort": "asc",
                  **self._page_params(page, per_page)}
        resp = self._get(f"{self.api_base}/projects", token, params)
        projects = [self._project(p) for p in self._list_page(resp)]
        return projects, resp is not None and bool(resp.headers.get("X-Next-Page", "").strip())

    def tree(self, path: str, ref: str, token: Token) -> list[TreeEntry]:
        """Every file (blob) of the project at `ref`, all pages; GitLab gives no sizes (None).
        [] if the project or ref is missing or hidden; Forbidden on 401/403."""
        url = (f"{self.api_base}/projects/{quote(path.strip('/'), safe='')}"
               "/repository/tree")
        params = {"recursive": "true", "ref": ref, "per_page": 100, "page": 1}
        entries = []
        for item in self._pages(url, token, params):
            if not isinstance(item, dict) or item.get("type") != "blob":
                continue
            try:
                entries.append(TreeEntry(path=str(item["path"]), size=None,
                                         mode=str(item.get("mode", ""))))
            except KeyError:
                raise self._error("sent a tree entry without a path", None) from None
        return entries

    def readable(self, path: str, token: Token) -> bool:
        """Whether the token reads the project (False on 401/403/404; ForgeError if down)."""
        try:
            return self.project(path, token) is not None
        except Forbidden:
            return False

    def _project(self, data: object) -> ForgeProject:
        try:
            return ForgeProject(id=int(data["id"]), path=data["path_with_namespace"],
                                default_branch=data.get("default_branch"),
                                web_url=data["web_url"])
        except (KeyError, TypeError, ValueError):
            raise self._error("sent a project without id, path or web_url", None) from None


class GitHubClient(_ForgeHttp):
    """GitHub REST; `api_base` like `https://api.github.com` or `https://ghe.example/api/v3`."""

    default_headers = {"Accept": "application/vnd.github+json",
                       "X-GitHub-Api-Version": "2022-11-28"}

    def repo(self, owner_repo: str, token: Token) -> ForgeProject | None:
        """The repository `owner/name`, None if missing or hidden."""
        segments = [quote(s, safe="") for s in owner_repo.strip("/").split("/")]
        resp = self._get(f"{self.api_base}/repos/{'/'.join(segments)}", token)
        return None if resp is None else self._repo(self._json(resp))

    def user_repos(self, token: Token) -> list[ForgeProject]:
        """Every repository the token's user can read (follows `Link: rel="next"`)."""
        params = {"per_page": self.page_size, "page": 1, "sort": "full_name"}
        return [self._repo(r) for r in self._pages(f"{self.api_base}/user/repos", token, params)]

    def project(self, owner_repo: str, token: Token) -> ForgeProject | None:
        """`repo` under the name GitLabClient uses, so callers need not know the kind."""
        return self.repo(owner_repo, token)

    def group_projects(self, owner: str, token: Token) -> list[ForgeProject]:
        """The token's readable repositories under `owner` (an org or user, or a deeper path
        on forges that nest)."""
        prefix = owner.strip("/").lower() + "/"
        return [p for p in self.user_repos(token) if p.path.lower().startswith(prefix)]

    def current_user(self, token: Token) -> ForgeUser:
        """The user the token belongs to (`GET /user`); when the public e-mail is null, the
        primary verified address of `GET /user/emails` if that answers, else None. Forbidden
        on 401/403 of `/user`."""
        resp = self._get(f"{self.api_base}/user", token)
        if resp is None:
            raise self._error("has no current user (404)", 404)
        data = self._json(resp)
        email = data.get("email") if isinstance(data, dict) else None
        if not (isinstance(email, str) and email):
            email = self._primary_email(token)
        return self._user(data, "login", email)

    def _primary_email(self, token: Token) -> str | None:
        # Needs the `user:email` scope; without it GitHub answers 403 or 404: no address.
        try:
            resp = self._get(f"{self.api_base}/user/emails", token)
        except Forbidden:
            return None
        if resp is None:
            return None
        try:
            rows = resp.json()
        except ValueError:
            return None
        for row in rows if isinstance(rows, list) else []:
            if (isinstance(row, dict) and row.get("primary") and row.get("verified")
                    and isinstance(row.get("email"), str)):
                return row["email"]
        return None

    def projects_page(self, token: Token, page: int,
                      per_page: int) -> tuple[list[ForgeProject], bool]:
        """One page (from 1; `per_page` clamped to 1..100) of the repositories the token's
        user can read, by full name, and whether another follows (`Link: rel="next"`)."""
        params = {"sort": "full_name", **self._page_params(page, per_page)}
        resp = self._get(f"{self.api_base}/user/repos", token, params)
        repos = [self._repo(r) for r in self._list_page(resp)]
        return repos, resp is not None and "next" in resp.links

    def tree(self, path: str, ref: str, token: Token) -> list[TreeEntry]:
        """Every file (blob) of the repository at `ref` (branch, tag or sha) with its size, in
        one recursive call; if GitHub truncates a huge tree, what it gave. [] if the
        repository or ref is missing or hidden; Forbidden on 401/403."""
        segments = [quote(s, safe="") for s in path.strip("/").split("/")]
        ref_segments = [quote(s, safe="") for s in ref.split("/")]
        if any(s in ("", ".", "..") for s in ref_segments):
            return []  # no git ref has an empty, `.` or `..` component
        url = (f"{self.api_base}/repos/{'/'.join(segments)}/git/trees/"
               f"{'/'.join(ref_segments)}")
        resp = self._get(url, token, {"recursive": "1"})
        if resp is None:
            return []
        data = self._json(resp)
        items = data.get("tree") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise self._error("sent a tree without a list of entries", resp.status_code)
        if data.get("truncated"):
            log.warning("forge %s truncated the tree of a repository; %d entries kept",
                        self.host, len(items))
        entries = []
        for item in items:
            if not isinstance(item, dict) or item.get("type") != "blob":
                continue
            size = item.get("size")
            try:
                entries.append(TreeEntry(path=str(item["path"]),
                                         size=size if isinstance(size, int) else None,
                                         mode=str(item.get("mode", ""))))
            except KeyError:
                raise self._error("sent a tree entry without a path", None) from None
        return entries

    def readable(self, owner_repo: str, token: Token) -> bool:
        """Whether the token reads the repository (False on 401/403/404; ForgeError if down)."""
        try:
            return self.repo(owner_repo, token) is not None
        except Forbidden:
            return False

    def _repo(self, data: object) -> ForgeProject:
        try:
            return ForgeProject(id=int(data["id"]), path=data["full_name"],
                                default_branch=data.get("default_branch"),
                                web_url=data["html_url"])
        except (KeyError, TypeError, ValueError):
            raise self._error("sent a repository without id, full_name or html_url",
                              None) from None
