"""Indexing end to end on the embedded stores: first index, incremental, full, idempotence."""

from __future__ import annotations

import gzip
import json

from kosha.domain.models import StoreScope
from kosha.ingest.writer import blob_key, manifest_key
from tests.integration.samples import FILES, PY_AUTH


def test_first_index_writes_every_store(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    result = stack.index(repo)
    assert not result.up_to_date and result.previous_commit is None
    assert result.files_indexed == 7  # 6 code files + README
    assert result.progress.skipped == {"binary": 1, "vendored": 1, "unsupported_type": 2,
                                       "bad_encoding": 1}
    assert result.progress.langs.keys() == {"python", "typescript", "go", "java", "markdown"}
    assert result.chunks_pending == 0  # small run: embedded inline

    record = stack.repos()[0]
    assert record.last_indexed_commit == result.commit
    scope = StoreScope((record.tenant_key,), (record.id,))
    assert stack.vectors.count(scope) == result.chunks_written
    counts = stack.graph.count(scope)
    assert counts["File"] == 7 and counts["Class"] == 2 and counts["Method"] == 4
    assert counts["CALLS"] >= 4 and counts["IMPORTS"] == 2  # jwt->keys, server->session
    raw = stack.blobs.get(record.tenant_key, blob_key(record.id, result.commit, "src/auth/jwt.py"))
    assert gzip.decompress(raw).decode() == PY_AUTH
    manifest = json.loads(gzip.decompress(stack.blobs.get(
        record.tenant_key, manifest_key(record.id, result.commit))))
    assert {f["path"] for f in manifest["files"]} == set(stack.meta.live_files(record.id))


def test_search_finds_the_function_with_path_lines_and_link(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    commit = stack.index(repo).commit
    hit = stack.search("validate jwt signature", k=3).hits[0]
    assert (hit.rel_path, hit.symbol, hit.kind) == ("src/auth/jwt.py", "validate_jwt",
                                                     "function")
    assert (hit.start_line, hit.end_line) == (7, 12)
    assert hit.code.startswith("def validate_jwt(token: str) -> dict:")
    assert hit.commit == commit and hit.link.endswith("src/auth/jwt.py#L7-12")
    top = stack.search("SplitRepositoryURL", k=1).hits[0]
    assert (top.rel_path, top.start_line, top.end_line) == ("go/urls/urls.go", 5, 9)
    assert stack.search("checkout total discount", k=1).hits[0].symbol == (
        "ShoppingCart.checkoutTotal")


def test_rename_and_delete_show_the_new_name_and_never_the_old(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    first = stack.index(repo)
    repo.write({"src/auth/jwt.py": PY_AUTH.replace("validate_jwt", "verify_access_token")})
    repo.remove("web/session.ts")
    repo.commit("rename validate_jwt, drop session.ts")
    second = stack.index(repo, ref="main")
    assert second.previous_commit == first.commit
    assert (second.files_indexed, second.files_removed) == (1, 1)

    names = {h.symbol for q in ("validate_jwt", "verify access token", "jwt claims")
             for h in stack.search(q, k=10).hits}
    assert "verify_access_token" in names and "validate_jwt" not in names
    assert not [h for h in stack.search("checkSession cookie", k=10).hits
                if h.rel_path == "web/session.ts"]
    record = stack.repos()[0]
    scope = StoreScope((record.tenant_key,), (record.id,))
    assert stack.graph.symbols_by_name(scope, ["validate_jwt", "checkSession"]) == []
    assert [s.name for s in stack.graph.symbols_by_name(scope, ["verify_access_token"])] == [
        "verify_access_token"]
    assert "web/session.ts" not in stack.meta.live_files(record.id)
    assert stack.meta.intents(record.id) == []  # nothing left to collect
    blob_paths = set(stack.blobs.list(record.tenant_key, str(record.id)))
    assert blob_key(record.id, first.commit, "src/auth/jwt.py") not in blob_paths
    assert blob_key(record.id, second.commit, "src/auth/jwt.py") in blob_paths
    assert blob_key(record.id, first.commit, "web/session.ts") not in blob_paths
    assert manifest_key(record.id, first.commit) not in blob_paths
    # every stored chunk belongs to a live file version: nothing stale is left behind
    assert stack.vectors.count(scope) == sum(
        f.chunk_count for f in stack.meta.live_files(record.id).values())


def test_an_unchanged_caller_is_relinked_to_the_new_version(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    stack.index(repo)
    repo.write({"src/auth/keys.py": PY_KEYS_V2})
    repo.commit("change keys.py only")
    assert stack.index(repo).files_indexed == 1
    record = stack.repos()[0]
    scope = StoreScope((record.tenant_key,), (record.id,))
    callers = stack.graph.callers_of_names(scope, ["load_signing_key"])
    assert [c.name for c in callers] == ["verify_signature"]
    counts = stack.graph.count(scope)
    # verify_signature -> load_signing_key survives the change of keys.py, and so does the import
    assert counts["IMPORTS"] == 2
    rows = stack.graph._run(
        "MATCH (a:Function)-[:CALLS]->(b:Function) WHERE a.tenant = $t AND b.name = $n "
        "RETURN a.name, b.file_sha", {"t": record.tenant_key, "n": "load_signing_key"})
    live_sha = stack.meta.live_files(record.id)["src/auth/keys.py"].file_sha
    assert rows == [["verify_signature", live_sha]]


PY_KEYS_V2 = '''import os


def load_signing_key() -> bytes:
    """Read the signing key from the environment, falling back to a file."""
    value = os.environ.get("SIGNING_KEY")
    return value.encode() if value else open("/etc/key", "rb").read()
'''


def test_the_same_commit_twice_does_no_work(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    stack.index(repo)
    calls_before = stack.embedder.calls
    again = stack.index(repo)
    assert again.up_to_date and again.files_indexed == 0 and again.chunks_written == 0
    assert stack.embedder.calls == calls_before


def test_full_rebuild_reuses_cached_vectors_and_leaves_no_duplicates(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    first = stack.index(repo)
    embedded = stack.embedder.texts_embedded
    full = stack.index(repo, mode="full")
    assert full.files_indexed == first.files_indexed
    assert stack.embedder.texts_embedded == embedded  # every vector came from the cache
    record = stack.repos()[0]
    scope = StoreScope((record.tenant_key,), (record.id,))
    assert stack.vectors.count(scope) == first.chunks_written
    assert stack.graph.count(scope)["File"] == 7
    assert len(list(stack.blobs.list(record.tenant_key, str(record.id)))) == 8  # 7 files + manifest


def test_refs_resolve_to_branches_tags_and_shas(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    repo.tag("v1.0")
    old = repo.commit("empty change")
    repo.write({"web/extra.ts": "export const extra = () => 1;\n"})
    head = repo.commit("add extra")
    assert stack.index(repo, ref="v1.0").commit != head
    assert stack.index(repo, ref=old).commit == old
    assert stack.index(repo, ref="main").commit == head
