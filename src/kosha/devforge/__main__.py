"""Run the stand-in forge: `python -m kosha.devforge --demo DIR` or `--root DIR --spec FILE`."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from kosha.devforge.demo import demo_forge
from kosha.devforge.forge import (
    GITHUB_PREFIX,
    GITLAB_PREFIX,
    ForgeSpec,
    LoggedRequest,
    StandInForge,
)
from kosha.devforge.server import BackgroundServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kosha.devforge",
        description="A stand-in GitLab/GitHub forge on 127.0.0.1 (tests and demos only).")
    parser.add_argument("--demo", type=Path, metavar="DIR",
                        help="build (if missing) and serve the demo forge in DIR")
    parser.add_argument("--root", type=Path, metavar="DIR",
                        help="directory holding the bare repos (<group>/<project>.git)")
    parser.add_argument("--spec", type=Path, metavar="FILE", help="forge spec (JSON)")
    parser.add_argument("--port", type=int, default=8929, help="port (0: any free port)")
    parser.add_argument("--quiet", action="store_true", help="do not print each request")
    return parser


def _print_log(entry: LoggedRequest) -> None:
    query = f"?{entry.query}" if entry.query else ""
    print(f"{entry.method} {entry.path}{query} -> {entry.status}", flush=True)


def describe(url: str, spec: ForgeSpec) -> str:
    """The URLs and tokens of a running forge, for people."""
    lines = [f"Stand-in forge at {url}",
             f"  GitLab API base: {url}{GITLAB_PREFIX}",
             f"  GitHub API base: {url}{GITHUB_PREFIX}", "Repositories:"]
    lines += [f"  {url}/{p.path}.git  (id {p.id}, default branch {p.default_branch})"
              for p in spec.projects]
    lines.append("Tokens:")
    lines += [f"  {t.token:<12} user {t.user:<8} <{t.address}> reads "
              f"{', '.join(t.reads) or '(nothing)'}" for t in spec.tokens]
    if spec.oauth_clients:
        lines += ["OAuth clients (authorization code; add login=<user> to pick who approves, "
                  f"default {spec.oauth_default_user}):",
                  f"  GitLab style: {url}/oauth/authorize  {url}/oauth/token",
                  f"  GitHub style: {url}/login/oauth/authorize  "
                  f"{url}/login/oauth/access_token"]
        lines += [f"  client_id {c.client_id}  secret {c.client_secret}  redirects "
                  f"{', '.join(c.redirect_uris) or 'any http://127.0.0.1 or localhost URI'}"
                  for c in spec.oauth_clients]
    lines.append(f"Clone: git -c 'http.extraHeader=Authorization: Bearer <token>' clone "
                 f"{url}/<path>.git")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = _parser().parse_args(argv)
    if args.demo:
        root = args.demo
        spec = demo_forge(root)
    elif args.root and args.spec:
        root, spec = args.root, ForgeSpec.load(args.spec)
    else:
        _parser().error("give --demo DIR, or both --root DIR and --spec FILE")
    app = StandInForge(root, spec, on_request=None if args.quiet else _print_log)
    with BackgroundServer(app, port=args.port) as server:
        print(describe(server.url, spec), flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
