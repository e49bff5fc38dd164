"""GitLab and GitHub webhooks: verified, then the same handler as POST /index."""

from __future__ import annotations

import hashlib
import hmac
import json

from fastapi import APIRouter, Request, Response

from kosha.domain.errors import InvalidInput, Unauthorized
from kosha.entrypoints.api.deps import WorkspaceDep, caller_of, git_identities, tenant_key_header

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
_ZERO = "0" * 40


def _secret(request: Request, name: str) -> bytes:
    secret = getattr(request.app.state.container.settings, name)
    if secret is None:
        raise Unauthorized("this webhook is not configured on the server")
    return secret.get_secret_value().encode()


def _payload(raw: bytes) -> dict:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the webhook body is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("the webhook body is not a JSON object")
    return data


def _get(data: dict, *path: str) -> str:
    value: object = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"the webhook body lacks {'.'.join(path)}")
    return value


def _queue(request: Request, ws, repo_url: str, commit: str, response: Response) -> dict:  # noqa: ANN001
    caller = caller_of(tenant_key_header(request.headers.get("x-tenant-key")),
                       git_identities(request))
    job = ws.index(caller, repo_url, commit, "incremental")
    response.status_code = 202
    return {"job": job.to_dict()}


@router.post("/gitlab", status_code=202)
async def gitlab(request: Request, ws: WorkspaceDep, response: Response) -> dict:
    """`push` and `merge_request` events; `X-Gitlab-Token` must equal the configured secret.
    The tenant key and git identity come as the webhook's custom headers."""
    given = request.headers.get("x-gitlab-token", "").encode()
    if not hmac.compare_digest(given, _secret(request, "webhook_gitlab_secret")):
        raise Unauthorized("bad X-Gitlab-Token")
    data = _payload(await request.body())
    event = request.headers.get("x-gitlab-event", "")
    if event == "Push Hook":
        commit = _get(data, "after")
        if commit == _ZERO:
            return _ignored(response, "branch deleted")
        return _queue(request, ws, _get(data, "project", "web_url"), commit, response)
    if event == "Merge Request Hook":
        action = data.get("object_attributes", {}).get("action")
        if action not in ("open", "reopen", "update"):
            return _ignored(response, f"merge request action {action!r}")
        return _queue(request, ws, _get(data, "object_attributes", "source", "web_url"),
                      _get(data, "object_attributes", "last_commit", "id"), response)
    return _ignored(response, f"event {event[:64]!r} is not indexed")


@router.post("/github", status_code=202)
async def github(request: Request, ws: WorkspaceDep, response: Response) -> dict:
    """`push` events; `X-Hub-Signature-256` must be the HMAC of the body with the secret."""
    raw = await request.body()
    expected = "sha256=" + hmac.new(_secret(request, "webhook_github_secret"), raw,
                                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("x-hub-signature-256", "").encode(),
                               expected.encode()):
        raise Unauthorized("bad X-Hub-Signature-256")
    data = _payload(raw)
    event = request.headers.get("x-github-event", "")
    if event == "ping":
        return _ignored(response, "pong")
    if event != "push":
        return _ignored(response, f"event {event[:64]!r} is not indexed")
    commit = _get(data, "after")
    if commit == _ZERO or data.get("deleted"):
        return _ignored(response, "branch deleted")
    return _queue(request, ws, _get(data, "repository", "html_url"), commit, response)


def _ignored(response: Response, reason: str) -> dict:
    response.status_code = 200
    return {"ignored": reason}
