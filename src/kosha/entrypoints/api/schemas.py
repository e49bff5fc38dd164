"""Request bodies of the workspace API (unknown fields are refused)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from kosha.search.filters import make_filters


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IndexBody(Body):
    repo_url: str = Field(max_length=2048, description="https, ssh or git@host:path URL")
    ref: str | None = Field(default=None, max_length=255,
                            description="branch, tag or commit; the default branch if unset")
    mode: Literal["incremental", "full"] = "incremental"


class ScopeBody(Body):
    mode: Literal["repo", "list", "my", "region"] = "repo"
    repo_url: str | None = Field(default=None, max_length=2048)
    repo_urls: list[str] | None = Field(default=None, max_length=50)


class SearchBody(ScopeBody):
    query: str = Field(min_length=1, max_length=2000)
    top_k: int = Field(default=10, ge=1, le=100)
    lang: list[str] | None = Field(default=None, max_length=20)
    kind: list[str] | None = Field(default=None, max_length=5)
    path: str | None = Field(default=None, max_length=512,
                             description="path prefix (`src/`) or glob (`src/**/*.py`)")

    def filters(self):  # noqa: ANN201
        return make_filters(self.lang, self.kind, self.path)


class SymbolBody(ScopeBody):
    name: str = Field(min_length=1, max_length=512, description="e.g. `Cart.total`")


class FileBody(Body):
    repo_url: str = Field(max_length=2048)
    path: str = Field(min_length=1, max_length=1024, description="path in the repository")
    start_line: int | None = Field(default=None, ge=1, description="first line (1-based)")
    end_line: int | None = Field(default=None, ge=1,
                                 description="last line, inclusive (at most 500 per answer)")


class Credentials(Body):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class RefreshBody(Body):
    refresh_token: str = Field(min_length=1, max_length=4096)


class ForgeTokenBody(Body):
    token: str = Field(min_length=1, max_length=512, repr=False,
                       validation_alias=AliasChoices("token", "github_pat", "gitlab_pat", "pat"),
                       description="a personal access token (`github_pat`/`gitlab_pat` also "
                                   "accepted)")
    domain: str | None = Field(default=None, max_length=255,
                               description="forge domain; github.com / gitlab.com by default")


class SelectBody(Body):
    repo_urls: list[str] = Field(min_length=1, max_length=50)
    ref: str | None = Field(default=None, max_length=255,
                            description="one ref for all; each repo's default branch if unset")
    mode: Literal["incremental", "full"] = "incremental"
