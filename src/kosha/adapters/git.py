"""Bare git mirrors driven by the git CLI.

A token reaches git only as an `http.extraHeader` in the child's environment
(`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`): never in a URL, a config file,
an argument list or a log line. Git's own config files are ignored, so nothing on the machine
can redirect a fetch, and only the transports a source needs are allowed.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from kosha.domain.errors import EmptyRepository, GitError, InvalidInput, RefNotFound
from kosha.domain.models import FileVersion

_REF = re.compile(r"^[A-Za-z0-9._/-]{1,255}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
HEAD_REF = "refs/kosha/head"
_SAFE_ENV = ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def local_repo(path: Path) -> Path | None:
    """The top of the git repository at `path`, or None if it is not one."""
    if not path.exists():
        return None
    proc = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel"],
                          capture_output=True, text=True)
    if proc.returncode == 0 and proc.stdout.strip():
        return Path(proc.stdout.strip()).resolve()
    proc = subprocess.run(["git", "-C", str(path), "rev-parse", "--is-bare-repository"],
                          capture_output=True, text=True)
    return path.resolve() if proc.stdout.strip() == "true" else None


def check_ref(ref: str) -> str:
    """A branch, tag, `HEAD` or SHA that git cannot read as an option or a revision trick."""
    if not ref or not _REF.match(ref) or ref.startswith(("-", "/")) or ref.endswith(
            ("/", ".lock", ".")) or ".." in ref or "//" in ref or "@{" in ref:
        raise InvalidInput(f"invalid ref {ref!r}: use a branch, tag or commit SHA")
    return ref


# What git prints when the network or the server failed, not the request: worth another try.
_TRANSIENT = re.compile(r"returned error: 5\d\d|could not resolve host|connection (refused|reset|"
                        r"timed out)|operation timed out|early eof|unexpected disconnect|"
                        r"remote end hung up|timed out after", re.I)


def transient(exc: BaseException) -> bool:
    """Whether a git failure looks like the network's or the server's (retry) or final."""
    return isinstance(exc, GitError) and not isinstance(exc, RefNotFound | EmptyRepository) \
        and bool(_TRANSIENT.search(exc.message))


def _basic_auth(username: str, token: str) -> str:
    raw = f"{username}:{token}".encode()
    return "Authorization: Basic " + base64.b64encode(raw).decode()


class GitMirror:
    """One bare mirror directory (one per tenant and repo)."""

    def __init__(self, path: Path, timeout: float = 600.0) -> None:
        self.path = Path(path)
        self.timeout = timeout

    # --- process plumbing --------------------------------------------------------------
    def _env(self, header: str | None, allow_file: bool) -> dict[str, str]:
        env = {k: os.environ[k] for k in _SAFE_ENV if k in os.environ}
        env.update({
            "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false", "SSH_ASKPASS": "/bin/false",
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "HOME": str(self.path),
            "GIT_PROTOCOL_FROM_USER": "0",
        })
        config = [("protocol.allow", "never"), ("protocol.https.allow", "always"),
                  ("protocol.http.allow", "always"), ("core.hooksPath", os.devnull),
                  ("http.followRedirects", "false"), ("credential.helper", "")]
        if allow_file:
            config.append(("protocol.file.allow", "always"))
        if header:
            config.append(("http.extraHeader", header))
        env["GIT_CONFIG_COUNT"] = str(len(config))
        for i, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        return env

    def _git(self, *args: str, header: str | None = None, allow_file: bool = False,
             input: bytes | None = None, secret: str | None = None,
             check: bool = True) -> subprocess.CompletedProcess[bytes]:
        try:
            proc = subprocess.run(["git", "-C", str(self.path), *args], input=input,
                                  capture_output=True, timeout=self.timeout,
                                  env=self._env(header, allow_file))
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} timed out after {self.timeout:.0f}s") from None
        if check and proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip()
            for hidden in filter(None, (secret, header)):
                message = message.replace(hidden, "[redacted]")
            raise GitError(f"git {args[0]} failed: {message[-500:] or proc.returncode}")
        return proc

    # --- mirror ------------------------------------------------------------------------
    def fetch(self, source: str, *, token: str | None = None, username: str = "oauth2",
              local: bool = False) -> None:
        """Fetch all branches, tags and the remote HEAD from `source` into the mirror."""
        if source.startswith("-"):
            raise InvalidInput("git source may not start with '-'")
        if not (self.path / "HEAD").exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self._git("init", "--bare", "--quiet")
        header = _basic_auth(username, token) if token else None
        refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
        self._git("fetch", "--quiet", "--prune", "--no-tags", "--no-write-fetch-head",
                  "--end-of-options", source, *refspecs, header=header, allow_file=local,
                  secret=token)
        heads = self._git("for-each-ref", "--count=1", "refs/heads").stdout.strip()
        if not heads:
            raise EmptyRepository("the repository has no commits yet")
        # The remote's default branch; a repo with a detached or missing HEAD just lacks it.
        self._git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--end-of-options",
                  source, f"+HEAD:{HEAD_REF}", header=header, allow_file=local, secret=token,
                  check=False)

    def fetch_commit(self, source: str, sha: str, *, token: str | None = None,
                     username: str = "oauth2", local: bool = False) -> None:
        """Fetch one commit the branches do not reach (servers allow it for reachable SHAs)."""
        header = _basic_auth(username, token) if token else None
        self._git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--end-of-options",
                  source, sha, header=header, allow_file=local, secret=token, check=False)

    def resolve(self, ref: str) -> str:
        """The commit a branch, tag, `HEAD` or SHA names in the mirror."""
        check_ref(ref)
        candidates = [HEAD_REF] if ref == "HEAD" else [
            f"refs/heads/{ref}", f"refs/tags/{ref}", ref]
        for name in candidates:
            proc = self._git("rev-parse", "--verify", "--quiet", "--end-of-options",
                             f"{name}^{{commit}}", check=False)
            out = proc.stdout.decode().strip()
            if proc.returncode == 0 and _SHA.match(out):
                return out
        raise RefNotFound(f"ref {ref!r} was not found in the repository")

    def has_commit(self, sha: str) -> bool:
        if not _SHA.match(sha or ""):
            return False
        return self._git("cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode == 0

    def list_files(self, commit: str) -> list[FileVersion]:
        out = self._git("ls-tree", "-r", "-z", "--long", "--full-tree", commit).stdout
        files = []
        for entry in out.split(b"\x00"):
            if not entry:
                continue
            meta, _, path = entry.partition(b"\t")
            mode, kind, sha, size = meta.decode().split()
            rel = path.decode("utf-8", "surrogateescape")
            if kind == "blob":
                files.append(FileVersion(rel, sha, int(size), mode))
            elif kind == "commit":  # submodule
                files.append(FileVersion(rel, sha, 0, mode))
        return files

    def diff(self, old: str, new: str) -> list[tuple[str, str]]:
        """(status, rel_path) of files that differ; renames appear as a delete and an add."""
        out = self._git("diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", "--raw",
                        old, new).stdout
        fields = out.split(b"\x00")
        changes = []
        for i in range(0, len(fields) - 1, 2):
            meta, path = fields[i], fields[i + 1]
            if not meta.startswith(b":"):
                continue
            status = meta.decode().split()[-1][0]
            changes.append((status, path.decode("utf-8", "surrogateescape")))
        return changes

    def read_blobs(self, shas: Sequence[str]) -> Iterator[tuple[str, bytes]]:
        """Stream (sha, content) for each blob through one `git cat-file --batch`."""
        if not shas:
            return
        proc = subprocess.Popen(["git", "-C", str(self.path), "cat-file", "--batch"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=self._env(None, False))
        assert proc.stdin is not None and proc.stdout is not None

        def feed() -> None:
            try:
                for sha in shas:
                    proc.stdin.write(f"{sha}\n".encode())
                proc.stdin.close()
            except BrokenPipeError:
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            for _ in shas:
                header = proc.stdout.readline().split()
                if len(header) < 2 or header[1] == b"missing":
                    raise GitError(f"blob {header[0].decode() if header else '?'} is missing")
                size = int(header[2])
                data = proc.stdout.read(size)
                proc.stdout.read(1)
                yield header[0].decode(), data
        finally:
            proc.kill()
            proc.wait()
            writer.join(timeout=5)
