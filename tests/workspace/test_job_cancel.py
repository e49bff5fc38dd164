"""Cancelling index jobs over the API: queued ones end at once, running ones at a file
boundary, and the previous index stays searchable."""

from __future__ import annotations

import time

from tests.workspace.conftest import Api


def _wait(api: Api, job_id: str, tenant: str) -> dict:
    return api.container.jobs.wait(job_id, tenant, timeout=60).to_dict()


def test_a_running_job_stops_and_the_previous_index_stays_searchable(api: Api) -> None:
    first = api.index("emea/team-a/svc", "emea/team-a", "tok-a")
    headers = api.headers("emea/team-a", "tok-a")
    api.gate.open.clear()  # the next run starts and waits
    r = api.client.post("/index", headers=headers,
                        json={"repo_url": api.url("emea/team-a/svc"), "mode": "full"})
    job = r.json()["job"]
    for _ in range(100):  # until a worker has taken it
        if api.client.get(f"/jobs/{job['id']}", headers=headers).json()["job"]["status"] \
                == "running":
            break
        time.sleep(0.05)
    r = api.client.post(f"/jobs/{job['id']}/cancel", headers=headers)
    assert r.status_code == 202, r.text
    api.gate.open.set()
    done = _wait(api, job["id"], f"{api.domain}//emea/team-a")
    assert done["status"] == "cancelled" and done["error"]["code"] == "cancelled", done
    assert done["repos"][0]["status"] == "cancelled"
    status, body = api.search("emea/team-a", "tok-a", query="validate_jwt", mode="my")
    assert status == 200 and body["hits"][0]["commit"] == first["commit"]


def test_a_queued_job_ends_at_once_and_joins_no_later_request(api: Api) -> None:
    headers = api.headers("emea/team-a", "tok-a")
    url = api.url("emea/team-a/billing")
    api.gate.open.clear()
    running = api.client.post("/index", headers=headers, json={"repo_url": url}).json()["job"]
    queued = api.client.post("/index", headers=headers, json={"repo_url": url}).json()["job"]
    assert queued["id"] != running["id"]
    r = api.client.post(f"/jobs/{queued['id']}/cancel", headers=headers)
    assert r.status_code == 202 and r.json()["job"]["status"] == "cancelled"
    later = api.client.post("/index", headers=headers, json={"repo_url": url}).json()["job"]
    assert later["id"] not in (queued["id"], running["id"])
    api.gate.open.set()
    tenant = f"{api.domain}//emea/team-a"
    assert _wait(api, running["id"], tenant)["status"] == "completed"
    assert _wait(api, later["id"], tenant)["status"] == "completed"
    # another tenant cannot cancel it, and an ended job stays as it ended
    other = api.headers("emea/team-b", "tok-b")
    assert api.client.post(f"/jobs/{later['id']}/cancel", headers=other).status_code == 404
    r = api.client.post(f"/jobs/{later['id']}/cancel", headers=headers)
    assert r.status_code == 202 and r.json()["job"]["status"] == "completed"
