"""The `kosha` CLI against the real embedded stack and the real bundled model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kosha.entrypoints import cli
from tests.integration.samples import FILES, PY_AUTH

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_embedder) -> Path:  # noqa: ANN001
    monkeypatch.setenv("KOSHA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("kosha.bootstrap.make_embedder", lambda settings: local_embedder)
    return tmp_path / "home"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli.app, list(args))
    return result.exit_code, result.output


def test_index_then_search_finds_the_function(home: Path, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    code, out = run("index", str(repo.path), "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["files_indexed"] == 7 and summary["chunks_pending_vectors"] == 0
    assert summary["languages"]["python"] > 0

    code, out = run("search", "check that a JSON web token is signed correctly", "--json",
                    "-k", "3")
    assert code == 0, out
    hits = json.loads(out)["hits"]
    assert hits[0]["rel_path"] == "src/auth/jwt.py"
    assert hits[0]["symbol"] in ("validate_jwt", "verify_signature")
    assert hits[0]["link"].startswith(repo.path.resolve().as_uri())

    code, out = run("search", "how many requests may one ip address make", "--json", "-k", "1",
                    "--repo", str(repo.path))
    assert json.loads(out)["hits"][0]["symbol"] == "RateLimiter.allowRequest"

    code, out = run("search", "SplitRepositoryURL")
    assert code == 0 and "go/urls/urls.go:5-9" in out  # human output renders

    # filters, --explain, and the navigation commands on the same index
    code, out = run("search", "signature", "--json", "--lang", "go", "--path", "go/**")
    assert code == 0 and all(h["lang"] == "go" for h in json.loads(out)["hits"])
    code, out = run("search", "validate_jwt", "--explain", "--kind", "function")
    assert code == 0 and "symbol=1.0" in out and "timings (ms)" in out, out
    code, out = run("search", "x", "--kind", "module")
    assert code == 2 and "unknown kind 'module'" in out
    code, out = run("def", "validate_jwt", "--json")
    assert [(d["rel_path"], d["start_line"]) for d in json.loads(out)] == [
        ("src/auth/jwt.py", 7)]
    code, out = run("callers", "verify_signature", "--json")
    assert [c["symbol"] for c in json.loads(out)] == ["validate_jwt"]
    code, out = run("callees", "validate_jwt")
    assert code == 0 and "verify_signature" in out and "decode_claims" in out
    code, out = run("callers", "validate_jwt")
    assert code == 0 and "none" in out


def test_batch_search_answers_one_json_line_per_query(home: Path, make_repo,  # noqa: ANN001
                                                      tmp_path: Path) -> None:
    repo = make_repo(files=FILES)
    assert run("index", str(repo.path))[0] == 0
    lines = [json.dumps({"id": 1, "query": "validate_jwt", "k": 2}),
             json.dumps("shopping cart total"),
             "not json",
             json.dumps({"query": "cart", "kind": ["class"], "path": "java/"}),
             json.dumps({"query": "x", "bogus": 1})]
    batch = tmp_path / "queries.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli.app, ["search", "--batch", str(batch)])
    assert result.exit_code == 1  # some lines failed, all were answered
    answers = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(answers) == 5
    assert answers[0]["id"] == 1 and answers[0]["hits"][0]["symbol"] == "validate_jwt"
    assert len(answers[0]["hits"]) <= 2
    assert answers[1]["hits"][0]["rel_path"] == "java/shop/ShoppingCart.java"
    assert answers[2]["error"]["code"] == "invalid_input"
    assert [h["kind"] for h in answers[3]["hits"]] == ["class"]
    assert "bogus" in answers[4]["error"]["message"]
    piped = runner.invoke(cli.app, ["search", "--batch", "-"], input=lines[0] + "\n")
    assert piped.exit_code == 0 and json.loads(piped.stdout)["id"] == 1


def test_reindex_after_a_rename_never_shows_the_old_name(home: Path, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    assert run("index", str(repo.path))[0] == 0
    repo.write({"src/auth/jwt.py": PY_AUTH.replace("validate_jwt", "verify_bearer")})
    repo.remove("web/session.ts")
    repo.commit("rename")
    code, out = run("index", str(repo.path), "--json")
    assert code == 0 and json.loads(out)["files_indexed"] == 1
    hits = json.loads(run("search", "validate_jwt verify_bearer", "--json", "-k", "10")[1])["hits"]
    symbols = {h["symbol"] for h in hits}
    assert "verify_bearer" in symbols and "validate_jwt" not in symbols
    assert all(h["rel_path"] != "web/session.ts" for h in hits)
    code, out = run("index", str(repo.path))
    assert code == 0 and "up to date" in out


def test_bad_targets_exit_2_with_a_message(home: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    code, out = run("index", str(plain))
    assert code == 2 and "not a git repository" in out
    code, out = run("index", "ext::sh -c touch% /tmp/pwned")
    assert code == 2 and "invalid_repo_url" in out
    code, out = run("index", "file:///etc")
    assert code == 2 and "not allowed" in out
    code, out = run("search", "x", "--tenant", "bad key with spaces")
    assert code == 2 and "invalid_tenant_key" in out


def test_search_of_a_repo_not_indexed_is_refused(home: Path, make_repo) -> None:  # noqa: ANN001
    repo = make_repo(files=FILES)
    code, out = run("search", "anything", "--repo", str(repo.path))
    assert code == 2 and "not indexed" in out
    code, out = run("search", "anything")
    assert code == 0 and "no indexed repositories" in out


def test_repos_and_migrate(home: Path, make_repo) -> None:  # noqa: ANN001
    assert run("migrate")[0] == 0
    repo = make_repo(files=FILES)
    run("index", str(repo.path))
    code, out = run("repos")
    assert code == 0 and repo.path.name in out
