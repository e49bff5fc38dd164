"""The MCP server for AI assistants: the REST surface's scoping, as typed tools.

One server, two transports: stdio (`kosha mcp`, who it acts for fixed at start from flags or
the environment) and streamable HTTP on the API at `/mcp` (who each request acts for from its
own headers, exactly as REST reads them). Tools call the same services as REST; errors are
tool errors carrying REST's stable codes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent
from pydantic import BaseModel, Field, ValidationError

from kosha import __version__
from kosha.domain.errors import InvalidInput, KoshaError
from kosha.domain.tenancy import LOCAL_TENANT
from kosha.entrypoints import mcp_render as r
from kosha.entrypoints.scope import Scoped, scope_of
from kosha.search.filters import make_filters
from kosha.workspace.identity import GitIdentities
from kosha.workspace.service import Caller

log = logging.getLogger("kosha.mcp")

Mode = Annotated[Literal["repo", "list", "my", "region"], Field(
    description="which repos: 'my' every repo you can read, 'repo' one (repo_url), 'list' "
                "some (repo_urls), 'region' every team under a workspace key ending in /*")]
RepoUrl = Annotated[str | None, Field(max_length=2048, description="repository URL (mode 'repo')")]
RepoUrls = Annotated[list[str] | None, Field(max_length=50, description="repository URLs "
                                                                        "(mode 'list')")]
SymbolName = Annotated[str, Field(min_length=1, max_length=512,
                                  description="a symbol such as `total` or `Cart.total`")]
INSTRUCTIONS = (
    "Kosha searches the code of the Git repositories you may read. Start with search_code "
    "(natural language or identifiers); read more of a hit with read_file; follow a symbol "
    "with find_definition, find_callers and find_callees. list_repos shows what is indexed; "
    "index_repo starts indexing a repository and job_status follows it.")


def error_result(code: str, message: str) -> CallToolResult:
    """A tool error with REST's stable code, as text and as structured content."""
    return CallToolResult(content=[TextContent(type="text", text=f"{code}: {message}")],
                          structured_content={"error": {"code": code, "message": message}},
                          is_error=True)


def _answer(model: BaseModel, text: Callable[[Any], str]) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text(model))],
                          structured_content=model.model_dump(mode="json"))


class KoshaMCP(MCPServer):
    """MCPServer whose tool failures become tool errors with Kosha's stable codes."""

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Context | None = None) -> Any:  # noqa: ANN401
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, KoshaError):
                log.info("tool %s refused: %s", name, cause.code)
                return error_result(cause.code, cause.message)
            if isinstance(cause, ValidationError):
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                    for e in cause.errors())  # messages only: the values are the caller's data
                log.info("tool %s refused: invalid_input", name)
                return error_result("invalid_input", f"invalid arguments for {name}: {problems}")
            if cause is None:  # the SDK's own refusals (an unknown tool, …)
                return error_result("invalid_input", str(exc))
            log.error("tool %s failed: %s", name, type(cause).__name__)
            return error_result("internal_error", "something went wrong on our side")


