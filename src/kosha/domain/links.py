"""Deep links to exact lines at a commit on GitHub and GitLab."""

from __future__ import annotations

from urllib.parse import quote


def forge_kind(repo_url: str, github_domains: frozenset[str] = frozenset({"github.com"})) -> str:
    """`github`, `gitlab` or `local` for a canonical repo URL."""
    if repo_url.startswith("file://"):
        return "local"
    host = repo_url.split("://", 1)[-1].split("/", 1)[0]
    return "github" if host in github_domains else "gitlab"


def deep_link(repo_url: str, commit: str, rel_path: str, start: int, end: int,
              kind: str | None = None) -> str:
    """GitHub `…/blob/<c>/<p>#L<a>-L<b>`, GitLab `…/-/blob/<c>/<p>#L<a>-<b>`,
    local `file://…/<p>#L<a>-<b>`."""
    kind = kind or forge_kind(repo_url)
    path = quote(rel_path, safe="/")
    if kind == "github":
        anchor = f"#L{start}" if start == end else f"#L{start}-L{end}"
        return f"{repo_url}/blob/{commit}/{path}{anchor}"
    anchor = f"#L{start}" if start == end else f"#L{start}-{end}"
    if kind == "local":
        return f"{repo_url}/{path}{anchor}"
    return f"{repo_url}/-/blob/{commit}/{path}{anchor}"
