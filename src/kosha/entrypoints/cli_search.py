"""`kosha search` (with filters, --explain and a JSON-lines batch mode), `def`, `callers`,
`callees`."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from kosha.config import Settings
from kosha.domain.errors import InvalidInput, KoshaError
from kosha.entrypoints.cli_common import app, container, fail, out, repo_url, scoped_repos
from kosha.entrypoints.handoff import ServerClient, server_client
from kosha.search.filters import make_filters
from kosha.search.navigation import SymbolRef
from kosha.search.service import SearchHit, SearchResponse

TenantOpt = Annotated[str, typer.Option(help="tenant key (`<domain>//<region>/*` for a region)")]
RepoOpt = Annotated[list[str] | None, typer.Option(help="limit to these repos (path or URL)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
_BATCH_KEYS = {"id", "query", "k", "lang", "kind", "path", "repo"}


def _server(tenant: str) -> ServerClient | None:
    """The running `kosha serve` that owns this home, for the `local` tenant's commands."""
    return server_client(Settings()) if tenant == "local" else None


def _scope_body(repo: list[str] | None) -> dict:
    return {"mode": "list", "repo_urls": [repo_url(r) for r in repo]} if repo else {"mode": "my"}


def _remote_search(client: ServerClient, query: str, repo: list[str] | None, k: int,
                   lang: list[str] | None, kind: list[str] | None,
                   path: str | None) -> SearchResponse:
    make_filters(lang, kind, path)  # bad filters fail here, as they do without a server
    d = client.call("POST", "/search", {**_scope_body(repo), "query": query, "top_k": k,
                                        "lang": lang, "kind": kind, "path": path})
    return SearchResponse(d["query"], [SearchHit(**h) for h in d["hits"]], d.get("reason"),
                          d.get("timings_ms") or {})


def _print_response(r: SearchResponse, explain: bool) -> None:
    if not r.hits:
        out.print(f"[yellow]no results[/yellow]: {r.reason}")
        return
    for i, h in enumerate(r.hits, 1):
        out.print(f"[bold]{i}. {h.rel_path}:{h.start_line}-{h.end_line}[/bold]  "
                  f"{h.symbol or ''} [dim]({h.kind}, {h.lang}, score {h.score:.4f})[/dim]")
        out.print(f"   [link={h.link}]{h.link}[/link]")
        if explain:
            parts = "  ".join(f"{k}={v}" for k, v in h.scores.items())
            out.print(f"   [dim]{parts}  matched lines {h.match_start}-{h.match_end}[/dim]")
        lines = h.code.splitlines()
        first = max(0, min(h.marks or [h.start_line]) - h.start_line - 1)
        for n, line in enumerate(lines[first:first + 8], h.start_line + first):
            style = "bold" if n in h.marks else ""
            out.print(Text(f"   {n:>5} │ ", style="dim") + Text(line, style=style),
                      soft_wrap=True)
    if explain:
        out.print(f"[dim]timings (ms): {r.timings_ms}[/dim]")


def _batch(answer: Callable[..., SearchResponse], source: str, defaults: dict) -> int:
    """Answer one JSON line per query line; returns how many lines failed."""
    if source != "-" and not Path(source).is_file():
        raise InvalidInput(f"batch file {source} does not exist")
    opened = (contextlib.nullcontext(sys.stdin) if source == "-"
              else Path(source).open(encoding="utf-8"))  # noqa: SIM115
    failed = 0
    with opened as stream:
        for n, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            item: dict = {}
            try:
                item = json.loads(raw)
                item = {"query": item} if isinstance(item, str) else item
                if not isinstance(item, dict) or not isinstance(item.get("query"), str):
                    raise InvalidInput(f"line {n}: want a JSON string or an object with "
                                       "a string `query`")
                unknown = set(item) - _BATCH_KEYS
                if unknown:
                    raise InvalidInput(f"line {n}: unknown field {sorted(unknown)[0]!r}")
                opts = {**defaults, **{k: v for k, v in item.items() if v is not None}}
                result = answer(item["query"], opts.get("repo"), int(opts.get("k", 10)),
                                opts.get("lang"), opts.get("kind"), opts.get("path")).to_dict()
            except (KoshaError, ValueError, TypeError) as exc:
                failed += 1
                code, msg = ((exc.code, exc.message) if isinstance(exc, KoshaError)
                             else ("invalid_input", f"line {n}: {exc}"))
                result = {"query": item.get("query"), "error": {"code": code, "message": msg}}
            if "id" in item:
                result = {"id": item["id"], **result}
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    return failed


