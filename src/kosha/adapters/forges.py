"""What the GitLab v4 and GitHub REST clients share (`gitlab.py`, `github.py`): their types
and the HTTP core. Both clients look a project up, list a group's, check read access, tell who a
token belongs to (`current_user`), list the user's projects a page at a time (`projects_page`)
and a repository's files with sizes where the forge gives them (`tree`), under the same method
names and return types.

Tokens travel only in request headers, never in URLs, and appear in no message or log line.
Server errors (5xx) and connection failures are retried; 4xx answers are final. Redirects are
not followed, so a token never goes to another host.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

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


class ForgeHttp:
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
