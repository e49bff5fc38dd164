"""What a queued job carries to a worker: its requests, each token sealed with the service key.

A token is encrypted (AES-256-GCM, a key derived for the job) and bound to its job id and repo
URL, so a message copied onto another job does not decrypt. The worker decrypts it into memory
for the run only; once the job is acknowledged, the message (and the ciphertext) is gone.
"""

from __future__ import annotations

import base64
from typing import Any

from kosha.accounts.cipher import Sealed, TokenCipher
from kosha.domain.tenancy import parse_tenant_key
from kosha.ingest.pipeline import IndexRequest

_SALT = b"kosha-job-message"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encode_requests(cipher: TokenCipher, job_id: str,
                    requests: list[IndexRequest]) -> list[dict[str, Any]]:
    """JSON-safe requests for a job message; tokens only as ciphertext."""
    out = []
    for req in requests:
        item: dict[str, Any] = {
            "tenant": str(req.tenant), "repo_url": req.repo_url, "source": req.source,
            "ref": req.ref, "mode": req.mode, "token_username": req.token_username,
            "local": req.local, "group_path": req.group_path,
            "forge_project_id": req.forge_project_id, "max_chunks": req.max_chunks}
        if req.token is not None:
            sealed = cipher.seal(req.token, user_id=f"job:{job_id}", salt=_SALT,
                                 domain=req.repo_url)
            item["token"] = {"key_id": sealed.key_id, "nonce": _b64(sealed.nonce),
                             "ciphertext": _b64(sealed.ciphertext)}
        out.append(item)
    return out


def decode_requests(cipher: TokenCipher, job_id: str,
                    items: list[dict[str, Any]]) -> list[IndexRequest]:
    """The requests of a job message, tokens decrypted into memory."""
    out = []
    for item in items:
        token = None
        if item.get("token"):
            t = item["token"]
            token = cipher.open(Sealed(t["key_id"], base64.b64decode(t["nonce"]),
                                       base64.b64decode(t["ciphertext"])),
                                user_id=f"job:{job_id}", salt=_SALT, domain=item["repo_url"])
        out.append(IndexRequest(
            tenant=parse_tenant_key(item["tenant"]), repo_url=item["repo_url"],
            source=item["source"], ref=item["ref"], mode=item["mode"], token=token,
            token_username=item["token_username"], local=bool(item.get("local")),
            group_path=item.get("group_path"), forge_project_id=item.get("forge_project_id"),
            max_chunks=item.get("max_chunks")))
    return out
