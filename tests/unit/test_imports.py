"""Resolving import strings to files of the same repository."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kosha.ingest.imports import PathIndex, resolve_import

PATHS = [
    # JS / TS
    "src/app/main.ts", "src/app/util.ts", "src/app/comp/index.tsx", "src/app/types.d.ts",
    "src/app/legacy.js", "src/app/legacy.ts", "src/lib/helper.js", "web/widget/index.js",
    # Python
    "pkg/__init__.py", "pkg/app.py", "pkg/json.py", "pkg/mod/__init__.py", "pkg/mod/core.py",
    "pkg/sub/thing.py", "lib/json.py", "utils.py", "tools/run.py", "tools/utils.py",
    "a/b/c/d/e/f.py", "stubs/api.pyi",
    # Java
    "src/main/java/com/acme/billing/Invoice.java", "src/main/java/com/acme/App.java",
    # Go
    "internal/server/handler.go", "internal/server/routes.go", "internal/server/routes_test.go",
    "cmd/api/main.go", "util/text.go", "main.go",
    # C
    "include/foo/bar.h", "src/foo/impl.c", "src/foo/local.h", "src/util/strings.h",
    # Rust
    "src/lib.rs", "src/util/help.rs", "src/util/mod.rs", "src/net.rs",
    # PHP / Ruby
    "app/Http/Controllers/UserController.php", "src/Acme/Billing/Invoice.php",
    "lib/app.rb", "lib/models/user.rb",
]
INDEX = PathIndex(PATHS)


def resolve(module: str, from_path: str) -> list[str]:
    return resolve_import(module, from_path, INDEX)


@pytest.mark.parametrize("module, from_path, expected", [
    ("./util", "src/app/main.ts", ["src/app/util.ts"]),
    ("./util.ts", "src/app/main.ts", ["src/app/util.ts"]),
    ("./comp", "src/app/main.ts", ["src/app/comp/index.tsx"]),
    ("../lib/helper", "src/app/main.ts", ["src/lib/helper.js"]),
    ("../../web/widget", "src/app/main.ts", ["web/widget/index.js"]),
    ("./types", "src/app/main.ts", ["src/app/types.d.ts"]),
    ("./legacy", "src/app/main.ts", ["src/app/legacy.ts"]),  # .ts is tried before .js
    ("@/app/util", "src/app/main.ts", ["src/app/util.ts"]),  # an alias, by suffix
])
def test_js_and_ts_imports(module, from_path, expected):
    assert resolve(module, from_path) == expected


@pytest.mark.parametrize("module", ["./missing", "../../../../etc/passwd", "react",
                                    "lodash/merge", "node:fs", "@angular/core"])
def test_unknown_js_imports_resolve_to_nothing(module):
    assert resolve(module, "src/app/main.ts") == []


@pytest.mark.parametrize("module, from_path, expected", [
    (".core", "pkg/mod/__init__.py", ["pkg/mod/core.py"]),
    (".core", "pkg/mod/other.py", ["pkg/mod/core.py"]),
    ("..sub.thing", "pkg/mod/core.py", ["pkg/sub/thing.py"]),
    ("..json", "pkg/mod/core.py", ["pkg/json.py"]),
    (".", "pkg/mod/core.py", ["pkg/mod/__init__.py"]),
    ("..", "pkg/mod/core.py", ["pkg/__init__.py"]),
    ("..mod", "pkg/app.py", []),  # above the top of the repo
    (".api", "stubs/x.pyi", ["stubs/api.pyi"]),  # stubs import stubs
])
def test_python_relative_imports(module, from_path, expected):
    assert resolve(module, from_path) == expected


@pytest.mark.parametrize("module, expected", [
    ("pkg.mod.core", ["pkg/mod/core.py"]),
    ("pkg.mod", ["pkg/mod/__init__.py"]),
    ("pkg", ["pkg/__init__.py"]),  # a top-level package, by its __init__.py
    ("pkg.sub.thing", ["pkg/sub/thing.py"]),
    ("a.b.c.d.e.f", ["a/b/c/d/e/f.py"]),
])
def test_python_absolute_imports(module, expected):
    assert resolve(module, "tools/run.py") == expected


def test_single_segment_module_only_resolves_nearby():
    assert resolve("json", "tools/run.py") == []  # not pkg/json.py nor lib/json.py
    assert resolve("json", "pkg/app.py") == ["pkg/json.py"]
    assert resolve("json", "lib/x.py") == ["lib/json.py"]
    assert resolve("utils", "tools/run.py") == ["tools/utils.py", "utils.py"]
    assert resolve("utils", "somewhere/deep/x.py") == ["utils.py"]


@pytest.mark.parametrize("module", ["os", "os.path", "requests", "numpy.linalg", "typing"])
def test_python_external_modules_resolve_to_nothing(module):
    assert resolve(module, "tools/run.py") == []


def test_a_module_ending_like_a_file_extension_keeps_its_last_part():
    index = PathIndex(["proto/h.py", "proto.py", "com/acme/rb/Client.java", "com/acme/rb.java"])
    assert resolve_import("proto.h", "x.py", index) == ["proto/h.py"]
    assert resolve_import("com.acme.rb", "App.java", index) == ["com/acme/rb.java"]


def test_java_class_imports():
    assert resolve("com.acme.billing.Invoice", "src/main/java/com/acme/App.java") == [
        "src/main/java/com/acme/billing/Invoice.java"]
    assert resolve("java.util.List", "src/main/java/com/acme/App.java") == []


def test_go_imports_name_a_package_directory():
    found = resolve("github.com/acme/svc/internal/server", "cmd/api/main.go")
    assert found == ["internal/server/handler.go", "internal/server/routes.go"]
    assert resolve("github.com/acme/svc/util", "cmd/api/main.go") == ["util/text.go"]


@pytest.mark.parametrize("module", ["fmt", "net/http", "github.com/spf13/cobra",
                                    "golang.org/x/sync/errgroup"])
def test_go_external_imports_resolve_to_nothing(module):
    assert resolve(module, "cmd/api/main.go") == []


@pytest.mark.parametrize("module, expected", [
    ("local.h", ["src/foo/local.h"]),  # relative to the including file first
    ("./local.h", ["src/foo/local.h"]),
    ("../util/strings.h", ["src/util/strings.h"]),
    ("foo/bar.h", ["include/foo/bar.h"]),  # then by suffix
    ("util/strings.h", ["src/util/strings.h"]),
    ("stdio.h", []),
    ("bar.h", []),  # a bare name far away is not guessed
])
def test_c_includes(module, expected):
    assert resolve(module, "src/foo/impl.c") == expected


@pytest.mark.parametrize("module, from_path, expected", [
    ("crate::util::help", "src/lib.rs", ["src/util/help.rs"]),
    ("crate::util", "src/lib.rs", ["src/util/mod.rs"]),
    ("crate::net", "src/lib.rs", ["src/net.rs"]),
    ("super::help", "src/util/mod.rs", ["src/util/help.rs"]),
    ("self::help", "src/util/mod.rs", ["src/util/help.rs"]),
    ("std::collections::HashMap", "src/lib.rs", []),
    ("serde::Deserialize", "src/lib.rs", []),
])
def test_rust_paths(module, from_path, expected):
    assert resolve(module, from_path) == expected


@pytest.mark.parametrize("module, expected", [
    ("App\\Http\\Controllers\\UserController", ["app/Http/Controllers/UserController.php"]),
    ("Acme\\Billing\\Invoice", ["src/Acme/Billing/Invoice.php"]),
    ("Illuminate\\Support\\Str", []),
])
def test_php_namespaces(module, expected):
    assert resolve(module, "routes/web.php") == expected


def test_ruby_requires():
    assert resolve("models/user", "lib/app.rb") == ["lib/models/user.rb"]
    assert resolve("./models/user", "lib/app.rb") == ["lib/models/user.rb"]
    assert resolve("set", "lib/app.rb") == []


def test_path_index_lookup_by_trailing_segments():
    index = PathIndex(["a/b/c.py", "x/b/c.ts", "a/b/__init__.py"])
    assert index.lookup(("c",)) == ["a/b/c.py", "x/b/c.ts"]
    assert index.lookup(("a", "b", "c")) == ["a/b/c.py"]
    assert index.lookup(("a", "b")) == ["a/b/__init__.py"]
    assert index.lookup(("nope",)) == []
    assert index.paths == {"a/b/c.py", "x/b/c.ts", "a/b/__init__.py"}


def test_at_most_three_hits():
    index = PathIndex([f"m{i}/x/y.py" for i in range(6)])
    assert resolve_import("x.y", "z.py", index) == ["m0/x/y.py", "m1/x/y.py", "m2/x/y.py"]


_SEG = st.from_regex(r"\A[a-z][a-z0-9]{0,5}\Z")


@given(st.lists(_SEG, min_size=2, max_size=5, unique=True),
       st.lists(_SEG, max_size=3), st.sampled_from([".py", ".ts", ".java", ".go"]))
def test_a_file_is_found_by_its_full_module_path(segs, noise_dir, ext):
    path = "/".join(segs) + ext
    index = PathIndex([path, "/".join([*noise_dir, "other" + ext])])
    module = {".py": ".".join(segs), ".java": ".".join(segs),
              ".ts": "@/" + "/".join(segs), ".go": "/".join(segs[:-1])}[ext]
    from_path = "zz/caller" + ext
    found = resolve_import(module, from_path, index)
    assert path in found
    assert all(f in index.paths for f in found)
    if ext == ".go":  # a Go import names exactly one package directory
        assert {f.rsplit("/", 1)[0] for f in found} == {"/".join(segs[:-1])}
