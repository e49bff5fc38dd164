"""Python, Ruby and PHP: exact symbols, line ranges, calls and imports of realistic files."""

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


PYTHON = '''\
"""Repository access."""
import os, sys
import collections.abc as cabc
from .util import helper, other
from ..pkg.mod import (thing,
                       more)


# Registered below.
@dataclass(frozen=True)
class Repo:
    """A repo."""

    name: str

    # Fetch one key.
    def fetch(self, key):
        """Fetch a key."""
        return self.store.get(key)

    @property
    def size(self):
        def inner():
            return len(self.items)
        return inner()

    class Inner:
        async def deep(self):
            helper(1)
            await helper(2)


# Build a repo.
# Two comment lines.
def build(name):
    repo = Repo(name)
    repo.fetch("x")
    return os.path.join(name, "y")


CONSTANT = 1
OTHER = build("z")
'''


def test_python_definitions() -> None:
    pf = parse("pkg/repo.py", PYTHON)
    assert defs(pf) == [
        ("class", "Repo", 9, 30),
        ("method", "Repo.fetch", 16, 19),
        ("method", "Repo.size", 21, 25),
        ("class", "Repo.Inner", 27, 30),
        ("method", "Repo.Inner.deep", 28, 30),
        ("function", "build", 33, 38),
    ]
    assert [s.name for s in pf.symbols[1:]] == ["Repo", "fetch", "size", "Inner", "deep", "build"]
    assert contains(pf) == [
        ("pkg/repo.py", "Repo"), ("Repo", "Repo.fetch"), ("Repo", "Repo.size"),
        ("Repo", "Repo.Inner"), ("Repo.Inner", "Repo.Inner.deep"), ("pkg/repo.py", "build")]


def test_python_calls_and_imports() -> None:
    pf = parse("pkg/repo.py", PYTHON)
    assert calls(pf) == {
        "pkg/repo.py": ["dataclass", "build"],
        "Repo.fetch": ["get"],
        "Repo.size": ["len", "inner"],  # the nested function's calls belong to its parent
        "Repo.Inner.deep": ["helper"],
        "build": ["Repo", "fetch", "join"],
    }
    assert pf.imports == ["os", "sys", "collections.abc", ".util", "..pkg.mod"]


def test_python_chunks() -> None:
    pf = parse("pkg/repo.py", PYTHON)
    assert [(c.kind.value, c.qualified_name, c.start_line, c.end_line) for c in pf.chunks] == [
        ("block", "", 1, 6),
        ("class", "Repo", 9, 30),
        ("method", "Repo.fetch", 16, 19),
        ("method", "Repo.size", 21, 25),
        ("class", "Repo.Inner", 27, 30),
        ("method", "Repo.Inner.deep", 28, 30),
        ("function", "build", 33, 38),
        ("block", "", 41, 42),
    ]
    assert chunk(pf, "Repo.size") == (
        "    @property\n    def size(self):\n        def inner():\n"
        "            return len(self.items)\n        return inner()")
    assert chunk(pf, "build").startswith("# Build a repo.\n# Two comment lines.\ndef build(name):")
    assert chunk(pf, "Repo.Inner") == (
        "    class Inner:\n        async def deep(self):\n            ...")
    assert_covered(pf, PYTHON)


def test_python_comment_before_first_member_and_trailing_comments() -> None:
    text = "x = 1  # not a doc comment\ndef f():\n    pass\n\nclass A:\n    # doc of m\n" \
           "    def m(self):\n        pass\n"
    pf = parse("a.py", text)
    assert defs(pf) == [("function", "f", 2, 3), ("class", "A", 5, 8), ("method", "A.m", 6, 8)]


RUBY = '''\
require 'json'
require_relative "lib/store"
require("set")

# Utilities.
module Util
  # A repository.
  class Repo < Base
    attr_reader :name

    def initialize(name)
      @name = name
    end

    # Fetch a key.
    def fetch(key)
      store.get(key).tap { |v| log(v) }
    end

    def self.build(*args)
      new(*args)
    end
  end

  def self.helper
    JSON.parse("{}")
  end
end

# Top-level function.
def main
  Util::Repo.build("x").fetch(:k)
end

main
'''


