"""Parser behaviour shared by every language: detection, ids, edges, chunk shapes, windows.

Per-language samples live in test_parsing_{python_ruby_php,js_ts,go_rust,c_cpp,java_csharp}.py,
broken input and invariants over arbitrary text in test_parsing_robustness.py.
"""

from __future__ import annotations

import pytest

from kosha.domain.models import Kind, ParsedFile
from kosha.ingest.languages import detect_language
from kosha.ingest.parsing import MAX_CALLS_PER_SYMBOL, MAX_IMPORTS_PER_FILE, parse_source


def parse(path: str, text: str, prefix: str = "tenant|1|path|sha") -> ParsedFile:
    lang, has_grammar = detect_language(path)
    assert lang is not None, path
    return parse_source(path, text, lang, has_grammar, prefix)


def defs(pf: ParsedFile) -> list[tuple[str, str, int, int]]:
    return [(s.kind.value, s.qualified_name, s.start_line, s.end_line) for s in pf.symbols[1:]]


def chunk_rows(pf: ParsedFile) -> list[tuple[str, str, int, int, int]]:
    return [(c.kind.value, c.qualified_name, c.start_line, c.end_line, c.part)
            for c in pf.chunks]


# --- language detection ---------------------------------------------------------------------

@pytest.mark.parametrize(("path", "expected"), [
    ("src/app.py", ("python", True)),
    ("stubs/app.pyi", ("python", True)),
    ("web/a.js", ("javascript", True)),
    ("web/a.mjs", ("javascript", True)),
    ("web/a.cjs", ("javascript", True)),
    ("web/a.jsx", ("javascript", True)),
    ("web/a.ts", ("typescript", True)),
    ("web/types.d.ts", ("typescript", True)),
    ("web/a.mts", ("typescript", True)),
    ("web/App.tsx", ("tsx", True)),
    ("cmd/main.go", ("go", True)),
    ("src/Main.java", ("java", True)),
    ("src/lib.rs", ("rust", True)),
    ("src/x.c", ("c", True)),
    ("include/x.h", ("c", True)),
    ("src/x.cc", ("cpp", True)),
    ("src/x.cpp", ("cpp", True)),
    ("include/x.hpp", ("cpp", True)),
    ("src/X.cs", ("csharp", True)),
    ("lib/x.rb", ("ruby", True)),
    ("lib/tasks/db.rake", ("ruby", True)),
    ("public/index.php", ("php", True)),
    ("SRC/APP.PY", ("python", True)),  # extensions are case-insensitive
    ("docs/guide.md", ("markdown", False)),
    ("config/app.yaml", ("yaml", False)),
    ("config/app.yml", ("yaml", False)),
    ("pyproject.toml", ("toml", False)),
    ("package.json", ("json", False)),
    ("schema.sql", ("sql", False)),
    ("scripts/run.sh", ("shell", False)),
    ("app/Main.kt", ("kotlin", False)),
    ("Dockerfile", ("dockerfile", False)),
    ("sub/Makefile", ("make", False)),
    ("CMakeLists.txt", ("cmake", False)),
    ("README", ("text", False)),
    ("Gemfile", ("ruby", False)),
    ("notes.txt", ("text", False)),
    ("config/version.txt.in", ("text", False)),
    ("image.png", (None, False)),
    ("bin/tool", (None, False)),
    ("archive.tar.gz", (None, False)),
])
def test_detect_language(path: str, expected: tuple[str | None, bool]) -> None:
    assert detect_language(path) == expected


# --- ids and edges --------------------------------------------------------------------------

SOURCE = '''\
class A:
    def m(self):
        return 1


def f():
    return A().m()
'''


def test_node_ids_are_deterministic_per_prefix() -> None:
    first, again = parse("a.py", SOURCE, "t|1|a.py|sha1"), parse("a.py", SOURCE, "t|1|a.py|sha1")
    other = parse("a.py", SOURCE, "t|1|a.py|sha2")
    ids = [s.node_id for s in first.symbols]
    assert ids == [s.node_id for s in again.symbols]
    assert len(set(ids)) == len(ids) == 4
    assert not set(ids) & {s.node_id for s in other.symbols}
    assert all(len(i) == 40 and int(i, 16) >= 0 for i in ids)


def test_file_symbol_comes_first() -> None:
    pf = parse("pkg/a.py", SOURCE)
    file = pf.symbols[0]
    assert (file.kind, file.name, file.qualified_name, file.rel_path, file.lang) == (
        Kind.FILE, "a.py", "pkg/a.py", "pkg/a.py", "python")
    # seven lines: the final newline ends line 7, it does not open an 8th
    assert (file.start_line, file.end_line) == (1, 7) == (1, pf.line_count)
    assert [s.kind for s in pf.symbols[1:]] == [Kind.CLASS, Kind.METHOD, Kind.FUNCTION]
    assert all(s.rel_path == "pkg/a.py" and s.lang == "python" for s in pf.symbols)


