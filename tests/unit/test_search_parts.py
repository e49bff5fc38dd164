"""Query planning, fusion, the confidence floor and path globs."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kosha.domain.errors import InvalidInput
from kosha.domain.globs import glob_match, glob_to_like
from kosha.domain.models import ChunkHit
from kosha.search.fusion import Candidate, Weights, fuse, graph_prior, supported
from kosha.search.query import coverage, marked_lines, plan_query


def hit(cid: str, score: float = 0.5) -> ChunkHit:
    return ChunkHit(cid, "t", 1, "c", "s", f"{cid}.py", "python", "function", cid, cid, 1, 2,
                    "", score)


@pytest.mark.parametrize(("query", "names"), [
    ("parse_repo_url", ("parse_repo_url",)),
    ("JWTValidator", ("JWTValidator",)),
    ("where is ShoppingCart.checkoutTotal used", ("checkoutTotal", "ShoppingCart.checkoutTotal")),
    ("how do I validate a token", ()),
    ("tokenizer", ("tokenizer",)),
    ("the", ()),
    ("std::vector::push_back", ("push_back", "std::vector::push_back")),
])
def test_plan_query_finds_identifier_like_names(query: str, names: tuple) -> None:
    assert plan_query(query).names == names


def test_terms_mark_lines_and_measure_coverage() -> None:
    plan = plan_query("validate the JWT signature")
    code = "def validate_jwt(token):\n    x = 1\n    return check(signature)\n"
    assert marked_lines(code, 10, plan.terms) == [10, 12]
    assert coverage(plan.terms, code) == 1.0
    assert coverage(plan.terms, "nothing here") == 0.0
    assert coverage((), code) == 0.0


def test_fuse_rewards_agreement_and_exact_names() -> None:
    w = Weights()
    out = fuse({"dense": [hit("a", 0.8), hit("b", 0.7)], "bm25": [hit("b", 3.0)],
                "symbol": [hit("c", 1.0), hit("d", 0.5)]}, w)
    assert out["b"].score > out["a"].score  # found by two legs
    assert out["c"].exact and out["c"].score > 1.0 > out["d"].score  # exact name wins
    assert not out["d"].exact and out["b"].parts == {"dense": 0.7, "bm25": 3.0}


def test_graph_prior_is_small_and_monotonic() -> None:
    w = Weights()
    assert graph_prior(0, 0.0, w) == 1.0
    assert 1.0 < graph_prior(3, 1.0, w) < graph_prior(30, 5.0, w) < 1.1


def test_floor_needs_some_evidence() -> None:
    w = Weights()
    assert not supported(Candidate(hit("a"), parts={"dense": 0.2}), 0.3, 3, w)
    assert supported(Candidate(hit("a"), parts={"dense": 0.46}), 0.0, 3, w)
    assert supported(Candidate(hit("a"), parts={"bm25": 1.0}), 0.75, 4, w)
    assert not supported(Candidate(hit("a"), parts={"bm25": 1.0}), 1.0, 1, w)  # one word
    assert supported(Candidate(hit("a"), parts={"bm25": 1.0}), 1.0, 1, w, in_names=True)
    assert supported(Candidate(hit("a"), parts={"symbol": 0.5}), 0.0, 1, w)


@pytest.mark.parametrize(("glob", "path", "ok"), [
    ("*.py", "a/b/c.py", True), ("src/*.py", "src/a.py", True), ("src/*.py", "src/x/a.py", False),
    ("src/**/*.py", "src/a.py", True), ("src/**/*.py", "src/x/y/a.py", True),
    ("src/**", "src/x/y", True), ("test_?.go", "pkg/test_a.go", True),
    ("test_?.go", "pkg/test_ab.go", False), ("docs/*.md", "src/docs/a.md", False),
])
def test_glob_match(glob: str, path: str, ok: bool) -> None:
    assert glob_match(glob, path) is ok


def _like(pattern: str, text: str) -> bool:
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.S) is not None


segment = st.text("ab_.%", min_size=1, max_size=3)


@given(st.lists(st.sampled_from(["*", "**", "?", "a", "b_", "x.py"]), min_size=1, max_size=4),
       st.lists(segment, min_size=1, max_size=4))
def test_like_pattern_is_a_superset_of_the_glob(parts: list[str], segs: list[str]) -> None:
    glob, path = "/".join(parts), "/".join(segs)
    if glob_match(glob, path):
        assert _like(glob_to_like(glob), path), (glob, path)


def test_bad_globs_are_refused() -> None:
    for bad in ["a\\b", "a\x00", "x" * 600]:
        with pytest.raises(InvalidInput):
            glob_match(bad, "a")
