"""The REST answers of the stand-in forge: the GitLab v4 and GitHub calls Kosha makes.

GitLab hides what a token cannot read (404), as does GitHub; both answer 401 to an unknown
token. Paths arrive URL-decoded (WSGI), so `/projects/emea%2Fteam-a%2Fsvc` is read as
`/projects/emea/team-a/svc`. The GitHub side accepts nested paths under `/repos/` so one demo
tree serves both kinds of forge. Tree endpoints read the real bare repositories under the
forge's root (`<path>.git`) with `git ls-tree`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from kosha.devforge.git_tree import GitTree, read_tree

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
    root: Path | None = None  # where the bare repositories live, for tree listings


@dataclass(frozen=True)
class Reply:
    """An answer: status, body (JSON-encoded; bytes are sent as they are, with the
    Content-Type the headers give) and extra headers."""

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


def _gitlab_headers(info: dict) -> list[tuple[str, str]]:
    return [("X-Page", str(info["page"])), ("X-Per-Page", str(info["per_page"])),
            ("X-Total", str(info["total"])), ("X-Total-Pages", str(info["pages"])),
            ("X-Next-Page", str(info["next"] or "")), ("X-Prev-Page", str(info["prev"] or "")),
            ("Link", info["link"])]


def _gitlab_list(projects: list[ProjectSpec], call: Call, link_path: str) -> Reply:
    rows, info = _page(projects, call, link_path, 20)
    return Reply(200, [_gitlab_project(p, call.base_url) for p in rows], _gitlab_headers(info))


def _tree(call: Call, project: ProjectSpec, ref: str, recursive: bool) -> GitTree | None:
    if call.root is None:
        return None
    return read_tree(call.root / f"{project.path}.git", ref, recursive)


def _gitlab_tree(project: ProjectSpec, call: Call) -> Reply:
    """`/projects/:id/repository/tree`: `recursive=true` lists every entry below the root
    (trees too), else the top level; `ref` defaults to the default branch; `path` is ignored."""
    ref = call.query.get("ref") or project.default_branch
    recursive = call.query.get("recursive", "").lower() in ("true", "1")
    tree = _tree(call, project, ref, recursive)
    if tree is None:
        return Reply(404, {"message": "404 Tree Not Found"})
    rows, info = _page(tree.items, call,
                       f"/projects/{quote(project.path, safe='')}/repository/tree", 20)
    return Reply(200, [{"id": i.sha, "name": i.name, "type": i.type, "path": i.path,
                        "mode": i.mode} for i in rows], _gitlab_headers(info))


def gitlab(spec: ForgeSpec, call: Call) -> Reply:
    """Answer a GitLab v4 call (`call.path` is below `/api/v4`)."""
    who = spec.token(call.token)
    if who is None:
        return Reply(401, {"message": "401 Unauthorized"})
    path = call.path.rstrip("/")
    if path == "/user":
        return Reply(200, {"id": spec.tokens.index(who) + 1, "username": who.user,
                           "email": who.address})
    if path == "/projects":
        return _gitlab_list(spec.readable(call.token), call, "/projects")
    if path.startswith("/projects/"):
        # The path arrives decoded: `/projects/emea/team-a/svc/repository/tree`. A project
        # whose whole path matches wins over a tree listing of a shorter one.
        ref, listing = path[len("/projects/"):], False
        if spec.project(ref) is None and ref.endswith("/repository/tree"):
            ref, listing = ref[: -len("/repository/tree")], True
        project = spec.project(ref)
        if project is None or not who.can_read(project.path):
            return Reply(404, {"message": "404 Project Not Found"})
        if listing:
            return _gitlab_tree(project, call)
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


def _github_tree(project: ProjectSpec, ref: str, call: Call) -> Reply:
    """`/repos/:path/git/trees/:ref`: any `recursive` value (even `0`) recurses, as on GitHub;
    never truncated."""
    tree = _tree(call, project, ref, "recursive" in call.query)
    if tree is None:
        return Reply(404, {"message": "Not Found", "documentation_url": _DOCS})
    api = f"{call.base_url}{call.prefix}/repos/{project.path}/git"
    rows = []
    for item in tree.items:
        kind = "trees" if item.type == "tree" else "blobs"
        row = {"path": item.path, "mode": item.mode, "type": item.type, "sha": item.sha}
        if item.type == "blob":
            row["size"] = item.size
        if item.type != "commit":
            row["url"] = f"{api}/{kind}/{item.sha}"
        rows.append(row)
    return Reply(200, {"sha": tree.sha, "url": f"{api}/trees/{tree.sha}", "tree": rows,
                       "truncated": False})


def github(spec: ForgeSpec, call: Call) -> Reply:
    """Answer a GitHub REST call (`call.path` is below the GitHub API base)."""
    who = spec.token(call.token)
    if call.token and who is None:
        return Reply(401, {"message": "Bad credentials", "documentation_url": _DOCS})
    path = call.path.rstrip("/")
    if path in ("/user", "/user/repos", "/user/emails") and who is None:
        return Reply(401, {"message": "Requires authentication", "documentation_url": _DOCS})
    if path == "/user":
        return Reply(200, {"login": who.user, "id": spec.tokens.index(who) + 1,
                           "email": who.address})
    if path == "/user/emails":
        return Reply(200, [{"email": who.address, "primary": True, "verified": True,
                            "visibility": "private"}])
    if path == "/user/repos":
        rows, info = _page(spec.readable(call.token), call, "/user/repos", 30)
        headers = [("Link", info["link"])] if info["pages"] > 1 else []
        return Reply(200, [_github_repo(p, call.base_url) for p in rows], headers)
    if path.startswith("/repos/"):
        # Nested paths arrive as they are: `/repos/emea/team-a/svc/git/trees/<ref>`, where
        # the ref may hold slashes too. A project whose whole path matches wins.
        ref, tree_ref = path[len("/repos/"):], None
        if spec.project(ref) is None and "/git/trees/" in ref:
            ref, _, tree_ref = ref.partition("/git/trees/")
        project = spec.project(ref)
        if project is None or who is None or not who.can_read(project.path):
            return Reply(404, {"message": "Not Found", "documentation_url": _DOCS})
        if tree_ref is not None:
            return _github_tree(project, tree_ref, call)
        return Reply(200, _github_repo(project, call.base_url))
    return Reply(404, {"message": "Not Found", "documentation_url": _DOCS})
