"""Shared fixtures: the hand-made fixture database and the embedded demonstration database."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import store
from core.db import Database
from tests.fixture_data import build_fixture
from tests.fixture_trends import build_trends_fixture

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fixture_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("fixture") / "fixture.duckdb")


@pytest.fixture(scope="session")
def fixture_db(fixture_path: Path) -> Database:
    return Database(fixture_path)


@pytest.fixture(scope="session")
def trends_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three-year fixture of trends, rankings, specialisation and comparison."""
    return build_trends_fixture(tmp_path_factory.mktemp("trends") / "trends.duckdb")


@pytest.fixture(scope="session")
def trends_db(trends_path: Path) -> Database:
    return Database(trends_path)


@pytest.fixture(scope="session")
def demo_path() -> Path:
    """The embedded demonstration database, built once if missing (as `make test` does)."""
    path = store.db_path()
    if not path.exists():
        from core import demo

        demo.build(quiet=True)
    return path.resolve()


@pytest.fixture(scope="session")
def demo_db(demo_path: Path) -> Database:
    return Database(demo_path)


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch):
    """Point the app (COMEX_DB) at a given database for one test."""

    def point(path: Path) -> None:
        monkeypatch.setenv("COMEX_DB", str(path))

    return point
