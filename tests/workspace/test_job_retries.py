"""Transient forge failures are retried with backoff; lasting ones fail with a clear code."""

from __future__ import annotations

from tests.workspace.conftest import Api


def test_a_git_fetch_that_meets_a_503_once_is_retried(api: Api) -> None:
    api.forge.fail("/emea/team-a/svc.git/info/refs", times=1, status=503)
    job = api.index("emea/team-a/svc", "emea/team-a", "tok-a")  # waits for `completed`
    assert job["status"] == "completed"
    refs = [p for p in api.forge.paths() if p == "/emea/team-a/svc.git/info/refs"]
    assert len(refs) >= 3  # the failed try, the retry, and the HEAD fetch


def test_a_forge_that_stays_down_fails_the_job_clearly(api: Api) -> None:
    api.forge.fail("/emea/team-a/billing.git/info/refs", times=10, status=503)
    job = api.index("emea/team-a/billing", "emea/team-a", "tok-a", wait=False)
    done = api.container.jobs.wait(job["id"], f"{api.domain}//emea/team-a", timeout=60)
    assert done.status == "failed" and done.error_code == "git_error"
    assert "503" in (done.error_message or "") and "tok-a" not in (done.error_message or "")
    failed = [p for p in api.forge.paths() if p == "/emea/team-a/billing.git/info/refs"]
    assert len(failed) == 3  # three tries, then it gives up
