"""GitLab REST v4 client: projects, groups, users, repository trees.

Tokens travel only in request headers (see kosha.adapters.forges)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from kosha.adapters.forges import ForgeHttp, ForgeProject, ForgeUser, TreeEntry
from kosha.domain.errors import Forbidden

if TYPE_CHECKING:
    from kosha.adapters.forges import Token


class GitLabClient(ForgeHttp):
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
