"""Which files get indexed: path/mode/size checks and content decoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kosha.domain.models import FileVersion
from kosha.ingest.files import Candidate, SkipReason, classify_path, decode_source, work_order

MAX = 1000


def classify(path: str, size: int = 10, mode: str = "100644") -> Candidate | SkipReason:
    return classify_path(FileVersion(path, "0" * 40, size, mode), MAX)


# --- classify_path -------------------------------------------------------------------------


@pytest.mark.parametrize("path, lang, grammar", [
    ("src/app.py", "python", True),
    ("pkg/types.pyi", "python", True),
    ("web/App.TSX", "tsx", True),
    ("api.d.ts", "typescript", True),
    ("cmd/main.go", "go", True),
    ("src/vendor.py", "python", True),  # a *file* named like a vendor dir is fine
    ("build.py", "python", True),
    ("src/building/x.py", "python", True),
    ("mypackage-lock.json", "json", False),
    ("README.md", "markdown", False),
    ("README", "text", False),
    ("Dockerfile", "dockerfile", False),
    (".github/workflows/ci.yml", "yaml", False),
])
def test_indexable_paths_become_candidates(path, lang, grammar):
    result = classify(path)
    assert isinstance(result, Candidate)
    assert (result.lang, result.has_grammar) == (lang, grammar)
    assert result.version.rel_path == path


@pytest.mark.parametrize("path", [
    "node_modules/react/index.js",
    "web/node_modules/x/y.ts",
    "vendor/github.com/pkg/errors/errors.go",
    "a/Vendor/b.go",
    "third_party/zlib/inflate.c",
    "third-party/x.c",
    "bower_components/x.js",
    "lib/python3.11/site-packages/requests/api.py",
    "x/.venv/lib.py",
    "pkg/__pycache__/mod.py",
    "ios/Pods/AFNetworking/a.h",
])
def test_vendored_directories_are_skipped(path):
    assert classify(path) is SkipReason.VENDORED


@pytest.mark.parametrize("path", [
    "static/app.min.js", "static/app.MIN.JS", "css/site.min.css", "x.bundle.js", "a.js.map",
    "proto/foo_pb2.py", "proto/foo_pb2_grpc.py", "proto/foo_pb2.pyi", "api/foo.pb.go",
    "Models/User.generated.cs", "lib/main.g.dart", "Form1.Designer.cs",
    "package-lock.json", "web/yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock",
    "go.sum", "composer.lock", "Gemfile.lock", "sub/Pipfile.lock", "uv.lock",
    "dist/app.js", "build/x.py", "Build/x.py", "rust/target/debug/b.rs", "coverage/lcov.js",
    "web/.next/server.js", "src/__generated__/schema.ts", "src/generated/client.ts",
])
def test_generated_files_and_lock_files_are_skipped(path):
    assert classify(path) is SkipReason.GENERATED


@pytest.mark.parametrize("path", ["logo.png", "lib.so", "a.tar.gz", "foo.lock", "notgo.sum",
                                  "Makefile.bak", "noext"])
def test_unsupported_types_are_skipped(path):
    assert classify(path) is SkipReason.UNSUPPORTED


def test_size_limits():
    assert classify("a.py", size=0) is SkipReason.EMPTY
    assert isinstance(classify("a.py", size=MAX), Candidate)
    assert classify("a.py", size=MAX + 1) is SkipReason.OVERSIZED


@pytest.mark.parametrize("mode", ["120000", "160000"])
def test_symlinks_and_submodules_are_skipped_before_anything_else(mode):
    assert classify("a.py", mode=mode) is SkipReason.SYMLINK
    assert classify("node_modules/x.js", size=0, mode=mode) is SkipReason.SYMLINK


def test_executable_files_are_indexed():
    assert isinstance(classify("bin/tool.py", mode="100755"), Candidate)


def test_precedence_vendored_then_generated_then_type_then_size():
    assert classify("vendor/dist/x.png", size=10**9) is SkipReason.VENDORED
    assert classify("dist/x.png", size=10**9) is SkipReason.GENERATED
    assert classify("x.png", size=0) is SkipReason.UNSUPPORTED


@given(st.lists(st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z"), max_size=4),
       st.sampled_from(["node_modules", "vendor", "third_party", "site-packages"]))
def test_a_vendor_dir_anywhere_above_the_file_skips_it(dirs, vendor):
    path = "/".join([*dirs, vendor, "x.py"])
    assert classify(path) is SkipReason.VENDORED


# --- decode_source -------------------------------------------------------------------------


def test_plain_utf8_is_returned_unchanged():
    src = "π = 3.14\n# ünïcödé\r\nx = 1\n"
    assert decode_source(src.encode()) == src


def test_bom_is_stripped():
    assert decode_source(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"


@pytest.mark.parametrize("data", [b"", b"   \n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_blank_content_is_empty(data):
    assert decode_source(data) is SkipReason.EMPTY


@pytest.mark.parametrize("data", [
    b"abc\x00def", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "hi\n".encode("utf-16"),
    b"x" * 8000 + b"\x00",
])
def test_nul_bytes_mean_binary(data):
    assert decode_source(data) is SkipReason.BINARY


def test_a_stray_latin1_byte_is_tolerated():
    data = "# café\n".encode("latin-1") + b"x = 2\n" * 50
    text = decode_source(data)
    assert isinstance(text, str)
    assert text.startswith("# caf\ufffd\n") and text.count("x = 2") == 50


def test_a_few_latin1_bytes_in_a_real_file_are_tolerated():
    data = "# Grüße, Ärger, Öl\n".encode("latin-1") + b"value = compute(1, 2)\n" * 10
    assert isinstance(decode_source(data), str)


@pytest.mark.parametrize("data", [
    bytes(range(0x80, 0x100)) * 10,
    "naïve façade résumé".encode("latin-1") * 20,
    b"\xff\xfe\xfd\xfc",  # short, but nothing in it is UTF-8 text
    "é".encode("latin-1"),
    "ÄÖÜ=1".encode("latin-1"),
])
def test_mostly_non_utf8_is_bad_encoding(data):
    assert decode_source(data) is SkipReason.ENCODING


@pytest.mark.parametrize("head", [
    b"// Code generated by protoc-gen-go. DO NOT EDIT.\n",
    b"# @generated by Buck\n",
    b"/* This file is autogenerated */\n",
    b"# Auto-generated file\n",
    b"// Generated by the protocol buffer compiler.  DO NOT EDIT!\n",
    b"# do not edit: produced by make\n",
    b"\xef\xbb\xbf// <auto-generated/>\n",
])
def test_generated_markers_skip_the_file(head):
    assert decode_source(head + b"x = 1\n" * 10) is SkipReason.GENERATED


@pytest.mark.parametrize("code", [
    b'def restore(kind, data):\n    """Unpickling function for auto-generated PVec types."""\n',
    b'MESSAGE = "do not edit this value by hand"\n',
    b"x = 1\n" * 12 + b"# @generated\n",
])
def test_generated_words_in_ordinary_code_do_not_count(code):
    assert isinstance(decode_source(code), str)


def test_a_marker_far_below_the_header_does_not_count():
    assert isinstance(decode_source(b"x = 1\n" * 600 + b"# @generated\n"), str)


def test_minified_single_line_is_skipped():
    assert decode_source(b"var a=1;" * 1000) is SkipReason.MINIFIED


def test_one_huge_line_in_a_long_file_is_minified():
    assert decode_source(b"x = 1\n" * 100 + b"y" * 6000 + b"\n") is SkipReason.MINIFIED


def test_long_files_with_normal_lines_are_kept():
    data = b"value = compute(alpha, beta)\n" * 2000
    assert decode_source(data) == data.decode()


def test_short_long_lines_are_not_minified():
    data = b"z" * 4900  # long line but under the size floor
    assert decode_source(data) == data.decode()


def test_average_line_length_threshold():
    assert isinstance(decode_source((b"a" * 299 + b"\n") * 20), str)
    assert decode_source((b"a" * 400 + b"\n") * 20) is SkipReason.MINIFIED


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=300)
       .filter(lambda t: t.strip() and "\ufeff" not in t and "\ufffd" not in t))
def test_ordinary_text_decodes_to_itself(text):
    data = text.encode()
    result = decode_source(data)
    if result is not SkipReason.GENERATED:
        assert result == text


def test_a_run_writes_source_then_tests_then_docs() -> None:
    paths = ["docs/intro.txt", "tests/test_models.py", "README.md", "django/db/models.py",
             "pkg/api_test.go", "web/src/app.spec.ts", "src/main/FooTest.java", "setup.py",
             "examples/demo.py", "django/contrib/admin/tests.py", "lib/contest.py"]
    ordered = sorted(paths, key=work_order)
    assert ordered[:4] == ["django/contrib/admin/tests.py", "django/db/models.py",
                           "lib/contest.py", "setup.py"]
    assert set(ordered[4:8]) == {"pkg/api_test.go", "src/main/FooTest.java",
                                 "tests/test_models.py", "web/src/app.spec.ts"}
    assert ordered[8:] == ["README.md", "docs/intro.txt", "examples/demo.py"]
