"""A killed run, bad input and busy repos: clear errors, nothing half-written, nothing lost."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from kosha.domain.errors import EmptyRepository, IndexBusy, InvalidInput, RefNotFound
from kosha.domain.models import StoreScope
from kosha.domain.tenancy import LOCAL_TENANT
from kosha.ingest import pipeline
from kosha.ingest.writer import StoreWriter
from tests.integration.samples import FILES, PY_AUTH


class Boom(RuntimeError):
    pass


def fail_after(monkeypatch: pytest.MonkeyPatch, batches: int) -> None:
    """Make the store writer die after `batches` batches, as a killed process would."""
    real = StoreWriter.write
    seen = {"n": 0}

    def write(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if seen["n"] >= batches:
            raise Boom("killed")
        seen["n"] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(StoreWriter, "write", write)
    monkeypatch.setattr(pipeline, "BATCH_FILES", 2)


def live_chunk_total(stack, record) -> int:  # noqa: ANN001
    return sum(f.chunk_count for f in stack.meta.live_files(record.id).values())


def test_a_killed_incremental_run_keeps_the_old_index_and_the_next_run_finishes(
        stack, make_repo, monkeypatch) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    first = stack.index(repo)
    changed = {f"src/mod{i}.py": f"def renamed_function_{i}():\n    return {i}\n"
               for i in range(6)}
    repo.write({**changed, "src/auth/jwt.py": PY_AUTH.replace("validate_jwt", "check_token")})
    repo.commit("many changes")

    with monkeypatch.context() as m:
        fail_after(m, batches=2)
        with pytest.raises(Boom):
            stack.index(repo)
    record = stack.repos()[0]
    assert record.last_indexed_commit == first.commit
    assert stack.meta.intents(record.id)  # what it wrote is recorded as garbage-to-be
    names = {h.symbol for h in stack.search("check token validate jwt renamed", k=20).hits}
    assert "validate_jwt" in names
    assert not {n for n in names if n == "check_token" or n.startswith("renamed_function")}

    again = stack.index(repo)
    assert again.previous_commit == first.commit and not again.up_to_date
    names = {h.symbol for h in stack.search("check token validate jwt", k=20).hits}
    assert "check_token" in names and "validate_jwt" not in names
    assert stack.meta.intents(record.id) == []
    scope = StoreScope((record.tenant_key,), (record.id,))
    assert stack.vectors.count(scope) == live_chunk_total(stack, record)


def test_a_killed_first_run_shows_nothing_and_the_next_run_completes(
        stack, make_repo, monkeypatch) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    with monkeypatch.context() as m:
        fail_after(m, batches=1)
        with pytest.raises(Boom):
            stack.index(repo)
    assert stack.repos() == []  # never published: not searchable, not half-visible
    result = stack.index(repo)
    record = stack.repos()[0]
    scope = StoreScope((record.tenant_key,), (record.id,))
    assert stack.vectors.count(scope) == result.chunks_written == live_chunk_total(stack, record)
    assert stack.graph.count(scope)["File"] == result.files_indexed


def test_an_empty_repository_is_a_clear_error(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo()
    with pytest.raises(EmptyRepository, match="no commits"):
        stack.index(repo)
    assert stack.repos() == []


def test_an_unknown_ref_is_a_clear_error(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    with pytest.raises(RefNotFound, match="no-such-branch"):
        stack.index(repo, ref="no-such-branch")
    with pytest.raises(RefNotFound):
        stack.index(repo, ref="0" * 40)
    assert stack.repos() == []


@pytest.mark.parametrize("ref", ["--upload-pack=touch /tmp/x", "-c", "main..HEAD", "a b",
                                 "HEAD@{1}", "refs/../x", ""])
def test_a_ref_that_could_be_an_option_is_refused_before_git_runs(stack, make_repo,
                                                                  ref: str) -> None:  # noqa: ANN001
    repo = make_repo(files={"a.py": "x = 1\n"})
    with pytest.raises(InvalidInput):
        stack.index(repo, ref=ref)
    assert not (stack.home / "mirrors").exists()


def test_big_broken_and_unknown_files_are_skipped_and_counted(stack, make_repo) -> None:  # noqa: ANN001
    big = ("x = 1\n" * (50 * 1024 * 1024 // 6 + 1)).encode()
    repo = make_repo(files={"src/ok.py": "def fine():\n    return 1\n", "src/huge.py": big,
                            "src/broken.py": b"\xff\xfe\xfa" * 500, "src/data.bin": b"\x00" * 9,
                            "src/tool.zig": "const x = 1;\n"})
    result = stack.index(repo)
    assert result.files_indexed == 1
    assert result.progress.skipped == {"oversized": 1, "bad_encoding": 1,
                                       "unsupported_type": 2}
    assert stack.search("fine", k=1).hits[0].rel_path == "src/ok.py"


def test_a_repo_being_indexed_is_not_indexed_twice(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    stack.index(repo)
    record = stack.repos()[0]
    holder = uuid.uuid4().hex
    assert stack.meta.acquire_lock(record.id, holder, timedelta(minutes=5))
    with pytest.raises(IndexBusy):
        stack.index(repo, mode="full")
    stack.meta.release_lock(record.id, holder)
    assert stack.index(repo, mode="full").files_indexed == 7


def test_large_runs_are_searchable_before_their_vectors_exist(stack, make_repo) -> None:  # noqa: ANN001
    stack.indexer.inline_embed_files = 0  # as for a big repository
    repo = make_repo(files=FILES)
    result = stack.index(repo, embed=False)
    assert result.chunks_pending == result.chunks_written > 0
    assert stack.embedder.texts_embedded == 0
    hit = stack.search("validate_jwt", k=1).hits[0]  # lexical recall works already
    assert hit.symbol == "validate_jwt" and "dense" not in hit.scores
    record = stack.repos()[0]
    assert stack.indexer.embed_pending(LOCAL_TENANT, record.repo_url) == 0
    assert stack.embedder.texts_embedded == result.chunks_written
    hit = stack.search("validate_jwt", k=1).hits[0]
    assert "dense" in hit.scores and "bm25" in hit.scores