@app.command()
def search(query: Annotated[str | None, typer.Argument(help="what to look for")] = None,
           tenant: TenantOpt = "local", repo: RepoOpt = None,
           k: Annotated[int, typer.Option("-k", help="number of results")] = 10,
           lang: Annotated[list[str] | None, typer.Option(help="only these languages")] = None,
           kind: Annotated[list[str] | None, typer.Option(
               help="only these kinds: function, method, class, file, block")] = None,
           path: Annotated[str | None, typer.Option(
               help="path prefix (`src/`) or glob (`src/**/*.py`)")] = None,
           explain: Annotated[bool, typer.Option(help="show score parts per hit")] = False,
           batch: Annotated[str | None, typer.Option(
               help="read queries as JSON lines from a file (`-`: stdin), write JSON lines")]
           = None,
           as_json: JsonOpt = False) -> None:
    """Search the indexed code of a tenant (`local`: through `kosha serve` while it runs)."""
    client = _server(tenant)
    c = container() if client is None else None

    def answer(q: str, repos: list[str] | None, top: int, langs: list[str] | None,
               kinds: list[str] | None, where: str | None) -> SearchResponse:
        if client is not None:
            return _remote_search(client, q, repos, top, langs, kinds, where)
        return c.search.search(scoped_repos(c, tenant, repos), q, top_k=top,
                               filters=make_filters(langs, kinds, where))

    try:
        if batch is not None:
            if query is not None:
                raise InvalidInput("give either a query or --batch, not both")
            defaults = {"k": k, "lang": lang, "kind": kind, "path": path, "repo": repo}
            failed = _batch(answer, batch, defaults)
            raise typer.Exit(1 if failed else 0)
        if not query:
            raise InvalidInput("give a query, or --batch FILE")
        response = answer(query, repo, k, lang, kind, path)
    except KoshaError as exc:
        fail(exc)
    finally:
        (client or c).close()
    if as_json:
        out.print_json(json.dumps(response.to_dict()))
    else:
        _print_response(response, explain)


def _print_refs(refs: list[SymbolRef], as_json: bool, what: str) -> None:
    if as_json:
        out.print_json(json.dumps([r.to_dict() for r in refs]))
        return
    if not refs:
        out.print(f"[yellow]none[/yellow]: no {what} in the indexed repositories")
    for r in refs:
        via = f" [dim]→ {r.via}[/dim]" if r.via else ""
        out.print(f"[bold]{r.rel_path}:{r.start_line}-{r.end_line}[/bold]  {r.symbol} "
                  f"[dim]({r.kind}, {r.lang})[/dim]{via}")
        out.print(f"   [link={r.link}]{r.link}[/link]")


def _navigate(method: str, name: str, tenant: str, repo: list[str] | None,
              as_json: bool, what: str) -> None:
    client = _server(tenant)
    c = container() if client is None else None
    try:
        if client is not None:
            body = client.call("POST", f"/graph/{method}", {**_scope_body(repo), "name": name})
            refs = [SymbolRef(**r) for r in body[method]]
        else:
            refs = getattr(c.navigator, method)(scoped_repos(c, tenant, repo), name)
    except KoshaError as exc:
        fail(exc)
    finally:
        (client or c).close()
    _print_refs(refs, as_json, what)


@app.command("def")
def definition(name: Annotated[str, typer.Argument(help="symbol, e.g. `Cart.total`")],
               tenant: TenantOpt = "local", repo: RepoOpt = None,
               as_json: JsonOpt = False) -> None:
    """Where is NAME defined."""
    _navigate("definitions", name, tenant, repo, as_json, f"definition of {name}")


@app.command()
def callers(name: Annotated[str, typer.Argument(help="symbol, e.g. `Cart.total`")],
            tenant: TenantOpt = "local", repo: RepoOpt = None,
            as_json: JsonOpt = False) -> None:
    """Who calls NAME."""
    _navigate("callers", name, tenant, repo, as_json, f"callers of {name}")


@app.command()
def callees(name: Annotated[str, typer.Argument(help="symbol, e.g. `Cart.total`")],
            tenant: TenantOpt = "local", repo: RepoOpt = None,
            as_json: JsonOpt = False) -> None:
    """What NAME calls."""
    _navigate("callees", name, tenant, repo, as_json, f"calls made by {name}")
