"""Shared fixtures: the hand-made fixture database and the embedded demonstration database."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import store
from core.db import Database
from tests.fixture_data import build_fixture, build_labels_fixture, build_quarters_fixture
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
def quarters_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Quarter by quarter, 2023–2024 whole and 2025 T1–T2 (see ``build_quarters_fixture``)."""
    return build_quarters_fixture(tmp_path_factory.mktemp("quarters") / "quarters.duckdb")


@pytest.fixture(scope="session")
def quarters_db(quarters_path: Path) -> Database:
    return Database(quarters_path)


@pytest.fixture(scope="session")
def quarters_t1_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The quarters fixture stopped at 2025 T1: « 2025 (T1) » and 12m = T2 2024 – T1 2025."""
    path = tmp_path_factory.mktemp("quarters_t1") / "quarters_t1.duckdb"
    return Database(build_quarters_fixture(path, last=(2025, 1)))


@pytest.fixture(scope="session")
def labels_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """XK and XS, whose meaning changed over time, in 1992 and 2024."""
    return Database(build_labels_fixture(tmp_path_factory.mktemp("labels") / "labels.duckdb"))


@pytest.fixture(scope="session")
def demo_path() -> Path:
    """The embedded demonstration database, built once if missing (as `make test` does)."""
    path = store.db_path()
    if not path.exists():
        from core import demo

        demo.build_demo(quiet=True)
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