def build_server(container, fixed_scope: Callable[[], Scoped] | None = None  # noqa: ANN001
                 ) -> KoshaMCP:
    """The Kosha MCP server. `fixed_scope` (stdio) says who every call acts for; without it
    (HTTP) each request's own headers do, read exactly as REST reads them."""
    server = KoshaMCP("kosha", version=__version__, instructions=INSTRUCTIONS,
                      log_level="WARNING")

    def scope(ctx: Context) -> Scoped:
        if fixed_scope is not None:
            return fixed_scope()
        if ctx.headers is None:
            raise InvalidInput("no identity: send Authorization or X-Tenant-Key headers")
        return scope_of(container, ctx.headers)

    @server.tool(annotations={"readOnlyHint": True})
    def search_code(
            query: Annotated[str, Field(min_length=1, max_length=2000)], ctx: Context,
            mode: Mode = "my", repo_url: RepoUrl = None, repo_urls: RepoUrls = None,
            lang: Annotated[list[str] | None, Field(max_length=20, description="e.g. python")]
            = None,
            kind: Annotated[list[str] | None, Field(
                max_length=5, description="function, method, class, module, …")] = None,
            path: Annotated[str | None, Field(max_length=512, description="path prefix "
                                              "(`src/`) or glob (`src/**/*.py`)")] = None,
            top_k: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> Annotated[CallToolResult, r.SearchOutput]:
        """Hybrid (semantic + keyword + symbol) code search over the repositories you may read.
        Each hit has path:lines, symbol, code, and a deep link to the forge."""
        result = scope(ctx).search(query, mode, repo_url, repo_urls, top_k,
                                   make_filters(lang, kind, path))
        hits = [r.Hit(path=h.rel_path, resource=r.resource_uri(h.repo_url, h.rel_path),
                      **{k: v for k, v in h.to_dict().items()
                         if k in r.Hit.model_fields and k not in ("path", "resource")})
                for h in result.hits]
        return _answer(r.SearchOutput(query=query, hits=hits, reason=result.reason),
                       r.search_text)

    @server.tool(annotations={"readOnlyHint": True})
    def read_file(
            repo_url: Annotated[str, Field(max_length=2048)],
            path: Annotated[str, Field(min_length=1, max_length=1024)], ctx: Context,
            start_line: Annotated[int | None, Field(ge=1)] = None,
            end_line: Annotated[int | None, Field(ge=1, description="inclusive; at most 500 "
                                                  "lines per answer")] = None,
    ) -> Annotated[CallToolResult, r.FileOutput]:
        """Lines of an indexed file at the commit Kosha indexed (the whole file if no range)."""
        text = scope(ctx).read_file(container.files, repo_url, path, start_line, end_line)
        return _answer(r.FileOutput(**text.to_dict()), r.file_text)

    def navigate(ctx: Context, relation: str, name: str, mode: str, repo_url: str | None,
                 repo_urls: list[str] | None) -> CallToolResult:
        refs = scope(ctx).navigate(relation, name, mode, repo_url, repo_urls)
        out = r.SymbolsOutput(name=name, relation=relation, results=[
            r.SymbolRef(path=x.rel_path, **{k: v for k, v in x.to_dict().items()
                                            if k != "rel_path"}) for x in refs])
        return _answer(out, r.symbols_text)

    @server.tool(annotations={"readOnlyHint": True})
    def find_definition(name: SymbolName, ctx: Context, mode: Mode = "my",
                        repo_url: RepoUrl = None, repo_urls: RepoUrls = None,
                        ) -> Annotated[CallToolResult, r.SymbolsOutput]:
        """Where a symbol is defined."""
        return navigate(ctx, "definitions", name, mode, repo_url, repo_urls)

    @server.tool(annotations={"readOnlyHint": True})
    def find_callers(name: SymbolName, ctx: Context, mode: Mode = "my",
                     repo_url: RepoUrl = None, repo_urls: RepoUrls = None,
                     ) -> Annotated[CallToolResult, r.SymbolsOutput]:
        """The functions and methods that call a symbol."""
        return navigate(ctx, "callers", name, mode, repo_url, repo_urls)

    @server.tool(annotations={"readOnlyHint": True})
    def find_callees(name: SymbolName, ctx: Context, mode: Mode = "my",
                     repo_url: RepoUrl = None, repo_urls: RepoUrls = None,
                     ) -> Annotated[CallToolResult, r.SymbolsOutput]:
        """The functions and methods a symbol calls."""
        return navigate(ctx, "callees", name, mode, repo_url, repo_urls)

    @server.tool(annotations={"readOnlyHint": True})
    def list_repos(ctx: Context) -> Annotated[CallToolResult, r.ReposOutput]:
        """The repositories you can search (an account's also those still being indexed)."""
        sc = scope(ctx)
        if sc.is_account:
            rows = [r.Repo(**{k: v for k, v in row.items() if k in r.Repo.model_fields})
                    for row in sc.service.repos(sc.caller)]
        else:
            rows = [r.Repo(repo_url=x.repo_url, indexed=True,
                           last_indexed_commit=x.last_indexed_commit, ref=x.last_indexed_ref)
                    for x in sc.searchable()]
        return _answer(r.ReposOutput(repos=rows), r.repos_text)

    @server.tool()
    def index_repo(repo_url: Annotated[str, Field(max_length=2048)], ctx: Context,
                   ref: Annotated[str | None, Field(max_length=255, description="branch, tag "
                                                    "or commit; the default branch if unset")]
                   = None,
                   mode: Literal["incremental", "full"] = "incremental",
                   ) -> Annotated[CallToolResult, r.JobOutput]:
        """Start indexing a repository (or join the run already queued for it); returns the
        job to follow with job_status."""
        return _job(scope(ctx).index(repo_url, ref, mode))

    @server.tool(annotations={"readOnlyHint": True})
    def job_status(job_id: Annotated[str, Field(min_length=1, max_length=64)], ctx: Context,
                   ) -> Annotated[CallToolResult, r.JobOutput]:
        """Status and progress of an index job."""
        return _job(scope(ctx).job(job_id))

    @server.tool()
    def cancel_job(job_id: Annotated[str, Field(min_length=1, max_length=64)], ctx: Context,
                   ) -> Annotated[CallToolResult, r.JobOutput]:
        """Cancel an index job; the previous index of each repo stays searchable."""
        return _job(scope(ctx).cancel(job_id))

    @server.resource("kosha://{+target}", name="file", mime_type="text/plain",
                     description="An indexed file at its indexed commit: "
                                 "kosha://<domain>/<repo path>/-/<file path>")
    def file_resource(target: str, ctx: Context) -> str:
        repo, sep, path = target.partition("/-/")
        if not sep or not repo or not path:
            raise MCPError(code=INVALID_PARAMS, message="invalid_input: want "
                           "kosha://<domain>/<repo path>/-/<file path>")
        url = (f"file:///{repo[len('local/'):]}" if repo.startswith("local/")
               else f"https://{repo}")
        try:
            return scope(ctx).read_file(container.files, url, path).text
        except KoshaError as exc:
            raise MCPError(code=INVALID_PARAMS, message=f"{exc.code}: {exc.message}",
                           data={"code": exc.code}) from None

    return server


def _job(job) -> CallToolResult:  # noqa: ANN001
    d = job.to_dict()
    repos = [r.JobRepo(**{k: v for k, v in x.items() if k in r.JobRepo.model_fields})
             for x in d["repos"]]
    out = r.JobOutput(repos=repos, **{k: v for k, v in d.items()
                                      if k in r.JobOutput.model_fields and k != "repos"})
    return _answer(out, r.job_text)


def transport_security(settings) -> TransportSecuritySettings:  # noqa: ANN001
    """DNS-rebinding protection: loopback names, the bind address and the public URL."""
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", f"{settings.host}:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if settings.public_url:
        netloc = settings.public_url.split("://", 1)[-1].split("/", 1)[0]
        hosts += [netloc, f"{netloc}:*"]
        origins.append(settings.public_url.rstrip("/"))
    return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                     allowed_hosts=hosts, allowed_origins=origins)


def stdio_scope(container, access_token: str | None, tenant: str | None,  # noqa: ANN001
                identities: list[str]) -> Callable[[], Scoped]:
    """Who a stdio server acts for: an account (access token), a workspace team (tenant key
    and git identities, checked with the forge like REST), or this machine's `local` repos."""
    if access_token:
        headers = {"authorization": f"Bearer {access_token}"}
    elif tenant and tenant != "local":
        headers = {"x-tenant-key": tenant, "x-git-identity": ";".join(identities)}
    elif identities:
        raise InvalidInput("a git identity needs a workspace key: give --tenant "
                           "(KOSHA_TENANT_KEY) as <domain>//<region>/<team>")
    else:
        local = Scoped(container.local, Caller(LOCAL_TENANT, GitIdentities({})))
        return lambda: local
    scope_of(container, headers)  # a bad identity fails now, not at the first call
    return lambda: scope_of(container, headers)


def run_stdio(container, fixed_scope: Callable[[], Scoped]) -> None:  # noqa: ANN001
    """Serve MCP on stdin/stdout until the client closes it."""
    anyio.run(build_server(container, fixed_scope).run_stdio_async)
