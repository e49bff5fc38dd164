"""Code-aware lexical analysis shared by indexing and querying."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kosha.lexical import MAX_TOKEN_LEN, STOP_WORDS, analyse, chunk_lexical_text


def terms(text: str) -> list[str]:
    return analyse(text).split()


@pytest.mark.parametrize("identifier", ["parse_repo_url", "parseRepoURL", "ParseRepoURL",
                                        "PARSE_REPO_URL", "parse-repo-url"])
def test_identifier_spellings_share_every_query_term(identifier):
    query = set(terms("parse repo url"))
    assert query == {"pars", "repo", "url"}
    assert query <= set(terms(identifier))


def test_whole_identifier_is_kept_next_to_its_parts():
    assert terms("parseRepoURL") == ["parserepourl", "pars", "repo", "url"]
    assert terms("parse_repo_url") == ["parse_repo_url", "pars", "repo", "url"]


def test_acronym_prefix_is_split_off():
    out = terms("JWTValidator")
    assert "jwt" in out and "valid" in out and "jwtvalidator" in out
    assert terms("XMLHttpRequest") == ["xmlhttprequest", "xml", "http", "request"]
    assert terms("getHTTPResponseCode") == ["gethttpresponsecode", "get", "http", "respons",
                                            "code"]


def test_digits_are_their_own_parts():
    assert terms("HTTPServer2") == ["httpserver2", "http", "server", "2"]
    assert terms("v1beta2") == ["v1beta2", "v", "1", "beta", "2"]
    assert terms("123 456") == ["123", "456"]


def test_single_words_are_stemmed_and_lower_cased():
    assert terms("Running runs") == ["run", "run"]
    assert terms("URL") == ["url"]
    assert terms("_private") == ["privat"]


def test_stop_words_vanish():
    assert analyse("the and of is to how what") == ""
    assert terms("how to parse the url") == ["pars", "url"]
    assert "the" not in terms("ofTheKing") and "king" in terms("ofTheKing")
    assert terms("is_valid") == ["is_valid", "valid"]


def test_an_identifier_made_only_of_stop_words_keeps_its_whole_form():
    assert terms("do_it") == ["do_it"]


@pytest.mark.parametrize("token", ["_the", "__if__", "the_", "IS_", "_in"])
def test_stop_words_wrapped_in_underscores_vanish(token):
    assert analyse(token) == ""
    assert terms(f"self.{token}") == ["self"]


def test_punctuation_and_paths_separate_tokens():
    assert terms("foo.bar(baz) + qux->quux") == ["foo", "bar", "baz", "qux", "quux"]
    assert terms("src/kosha/repo_url.py") == ["src", "kosha", "repo_url", "repo", "url", "py"]


def test_over_long_tokens_and_underscores_alone_are_dropped():
    assert analyse("x" * (MAX_TOKEN_LEN + 1)) == ""
    assert analyse("x" * MAX_TOKEN_LEN) == "x" * MAX_TOKEN_LEN
    assert analyse("_ __ ___") == ""
    assert analyse("") == ""


def test_chunk_text_is_path_then_names_twice_then_code():
    out = chunk_lexical_text("def parse(x): return x", "src/repo_url.py", "parse",
                             "tenancy.parse")
    path, names, code = analyse("src/repo_url.py"), analyse("parse tenancy.parse"), analyse(
        "def parse(x): return x")
    assert out == f"{path} {names} {names} {code}"
    assert out.split().count("tenanc") == 2


def test_chunk_text_makes_names_outweigh_code():
    out = chunk_lexical_text("x = 1", "a.py", "JWTValidator", "auth.JWTValidator").split()
    assert out.count("jwt") == 4 and out.count("valid") == 4


def test_stop_words_are_lower_case_and_analysed_out():
    assert all(w == w.lower() for w in STOP_WORDS)
    assert all(analyse(w) == "" and analyse(w.upper()) == "" for w in STOP_WORDS)


_IDENT = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,30}\Z")


@given(st.text(max_size=200))
def test_analysis_is_deterministic_lower_case_and_ascii(text):
    out = analyse(text)
    assert out == analyse(text)
    assert out == out.strip() and "  " not in out
    assert out.isascii() and out == out.lower()


@given(st.lists(_IDENT, max_size=6), st.lists(st.sampled_from(sorted(STOP_WORDS)), max_size=6),
       st.randoms(use_true_random=False))
def test_inserting_stop_words_changes_nothing(idents, stops, rnd):
    mixed = idents + [s.capitalize() if rnd.random() < 0.5 else s for s in stops]
    rnd.shuffle(mixed)
    kept = [t for t in mixed if t.lower() not in STOP_WORDS]
    assert analyse(" ".join(mixed)) == analyse(" ".join(kept))


@given(st.lists(_IDENT, max_size=8))
def test_analysis_is_token_wise(idents):
    joined = analyse(" ".join(idents))
    assert joined == " ".join(t for t in (analyse(i) for i in idents) if t)


@given(st.lists(st.from_regex(r"\A[a-z]{2,8}\Z"), min_size=2, max_size=4))
def test_camel_and_snake_spellings_yield_the_same_parts(words):
    snake = "_".join(words)
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    if len(snake) <= MAX_TOKEN_LEN:  # same parts; only the kept whole identifier differs
        assert terms(snake)[1:] == terms(camel)[1:]
