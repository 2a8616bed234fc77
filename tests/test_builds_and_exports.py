"""A reader keeps one build from start to end while a load swaps the data; large downloads are
written to disk and served by token only."""

from __future__ import annotations

import asyncio
import os
import time

import pandas as pd
import pytest

from core import exports, queries, store, tables
from core.db import Database
from core.filters import Filters
from tests.fixture_data import ROWS, write_fixture


@pytest.fixture
def two_builds(tmp_path, monkeypatch):
    """A data directory with build A (the fixture) published, and build B (every value
    doubled) written beside it."""
    monkeypatch.setenv("COMEX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COMEX_DB", raising=False)
    a = write_fixture(store.new_build_path("a"), ROWS, "a")
    doubled = [(*row[:5], row[5] * 2) for row in ROWS]
    b = write_fixture(store.new_build_path("b"), doubled, "b")
    store.publish(a)
    return a, b


def test_a_pinned_build_is_read_to_the_end_while_the_data_is_swapped(two_builds):
    a, b = two_builds
    db = Database()
    pinned = db.pin()
    f = Filters("93", pinned.catalog().default_period)
    assert queries.kpis(pinned, f).exports == 200_000_000
    store.publish(b)  # a load swaps the data in the middle of a page run
    # The run that pinned A goes on reading A, its catalog included…
    assert queries.kpis(pinned, f).exports == 200_000_000
    assert pinned.catalog() is pinned.catalog()
    assert pinned.version == str(a.resolve())
    # …and the next run reads B.
    fresh = db.pin()
    assert fresh.version == str(b.resolve())
    assert queries.kpis(fresh, f).exports == 400_000_000


def test_a_rollback_is_seen_by_the_next_pin(two_builds):
    a, b = two_builds
    db = Database()
    store.publish(b)
    assert db.pin().version == str(b.resolve())
    store.rollback()
    assert db.pin().version == str(a.resolve())


def sample_table(n: int = 3) -> tables.Table:
    frame = pd.DataFrame(
        {"Code": [f"{i:02d}" for i in range(n)], "Valeur (M€)": [1.25 * i for i in range(n)]}
    )
    return tables.Table(frame, {"Code": "code", "Valeur (M€)": "meur"}, view="essai")


def test_a_prepared_csv_holds_the_same_bytes_as_the_in_memory_download(tmp_path, monkeypatch):
    monkeypatch.setenv("COMEX_EXPORT_DIR", str(tmp_path))
    parts = [sample_table(3), sample_table(2)]
    export = exports.write("csv", parts, "essai.csv")
    assert export.path.read_bytes() == tables.to_csv_parts(parts)
    assert export.url == f"/telechargements/{export.token}"
    assert exports.lookup(export.token) == export
    assert export.path.parent.parent == tmp_path


