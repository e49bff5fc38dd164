"""C and C++: exact symbols, line ranges, calls and imports of realistic files."""

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


C = '''\
#include <stdio.h>
#include "store.h"

/* A point in space. */
struct point {
    int x;
    int y;
};

typedef struct {
    char *name;
} user_t;

enum color { RED, GREEN };

int add(int a, int b);
static struct point *origin;

/**
 * Add two numbers.
 */
int add(int a, int b) {
    return a + b;
}

// Print a point.
static void print_point(const struct point *p) {
    printf("%d %d\\n", p->x, p->y);
    log_msg(p);
}

char **split(const char *s) {
    return strtok(strdup(s), ",");
}

int main(void) {
    print_point(origin);
    return add(1, 2);
}
'''


def test_c() -> None:
    pf = parse("src/point.c", C)
    assert defs(pf) == [
        ("class", "point", 4, 8),
        ("class", "user_t", 10, 12),  # anonymous struct named by its typedef
        ("class", "color", 14, 14),
        ("function", "add", 19, 24),  # the prototype on line 16 is no definition
        ("function", "print_point", 26, 30),
        ("function", "split", 32, 34),
        ("function", "main", 36, 39),
    ]
    assert calls(pf) == {
        "print_point": ["printf", "log_msg"],
        "split": ["strtok", "strdup"],
        "main": ["print_point", "add"],
    }
    assert pf.imports == ["stdio.h", "store.h"]
    assert chunk(pf, "add") == "/**\n * Add two numbers.\n */\nint add(int a, int b) {\n" \
                               "    return a + b;\n}"
    assert [(c.start_line, c.end_line) for c in pf.chunks if c.kind.value == "block"] == [
        (1, 2), (16, 17)]
    assert_covered(pf, C)


CPP = '''\
#include <vector>
#include "foo.hpp"

namespace app {

/// A foo.
class Foo : public Base {
public:
    Foo(int n) : n_(n) {}
    ~Foo() override;

    int get() const {
        return compute(n_);
    }

    void ext();

    struct Node {
        int v;
        int value() const { return v; }
    };

private:
    int n_;
};

// Out-of-class definition.
void Foo::ext() {
    auto p = new Node();
    std::vector<int> xs;
    xs.push_back(helper());
}

Foo::~Foo() {}

void app::Foo::reset() { clear(); }

/// Max of two.
template <typename T>
T max_of(T a, T b) {
    return a > b ? a : b;
}

bool operator==(const Foo& a, const Foo& b) { return a.get() == b.get(); }
bool Foo::operator<(const Foo& o) const { return n_ < o.n_; }

}  // namespace app

int main() {
    app::Foo f(1);
    return app::max_of<int>(f.get(), 2);
}
'''


def test_cpp() -> None:
    pf = parse("src/foo.cpp", CPP)
    assert defs(pf) == [
        ("class", "Foo", 6, 25),
        ("method", "Foo.Foo", 9, 9),
        ("method", "Foo.get", 12, 14),
        ("class", "Foo.Node", 18, 21),
        ("method", "Foo.Node.value", 20, 20),
        ("method", "Foo.ext", 27, 32),  # out-of-class definition
        ("method", "Foo.~Foo", 34, 34),
        ("method", "Foo.reset", 36, 36),  # `app::Foo::reset`: the owner is Foo
        ("function", "max_of", 38, 42),  # `///` and `template <…>` belong to it
        ("function", "operator==", 44, 44),
        ("method", "Foo.operator<", 45, 45),
        ("function", "main", 49, 52),
    ]
    assert contains(pf) == [
        ("src/foo.cpp", "Foo"), ("Foo", "Foo.Foo"), ("Foo", "Foo.get"), ("Foo", "Foo.Node"),
        ("Foo.Node", "Foo.Node.value"), ("src/foo.cpp", "Foo.ext"),
        ("src/foo.cpp", "Foo.~Foo"), ("src/foo.cpp", "Foo.reset"), ("src/foo.cpp", "max_of"),
        ("src/foo.cpp", "operator=="), ("src/foo.cpp", "Foo.operator<"),
        ("src/foo.cpp", "main")]
    assert calls(pf) == {
        "Foo.get": ["compute"],
        "Foo.ext": ["Node", "push_back", "helper"],  # `new Node()` calls Node
        "Foo.reset": ["clear"],
        "operator==": ["get"],
        "main": ["max_of", "get"],
    }
    assert pf.imports == ["vector", "foo.hpp"]
    assert chunk(pf, "max_of").startswith("/// Max of two.\ntemplate <typename T>\nT max_of(")
    assert_covered(pf, CPP)


def test_cpp_template_class_and_member() -> None:
    text = "template <typename T>\nclass Box {\n  T v;\n};\n\n" \
           "template <typename T>\nvoid Box<T>::put(T v) { store(v); }\n"
    pf = parse("a.hpp", text)
    assert defs(pf) == [("class", "Box", 1, 4), ("method", "Box.put", 6, 7)]


@pytest.mark.parametrize(("path", "text"), [("a.c", C), ("a.cpp", CPP)])
def test_chunk_text_matches_its_lines(path: str, text: str) -> None:
    lines = text.split("\n")
    for c in parse(path, text).chunks:
        if c.kind.value != "class":
            assert c.text == "\n".join(lines[c.start_line - 1:c.end_line])
        assert c.text.split("\n")[0] == lines[c.start_line - 1]
