"""`kosha jobs watch`: follow a server's index job over Server-Sent Events."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated

import httpx
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn

from kosha.entrypoints.cli_common import app, err, out

jobs = typer.Typer(help="Follow the index jobs of a Kosha server.", no_args_is_help=True)
app.add_typer(jobs, name="jobs")

SUCCESS = ("completed", "succeeded")
ENDED = (*SUCCESS, "failed", "cancelled", "canceled")


@dataclass
class SseEvent:
    """One Server-Sent Event: its type, data (lines joined by newlines) and id."""

    event: str = "message"
    data: str = ""
    id: str | None = None


class WatchError(Exception):
    """The job could not be followed: `code` and `message` (from the server when it said)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def parse_sse(lines: Iterable[str]) -> Iterator[SseEvent]:
    """The events of an SSE stream, given its lines without line endings."""
    event, data, event_id = "", [], None
    for line in lines:
        if not line:
            if data:
                yield SseEvent(event or "message", "\n".join(data), event_id)
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id" and "\0" not in value:
            event_id = value  # the last event id persists until another id field
    if data:
        yield SseEvent(event or "message", "\n".join(data), event_id)


def auth_headers(env: dict[str, str] | None = None) -> dict[str, str]:
    """KOSHA_ACCESS_TOKEN as a Bearer token, else KOSHA_TENANT_KEY and KOSHA_GIT_IDENTITY."""
    env = os.environ if env is None else env
    token = env.get("KOSHA_ACCESS_TOKEN", "").strip()
    if token:
        return {"Authorization": f"Bearer {token}"}
    headers = {}
    if env.get("KOSHA_TENANT_KEY", "").strip():
        headers["X-Tenant-Key"] = env["KOSHA_TENANT_KEY"].strip()
    if env.get("KOSHA_GIT_IDENTITY", "").strip():
        headers["X-Git-Identity"] = env["KOSHA_GIT_IDENTITY"].strip()
    return headers


def _server_error(response: httpx.Response) -> WatchError:
    response.read()
    try:
        body = response.json()["error"]
        return WatchError(str(body["code"]), str(body["message"]))
    except (ValueError, KeyError, TypeError):
        return WatchError("http_error", f"the server answered HTTP {response.status_code}")


@dataclass
class JobWatch:
    """Follows /jobs/{id}/events, reconnecting with Last-Event-ID on a dropped connection."""

    client: httpx.Client
    job_id: str
    headers: dict[str, str]
    on_job: Callable[[dict], None] = lambda job: None
    retries: int = 5
    backoff_s: float = 0.5
    last_event_id: str | None = None
    connections: int = field(default=0, init=False)
    received: int = field(default=0, init=False)  # events seen over every connection

    def run(self) -> dict:
        """The job as the final `done` event carries it; WatchError when that never comes."""
        failures = 0
        while True:
            seen = self.received
            try:
                job = self._follow()
                if job is not None:
                    return job
            except httpx.TransportError:
                pass
            failures = 1 if self.received > seen else failures + 1  # progress resets the count
            if failures > self.retries:
                raise WatchError("connection_lost", f"lost the event stream {failures} times; "
                                 "giving up")
            time.sleep(min(self.backoff_s * 2 ** (failures - 1), 5.0))

    def _follow(self) -> dict | None:
        headers = {**self.headers, "Accept": "text/event-stream"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        self.connections += 1
        with self.client.stream("GET", f"/jobs/{self.job_id}/events",
                                headers=headers) as response:
            if response.status_code != 200:
                raise _server_error(response)
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                raise WatchError("http_error", "the server did not answer with an event stream")
            for event in parse_sse(response.iter_lines()):
                self.received += 1
                if event.id:
                    self.last_event_id = event.id
                if event.event not in ("progress", "done"):
                    continue
                try:
                    job = json.loads(event.data)
                except ValueError as exc:
                    raise WatchError("bad_event", "the server sent an unreadable event") from exc
                self.on_job(job)
                if event.event == "done":
                    return job
        return None  # the stream ended early: reconnect


class JobBar:
    """A rich progress bar on stderr: phase, repo i/N, files, chunks and ETA."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("queued", total=None, files="", chunks="", eta="")

    def __call__(self, job: dict) -> None:
        p = job.get("progress") or {}
        total_repos = int(job.get("total_repos") or 1)
        index = min(int(p.get("current_repo_index") or 0) + 1, total_repos)
        phase = str(job.get("phase") or job.get("status") or "")
        name = str(p.get("current_repo_name") or "")
        if phase == "embed" and job.get("chunks_to_embed"):
            done, total = job.get("chunks_embedded") or 0, job["chunks_to_embed"]
        else:
            done, total = job.get("files_done") or 0, job.get("files_total") or None
        eta = job.get("eta_s")
        self.progress.update(
            self.task, completed=done, total=total,
            description=escape(f"{phase:<8} repo {index}/{total_repos} {name}"),
            files=f"{job.get('files_done') or 0}/{job.get('files_total') or 0} files",
            chunks=f"{job.get('chunks') or 0} chunks",
            eta="" if eta is None else f"ETA {float(eta):.0f}s")


def job_progress(disable: bool = False) -> Progress:
    """The transient progress display JobBar draws on (stderr)."""
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.fields[files]}"), TextColumn("{task.fields[chunks]}"),
                    TextColumn("{task.fields[eta]}"), console=err, transient=True,
                    disable=disable)


def summary(job: dict) -> str:
    """One line about how the job ended."""
    status = str(job.get("status"))
    line = (f"job {job.get('id')} {status}: {job.get('total_repos') or 1} repo(s), "
            f"{job.get('files_done') or 0} files, {job.get('chunks') or 0} chunks")
    error = job.get("error") or None
    if error:
        line += f" [{error.get('code')}] {error.get('message')}"
    return line


@jobs.command("watch")
def watch(job_id: Annotated[str, typer.Argument(help="the job id (from POST /index)")],
          server: Annotated[str, typer.Option(help="the Kosha API", envvar="KOSHA_SERVER")]
          = "http://127.0.0.1:8000",
          retries: Annotated[int, typer.Option(min=0, help="reconnects before giving up")] = 5,
          ) -> None:
    """Follow a job's live progress: exit 0 completed, 1 failed or cancelled, 2 on errors.

    Auth: KOSHA_ACCESS_TOKEN (account), or KOSHA_TENANT_KEY and KOSHA_GIT_IDENTITY
    (`domain=…,token=…`, workspace).
    """
    timeout = httpx.Timeout(10.0, read=60.0)  # pings come every 15 s
    try:
        with httpx.Client(base_url=server.rstrip("/"), timeout=timeout) as client, \
                job_progress() as progress:
            job = JobWatch(client, job_id, auth_headers(), JobBar(progress), retries).run()
    except WatchError as exc:
        err.print(f"[red]error[/red] {escape(f'[{exc.code}] {exc.message}')}", soft_wrap=True)
        raise typer.Exit(2) from None
    except httpx.HTTPError as exc:
        err.print(f"[red]error[/red] {escape(f'[http_error] {type(exc).__name__}')}")
        raise typer.Exit(2) from None
    out.print(escape(summary(job)), soft_wrap=True, highlight=False)
    status = str(job.get("status"))
    raise typer.Exit(0 if status in SUCCESS else 1 if status in ENDED else 2)
