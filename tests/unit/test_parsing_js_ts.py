"""JavaScript, TypeScript and TSX: exact symbols, lines, calls and imports of realistic files."""

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


JAVASCRIPT = '''\
import { a } from './a';
import def, * as ns from "lib";
const b = require('./b');

/**
 * A widget.
 */
export class Widget extends Base {
  constructor(name) {
    super(name);
    this.name = name;
  }

  /** Click handler. */
  onClick = (evt) => {
    this.emit('click', evt);
  };

  render() {
    const inner = () => helper(this.name);
    return inner();
  }
}

/** Make one. */
export function make(name) {
  return new Widget(name);
}

// Arrow bound to a const.
const arrow = (x) => x * 2;

obj.handler = function (evt) {
  log(evt);
};

module.exports.exported = async function () {
  await fetch('/x');
};

exports.gen = function* () {
  yield next();
};

run();
run();
'''


def test_javascript_definitions() -> None:
    pf = parse("web/widget.js", JAVASCRIPT)
    assert defs(pf) == [
        ("class", "Widget", 5, 23),
        ("method", "Widget.constructor", 9, 12),
        ("method", "Widget.onClick", 14, 17),  # arrow-valued class field, with its JSDoc
        ("method", "Widget.render", 19, 22),
        ("function", "make", 25, 28),
        ("function", "arrow", 30, 31),
        ("function", "handler", 33, 35),
        ("function", "exported", 37, 39),
        ("function", "gen", 41, 43),
    ]
    assert contains(pf) == [
        ("web/widget.js", "Widget"), ("Widget", "Widget.constructor"),
        ("Widget", "Widget.onClick"), ("Widget", "Widget.render"), ("web/widget.js", "make"),
        ("web/widget.js", "arrow"), ("web/widget.js", "handler"),
        ("web/widget.js", "exported"), ("web/widget.js", "gen")]


def test_javascript_calls_imports_and_chunks() -> None:
    pf = parse("web/widget.js", JAVASCRIPT)
    assert calls(pf) == {
        "web/widget.js": ["require", "run"],
        "Widget.constructor": ["super"],
        "Widget.onClick": ["emit"],
        "Widget.render": ["helper", "inner"],  # the inner arrow is no symbol of its own
        "make": ["Widget"],
        "handler": ["log"],
        "exported": ["fetch"],
        "gen": ["next"],
    }
    assert pf.imports == ["./a", "lib", "./b"]
    assert chunk(pf, "make") == "/** Make one. */\nexport function make(name) {\n" \
                                "  return new Widget(name);\n}"
    assert chunk(pf, "arrow") == "// Arrow bound to a const.\nconst arrow = (x) => x * 2;"
    assert chunk(pf, "Widget") == (
        "/**\n * A widget.\n */\nexport class Widget extends Base {\n"
        "  constructor(name) {\n    ...\n\n  /** Click handler. */\n"
        "  onClick = (evt) => {\n    ...\n\n  render() {\n    ...\n}")
    assert [(c.start_line, c.end_line) for c in pf.chunks if c.kind.value == "block"] == [
        (1, 3), (45, 46)]
    assert_covered(pf, JAVASCRIPT)


def test_javascript_object_members_and_callbacks() -> None:
    text = '''\
module.exports = {
  // Start it.
  start: function () {
    boot();
  },
  stop() {
    halt();
  },
  pause: () => wait(),
};

items.forEach(function (item) {
  use(item);
});
setTimeout(() => tick(), 10);
'''
    pf = parse("a.js", text)
    assert defs(pf) == [
        ("function", "start", 3, 5), ("function", "stop", 6, 8), ("function", "pause", 9, 9)]
    assert calls(pf) == {"start": ["boot"], "stop": ["halt"], "pause": ["wait"],
                         "a.js": ["forEach", "use", "setTimeout", "tick"]}
    assert_covered(pf, text)


