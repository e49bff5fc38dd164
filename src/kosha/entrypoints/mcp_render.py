"""What the MCP tools answer: typed outputs for programs, short text for models."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kosha.domain.tenancy import parse_repo_url

CODE_LINES = 30  # of each hit shown in the text answer; the structured answer has all of it


def resource_uri(repo_url: str, path: str) -> str:
    """`kosha://<domain>/<repo path>/-/<file path>`: an indexed file as an MCP resource."""
    if repo_url.startswith("file://"):
        return f"kosha://local{repo_url[len('file://'):]}/-/{path}"
    ref = parse_repo_url(repo_url)
    return f"kosha://{ref.domain}/{ref.path}/-/{path}"


class Hit(BaseModel):
    repo_url: str
    path: str
    start_line: int
    end_line: int
    match_start: int = Field(description="first line the query matched")
    match_end: int
    symbol: str | None
    kind: str
    lang: str
    score: float
    commit: str
    link: str = Field(description="the lines on the forge, at the indexed commit")
    resource: str = Field(description="kosha:// URI of the file (resources/read)")
    marks: list[int] = Field(description="lines that contain query terms")
    code: str


class SearchOutput(BaseModel):
    query: str
    hits: list[Hit]
    reason: str | None = Field(default=None, description="why there are no hits, if none")


class FileOutput(BaseModel):
    repo_url: str
    path: str
    commit: str
    lang: str
    start_line: int
    end_line: int
    total_lines: int
    truncated: bool = Field(description="more lines were asked for than one answer holds")
    link: str
    text: str


class SymbolRef(BaseModel):
    repo_url: str
    path: str
    start_line: int
    end_line: int
    symbol: str
    kind: str
    lang: str
    commit: str
    link: str
    via: str = Field(default="", description="the asked-about symbol this one is linked to")


class SymbolsOutput(BaseModel):
    name: str
    relation: str = Field(description="definitions, callers or callees")
    results: list[SymbolRef]


class Repo(BaseModel):
    repo_url: str
    indexed: bool
    last_indexed_commit: str | None
    ref: str | None
    chunks: int | None = None


class ReposOutput(BaseModel):
    repos: list[Repo]


class JobRepo(BaseModel):
    repo_url: str
    status: str
    phase: str
    files_done: int
    files_total: int
    chunks: int
    languages: dict[str, int]
    commit: str | None
    duration_s: float | None
    error: dict | None


class JobOutput(BaseModel):
    id: str
    status: str = Field(description="queued, running, completed, failed, cancelled or skipped")
    phase: str
    repo_url: str
    files_done: int
    files_total: int
    chunks: int
    commit: str | None
    error: dict | None
    estimated_completion: str | None
    repos: list[JobRepo]


# --- text for the model ------------------------------------------------------------------------
def search_text(out: SearchOutput) -> str:
    if not out.hits:
        return f'No results for "{out.query}": {out.reason or "nothing matched"}.'
    lines = [f'{len(out.hits)} results for "{out.query}":']
    for n, h in enumerate(out.hits, 1):
        lines.append(f"\n{n}. {h.path}:{h.start_line}-{h.end_line}  {h.symbol or ''} "
                     f"({h.kind}, {h.lang}, score {h.score:.3f})")
        lines.append(f"   repo {h.repo_url} @ {h.commit[:12]}  {h.link}")
        code = h.code.splitlines()
        shown = code[:CODE_LINES]
        lines.append(f"```{h.lang}")
        lines.extend(shown)
        if len(code) > len(shown):
            lines.append(f"… {len(code) - len(shown)} more lines (read_file for all)")
        lines.append("```")
    return "\n".join(lines)


def file_text(out: FileOutput) -> str:
    more = (f"\n… the file has {out.total_lines} lines; ask for start_line={out.end_line + 1}"
            if out.truncated else "")
    head = (f"{out.path}:{out.start_line}-{out.end_line} of {out.total_lines} "
            f"({out.lang}) in {out.repo_url} @ {out.commit[:12]}")
    numbered = "\n".join(f"{n:>5}  {line}" for n, line in
                         enumerate(out.text.split("\n"), out.start_line))
    return f"{head}\n{numbered}{more}"


def symbols_text(out: SymbolsOutput) -> str:
    if not out.results:
        return f"No {out.relation} found for {out.name}."
    lines = [f"{len(out.results)} {out.relation} of {out.name}:"]
    for r in out.results:
        via = f"  (via {r.via})" if r.via and r.via != out.name else ""
        lines.append(f"- {r.symbol} ({r.kind}, {r.lang}) {r.path}:{r.start_line}-{r.end_line}"
                     f" in {r.repo_url}{via}  {r.link}")
    return "\n".join(lines)


def repos_text(out: ReposOutput) -> str:
    if not out.repos:
        return "No repositories are indexed for you yet: index_repo starts one."
    return "\n".join(
        [f"{len(out.repos)} repositories:"]
        + [f"- {r.repo_url}  "
           + (f"indexed at {r.last_indexed_commit[:12]}" if r.last_indexed_commit
              else "not indexed yet")
           + (f" ({r.ref})" if r.ref else "") for r in out.repos])


def job_text(out: JobOutput) -> str:
    head = f"job {out.id}: {out.status}"
    if out.status in ("queued", "running"):
        head += (f" ({out.phase}, {out.files_done}/{out.files_total} files, {out.chunks} chunks"
                 + (f", done about {out.estimated_completion}" if out.estimated_completion
                    else "") + ")")
    if out.error:
        head += f" — {out.error.get('code')}: {out.error.get('message')}"
    rows = [f"- {r.repo_url}: {r.status}, {r.files_done}/{r.files_total} files, "
            f"{r.chunks} chunks" + (f", commit {r.commit[:12]}" if r.commit else "")
            for r in out.repos]
    return "\n".join([head, *rows])
