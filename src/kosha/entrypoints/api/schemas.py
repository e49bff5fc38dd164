"""Request bodies of the workspace API (unknown fields are refused)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