def test_contains_edges_link_file_to_top_level_and_classes_to_members() -> None:
    pf = parse("a.py", SOURCE)
    file, cls, method, func = pf.symbols
    assert [(e.src, e.src_kind, e.dst, e.dst_kind, e.type) for e in pf.contains] == [
        (file.node_id, Kind.FILE, cls.node_id, Kind.CLASS, "CONTAINS"),
        (cls.node_id, Kind.CLASS, method.node_id, Kind.METHOD, "CONTAINS"),
        (file.node_id, Kind.FILE, func.node_id, Kind.FUNCTION, "CONTAINS"),
    ]


def test_same_name_at_different_lines_gets_different_ids() -> None:
    pf = parse("a.py", "def f():\n    pass\n\n\ndef f():\n    pass\n")
    assert defs(pf) == [("function", "f", 1, 2), ("function", "f", 5, 6)]
    assert pf.symbols[1].node_id != pf.symbols[2].node_id


@pytest.mark.parametrize(("path", "text"), [
    ("A.java", "class A { void f(int a) {} void f(String s) {} }\n"),
    ("a.js", "obj.f = function () {}; obj.f = function () {};\n"),
    ("a.cpp", "struct A { A() {} A(int) {} };\n"),
])
def test_same_name_on_one_line_gets_different_ids(path: str, text: str) -> None:
    pf = parse(path, text)
    ids = [s.node_id for s in pf.symbols]
    assert len(pf.symbols) >= 3 and len(set(ids)) == len(ids)
    assert ids == [s.node_id for s in parse(path, text).symbols]


def test_calls_are_capped_per_symbol() -> None:
    body = "".join(f"    call_{i}()\n" for i in range(MAX_CALLS_PER_SYMBOL + 40))
    pf = parse("a.py", "def f():\n" + body)
    calls = pf.symbols[1].calls
    assert len(calls) == MAX_CALLS_PER_SYMBOL
    assert calls[:3] == ["call_0", "call_1", "call_2"]


def test_imports_are_capped_and_deduplicated() -> None:
    text = "import os\nimport os\n" + "".join(
        f"import mod_{i}\n" for i in range(MAX_IMPORTS_PER_FILE + 10))
    pf = parse("a.py", text)
    assert len(pf.imports) == MAX_IMPORTS_PER_FILE
    assert pf.imports[:2] == ["os", "mod_0"]
    assert pf.symbols[0].imports == pf.imports


# --- class skeletons ------------------------------------------------------------------------

def test_class_chunk_is_a_skeleton_spanning_the_class() -> None:
    text = '''\
import os
import re

# A store.
@register
class Store:
    """Keeps things."""

    limit = 10

    # Look one up.
    def get(self, key):
        value = self.data[key]
        return value

    @staticmethod
    def make():
        return Store()
'''
    pf = parse("a.py", text)
    assert chunk_rows(pf) == [
        ("block", "", 1, 2, 0),
        ("class", "Store", 4, 18, 0),
        ("method", "Store.get", 11, 14, 0),
        ("method", "Store.make", 16, 18, 0),
    ]
    assert pf.chunks[1].text == '''\
# A store.
@register
class Store:
    """Keeps things."""

    limit = 10

    # Look one up.
    def get(self, key):
        ...

    @staticmethod
    def make():
        ...'''
    assert pf.chunks[2].text == "\n".join(text.split("\n")[10:14])


def test_long_class_skeleton_is_truncated_but_spans_the_class() -> None:
    fields = "".join(f"    field_{i} = {i}\n" for i in range(200))
    pf = parse("a.py", "class Big:\n" + fields)
    (chunk,) = pf.chunks
    assert (chunk.kind, chunk.start_line, chunk.end_line) == (Kind.CLASS, 1, 201)
    assert chunk.text.split("\n") == ["class Big:"] + fields.split("\n")[:149]


# --- long definitions -----------------------------------------------------------------------

def _function(lines: int, start: int = 1) -> tuple[str, int]:
    """A Python file whose function `big` starts at line `start` and has `lines` lines."""
    head = "x = 1\n" * (start - 1)
    body = "".join(f"    v{i} = {i}\n" for i in range(lines - 1))
    return head + "def big():\n" + body, start + lines - 1


def test_function_of_150_lines_is_one_chunk() -> None:
    text, end = _function(150)
    pf = parse("a.py", text)
    assert chunk_rows(pf) == [("function", "big", 1, 150, 0)]


def test_function_of_151_lines_is_split_in_two_overlapping_parts() -> None:
    text, end = _function(151)
    assert end == 151
    pf = parse("a.py", text)
    assert chunk_rows(pf) == [("function", "big", 1, 100, 0), ("function", "big", 91, 151, 1)]
    lines = text.split("\n")
    assert [c.text for c in pf.chunks] == ["\n".join(lines[0:100]), "\n".join(lines[90:151])]
    assert [s.qualified_name for s in pf.symbols] == ["a.py", "big"]  # still one symbol


