"""The demo stand-in forge served on 127.0.0.1 for the forge tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kosha.devforge.demo import demo_forge
from kosha.devforge.forge import ForgeSpec, StandInForge, TokenSpec
from kosha.devforge.server import BackgroundServer

SECRET = "glpat-Xy7sECRET-forge-t0ken-9911"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ForgeSpec]:
    root = tmp_path_factory.mktemp("forge")
    return root, demo_forge(root)


@pytest.fixture(scope="module")
def server(demo: tuple[Path, ForgeSpec]) -> Iterator[tuple[StandInForge, str]]:
    root, spec = demo
    spec = ForgeSpec(projects=spec.projects, groups=spec.groups,
                     tokens=(*spec.tokens, TokenSpec(token=SECRET, reads=("emea/team-a",))))
    app = StandInForge(root, spec)
    with BackgroundServer(app) as srv:
        yield app, srv.url


@pytest.fixture
def forge(server: tuple[StandInForge, str]) -> StandInForge:
    server[0].clear()
    return server[0]


@pytest.fixture
def url(server: tuple[StandInForge, str]) -> str:
    return server[1]