TYPESCRIPT = '''\
import { Injectable } from '@angular/core';
import type { Repo } from "./repo";

/** Shape of a user. */
export interface User {
  id: number;
  greet(): string;
}

export enum Color { Red, Green }

namespace Geo {
  export function area(r: number): number {
    return Math.PI * r * r;
  }
}

/**
 * Service for users.
 */
@Injectable()
export class UserService<T> implements Base {
  private cache = new Map<string, User>();

  constructor(private readonly repo: Repo) {}

  /** Find one user. */
  async find(id: number): Promise<User | undefined> {
    return this.repo.load<User>(id);
  }

  handle = (e: Event): void => {
    console.log(e);
  };
}

export abstract class Shape {
  abstract area(): number;
  describe(): string { return `area ${this.area()}`; }
}

export const double = (n: number): number => n * 2;

export default function main(): void {
  new UserService(repo).find(1);
}
'''


def test_typescript() -> None:
    pf = parse("src/user.service.ts", TYPESCRIPT)
    assert defs(pf) == [
        ("class", "User", 4, 8),  # interfaces and enums are classes
        ("class", "Color", 10, 10),
        ("function", "area", 13, 15),  # a namespace adds nothing to qualified names
        ("class", "UserService", 18, 35),  # JSDoc, decorator and `export`
        ("method", "UserService.constructor", 25, 25),
        ("method", "UserService.find", 27, 30),
        ("method", "UserService.handle", 32, 34),
        ("class", "Shape", 37, 40),
        ("method", "Shape.describe", 39, 39),
        ("function", "double", 42, 42),
        ("function", "main", 44, 46),
    ]
    assert calls(pf) == {
        "src/user.service.ts": ["Injectable"],
        "UserService": ["Map"],
        "UserService.find": ["load"],
        "UserService.handle": ["log"],
        "Shape.describe": ["area"],
        "main": ["find", "UserService"],
    }
    assert pf.imports == ["@angular/core", "./repo"]
    assert chunk(pf, "UserService").startswith(
        "/**\n * Service for users.\n */\n@Injectable()\nexport class UserService<T>")
    assert chunk(pf, "double") == "export const double = (n: number): number => n * 2;"
    assert_covered(pf, TYPESCRIPT)


TSX = '''\
import React, { useState } from 'react';
import { Button } from './Button';

type Props = { label: string };

/** A counter button. */
export const Counter = ({ label }: Props) => {
  const [n, setN] = useState(0);
  return <Button onClick={() => setN(n + 1)}>{label}: {n}</Button>;
};

export default function App(): JSX.Element {
  return <Counter label="clicks" />;
}

export class Legacy extends React.Component<Props> {
  render() {
    return <div>{this.props.label}</div>;
  }
}
'''


def test_tsx() -> None:
    pf = parse("src/App.tsx", TSX)
    assert pf.lang == "tsx"
    assert defs(pf) == [
        ("function", "Counter", 6, 10),
        ("function", "App", 12, 14),
        ("class", "Legacy", 16, 20),
        ("method", "Legacy.render", 17, 19),
    ]
    assert calls(pf) == {"Counter": ["useState", "setN"]}  # JSX elements are not calls
    assert pf.imports == ["react", "./Button"]
    assert [(c.kind.value, c.start_line, c.end_line) for c in pf.chunks][0] == ("block", 1, 4)
    assert_covered(pf, TSX)


@pytest.mark.parametrize(("path", "text"), [
    ("a.js", JAVASCRIPT), ("a.ts", TYPESCRIPT), ("a.tsx", TSX)])
def test_chunk_text_matches_its_lines(path: str, text: str) -> None:
    lines = text.split("\n")
    for c in parse(path, text).chunks:
        if c.kind.value != "class":
            assert c.text == "\n".join(lines[c.start_line - 1:c.end_line])
        assert c.text.split("\n")[0] == lines[c.start_line - 1]