def test_a_prepared_xlsx_has_every_row(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setenv("COMEX_EXPORT_DIR", str(tmp_path))
    export = exports.write("xlsx", [sample_table(4), sample_table(3)], "essai.xlsx")
    sheet = openpyxl.load_workbook(export.path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Code", "Valeur (M€)")
    assert [r[0] for r in rows[1:]] == ["00", "01", "02", "03", "00", "01", "02"]


@pytest.mark.parametrize("token", ["", "../../etc/passwd", "x" * 10, "a/b" * 10, "%2e%2e" * 5])
def test_malformed_or_unknown_tokens_find_nothing(token):
    assert exports.lookup(token) is None


def test_expired_exports_are_deleted(tmp_path, monkeypatch):
    monkeypatch.setenv("COMEX_EXPORT_DIR", str(tmp_path))
    export = exports.write("csv", [sample_table()], "essai.csv")
    exports.prune(now=time.time() + exports.TTL_SECONDS + 1)
    assert exports.lookup(export.token) is None
    assert not export.path.exists()


def _get(path: str):
    """Call the download endpoint as Starlette would for GET ``path``."""
    from starlette.requests import Request

    token = path.rsplit("/", 1)[-1]
    scope = {"type": "http", "method": "GET", "path": path, "headers": [],
             "path_params": {"token": token}, "query_string": b""}  # fmt: skip
    return asyncio.run(exports.download_response(Request(scope)))


def test_the_download_route_streams_the_file_or_says_it_expired(tmp_path, monkeypatch):
    monkeypatch.setenv("COMEX_EXPORT_DIR", str(tmp_path))
    export = exports.write("csv", [sample_table()], "partenaires_93-seine-saint-denis_2024.csv")
    ok = _get(export.url)
    assert ok.status_code == 200
    assert ok.path == export.path  # a FileResponse: streamed from disk, never loaded whole
    assert ok.headers["content-type"] == "text/csv; charset=utf-8"
    assert ok.headers["content-disposition"] == (
        'attachment; filename="partenaires_93-seine-saint-denis_2024.csv"'
    )
    gone = _get("/telechargements/" + "z" * 32)
    assert gone.status_code == 404
    assert gone.body.decode().startswith("Ce lien de téléchargement a expiré")


def test_export_directories_of_ended_processes_are_removed_and_live_ones_kept(tmp_path):
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = tmp_path / f"comex-exports-{ended.stdout.strip()}"
    live = tmp_path / f"comex-exports-{os.getpid()}"
    other = tmp_path / "comex-exports-notapid"
    for directory in (dead, live, other):
        directory.mkdir()
        (directory / "x.csv").write_text("a;b\n")
    assert exports.remove_orphans(tmp_path) == [dead]
    assert not dead.exists() and live.exists() and other.exists()


def _sheet(path) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_every_row_is_written_by_a_worker_with_the_bytes_of_the_server_s_own_file(
    tmp_path, monkeypatch, demo_db, demo_path
):
    """The Données page's large files are written by ``python -m core.exports`` (another
    process, in parts of 10 000 rows): the same file as the server would write itself."""
    monkeypatch.setenv("COMEX_EXPORT_DIR", str(tmp_path))
    pinned = demo_db.pin()
    f = Filters("93", pinned.catalog().period("2024"))
    in_process = [tables.rows_table(b, "donnees") for b in queries.trade_rows_batches(pinned, f)]
    assert len(in_process) == 1 and len(in_process[0].frame) > exports.WORKER_BATCH  # several parts
    csv = exports.write_rows("csv", pinned.version, f.to_query_params(), "donnees_93.csv")
    assert csv.path.read_bytes() == tables.to_csv_parts(in_process)
    assert csv.path.parent.parent == tmp_path and exports.lookup(csv.token) == csv
    assert (csv.filename, csv.mime) == ("donnees_93.csv", "text/csv; charset=utf-8")

    small = Filters("23", pinned.catalog().period("2024"), flow="import")
    xlsx = exports.write_rows("xlsx", pinned.version, small.to_query_params(), "donnees_23.xlsx")
    own = exports.write(
        "xlsx",
        (tables.rows_table(b, "donnees") for b in queries.trade_rows_batches(pinned, small)),
        "own.xlsx",
    )
    rows = _sheet(xlsx.path)
    assert rows == _sheet(own.path)
    assert len(rows) == queries.trade_rows_summary(pinned, small).rows + 1
    assert rows[0][:4] == ["Année", "Trimestre", "Flux", "Pays"]
    assert {r[2] for r in rows[1:]} == {"Importations"}
    assert [p.suffix for p in (tmp_path / f"comex-exports-{os.getpid()}").iterdir()].count(
        ".part"
    ) == 0


def test_a_failed_worker_says_so_in_french_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COMEX_EXPORT_DIR", str(tmp_path))
    with pytest.raises(exports.ExportFailed) as failed:
        exports.write_rows("csv", str(tmp_path / "absent.duckdb"), {"territoire": "93"}, "x.csv")
    assert str(failed.value).startswith("Le fichier n'a pas pu être préparé (erreur du serveur).")
    assert list((tmp_path / f"comex-exports-{os.getpid()}").iterdir()) == []


def test_a_build_replaced_by_a_newer_one_gives_its_buffers_back_and_still_answers(two_builds):
    a, b = two_builds
    pinned = Database().pin()
    pinned.warmed.wait()
    f = Filters("93", pinned.catalog().default_period)
    limit = "SELECT current_setting('memory_limit')"
    assert pinned.rows(limit) == [("244.1 MiB",)]  # MEMORY_LIMIT, 256 MB
    pinned.retire()
    assert pinned.rows(limit) == [("45.7 MiB",)]  # RETIRED_MEMORY, 48 MB
    assert queries.kpis(pinned, f).exports == 200_000_000  # a run that began on it reads on
    pinned.revive()
    assert pinned.rows(limit) == [("244.1 MiB",)]


def test_the_next_run_after_a_publication_retires_the_build_it_replaces(two_builds, use_db):
    from core import cache
    from tests.apptest_helpers import open_app

    a, b = two_builds
    use_db(store.db_path())
    at = open_app({"territoire": "93"})
    old = cache._BUILDS[str(a.resolve())]
    assert not old.retired
    store.publish(b)
    at.run()
    assert not at.exception
    assert old.retired and not cache._BUILDS[str(b.resolve())].retired


def test_the_prewarm_reads_every_column_of_the_recent_years_into_the_buffers(tmp_path):
    """Once ``warmed`` is set, reading every value of the recent years of every prewarmed
    table loads no further block: they are all in DuckDB's buffers already. (A prewarm by
    ``max()`` read nothing of the tables' whole row groups: DuckDB answers it from their
    statistics.)"""
    from core import db

    path = write_fixture(tmp_path / "prewarm.duckdb", ROWS, "prewarm")  # its own instance
    build = db.Build(str(path))
    try:
        build.warmed.wait()
        loaded = "SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
        ((before,),) = build.rows(loaded)
        assert before > 0
        ((latest,),) = build.rows("SELECT max(year) FROM slices")
        for table in db._PREWARM_TABLES:
            columns = [name for name, *_ in build.rows(f"DESCRIBE {table}")]
            values = ", ".join(f"sum(length(CAST({c} AS VARCHAR)))" for c in columns)
            build.rows(f"SELECT {values} FROM {table} WHERE year > ?", [latest - db.PREWARM_YEARS])
        assert build.rows(loaded) == [(before,)]
    finally:
        build._con.close()
