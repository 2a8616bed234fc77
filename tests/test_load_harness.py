"""The load harness (``python -m benchmarks.load``) end to end, kept short (≈ 25 s).

Two real servers run side by side for ~15 s each: three websocket sessions browsing the
embedded demonstration database (0 errors, page times of at least three pages, filters kept),
and three sessions while builds A and B of a small fixture database are swapped every 3 s
(every Vue d'ensemble shows one build's version with that build's figures). Select with
``pytest -k load_harness``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks import load
from core import store
from tests.fixture_data import build_fixture

SECONDS = 15


@pytest.fixture(scope="module")
def load_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, load.Report | None]:
    demo = store.db_path()
    fixture = build_fixture(tmp_path_factory.mktemp("load") / "fixture.duckdb")
    browse = load.Config(
        sessions=3, minutes=SECONDS / 60, downloads=0, seed=7, think=(0.2, 0.8),
        timeout=60, timeline_every=5, log=False, db=demo,
    )  # fmt: skip
    swap = load.Config(
        sessions=3, minutes=SECONDS / 60, downloads=0, swap_every=3, seed=11, think=(0.1, 0.5),
        timeout=60, timeline_every=5, log=False, db=fixture, overview_share=0.6,
        territories=("FR", "R11", "R32", "93", "95", "59", "02"),
    )  # fmt: skip
    with ThreadPoolExecutor(2) as pool:
        browsing = pool.submit(load.run, browse) if Path(demo).exists() else None
        swapping = pool.submit(load.run, swap)
        return {"browse": browsing.result() if browsing else None, "swap": swapping.result()}


def test_load_harness_sessions(load_reports: dict[str, load.Report | None]) -> None:
    report = load_reports["browse"]
    if report is None:
        pytest.skip("no demonstration database: run `make demo-db`")
    text = load.summary(report)
    assert not report.errors, text
    assert len(report.pages_timed()) >= 3, text
    assert report.filter_checks > 0 and not report.filter_mismatches, text
    assert report.memory, text


def test_load_harness_swap(load_reports: dict[str, load.Report | None]) -> None:
    report = load_reports["swap"]
    text = load.summary(report)
    assert len(report.swaps) >= 2, text
    assert not report.errors, text
    assert not report.swap_mismatches, text
    # Both builds were seen, each with its own figures: a mix could not go unnoticed.
    assert report.swap_checks["A"] > 0 and report.swap_checks["B"] > 0, text


def test_load_harness_detects_mixed_builds(tmp_path: Path) -> None:
    """The swap check is not vacuous: a banner of one build with the other's figure fails."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.Metric_pb2 import Metric

    from benchmarks.wsclient import Element, RunResult

    a, b, _ = load.prepare_builds(build_fixture(tmp_path / "f.duckdb"), tmp_path / "data")
    builds = {"A": load.Data(a, "A"), "B": load.Data(b, "B")}
    query = {"territoire": "93", "annee": "2024"}
    assert builds["A"].expected_exports(query) != builds["B"].expected_exports(query)
    checker = load.Load(load.Config(), load.Report(load.Config()), "", None, builds, None)

    def overview(banner_of: str, figure_of: str) -> RunResult:
        run = RunResult("open", "", 0.1, "ok", query_string="territoire=93&annee=2024")
        banner = f"Données de démonstration ; version du {builds[banner_of].moment}. Ce ne sont…"
        figure = builds[figure_of].expected_exports(query)
        run.elements = [
            Element("alert", Alert(body=banner, format=Alert.INFO), (0, 0)),
            Element("metric", Metric(label="Exportations", body=figure), (0, 1)),
        ]
        return run

    for banner_of, figure_of in (("A", "A"), ("B", "B"), ("A", "B"), ("B", "A")):
        asyncio.run(checker.check_build(overview(banner_of, figure_of), 0.0))
    assert dict(checker.report.swap_checks) == {"A": 1, "B": 1}
    assert len(checker.report.swap_mismatches) == 2
