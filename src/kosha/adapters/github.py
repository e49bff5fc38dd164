"""GitHub REST client: repositories, users, git trees.

Tokens travel only in request headers (see kosha.adapters.forges)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

from kosha.adapters.forges import ForgeHttp, ForgeProject, ForgeUser, TreeEntry
from kosha.domain.errors import Forbidden

if TYPE_CHECKING:
    from kosha.adapters.forges import Token

log = logging.getLogger(__name__)


class GitHubClient(ForgeHttp):
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
