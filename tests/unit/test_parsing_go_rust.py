"""Go and Rust: exact symbols, line ranges, calls and imports of realistic files."""

from __future__ import annotations

import pytest

from kosha.domain.models import ParsedFile
from kosha.ingest.languages import detect_language
from kosha.ingest.parsing import parse_source


def parse(path: str, text: str) -> ParsedFile:
    lang, has_grammar = detect_language(path)
    assert lang is not None and has_grammar, path
    return parse_source(path, text, lang, has_grammar, "tenant|1|" + path)


def defs(pf: ParsedFile) -> list[tuple[str, str, int, int]]:
    return [(s.kind.value, s.qualified_name, s.start_line, s.end_line) for s in pf.symbols[1:]]


def calls(pf: ParsedFile) -> dict[str, list[str]]:
    return {s.qualified_name: s.calls for s in pf.symbols if s.calls}


def contains(pf: ParsedFile) -> list[tuple[str, str]]:
    names = {s.node_id: s.qualified_name for s in pf.symbols}
    return [(names[e.src], names[e.dst]) for e in pf.contains]


def chunk(pf: ParsedFile, qualified: str) -> str:
    (text,) = [c.text for c in pf.chunks if c.qualified_name == qualified and c.part == 0]
    return text


def assert_covered(pf: ParsedFile, text: str) -> None:
    """Every non-blank line is in a chunk, except lone lines left between definitions."""
    lines = text.split("\n")
    covered = {r for c in pf.chunks for r in range(c.start_line, c.end_line + 1)}
    run: list[int] = []
    for row in [*range(1, len(lines) + 1), 0]:
        if row and row not in covered:
            run.append(row)
            continue
        code = [r for r in run if lines[r - 1].strip()]
        assert len(code) <= 1 and (not code or pf.chunks), f"uncovered lines {code}"
        run = []


GO = '''\
package store

import (
	"context"
	"fmt"
	str "strings"
)

import "os"

// Store keeps things.
type Store struct {
	items map[string]int
}

// Shape is drawable.
type Shape interface {
	Area() float64
}

// Get returns one item.
// It fails on a missing key.
func (s *Store) Get(ctx context.Context, key string) (int, error) {
	v, ok := s.items[key]
	if !ok {
		return 0, fmt.Errorf("missing %s", str.ToUpper(key))
	}
	return v, nil
}

func (Store) Name() string { return "store" }

func (l *List[K, V]) Len() int { return len(l.xs) }

// New makes a Store.
func New() *Store {
	helper := func() int { return compute() }
	_ = helper()
	return &Store{items: make(map[string]int)}
}

var Default = New()
var Other = New()
'''


def test_go() -> None:
    pf = parse("store/store.go", GO)
    assert defs(pf) == [
        ("class", "Store", 11, 14),
        ("class", "Shape", 16, 19),
        ("method", "Store.Get", 21, 29),  # a method is qualified by its receiver's type
        ("method", "Store.Name", 31, 31),
        ("method", "List.Len", 33, 33),  # generic receiver `*List[K, V]`
        ("function", "New", 35, 40),  # the func literal inside stays in New
    ]
    assert contains(pf) == [("store/store.go", q) for q in (
        "Store", "Shape", "Store.Get", "Store.Name", "List.Len", "New")]
    assert calls(pf) == {
        "store/store.go": ["New"],
        "Store.Get": ["Errorf", "ToUpper"],
        "List.Len": ["len"],
        "New": ["compute", "helper", "make"],
    }
    assert pf.imports == ["context", "fmt", "strings", "os"]
    assert chunk(pf, "Store.Get").startswith(
        "// Get returns one item.\n// It fails on a missing key.\nfunc (s *Store) Get(")
    assert [(c.start_line, c.end_line) for c in pf.chunks if c.kind.value == "block"] == [
        (1, 9), (42, 43)]
    assert_covered(pf, GO)


def test_go_trailing_comment_does_not_join_the_next_function() -> None:
    pf = parse("a.go", "package p\n\nfunc a() {\n} // end of a\nfunc b() {}\n")
    assert defs(pf) == [("function", "a", 3, 4), ("function", "b", 5, 5)]


RUST = '''\
use std::collections::HashMap;
use crate::store::{Repo, Item};
use super::util::*;

/// A cache of items.
#[derive(Debug, Clone)]
pub struct Cache<T> {
    items: HashMap<String, T>,
}

/// Behaviour of shapes.
pub trait Shape {
    fn area(&self) -> f64;
    /// Default description.
    fn describe(&self) -> String {
        format!("{}", self.area())
    }
}

impl<T: Clone> Cache<T> {
    /// Make an empty cache.
    pub fn new() -> Self {
        let v = Vec::<u8>::new();
        Cache { items: HashMap::new() }
    }

    pub fn keys(&self) -> Vec<String> {
        self.items.keys().cloned().collect::<Vec<_>>()
    }
}

impl Shape for Circle {
    fn area(&self) -> f64 { std::f64::consts::PI * self.r * self.r }
}

pub enum Mode { On, Off }

mod inner {
    pub fn helper() -> u32 {
        fn nested() -> u32 { 1 }
        nested() + compute(2)
    }
}

// Entry point.
#[tokio::main]
async fn main() {
    let c: Cache<u8> = Cache::new();
    println!("{:?}", c.keys());
}
'''


def test_rust() -> None:
    pf = parse("src/cache.rs", RUST)
    assert defs(pf) == [
        ("class", "Cache", 5, 9),  # `///` and `#[derive]` belong to the struct
        ("class", "Shape", 11, 18),
        ("method", "Shape.describe", 14, 17),
        ("class", "Cache", 20, 30),  # impl block, named by its type
        ("method", "Cache.new", 21, 25),
        ("method", "Cache.keys", 27, 29),
        ("class", "Circle", 32, 34),
        ("method", "Circle.area", 33, 33),
        ("class", "Mode", 36, 36),
        ("function", "helper", 39, 42),  # `mod` adds nothing; `nested` stays inside
        ("function", "main", 45, 50),
    ]
    struct, impl = pf.symbols[1], pf.symbols[4]
    assert struct.node_id != impl.node_id
    assert calls(pf) == {
        "Shape.describe": ["format"],
        "Cache.new": ["new"],  # Vec::<u8>::new, HashMap::new
        "Cache.keys": ["collect", "cloned", "keys"],  # collect::<Vec<_>>
        "helper": ["nested", "compute"],
        "main": ["new", "println"],
    }
    assert pf.imports == ["std::collections::HashMap", "crate::store", "super::util"]
    assert chunk(pf, "main") == "// Entry point.\n#[tokio::main]\nasync fn main() {\n" \
                                "    let c: Cache<u8> = Cache::new();\n" \
                                "    println!(\"{:?}\", c.keys());\n}"
    assert_covered(pf, RUST)


@pytest.mark.parametrize(("path", "text"), [("a.go", GO), ("a.rs", RUST)])
def test_chunk_text_matches_its_lines(path: str, text: str) -> None:
    lines = text.split("\n")
    for c in parse(path, text).chunks:
        if c.kind.value != "class":
            assert c.text == "\n".join(lines[c.start_line - 1:c.end_line])
        assert c.text.split("\n")[0] == lines[c.start_line - 1]
