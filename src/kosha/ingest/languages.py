"""Languages Kosha understands: file extensions, and the tree-sitter node types that define,
call and import things in each grammar of tree-sitter-language-pack 0.13."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath


@dataclass(frozen=True)
class LangSpec:
    """How to read one tree-sitter grammar: which nodes are classes, functions, calls, imports."""

    name: str
    classes: frozenset[str]
    functions: frozenset[str]
    # call node type -> the field holding the callee (None: the first named child)
    calls: dict[str, str | None]
    imports: frozenset[str]
    import_pattern: re.Pattern[str]
    # nodes that wrap a definition and belong to its chunk (decorators, `export`, templates)
    wrappers: frozenset[str] = frozenset()
    # containers that add nothing to qualified names but hold definitions
    namespaces: frozenset[str] = frozenset()
    # function-valued expressions that become definitions when bound to a name
    anonymous_functions: frozenset[str] = frozenset()
    require_calls: frozenset[str] = field(default_factory=frozenset)


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names)


_JS_IMPORT = re.compile(r"""(?:from|import|require\s*\()\s*['"]([^'"\n]+)['"]""")

_JS_COMMON = dict(
    calls={"call_expression": "function", "new_expression": "constructor"},
    imports=_fs("import_statement"),
    import_pattern=_JS_IMPORT,
    wrappers=_fs("export_statement"),
    anonymous_functions=_fs("arrow_function", "function_expression", "function",
                            "generator_function"),
    require_calls=_fs("require"),
)

_TS_CLASSES = _fs("class_declaration", "abstract_class_declaration", "interface_declaration",
                  "enum_declaration")
_TS_FUNCTIONS = _fs("function_declaration", "generator_function_declaration",
                    "method_definition")

SPECS: dict[str, LangSpec] = {
    "python": LangSpec(
        name="python",
        classes=_fs("class_definition"),
        functions=_fs("function_definition"),
        calls={"call": "function"},
        imports=_fs("import_statement", "import_from_statement"),
        # `from m import a, b` names one module (the rest of the statement is consumed);
        # `import a as x, b` names each one after `import` or a comma
        import_pattern=re.compile(
            r"^\s*from\s+(\.*[\w.]*)\s+import\b[\s\S]*|(?:^\s*import\s+|,\s*)([\w.]+)", re.M),
        wrappers=_fs("decorated_definition"),
    ),
    "javascript": LangSpec(
        name="javascript",
        classes=_fs("class_declaration"),
        functions=_fs("function_declaration", "generator_function_declaration",
                      "method_definition"),
        **_JS_COMMON,
    ),
    "typescript": LangSpec(name="typescript", classes=_TS_CLASSES, functions=_TS_FUNCTIONS,
                           namespaces=_fs("internal_module", "module"), **_JS_COMMON),
    "tsx": LangSpec(name="tsx", classes=_TS_CLASSES, functions=_TS_FUNCTIONS,
                    namespaces=_fs("internal_module", "module"), **_JS_COMMON),
    "go": LangSpec(
        name="go",
        classes=_fs("type_declaration"),
        functions=_fs("function_declaration", "method_declaration"),
        calls={"call_expression": "function"},
        imports=_fs("import_declaration"),
        import_pattern=re.compile(r'"([^"\n]+)"'),
    ),
    "java": LangSpec(
        name="java",
        classes=_fs("class_declaration", "interface_declaration", "enum_declaration",
                    "record_declaration", "annotation_type_declaration"),
        functions=_fs("method_declaration", "constructor_declaration",
                      "compact_constructor_declaration"),
        calls={"method_invocation": "name", "object_creation_expression": "type"},
        imports=_fs("import_declaration"),
        import_pattern=re.compile(r"import\s+(?:static\s+)?(\w+(?:\.\w+)*)"),  # not `.*`
    ),
    "rust": LangSpec(
        name="rust",
        classes=_fs("struct_item", "enum_item", "trait_item", "impl_item", "union_item"),
        functions=_fs("function_item"),
        calls={"call_expression": "function", "macro_invocation": "macro"},
        imports=_fs("use_declaration"),
        import_pattern=re.compile(r"use\s+((?:::)?\w+(?:::\w+)*)"),  # not `::{…}`, `::*`
        namespaces=_fs("mod_item"),
    ),
    "c": LangSpec(
        name="c",
        classes=_fs("struct_specifier", "union_specifier", "enum_specifier"),
        functions=_fs("function_definition"),
        calls={"call_expression": "function"},
        imports=_fs("preproc_include"),
        import_pattern=re.compile(r"#\s*include\s*[<\"]([^>\"\n]+)[>\"]"),
    ),
    "cpp": LangSpec(
        name="cpp",
        classes=_fs("class_specifier", "struct_specifier", "union_specifier", "enum_specifier"),
        functions=_fs("function_definition"),
        calls={"call_expression": "function", "new_expression": "type"},
        imports=_fs("preproc_include"),
        import_pattern=re.compile(r"#\s*include\s*[<\"]([^>\"\n]+)[>\"]"),
        wrappers=_fs("template_declaration"),
        namespaces=_fs("namespace_definition", "linkage_specification"),
    ),
    "csharp": LangSpec(
        name="csharp",
        classes=_fs("class_declaration", "interface_declaration", "struct_declaration",
                    "record_declaration", "enum_declaration"),
        functions=_fs("method_declaration", "constructor_declaration",
                      "local_function_statement", "operator_declaration"),
        calls={"invocation_expression": "function", "object_creation_expression": "type"},
        imports=_fs("using_directive"),
        import_pattern=re.compile(r"using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)"),
        namespaces=_fs("namespace_declaration", "file_scoped_namespace_declaration"),
    ),
    "ruby": LangSpec(
        name="ruby",
        classes=_fs("class", "module"),
        functions=_fs("method", "singleton_method"),
        calls={"call": "method"},
        imports=_fs(),
        import_pattern=re.compile(r"""require(?:_relative)?\s*\(?\s*['"]([^'"\n]+)['"]"""),
        require_calls=_fs("require", "require_relative"),
    ),
    "php": LangSpec(
        name="php",
        classes=_fs("class_declaration", "interface_declaration", "trait_declaration",
                    "enum_declaration"),
        functions=_fs("function_definition", "method_declaration"),
        calls={"function_call_expression": "function", "member_call_expression": "name",
               "scoped_call_expression": "name", "nullsafe_member_call_expression": "name",
               "object_creation_expression": None},
        imports=_fs("namespace_use_clause", "require_once_expression", "require_expression",
                    "include_expression", "include_once_expression"),
        import_pattern=re.compile(r"""(?:^|\s)([\w\\]+\\[\w\\]+)|['"]([^'"\n]+\.php)['"]"""),
        namespaces=_fs("namespace_definition"),
    ),
}

_CODE_EXTENSIONS = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".java": "java", ".rs": "rust",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".cs": "csharp", ".rb": "ruby", ".rake": "ruby", ".php": "php",
}

# Text files indexed as line windows (no grammar): documentation, config, other languages.
_TEXT_EXTENSIONS = {
    ".md": "markdown", ".markdown": "markdown", ".rst": "rst", ".txt": "text",
    ".adoc": "text", ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini", ".xml": "xml", ".html": "html",
    ".htm": "html", ".css": "css", ".scss": "css", ".less": "css", ".sql": "sql",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ps1": "powershell",
    ".proto": "protobuf", ".graphql": "graphql", ".gql": "graphql", ".tf": "terraform",
    ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala", ".swift": "swift", ".lua": "lua",
    ".pl": "perl", ".pm": "perl", ".r": "r", ".dart": "dart", ".ex": "elixir",
    ".exs": "elixir", ".erl": "erlang", ".hs": "haskell", ".clj": "clojure", ".vue": "vue",
    ".svelte": "svelte", ".gradle": "gradle", ".cmake": "cmake", ".mk": "make",
    ".txt.in": "text", ".j2": "jinja", ".jinja": "jinja", ".tpl": "template",
}
_TEXT_NAMES = {
    "dockerfile": "dockerfile", "makefile": "make", "cmakelists.txt": "cmake",
    "readme": "text", "license": "text", "gemfile": "ruby", "rakefile": "ruby",
    "jenkinsfile": "groovy", "procfile": "text", "vagrantfile": "ruby",
}


def detect_language(rel_path: str) -> tuple[str | None, bool]:
    """(language, has_grammar) for a path; (None, False) when Kosha does not index it."""
    p = PurePosixPath(rel_path)
    name = p.name.lower()
    suffix = p.suffix.lower()
    if suffix in _CODE_EXTENSIONS:
        return _CODE_EXTENSIONS[suffix], True
    if name in _TEXT_NAMES:
        return _TEXT_NAMES[name], False
    double = "".join(p.suffixes[-2:]).lower()  # `.txt.in`
    if double in _TEXT_EXTENSIONS:
        return _TEXT_EXTENSIONS[double], False
    if suffix in _TEXT_EXTENSIONS:
        return _TEXT_EXTENSIONS[suffix], False
    return None, False
