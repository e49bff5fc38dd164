"""Parse a file into chunks (definitions first, line windows as fallback), symbols and edges."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from tree_sitter import Node, Parser
from tree_sitter_language_pack import get_parser

from kosha.domain.models import Chunk, Edge, Kind, ParsedFile, Symbol, sha1
from kosha.ingest.languages import SPECS, LangSpec

WINDOW_LINES = 60
MAX_CHUNK_LINES = 150
PART_LINES = 100
MAX_CALLS_PER_SYMBOL = 256
MAX_IMPORTS_PER_FILE = 256
_IDENT = re.compile(r"(?:[^\W\d]|\$)[\w$]*")  # Unicode letters too: `größe`, `名前`
_GENERIC_ARGS = re.compile(r"<[^<>()]*>")


@cache
def _parser(lang: str) -> Parser:
    return get_parser(lang)  # type: ignore[arg-type]


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


def _last_identifier(text: str) -> str:
    """`self.repo.fetch`, `Vec::<u8>::new`, `obj->call` -> the called name."""
    stripped = _GENERIC_ARGS.sub("", text)
    while stripped != text:  # nested generics: `collect::<Vec<_>>`
        text, stripped = stripped, _GENERIC_ARGS.sub("", stripped)
    found = _IDENT.findall(stripped)
    return found[-1] if found else ""


@dataclass
class _Def:
    kind: Kind
    name: str
    qualified: str
    node: Node
    span_start: int  # 1-based, includes decorators, `export` and leading comments
    start: int  # 1-based line of the definition itself
    end: int
    parent: int | None  # index of the enclosing definition
    calls: list[str] = field(default_factory=list)


def _last_row(node: Node) -> int:
    """The last row a node really occupies (an end at column 0 means the row before)."""
    row = node.end_point.row
    return row - 1 if node.end_point.column == 0 and row > node.start_point.row else row


def _c_declarator_name(node: Node) -> tuple[str, str]:
    """(owner, name) of a C/C++ function definition's declarator chain."""
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type not in (
            "identifier", "field_identifier", "qualified_identifier", "destructor_name",
            "operator_name", "type_identifier"):
        decl = decl.child_by_field_name("declarator")
    if decl is None:
        return "", ""
    if decl.type == "qualified_identifier":
        # `ns::Foo::bar` nests: the owner is the scope closest to the name
        scope, name = decl.child_by_field_name("scope"), decl.child_by_field_name("name")
        while name is not None and name.type == "qualified_identifier":
            scope, name = name.child_by_field_name("scope"), name.child_by_field_name("name")
        owner = _last_identifier(_text(scope))
        if name is not None and name.type in ("destructor_name", "operator_name"):
            return owner, _text(name)  # `~Foo`, `operator==`
        return owner, _last_identifier(_text(name))
    return "", _text(decl)


def _go_receiver(node: Node) -> str:
    receiver = node.child_by_field_name("receiver")
    if receiver is None:
        return ""
    # `(s *Store[K, V])` -> Store
    return _last_identifier(_text(receiver).split(")")[0].split("[")[0].split(" ")[-1])


def _anonymous_name(node: Node) -> str:
    """Name of a function expression bound by `const f = …`, `x.f = …` or `{f: …}`."""
    parent = node.parent
    if parent is None:
        return ""
    if parent.type in ("variable_declarator", "public_field_definition", "field_definition"):
        # JavaScript's `field_definition` names its field `property`
        name = parent.child_by_field_name("name") or parent.child_by_field_name("property")
        return _last_identifier(_text(name))
    if parent.type == "assignment_expression":
        return _last_identifier(_text(parent.child_by_field_name("left")))
    if parent.type == "pair":
        return _last_identifier(_text(parent.child_by_field_name("key")))
    return ""