def test_long_function_parts_cover_every_line() -> None:
    text, end = _function(437, start=5)
    pf = parse("a.py", text)
    parts = [c for c in pf.chunks if c.kind == Kind.FUNCTION]
    assert [(c.start_line, c.end_line, c.part) for c in parts] == [
        (5, 104, 0), (95, 194, 1), (185, 284, 2), (275, 374, 3), (365, 441, 4)]
    assert end == 441
    covered = {r for c in parts for r in range(c.start_line, c.end_line + 1)}
    assert covered == set(range(5, 442))
    for a, b in zip(parts, parts[1:], strict=False):
        assert b.start_line <= a.end_line  # parts overlap
    assert all(c.symbol == "big" and c.qualified_name == "big" for c in parts)
    assert [c for c in pf.chunks if c.kind == Kind.BLOCK][0].start_line == 1


def test_long_method_is_split_and_class_skeleton_stays_whole() -> None:
    body = "".join(f"        v{i} = {i}\n" for i in range(199))
    pf = parse("a.py", "class C:\n    def m(self):\n" + body)
    assert chunk_rows(pf) == [
        ("class", "C", 1, 201, 0),
        ("method", "C.m", 2, 101, 0),
        ("method", "C.m", 92, 191, 1),
        ("method", "C.m", 182, 201, 2),
    ]
    assert pf.chunks[0].text == "class C:\n    def m(self):\n        ..."


# --- top-level blocks and text windows ------------------------------------------------------

def test_top_level_code_becomes_blocks_around_definitions() -> None:
    text = '''\
import os
import sys

CONFIG = load()


def f():
    return 1


if __name__ == "__main__":
    f()
    sys.exit(0)
'''
    pf = parse("a.py", text)
    assert chunk_rows(pf) == [
        ("block", "", 1, 4, 0),
        ("function", "f", 7, 8, 0),
        ("block", "", 11, 13, 0),
    ]
    assert pf.chunks[0].text == "import os\nimport sys\n\nCONFIG = load()"
    assert pf.chunks[2].symbol == pf.chunks[2].qualified_name == ""
    assert pf.symbols[0].calls == ["load", "f", "exit"]


def test_one_line_leftover_between_definitions_is_dropped() -> None:
    pf = parse("a.py", "def f():\n    pass\n\nX = 1\n\ndef g():\n    pass\n")
    assert chunk_rows(pf) == [("function", "f", 1, 2, 0), ("function", "g", 6, 7, 0)]


def test_one_line_file_without_definitions_is_kept() -> None:
    pf = parse("a.py", "print('hi')\n")
    assert chunk_rows(pf) == [("block", "", 1, 1, 0)]
    assert pf.chunks[0].text == "print('hi')"


def test_long_top_level_code_is_windowed_to_60_lines() -> None:
    text = "def f():\n    pass\n" + "".join(f"x{i} = {i}\n" for i in range(121))
    pf = parse("a.py", text)
    # 121 statements after the function: 60 + 60 + 1, the last line kept although alone
    assert chunk_rows(pf) == [
        ("function", "f", 1, 2, 0),
        ("block", "", 3, 62, 0),
        ("block", "", 63, 122, 0),
        ("block", "", 123, 123, 0),
    ]
    assert pf.chunks[-1].text == "x120 = 120"


def test_text_file_becomes_line_windows_with_blank_edges_trimmed() -> None:
    lines = ["# Title", ""] + [f"line {i}" for i in range(3, 131)] + ["", ""]
    pf = parse("docs/guide.md", "\n".join(lines))
    assert pf.lang == "markdown" and pf.line_count == 131  # the last "" is the final newline
    assert chunk_rows(pf) == [
        ("block", "", 1, 60, 0), ("block", "", 61, 120, 0), ("block", "", 121, 130, 0)]
    assert pf.chunks[0].text == "\n".join(lines[:60])
    assert [s.kind for s in pf.symbols] == [Kind.FILE]
    assert pf.contains == [] and pf.imports == []


def test_text_file_keeps_inner_blank_lines_in_its_window() -> None:
    pf = parse("config/app.yaml", "\n\na: 1\n\n\nb:\n  c: 2\n")
    assert chunk_rows(pf) == [("block", "", 3, 7, 0)]
    assert pf.chunks[0].text == "a: 1\n\n\nb:\n  c: 2"


def test_language_with_a_grammar_parsed_as_plain_text_when_asked() -> None:
    pf = parse_source("a.py", "def f():\n    pass\n", "python", False, "p")
    assert chunk_rows(pf) == [("block", "", 1, 2, 0)]
    assert len(pf.symbols) == 1


def test_empty_and_blank_files_have_no_chunks() -> None:
    for text in ("", "\n\n  \n"):
        for path in ("a.py", "a.md"):
            pf = parse(path, text)
            assert pf.chunks == [] and pf.contains == [] and len(pf.symbols) == 1
