"""Broken, huge, deeply nested, CRLF and non-ASCII input: the parser never raises and keeps
line numbers right. Invariants are checked on arbitrary text with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kosha.domain.models import Kind, ParsedFile
from kosha.ingest.parsing import PART_LINES, WINDOW_LINES, parse_source

LANGS = ["python", "javascript", "typescript", "tsx", "go", "java", "rust", "c", "cpp",
         "csharp", "ruby", "php"]

# One small file per language: a documented class with a method, a free function, a call.
SMALL = {
    "python": ("a.py", "# Doc.\nclass A:\n    def m(self):\n        go()\n\n\n"
                       "def f():\n    return A()\n"),
    "javascript": ("a.js", "// Doc.\nclass A {\n  m() {\n    go();\n  }\n}\n\n"
                           "function f() {\n  return new A();\n}\n"),
    "typescript": ("a.ts", "// Doc.\nclass A {\n  m(): void {\n    go();\n  }\n}\n\n"
                           "function f(): A {\n  return new A();\n}\n"),
    "tsx": ("a.tsx", "// Doc.\nclass A {\n  m() {\n    go();\n  }\n}\n\n"
                     "function f() {\n  return <A />;\n}\n"),
    "go": ("a.go", "package p\n// Doc.\ntype A struct {\n\tn int\n}\n\nfunc (a *A) M() {\n"
                   "\tgo1()\n}\n\nfunc F() *A {\n\treturn &A{}\n}\n"),
    "java": ("A.java", "// Doc.\nclass A {\n  void m() {\n    go();\n  }\n}\n\n"
                       "class B {\n  A f() { return new A(); }\n}\n"),
    "rust": ("a.rs", "/// Doc.\nstruct A {\n    n: u8,\n}\n\nimpl A {\n    fn m(&self) {\n"
                     "        go();\n    }\n}\n\nfn f() -> A {\n    A { n: 1 }\n}\n"),
    "c": ("a.c", "/* Doc. */\nstruct A {\n    int n;\n};\n\nvoid m(void) {\n    go();\n}\n\n"
                 "int f(void) {\n    return 1;\n}\n"),
    "cpp": ("a.cpp", "// Doc.\nclass A {\n  void m() {\n    go();\n  }\n};\n\n"
                     "int f() {\n  return 1;\n}\n"),
    "csharp": ("A.cs", "// Doc.\nclass A {\n  void M() {\n    Go();\n  }\n}\n\n"
                       "class B {\n  A F() { return new A(); }\n}\n"),
    "ruby": ("a.rb", "# Doc.\nclass A\n  def m\n    go()\n  end\nend\n\ndef f\n  A.new\nend\n"),
    "php": ("a.php", "<?php\n// Doc.\nclass A {\n  function m() {\n    go();\n  }\n}\n\n"
                     "function f() {\n  return new A();\n}\n"),
}


def parse(lang: str, text: str, path: str = "") -> ParsedFile:
    return parse_source(path or SMALL[lang][0], text, lang, True, "t|1|x")


def defs(pf: ParsedFile) -> list[tuple[str, str, int, int]]:
    return [(s.kind.value, s.qualified_name, s.start_line, s.end_line) for s in pf.symbols[1:]]


def check_invariants(pf: ParsedFile, text: str) -> None:
    """What every parse must satisfy, whatever the input."""
    lines = text.split("\n")
    n = len(lines) - 1 if len(lines) > 1 and text.endswith("\n") else len(lines)
    assert pf.line_count == n
    file, *others = pf.symbols
    assert file.kind == Kind.FILE and (file.start_line, file.end_line) == (1, n)
    ids = [s.node_id for s in pf.symbols]
    assert len(set(ids)) == len(ids)
    for s in others:
        assert s.kind in (Kind.CLASS, Kind.METHOD, Kind.FUNCTION) and s.name
        assert 1 <= s.start_line <= s.end_line <= n
        assert len(s.calls) == len(set(s.calls)) and all(s.calls)
    # every definition has exactly one container, and edges point at known symbols
    assert sorted(e.dst for e in pf.contains) == sorted(s.node_id for s in others)
    assert {e.src for e in pf.contains} <= set(ids)
    kinds = {s.node_id: s.kind for s in pf.symbols}
    assert all(kinds[e.src] == e.src_kind and kinds[e.dst] == e.dst_kind for e in pf.contains)
    for c in pf.chunks:
        assert 1 <= c.start_line <= c.end_line <= n
        if c.kind == Kind.CLASS:
            assert c.text.split("\n")[0] == lines[c.start_line - 1]
        else:
            assert c.text == "\n".join(lines[c.start_line - 1:c.end_line])
        if c.kind == Kind.BLOCK:
            assert c.end_line - c.start_line < WINDOW_LINES and not c.symbol
            assert lines[c.start_line - 1].strip() and lines[c.end_line - 1].strip()
        if c.part:
            assert c.end_line - c.start_line < PART_LINES
    assert [(c.start_line, c.end_line) for c in pf.chunks] == sorted(
        (c.start_line, c.end_line) for c in pf.chunks)
    # coverage: each uncovered stretch holds at most one non-blank line, and only when the
    # file has other chunks
    covered = {r for c in pf.chunks for r in range(c.start_line, c.end_line + 1)}
    run: list[int] = []
    for row in [*range(1, n + 1), 0]:
        if row and row not in covered:
            run.append(row)
            continue
        code = [r for r in run if lines[r - 1].strip()]
        assert len(code) <= 1 and (not code or pf.chunks), f"uncovered lines {code}"
        run = []


# --- the small samples themselves ---------------------------------------------------------

EXPECTED_SMALL = {
    "python": [("class", "A", 1, 4), ("method", "A.m", 3, 4), ("function", "f", 7, 8)],
    "javascript": [("class", "A", 1, 6), ("method", "A.m", 3, 5), ("function", "f", 8, 10)],
    "typescript": [("class", "A", 1, 6), ("method", "A.m", 3, 5), ("function", "f", 8, 10)],
    "tsx": [("class", "A", 1, 6), ("method", "A.m", 3, 5), ("function", "f", 8, 10)],
    "go": [("class", "A", 2, 5), ("method", "A.M", 7, 9), ("function", "F", 11, 13)],
    "java": [("class", "A", 1, 6), ("method", "A.m", 3, 5), ("class", "B", 8, 10),
             ("method", "B.f", 9, 9)],
    "rust": [("class", "A", 1, 4), ("class", "A", 6, 10), ("method", "A.m", 7, 9),
             ("function", "f", 12, 14)],
    "c": [("class", "A", 1, 4), ("function", "m", 6, 8), ("function", "f", 10, 12)],
    "cpp": [("class", "A", 1, 6), ("method", "A.m", 3, 5), ("function", "f", 8, 10)],
    "csharp": [("class", "A", 1, 6), ("method", "A.M", 3, 5), ("class", "B", 8, 10),
               ("method", "B.F", 9, 9)],
    "ruby": [("class", "A", 1, 6), ("method", "A.m", 3, 5), ("function", "f", 8, 10)],
    "php": [("class", "A", 2, 7), ("method", "A.m", 4, 6), ("function", "f", 9, 11)],
}


@pytest.mark.parametrize("lang", LANGS)
def test_small_sample(lang: str) -> None:
    text = SMALL[lang][1]
    pf = parse(lang, text)
    assert defs(pf) == EXPECTED_SMALL[lang]
    check_invariants(pf, text)


@pytest.mark.parametrize("lang", LANGS)
def test_crlf_keeps_line_numbers(lang: str) -> None:
    text = SMALL[lang][1].replace("\n", "\r\n")
    pf = parse(lang, text)
    assert defs(pf) == EXPECTED_SMALL[lang]
    check_invariants(pf, text)


@pytest.mark.parametrize("lang", LANGS)
def test_non_ascii_text_before_definitions_keeps_line_numbers(lang: str) -> None:
    path, text = SMALL[lang]
    head = "<?php\n" if lang == "php" else ""
    body = text.removeprefix("<?php\n")
    comment = "# " if lang in ("python", "ruby") else "// "
    noise = f"{comment}Grüße, 世界 — ünïcödé ✓ 🎉\n{comment}¡más! 𝔘𝔫𝔦\n\n"
    expected = [(k, q, a + 3, b + 3) for k, q, a, b in EXPECTED_SMALL[lang]]
    pf = parse(lang, head + noise + body)
    assert defs(pf) == expected
    check_invariants(pf, head + noise + body)


@pytest.mark.parametrize(("lang", "text", "expected", "calls"), [
    ("python", "def größe(名前):\n    return Über(名前)\n\nclass Ärger:\n    def übel(self):\n"
               "        pass\n",
     [("function", "größe", 1, 2), ("class", "Ärger", 4, 6), ("method", "Ärger.übel", 5, 6)],
     {"größe": ["Über"]}),
    ("javascript", "class Ünï {\n  grüß() { return ñandú('✓'); }\n}\nconst café = () => 1;\n",
     [("class", "Ünï", 1, 3), ("method", "Ünï.grüß", 2, 2), ("function", "café", 4, 4)],
     {"Ünï.grüß": ["ñandú"]}),
    ("go", "package p\n\nfunc Größe() int {\n\treturn länge(\"日本\")\n}\n",
     [("function", "Größe", 3, 5)], {"Größe": ["länge"]}),
    ("java", "class Café {\n  void ñ() { größe(\"€\"); }\n}\n",
     [("class", "Café", 1, 3), ("method", "Café.ñ", 2, 2)], {"Café.ñ": ["größe"]}),
])
def test_non_ascii_identifiers(lang: str, text: str, expected: list[tuple[str, str, int, int]],
                               calls: dict[str, list[str]]) -> None:
    pf = parse(lang, text)
    assert defs(pf) == expected
    assert {s.qualified_name: s.calls for s in pf.symbols[1:] if s.calls} == calls
    check_invariants(pf, text)


def test_lone_surrogates_do_not_raise() -> None:
    text = "x = '\udcff'\ndef f():\n    return '\ud800'\n"
    pf = parse("python", text)
    assert defs(pf) == [("function", "f", 2, 3)]


# --- broken source --------------------------------------------------------------------------

BROKEN = {
    "python": "def broken(:\n    return 'unterminated\n\n\ndef ok():\n    return 1\n",
    "javascript": "function broken( {\n  const s = 'unterminated\n}\n\nfunction ok() {\n"
                  "  return 1;\n}\n",
    "typescript": "class Broken {\n  m(: number {\n}\n\nfunction ok(): number {\n"
                  "  return 1;\n}\n",
    "tsx": "const x = <div>\n\nfunction ok() {\n  return 1;\n}\n",
    "go": "package p\n\nfunc broken( {\n\ts := \"unterminated\n}\n\nfunc ok() int {\n"
          "\treturn 1\n}\n",
    "java": "class Broken {\n  void m( {\n}\n\nclass Ok {\n  int ok() { return 1; }\n}\n",
    "rust": "fn broken( {\n    let s = \"unterminated;\n}\n\nfn ok() -> u8 {\n    1\n}\n",
    "c": "int broken( {\n    char *s = \"unterminated;\n}\n\nint ok(void) {\n    return 1;\n}\n",
    "cpp": "class Broken {\n  void m( {\n};\n\nint ok() {\n  return 1;\n}\n",
    "csharp": "class Broken {\n  void M( {\n}\n\nclass Ok {\n  int F() { return 1; }\n}\n",
    "ruby": "def broken(\n  'unterminated\nend\n\ndef ok\n  1\nend\n",
    "php": "<?php\nfunction broken( {\n  $s = 'unterminated;\n}\n\nfunction ok() {\n"
           "  return 1;\n}\n",
}


@pytest.mark.parametrize("lang", LANGS)
def test_broken_source_never_raises(lang: str) -> None:
    text = BROKEN[lang]
    pf = parse(lang, text)
    check_invariants(pf, text)


@pytest.mark.parametrize(("lang", "expected"), [
    ("python", ("function", "ok", 5, 6)),
    ("go", ("function", "ok", 7, 9)),
    ("java", ("method", "ok", 6, 6)),  # error recovery may nest Ok in Broken
    ("csharp", ("method", "F", 6, 6)),
    ("typescript", ("function", "ok", 5, 7)),
    ("rust", ("function", "ok", 5, 7)),
    ("c", ("function", "ok", 5, 7)),
    ("cpp", ("function", "ok", 5, 7)),
    ("ruby", ("function", "ok", 5, 7)),
])
def test_definitions_after_a_syntax_error_keep_their_lines(
        lang: str, expected: tuple[str, str, int, int]) -> None:
    pf = parse(lang, BROKEN[lang])
    assert expected in [(s.kind.value, s.name, s.start_line, s.end_line) for s in pf.symbols]


@pytest.mark.parametrize("lang", LANGS)
def test_every_prefix_of_a_valid_file_parses(lang: str) -> None:
    text = SMALL[lang][1]
    for cut in range(len(text) + 1):
        check_invariants(parse(lang, text[:cut]), text[:cut])


# --- size and depth -------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "text"), [
    ("python", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"),
    ("python", "x = " + "[" * 5000 + "]" * 5000 + "\n"),
    ("python", "x = " + "f(" * 5000 + ")" * 5000 + "\n"),
    ("python", "x = " + "a." * 5000 + "b()\n"),
    ("python", "x = 1" + " + 1" * 20000 + "\n"),
    ("javascript", "const x = " + "[" * 5000 + "]" * 5000 + ";\n"),
    ("javascript", "const f = " + "() => " * 3000 + "1;\n"),
    ("c", "int x = " + "(" * 5000 + "1" + ")" * 5000 + ";\n"),
    ("rust", "fn f() { " + "{" * 5000 + "}" * 5000 + " }\n"),
    ("ruby", "x = " + "[" * 5000 + "]" * 5000 + "\n"),
])
def test_deeply_nested_expressions(lang: str, text: str) -> None:
    pf = parse(lang, text)
    check_invariants(pf, text)


def test_deeply_nested_definitions() -> None:
    depth = 400
    text = "".join("    " * i + f"class C{i}:\n" for i in range(depth)) + \
        "    " * depth + "def m(self):\n" + "    " * (depth + 1) + "go()\n"
    pf = parse("python", text)
    assert len(pf.symbols) == depth + 2
    method = pf.symbols[-1]
    assert method.kind == Kind.METHOD and method.calls == ["go"]
    assert method.qualified_name == ".".join(f"C{i}" for i in range(depth)) + ".m"
    assert (method.start_line, method.end_line) == (depth + 1, depth + 2)
    check_invariants(pf, text)


def test_deeply_nested_functions_stay_in_the_outer_one() -> None:
    text = "function f0() {\n" + "".join(f"function f{i}() {{\n" for i in range(1, 2000)) + \
        "go();\n" + "}\n" * 2000
    pf = parse("javascript", text)
    assert defs(pf) == [("function", "f0", 1, 4001)]
    assert pf.symbols[1].calls == ["go"]
    check_invariants(pf, text)


def test_five_thousand_line_file() -> None:
    text = "import os\nimport sys\n\n" + "".join(
        f"def f{i}(x):\n    '''Doc {i}.'''\n    y = os.path.join(x, '{i}')\n    return y\n\n"
        for i in range(1000))
    assert len(text.split("\n")) == 5004
    pf = parse("python", text)
    assert len(pf.symbols) == 1001
    assert defs(pf)[0] == ("function", "f0", 4, 7)
    assert defs(pf)[-1] == ("function", "f999", 4999, 5002)
    assert all(s.calls == ["join"] for s in pf.symbols[1:])
    assert len(pf.chunks) == 1001  # 1000 functions and the import block
    check_invariants(pf, text)


def test_five_thousand_line_function_is_split_into_parts() -> None:
    text = "function big() {\n" + "  step();\n" * 4998 + "}\n"
    pf = parse("javascript", text)
    parts = [(c.start_line, c.end_line, c.part) for c in pf.chunks]
    assert parts[0] == (1, 100, 0) and parts[-1][1] == 5000
    assert [p for _, _, p in parts] == list(range(len(parts)))
    check_invariants(pf, text)


# --- arbitrary input ------------------------------------------------------------------------

FRAGMENTS = st.sampled_from([
    "\n", "\n\n", "    ", "\t", "\r\n", "def ", "class ", "function ", "fn ", "func ", "impl ",
    "struct ", "module ", "end", "(", ")", "{", "}", "[", "]", ":", ";", "=", "=>", "'", '"',
    "`", "#", "//", "/*", "*/", "<?php", "@", "x", "f()", "a.b()", "new A()", "import os",
    "return", "ü", "名", "\x00", "\\", "${", "<div>", "</div>", "template <typename T>",
])
SOURCES = st.one_of(
    st.text(max_size=300),
    st.lists(FRAGMENTS, max_size=120).map("".join),
    st.tuples(st.sampled_from(list(SMALL.values())), st.lists(FRAGMENTS, max_size=10),
              st.integers(0, 400)).map(lambda t: t[0][1][:t[2]] + "".join(t[1]) + t[0][1][t[2]:]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lang=st.sampled_from(LANGS), text=SOURCES)
def test_any_text_parses_with_invariants(lang: str, text: str) -> None:
    check_invariants(parse(lang, text), text)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=2000))
def test_any_text_file_is_windowed_with_full_coverage(text: str) -> None:
    pf = parse_source("notes.md", text, "markdown", False, "p")
    lines = text.split("\n")
    covered = {r for c in pf.chunks for r in range(c.start_line, c.end_line + 1)}
    assert {i for i, line in enumerate(lines, 1) if line.strip()} <= covered
    check_invariants(pf, text)