class _FileParser:
    def __init__(self, spec: LangSpec, source: bytes, lines: list[str]) -> None:
        self.spec = spec
        self.source = source
        self.lines = lines
        self.defs: list[_Def] = []
        self.file_calls: list[str] = []
        self.imports: list[str] = []

    # --- definitions -------------------------------------------------------------------
    def _class_name(self, node: Node) -> str:
        t = node.type
        if t == "impl_item":
            return _last_identifier(_text(node.child_by_field_name("type")))
        if t == "type_declaration":
            for child in node.named_children:
                if child.type in ("type_spec", "type_alias"):
                    return _text(child.child_by_field_name("name"))
            return ""
        if self.spec.name in ("c", "cpp") and node.child_by_field_name("body") is None:
            return ""  # `struct S *p;` uses a type, it does not define one
        name = _text(node.child_by_field_name("name"))
        if not name and node.parent is not None and node.parent.type == "type_definition":
            name = _last_identifier(_text(node.parent.child_by_field_name("declarator")))
        return name

    def _function_name(self, node: Node) -> tuple[str, str]:
        """(explicit owner, name) of a function-like node."""
        if self.spec.name in ("c", "cpp") and node.type == "function_definition":
            return _c_declarator_name(node)
        if node.type == "method_declaration" and self.spec.name == "go":
            return _go_receiver(node), _text(node.child_by_field_name("name"))
        if node.type in self.spec.anonymous_functions:
            return "", _anonymous_name(node)
        if node.type == "operator_declaration":  # C# `operator +` has no name field
            return "", "operator" + _text(node.child_by_field_name("operator"))
        return "", _last_identifier(_text(node.child_by_field_name("name")))

    def _span_start(self, node: Node) -> int:
        top = node
        while top.parent is not None and (
                top.parent.type in self.spec.wrappers
                or (top.parent.type == "type_definition" and self.spec.name in ("c", "cpp"))):
            top = top.parent
        if node.type in self.spec.anonymous_functions:
            # `export const f = () => …`: the chunk starts at the declaration
            while top.parent is not None and top.parent.type in (
                    "variable_declarator", "lexical_declaration", "variable_declaration",
                    "export_statement", "assignment_expression", "expression_statement",
                    "public_field_definition", "field_definition"):
                top = top.parent
        start = top.start_point.row
        # Python and Ruby hang a comment before a body's first member outside the body node.
        anchor = top
        while (anchor.prev_named_sibling is None and anchor.parent is not None
               and anchor.parent.start_byte == anchor.start_byte):
            anchor = anchor.parent
        prev = anchor.prev_named_sibling
        while (prev is not None and ("comment" in prev.type or prev.type == "attribute_item")
               and prev.end_point.row >= start - 1 and self._starts_line(prev)):
            start = prev.start_point.row
            prev = prev.prev_named_sibling
        return start + 1

    def _starts_line(self, node: Node) -> bool:
        """Nothing but indentation before the node on its line (not a trailing comment)."""
        line_start = self.source.rfind(b"\n", 0, node.start_byte) + 1
        return not self.source[line_start:node.start_byte].strip()

    def _add_def(self, node: Node, kind: Kind, name: str, owner: str,
                 parent: int | None) -> int:
        prefix = self.defs[parent].qualified if parent is not None else owner
        qualified = f"{prefix}.{name}" if prefix else name
        self.defs.append(_Def(kind=kind, name=name, qualified=qualified, node=node,
                              span_start=self._span_start(node), start=node.start_point.row + 1,
                              end=_last_row(node) + 1, parent=parent))
        return len(self.defs) - 1

    # --- traversal ---------------------------------------------------------------------
    def walk(self, root: Node) -> None:
        spec = self.spec
        # (node, owning definition index, inside a function body)
        stack: list[tuple[Node, int | None, bool]] = [(root, None, False)]
        while stack:
            node, owner, in_function = stack.pop()
            t = node.type
            child_owner, child_in_function = owner, in_function
            if not in_function and t in spec.classes:
                name = self._class_name(node)
                if name:
                    child_owner = self._add_def(node, Kind.CLASS, name, "", owner)
            elif not in_function and (t in spec.functions or t in spec.anonymous_functions):
                explicit_owner, name = self._function_name(node)
                if name:
                    in_class = owner is not None and self.defs[owner].kind == Kind.CLASS
                    kind = Kind.METHOD if in_class or explicit_owner else Kind.FUNCTION
                    child_owner = self._add_def(node, kind, name, explicit_owner, owner)
                    child_in_function = True
            elif t in spec.calls:
                self._record_call(node, owner)
            elif t in spec.imports:
                self._record_import(_text(node))
            for child in reversed(node.children):
                if child.is_named:
                    stack.append((child, child_owner, child_in_function))

    def _record_call(self, node: Node, owner: int | None) -> None:
        field_name = self.spec.calls[node.type]
        target = node.child_by_field_name(field_name) if field_name else (
            node.named_children[0] if node.named_children else None)
        name = _last_identifier(_text(target))
        if not name:
            return
        if name in self.spec.require_calls:
            self._record_import(_text(node))
        calls = self.defs[owner].calls if owner is not None else self.file_calls
        if len(calls) < MAX_CALLS_PER_SYMBOL and name not in calls:
            calls.append(name)

    def _record_import(self, text: str) -> None:
        for match in self.spec.import_pattern.finditer(text):
            module = next((g for g in match.groups() if g), "")
            if module and module not in self.imports and len(self.imports) < MAX_IMPORTS_PER_FILE:
                self.imports.append(module)


def _split(kind: Kind, rel_path: str, lang: str, start: int, lines: list[str], symbol: str,
           qualified: str) -> list[Chunk]:
    """One chunk, or overlapping parts of a long definition."""
    if len(lines) <= MAX_CHUNK_LINES:
        return [Chunk(rel_path, lang, kind, start, start + len(lines) - 1, "\n".join(lines),
                      symbol, qualified)]
    chunks = []
    step = PART_LINES - 10
    for part, offset in enumerate(range(0, len(lines), step)):
        piece = lines[offset:offset + PART_LINES]
        chunks.append(Chunk(rel_path, lang, kind, start + offset, start + offset + len(piece) - 1,
                            "\n".join(piece), symbol, qualified, part))
        if offset + PART_LINES >= len(lines):
            break
    return chunks


