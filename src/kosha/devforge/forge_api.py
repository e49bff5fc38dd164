"""The REST answers of the stand-in forge: the GitLab v4 and GitHub calls Kosha makes.

GitLab hides what a token cannot read (404), as does GitHub; both answer 401 to an unknown
token. Paths arrive URL-decoded (WSGI), so `/projects/emea%2Fteam-a%2Fsvc` is read as
`/projects/emea/team-a/svc`. The GitHub side accepts nested paths under `/repos/` so one demo
tree serves both kinds of forge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from kosha.devforge.forge import ForgeSpec, ProjectSpec, TokenSpec


@dataclass(frozen=True)
class Call:
    """One API request: the path below the API prefix, its query, token and base URL."""

    path: str
    query: dict[str, str]
    token: str | None = field(repr=False)
    base_url: str
    prefix: str


@dataclass(frozen=True)
class Reply:
    """A JSON answer: status, body and extra headers."""

    status: int
    body: object
    headers: list[tuple[str, str]] = field(default_factory=list)


def reason(status: int) -> str:
    """The reason phrase of an HTTP status."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value or default), low), high)
    except ValueError:
        return default


def _page(items: list, call: Call, link_path: str, default_size: int) -> tuple[list, dict]:
    """Slice one page and describe it: GitLab `X-*` headers plus an RFC 8288 `Link`."""
    per_page = _int(call.query.get("per_page"), default_size, 1, 100)
    pages = max(1, math.ceil(len(items) / per_page))
    page = _int(call.query.get("page"), 1, 1, 1_000_000)

    def url(n: int) -> str:
        return f"{call.base_url}{call.prefix}{link_path}?" + urlencode(
            {**call.query, "page": n, "per_page": per_page})

    rels = {"first": 1, "last": pages}
    if page < pages:
        rels["next"] = page + 1
    if 1 < page <= pages + 1:
        rels["prev"] = page - 1
    info = {"page": page, "per_page": per_page, "pages": pages, "total": len(items),
            "next": rels.get("next"), "prev": rels.get("prev"),
            "link": ", ".join(f'<{url(n)}>; rel="{rel}"' for rel, n in rels.items())}
    return items[(page - 1) * per_page: page * per_page], info


# --- GitLab v4 -----------------------------------------------------------------------------


def _gitlab_project(p: ProjectSpec, base: str) -> dict:
    namespace = p.namespace
    return {"id": p.id, "name": p.name, "path": p.name, "path_with_namespace": p.path,
            "name_with_namespace": p.path.replace("/", " / "),
            "default_branch": p.default_branch, "visibility": "private",
            "http_url_to_repo": f"{base}/{p.path}.git", "web_url": f"{base}/{p.path}",
            "namespace": {"full_path": namespace, "path": namespace.rpartition("/")[2],
                          "name": namespace.rpartition("/")[2], "kind": "group"}}


def _group_visible(spec: ForgeSpec, who: TokenSpec, group: str) -> bool:
    under = group + "/"
    return group in spec.groups and any(
        g == "*" or g == group or g.startswith(under) or group.startswith(g + "/")
        for g in who.reads)


def _gitlab_list(projects: list[ProjectSpec], call: Call, link_path: str) -> Reply:
    rows, info = _page(projects, call, link_path, 20)
    headers = [("X-Page", str(info["page"])), ("X-Per-Page", str(info["per_page"])),
               ("X-Total", str(info["total"])), ("X-Total-Pages", str(info["pages"])),
               ("X-Next-Page", str(info["next"] or "")), ("X-Prev-Page", str(info["prev"] or "")),
               ("Link", info["link"])]
    return Reply(200, [_gitlab_project(p, call.base_url) for p in rows], headers)


def gitlab(spec: ForgeSpec, call: Call) -> Reply:
    """Answer a GitLab v4 call (`call.path` is below `/api/v4`)."""
    who = spec.token(call.token)
    if who is None:
        return Reply(401, {"message": "401 Unauthorized"})
    path = call.path.rstrip("/")
    if path == "/user":
        return Reply(200, {"id": spec.tokens.index(who) + 1, "username": who.user})
    if path == "/projects":
        return _gitlab_list(spec.readable(call.token), call, "/projects")
    if path.startswith("/projects/"):
        project = spec.project(path[len("/projects/"):])
        if project is None or not who.can_read(project.path):
            return Reply(404, {"message": "404 Project Not Found"})
        return Reply(200, _gitlab_project(project, call.base_url))
    if path.startswith("/groups/"):
        group, listing = path[len("/groups/"):], False
        if group.endswith("/projects"):
            group, listing = group[: -len("/projects")], True
        group = group.strip("/")
        if not _group_visible(spec, who, group):
            return Reply(404, {"message": "404 Group Not Found"})
        if not listing:
            return Reply(200, {"id": spec.groups.index(group) + 1, "full_path": group,
                               "path": group.rpartition("/")[2]})
        deep = call.query.get("include_subgroups", "").lower() in ("true", "1")
        projects = [p for p in spec.readable(call.token)
                    if p.namespace == group or (deep and p.path.startswith(group + "/"))]
        return _gitlab_list(projects, call, f"/groups/{quote(group, safe='')}/projects")
    return Reply(404, {"error": "404 Not Found"})


# --- GitHub REST ---------------------------------------------------------------------------

_DOCS = "https://docs.github.com/rest"


def _github_repo(p: ProjectSpec, base: str) -> dict:
    return {"id": p.id, "name": p.name, "full_name": p.path, "private": True,
            "visibility": "private", "owner": {"login": p.namespace, "type": "Organization"},
            "default_branch": p.default_branch, "html_url": f"{base}/{p.path}",
            "clone_url": f"{base}/{p.path}.git"}


def github(spec: ForgeSpec, call: Call) -> Reply:
    """Answer a GitHub REST call (`call.path` is below the GitHub API base)."""
    who = spec.token(call.token)
    if call.token and who is None:
        return Reply(401, {"message": "Bad credentials", "documentation_url": _DOCS})
    path = call.path.rstrip("/")
    if path in ("/user", "/user/repos") and who is None:
        return Reply(401, {"message": "Requires authentication", "documentation_url": _DOCS})
    if path == "/user":
        return Reply(200, {"login": who.user, "id": spec.tokens.index(who) + 1})
    if path == "/user/repos":
        rows, info = _page(spec.readable(call.token), call, "/user/repos", 30)
        headers = [("Link", info["link"])] if info["pages"] > 1 else []
        return Reply(200, [_github_repo(p, call.base_url) for p in rows], headers)
    if path.startswith("/repos/"):
        project = spec.project(path[len("/repos/"):])
        if project is None or who is None or not who.can_read(project.path):
            return Reply(404, {"message": "Not Found", "documentation_url": _DOCS})
        return Reply(200, _github_repo(project, call.base_url))
    return Reply(404, {"message": "Not Found", "documentation_url": _DOCS})
