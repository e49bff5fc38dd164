"""Code-aware lexical analysis shared by indexing and querying.

Milvus Lite's BM25 analyzer only tokenizes and lower-cases, so Kosha hands it text that is
already analysed: identifiers are kept whole *and* split on camelCase, snake_case and digits,
words are Snowball-stemmed and English stop words dropped. The same function runs on queries,
which keeps a Milvus server and Milvus Lite ranking alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_STEMMER = Stemmer.Stemmer("english")
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "how",
    "i", "if", "in", "into", "is", "it", "its", "of", "on", "or", "that", "the", "their", "then",
    "there", "these", "this", "to", "was", "were", "what", "when", "where", "which", "who",
    "why", "will", "with", "you", "your", "do", "does", "did", "can", "could", "should", "would",
    "me", "my", "we", "our",
})
MAX_TOKEN_LEN = 64


@lru_cache(maxsize=200_000)
def _analyse_token(token: str) -> str:
    """`parseRepoURL` -> `parserepourl pars repo url`; stop words and noise -> ''."""
    lowered = token.lower()
    whole = lowered.strip("_")
    if len(lowered) > MAX_TOKEN_LEN or whole in STOP_WORDS:  # `_the` is still `the`
        return ""
    parts = [p.lower() for p in _PARTS.findall(token)]
    words = [w for w in parts if w not in STOP_WORDS]
    if len(parts) <= 1:
        return _STEMMER.stemWord(whole) if whole else ""
    return " ".join([whole, *_STEMMER.stemWords(words)])


def analyse(text: str) -> str:
    """Analysed, space-separated terms of any text (code, a path or a query)."""
    out = [_analyse_token(t) for t in _TOKEN.findall(text)]
    return " ".join(t for t in out if t)


def chunk_lexical_text(text: str, rel_path: str, symbol: str, qualified_name: str) -> str:
    """What the BM25 index sees for a chunk: its path, its names (twice: they matter most)
    and its code."""
    names = analyse(f"{symbol} {qualified_name}")
    return f"{analyse(rel_path)} {names} {names} {analyse(text)}"