def test_ruby() -> None:
    pf = parse("lib/util.rb", RUBY)
    assert defs(pf) == [
        ("class", "Util", 5, 28),
        ("class", "Util.Repo", 7, 23),
        ("method", "Util.Repo.initialize", 11, 13),
        ("method", "Util.Repo.fetch", 15, 18),
        ("method", "Util.Repo.build", 20, 22),
        ("method", "Util.helper", 25, 27),
        ("function", "main", 30, 33),
    ]
    assert contains(pf) == [
        ("lib/util.rb", "Util"), ("Util", "Util.Repo"), ("Util.Repo", "Util.Repo.initialize"),
        ("Util.Repo", "Util.Repo.fetch"), ("Util.Repo", "Util.Repo.build"),
        ("Util", "Util.helper"), ("lib/util.rb", "main")]
    assert calls(pf) == {
        "lib/util.rb": ["require", "require_relative"],
        "Util.Repo": ["attr_reader"],
        "Util.Repo.fetch": ["tap", "get", "log"],
        "Util.Repo.build": ["new"],
        "Util.helper": ["parse"],
        "main": ["fetch", "build"],
    }
    assert pf.imports == ["json", "lib/store", "set"]
    assert chunk(pf, "Util.Repo.fetch").startswith("    # Fetch a key.\n    def fetch(key)")
    assert_covered(pf, RUBY)


PHP = '''\
<?php

namespace App\\Http;

use App\\Models\\User;
use function App\\Support\\helper;

require_once 'config.php';
include __DIR__ . '/routes.php';

/**
 * Handles users.
 */
#[Route('/users')]
class UserController extends Controller
{
    private array $cache = [];

    public function __construct(private Mailer $mailer)
    {
        parent::__construct();
    }

    // Show one user.
    public function show(int $id): User
    {
        $user = User::find($id);
        $this->mailer?->send($user);
        return new User($user);
    }
}

interface Shape
{
    public function area(): float;
}

trait Greets
{
    public function greet(): string { return sprintf("hi %s", $this->name); }
}

enum Suit: string
{
    case Hearts = 'H';
    public function label(): string { return ucfirst($this->value); }
}

/** Format a name. */
function format_name(string $n): string
{
    return strtoupper(trim($n));
}

$app = new App();
$app->run();
'''


def test_php() -> None:
    pf = parse("src/Http/UserController.php", PHP)
    assert defs(pf) == [
        ("class", "UserController", 11, 31),
        ("method", "UserController.__construct", 19, 22),
        ("method", "UserController.show", 24, 30),
        ("class", "Shape", 33, 36),
        ("method", "Shape.area", 35, 35),
        ("class", "Greets", 38, 41),
        ("method", "Greets.greet", 40, 40),
        ("class", "Suit", 43, 47),
        ("method", "Suit.label", 46, 46),
        ("function", "format_name", 49, 53),
    ]
    assert calls(pf) == {
        "src/Http/UserController.php": ["App", "run"],
        "UserController.__construct": ["__construct"],
        "UserController.show": ["find", "send", "User"],
        "Greets.greet": ["sprintf"],
        "Suit.label": ["ucfirst"],
        "format_name": ["strtoupper", "trim"],
    }
    assert pf.imports == ["App\\Models\\User", "App\\Support\\helper", "config.php",
                          "/routes.php"]
    assert chunk(pf, "UserController").startswith("/**\n * Handles users.\n */\n#[Route(")
    assert [(c.start_line, c.end_line) for c in pf.chunks if c.kind.value == "block"] == [
        (1, 9), (55, 56)]
    assert_covered(pf, PHP)


@pytest.mark.parametrize(("path", "text"), [
    ("a.py", PYTHON), ("a.rb", RUBY), ("a.php", PHP)])
def test_chunk_text_matches_its_lines(path: str, text: str) -> None:
    lines = text.split("\n")
    for c in parse(path, text).chunks:
        if c.kind.value != "class":
            assert c.text == "\n".join(lines[c.start_line - 1:c.end_line])
        assert c.text.split("\n")[0] == lines[c.start_line - 1]
