"""The SQL metadata store on SQLite and PostgreSQL: same migrations, same behaviour."""

from __future__ import annotations

import threading
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kosha.adapters.sql.tables import Base
from kosha.domain.models import LiveFile
from kosha.domain.tenancy import LOCAL_TENANT, parse_tenant_key

TEAM_A = parse_tenant_key("gitlab.example.com//emea/teama")
TEAM_B = parse_tenant_key("gitlab.example.com//emea/teamb")
US_TEAM = parse_tenant_key("gitlab.example.com//usa/teamx")
REGION = parse_tenant_key("gitlab.example.com//emea/*")


def live(path: str, sha: str, commit: str = "c1") -> LiveFile:
    return LiveFile(rel_path=path, file_sha=sha, lang="python", size=10, line_count=3,
                    chunk_count=2, blob_commit=commit)


def test_migrations_match_the_models(meta) -> None:  # noqa: ANN001
    with meta.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_migrate_twice_is_harmless(meta) -> None:  # noqa: ANN001
    from kosha.adapters.sql.engine import migrate

    migrate(meta.engine)
    assert meta.ensure_tenant(TEAM_A).key == str(TEAM_A)


def test_tenants_are_unique_and_found_by_key(meta) -> None:  # noqa: ANN001
    a1 = meta.ensure_tenant(TEAM_A)
    assert meta.ensure_tenant(TEAM_A) == a1
    assert meta.find_tenant(TEAM_A) == a1
    assert meta.find_tenant(TEAM_B) is None
    assert meta.ensure_tenant(LOCAL_TENANT).key == "local"


def test_concurrent_tenant_creation_yields_one_row(meta) -> None:  # noqa: ANN001
    results = []
    threads = [threading.Thread(target=lambda: results.append(meta.ensure_tenant(TEAM_B)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.id for r in results}) == 1


def test_region_wildcard_reads_its_teams_only(meta) -> None:  # noqa: ANN001
    for key in (TEAM_A, TEAM_B, US_TEAM, parse_tenant_key("gitlab.example.com//emeax/t")):
        meta.ensure_tenant(key)
    assert sorted(t.key for t in meta.tenants_read_by(REGION)) == [str(TEAM_A), str(TEAM_B)]
    assert [t.key for t in meta.tenants_read_by(TEAM_A)] == [str(TEAM_A)]


def test_repos_are_per_tenant(meta) -> None:  # noqa: ANN001
    a, b = meta.ensure_tenant(TEAM_A), meta.ensure_tenant(TEAM_B)
    url = "https://gitlab.example.com/emea/teama/svc"
    ra = meta.ensure_repo(a, url, source="forge", forge_project_id=42)
    rb = meta.ensure_repo(b, url, source="forge")
    assert ra.id != rb.id and meta.ensure_repo(a, url, source="forge").id == ra.id
    assert meta.find_repo(a, url).forge_project_id == 42
    assert meta.get_repo(b, ra.id) is None  # another tenant's repo id is not visible
    assert [r.id for r in meta.list_repos([a])] == [ra.id]
    assert meta.list_repos([a], indexed_only=True) == []


def test_index_lease_is_exclusive_until_released_or_expired(meta) -> None:  # noqa: ANN001
    repo = meta.ensure_repo(meta.ensure_tenant(TEAM_A), "https://g/emea/teama/x", source="forge")
    assert meta.acquire_lock(repo.id, "one", timedelta(minutes=5))
    assert not meta.acquire_lock(repo.id, "two", timedelta(minutes=5))
    assert meta.acquire_lock(repo.id, "one", timedelta(minutes=5))  # renewal
    meta.release_lock(repo.id, "two")  # not the holder: no effect
    assert not meta.acquire_lock(repo.id, "two", timedelta(minutes=5))
    meta.release_lock(repo.id, "one")
    assert meta.acquire_lock(repo.id, "two", timedelta(seconds=-1))  # already expired
    assert meta.acquire_lock(repo.id, "three", timedelta(minutes=5))


def test_publish_swaps_the_manifest_and_records_garbage(meta) -> None:  # noqa: ANN001
    t = meta.ensure_tenant(TEAM_A)
    repo = meta.ensure_repo(t, "https://g/emea/teama/x", source="forge")
    meta.publish(repo.id, "c1", "main", [live("a.py", "s1"), live("b.py", "s2")], [], [])
    assert meta.find_repo(t, repo.repo_url).last_indexed_commit == "c1"
    meta.add_intents(repo.id, [("a.py", "s3", "c2")])
    meta.publish(repo.id, "c2", "main", [live("a.py", "s3", "c2")], ["b.py"],
                 [("a.py", "s1", "c1"), ("b.py", "s2", "c1")])
    files = meta.live_files(repo.id)
    assert {p: f.file_sha for p, f in files.items()} == {"a.py": "s3"}
    assert sorted(meta.intents(repo.id)) == [("a.py", "s1", "c1"), ("a.py", "s3", "c2"),
                                             ("b.py", "s2", "c1")]
    assert meta.live_versions([(repo.id, "a.py", "s3"), (repo.id, "a.py", "s1"),
                               (repo.id, "b.py", "s2")]) == {(repo.id, "a.py", "s3"): "c2"}
    meta.clear_intents(repo.id, meta.intents(repo.id))
    assert meta.intents(repo.id) == []
    repo_now = meta.find_repo(t, repo.repo_url)
    assert (repo_now.last_indexed_commit, repo_now.last_indexed_ref) == ("c2", "main")


def test_embedding_cache_is_per_tenant_and_model(meta) -> None:  # noqa: ANN001
    a, b = meta.ensure_tenant(TEAM_A), meta.ensure_tenant(TEAM_B)
    meta.cache_vectors(a.id, "m", {"h1": [0.5, 0.25], "h2": [1.0, 0.0]})
    meta.cache_vectors(a.id, "m", {"h1": [9.0, 9.0]})  # first write wins, no error
    assert meta.cached_vectors(a.id, "m", ["h1", "h3"]) == {"h1": [0.5, 0.25]}
    assert meta.cached_vectors(b.id, "m", ["h1"]) == {}
    assert meta.cached_vectors(a.id, "other", ["h1"]) == {}


def test_deleting_a_tenant_removes_its_rows(meta) -> None:  # noqa: ANN001
    a, b = meta.ensure_tenant(TEAM_A), meta.ensure_tenant(TEAM_B)
    ra = meta.ensure_repo(a, "https://g/emea/teama/x", source="forge")
    meta.ensure_repo(b, "https://g/emea/teamb/x", source="forge")
    meta.publish(ra.id, "c1", "main", [live("a.py", "s1")], [], [])
    meta.cache_vectors(a.id, "m", {"h": [1.0]})
    run = meta.start_run(ra.id, "main", "full")
    meta.finish_run(run, status="succeeded", commit="c1", stats={"files": 1})
    meta.delete_tenant(a.id)
    assert meta.find_tenant(TEAM_A) is None
    assert meta.live_files(ra.id) == {}
    assert meta.cached_vectors(a.id, "m", ["h"]) == {}
    assert len(meta.list_repos([b])) == 1