def _windows(rel_path: str, lang: str, lines: list[str], rows: list[int],
             min_nonblank: int) -> list[Chunk]:
    """Group 1-based line numbers into contiguous windows of at most WINDOW_LINES."""
    chunks: list[Chunk] = []
    run: list[int] = []
    continued = False  # the run goes on from a window cut at WINDOW_LINES

    def flush() -> None:
        nonblank = sum(1 for r in run if lines[r - 1].strip())
        if nonblank >= (1 if continued else min_nonblank):
            # trim blank edges so line ranges point at code
            body = [r for r in run if lines[r - 1].strip()]
            a, b = body[0], body[-1]
            chunks.append(Chunk(rel_path, lang, Kind.BLOCK, a, b,
                                "\n".join(lines[a - 1:b])))
        run.clear()

    for r in rows:
        if run and (r != run[-1] + 1 or len(run) >= WINDOW_LINES):
            full = r == run[-1] + 1
            flush()
            continued = full
        run.append(r)
    if run:
        flush()
    return chunks


def _class_skeleton(d: _Def, children: list[_Def], lines: list[str]) -> list[str]:
    """A class's own lines with the bodies of its members collapsed to `...`."""
    hidden: set[int] = set()
    for c in children:
        hidden.update(range(c.start + 1, c.end + 1))
    out: list[str] = []
    for row in range(d.span_start, d.end + 1):
        if row in hidden:
            if not out or out[-1].strip() != "...":
                indent = len(lines[row - 1]) - len(lines[row - 1].lstrip())
                out.append(" " * indent + "...")
        else:
            out.append(lines[row - 1])
    return out


def parse_source(rel_path: str, text: str, lang: str, has_grammar: bool,
                 id_prefix: str) -> ParsedFile:
    """Chunks, symbols (with call names), CONTAINS edges and imports of one file.

    `id_prefix` makes node ids unique per (tenant, repo, file version).
    """
    lines = text.split("\n")
    # A final newline ends the last line; it does not open another one.
    line_count = len(lines) - 1 if len(lines) > 1 and text.endswith("\n") else len(lines)
    file_id = sha1(f"{id_prefix}|file")  # = models.file_node_id for the pipeline's prefix
    file_symbol = Symbol(file_id, Kind.FILE, rel_path.rsplit("/", 1)[-1], rel_path, rel_path,
                         1, line_count, lang)
    spec = SPECS.get(lang) if has_grammar else None
    if spec is None:
        chunks = _windows(rel_path, lang, lines, list(range(1, len(lines) + 1)), 1)
        return ParsedFile(rel_path, lang, line_count, chunks, [file_symbol], [], [])

    source = text.encode("utf-8", "surrogatepass")
    fp = _FileParser(spec, source, lines)
    fp.walk(_parser(lang).parse(source).root_node)
    file_symbol.calls = fp.file_calls
    file_symbol.imports = fp.imports

    symbols = [file_symbol]
    edges: list[Edge] = []
    chunks: list[Chunk] = []
    ids: list[str] = []
    seen: set[str] = set()
    covered: set[int] = set()
    for i, d in enumerate(fp.defs):
        node_id = sha1(f"{id_prefix}|{d.kind}|{d.qualified}|{d.start}")
        if node_id in seen:  # same name on one line (`void f(int a) {} void f(String s) {}`)
            node_id = sha1(f"{id_prefix}|{d.kind}|{d.qualified}|{d.start}|{d.node.start_byte}")
        ids.append(node_id)
        seen.add(node_id)
        symbols.append(Symbol(node_id, d.kind, d.name, d.qualified, rel_path, d.span_start,
                              d.end, lang, d.calls))
        if d.parent is None:
            edges.append(Edge(file_id, Kind.FILE, node_id, d.kind, "CONTAINS"))
        else:
            edges.append(Edge(ids[d.parent], fp.defs[d.parent].kind, node_id, d.kind,
                              "CONTAINS"))
        if d.kind == Kind.CLASS:
            # One chunk per class: its skeleton, spanning the whole class.
            skeleton = _class_skeleton(d, [c for c in fp.defs if c.parent == i], lines)
            chunks.append(Chunk(rel_path, lang, d.kind, d.span_start, d.end,
                                "\n".join(skeleton[:MAX_CHUNK_LINES]), d.name, d.qualified))
        else:
            chunks.extend(_split(d.kind, rel_path, lang, d.span_start,
                                 lines[d.span_start - 1:d.end], d.name, d.qualified))
        if d.parent is None:
            covered.update(range(d.span_start, d.end + 1))
    leftover = [r for r in range(1, len(lines) + 1) if r not in covered]
    chunks.extend(_windows(rel_path, lang, lines, leftover, 1 if not chunks else 2))
    chunks.sort(key=lambda c: (c.start_line, c.end_line))
    return ParsedFile(rel_path, lang, line_count, chunks, symbols, edges, fp.imports)
