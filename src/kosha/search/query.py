"""What a query asks for: identifier-like names for symbol recall, words for marking lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kosha.lexical import STOP_WORDS, analyse

MAX_QUERY_CHARS = 2000
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:(?:\.|::|#|->)[A-Za-z_$][A-Za-z0-9_$]*)*")
_CAMEL = re.compile(r"[a-z0-9][A-Z]|[A-Z]{2}[a-z]")


@dataclass(frozen=True)
class QueryPlan:
    text: str
    names: tuple[str, ...]  # looked up as exact/prefix symbol names
    terms: tuple[str, ...]  # analysed terms: what marks a line as matching


def _identifier_like(token: str) -> bool:
    return "_" in token.strip("_") or bool(_CAMEL.search(token)) or any(
        sep in token for sep in (".", "::", "#", "->"))


def plan_query(text: str) -> QueryPlan:
    """Split a query into symbol names (identifier-like tokens, or a lone word) and terms."""
    text = text.strip()[:MAX_QUERY_CHARS]
    tokens = _WORD.findall(text)
    names: list[str] = []
    for tok in tokens:
        if _identifier_like(tok) or (len(tokens) == 1 and tok.lower() not in STOP_WORDS):
            last = re.split(r"\.|::|#|->", tok)[-1]
            names.extend(dict.fromkeys([last, tok] if last != tok else [tok]))
    terms = tuple(dict.fromkeys(analyse(text).split()))
    return QueryPlan(text, tuple(dict.fromkeys(names)), terms)


def line_terms(line: str) -> set[str]:
    """Analysed terms of one line of code."""
    return set(analyse(line).split())


def marked_lines(code: str, first_line: int, terms: tuple[str, ...]) -> list[int]:
    """Line numbers of `code` (starting at `first_line`) that contain a query term."""
    wanted = set(terms)
    if not wanted:
        return []
    return [first_line + i for i, line in enumerate(code.splitlines())
            if wanted & line_terms(line)]


def coverage(terms: tuple[str, ...], text: str) -> float:
    """Share of the query's terms found in `text` (0 when the query has none)."""
    if not terms:
        return 0.0
    have = set(analyse(text).split())
    return sum(1 for t in terms if t in have) / len(terms)
