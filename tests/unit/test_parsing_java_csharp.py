"""Java and C#: exact symbols, line ranges, calls and imports of realistic files."""

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


JAVA = '''\
package com.example.app;

import java.util.List;
import java.util.ArrayList;
import static java.util.Collections.emptyList;
import java.io.*;

/**
 * A service.
 */
@Service
public class UserService extends Base implements Api {
    private final List<String> names = new ArrayList<>();

    /** Build it. */
    public UserService(Repo repo) {
        super(repo);
        this.repo = repo;
    }

    // Find a user.
    @Override
    public User find(int id) {
        Runnable r = () -> audit(id);
        return repo.load(id).orElseThrow(() -> new NotFound(id));
    }

    static class Cache {
        void clear() { map.clear(); }
    }

    interface Listener {
        void on(Event e);
        default void off() { log("off"); }
    }

    enum Mode { ON, OFF; boolean active() { return this == ON; } }
}

record Point(int x, int y) {
    Point {
        check(x);
    }
}
'''


def test_java() -> None:
    pf = parse("src/main/java/com/example/app/UserService.java", JAVA)
    assert defs(pf) == [
        ("class", "UserService", 8, 38),  # Javadoc and annotation belong to the class
        ("method", "UserService.UserService", 15, 19),  # constructor
        ("method", "UserService.find", 21, 26),  # `//` comment above the annotation
        ("class", "UserService.Cache", 28, 30),
        ("method", "UserService.Cache.clear", 29, 29),
        ("class", "UserService.Listener", 32, 35),
        ("method", "UserService.Listener.on", 33, 33),
        ("method", "UserService.Listener.off", 34, 34),
        ("class", "UserService.Mode", 37, 37),
        ("method", "UserService.Mode.active", 37, 37),
        ("class", "Point", 40, 44),  # record
        ("method", "Point.Point", 41, 43),  # compact constructor
    ]
    file = "src/main/java/com/example/app/UserService.java"
    assert contains(pf) == [
        (file, "UserService"), ("UserService", "UserService.UserService"),
        ("UserService", "UserService.find"), ("UserService", "UserService.Cache"),
        ("UserService.Cache", "UserService.Cache.clear"),
        ("UserService", "UserService.Listener"),
        ("UserService.Listener", "UserService.Listener.on"),
        ("UserService.Listener", "UserService.Listener.off"),
        ("UserService", "UserService.Mode"), ("UserService.Mode", "UserService.Mode.active"),
        (file, "Point"), ("Point", "Point.Point")]
    assert calls(pf) == {
        "UserService": ["ArrayList"],  # field initialiser `new ArrayList<>()`
        "UserService.find": ["audit", "orElseThrow", "load", "NotFound"],  # lambdas inside
        "UserService.Cache.clear": ["clear"],
        "UserService.Listener.off": ["log"],
        "Point.Point": ["check"],
    }
    assert pf.imports == ["java.util.List", "java.util.ArrayList",
                          "java.util.Collections.emptyList", "java.io"]
    assert chunk(pf, "UserService.find").startswith(
        "    // Find a user.\n    @Override\n    public User find(int id) {")
    assert [(c.start_line, c.end_line) for c in pf.chunks if c.kind.value == "block"] == [
        (1, 6)]
    assert_covered(pf, JAVA)


CSHARP = '''\
using System;
using System.Collections.Generic;
using static System.Math;
using Json = Newtonsoft.Json;

namespace App.Services
{
    /// <summary>A user service.</summary>
    [Serializable]
    public class UserService : IService
    {
        private readonly List<User> _users = new List<User>();

        public UserService(IRepo repo)
        {
            _repo = repo;
        }

        /// <summary>Find a user.</summary>
        public User Find(int id)
        {
            int Local(int x) => x + 1;
            return _repo.Load(Local(id));
        }

        public string Name { get; set; }

        public static UserService operator +(UserService a, UserService b) => Merge(a, b);
    }

    public interface IService
    {
        User Find(int id);
    }

    public struct Point { public int X; public int Len() => Math.Abs(X); }

    public record Person(string Name);

    public enum Color { Red, Green }
}
'''


def test_csharp() -> None:
    pf = parse("Services/UserService.cs", CSHARP)
    assert defs(pf) == [
        ("class", "UserService", 8, 29),  # namespaces add nothing to qualified names
        ("method", "UserService.UserService", 14, 17),
        ("method", "UserService.Find", 19, 24),  # the local function stays inside
        ("method", "UserService.operator+", 28, 28),  # properties are not methods
        ("class", "IService", 31, 34),
        ("method", "IService.Find", 33, 33),
        ("class", "Point", 36, 36),  # struct
        ("method", "Point.Len", 36, 36),
        ("class", "Person", 38, 38),  # record
        ("class", "Color", 40, 40),  # enum
    ]
    assert calls(pf) == {
        "UserService": ["List"],
        "UserService.Find": ["Load", "Local"],
        "UserService.operator+": ["Merge"],
        "Point.Len": ["Abs"],
    }
    assert pf.imports == ["System", "System.Collections.Generic", "System.Math",
                          "Newtonsoft.Json"]
    assert chunk(pf, "UserService").startswith(
        "    /// <summary>A user service.</summary>\n    [Serializable]\n    public class")
    assert [(c.start_line, c.end_line) for c in pf.chunks if c.kind.value == "block"] == [
        (1, 7)]
    assert_covered(pf, CSHARP)


def test_csharp_file_scoped_namespace() -> None:
    text = "namespace App.Models;\n\n// A model.\npublic class Model\n{\n" \
           "    public void Save() => Db.Write(this);\n}\n"
    pf = parse("Model.cs", text)
    assert defs(pf) == [("class", "Model", 3, 7), ("method", "Model.Save", 6, 6)]
    assert calls(pf) == {"Model.Save": ["Write"]}


@pytest.mark.parametrize(("path", "text"), [("A.java", JAVA), ("A.cs", CSHARP)])
def test_chunk_text_matches_its_lines(path: str, text: str) -> None:
    lines = text.split("\n")
    for c in parse(path, text).chunks:
        if c.kind.value != "class":
            assert c.text == "\n".join(lines[c.start_line - 1:c.end_line])
        assert c.text.split("\n")[0] == lines[c.start_line - 1]
