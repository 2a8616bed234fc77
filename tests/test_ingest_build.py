"""Loads that write builds: round trip of the demo data, atomic swap under concurrent readers,
interrupted loads, rollback, the load lock, and the Territoires d'industrie list.

Every test runs in a private data directory (``data_dir``): /work/main/data is never written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from core import ingest, store
from core.db import Database
from core.ingest import IngestError, Source
from tests.test_ingest_helpers import (
    EXPECTED,
    csv_bytes,
    data_dir,  # noqa: F401 (fixture)
    sample_rows,
    small_build,
)

ROOT = Path(__file__).resolve().parent.parent
OFFICIAL_HEADER = "Année;Flux;Département;Code A129;Code pays;Valeur (en milliers d'euros)\r\n"


def trade_of(path: Path) -> dict[tuple, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT year, flow, dept, product, country, value_eur FROM trade ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    return {tuple(r[:5]): r[5] for r in rows}


def export_official_csv(demo: Path, target: Path, year: int) -> None:
    """The demo year in the official layout: k€ with three decimals, ';', Windows-1252."""
    target.write_bytes(OFFICIAL_HEADER.encode("cp1252"))
    body = target.with_suffix(".body")
    con = duckdb.connect(str(demo), read_only=True)
    try:
        con.execute(
            """
            COPY (
                SELECT year, CASE flow WHEN 'export' THEN 'E' ELSE 'I' END,
                       -- the official files drop the leading zero of some département codes
                       CASE WHEN dept LIKE '0%' THEN substr(dept, 2) ELSE dept END,
                       product, country,
                       printf('%d,%03d', value_eur // 1000, value_eur % 1000)
                FROM trade WHERE year = ? ORDER BY ALL
            ) TO '"""
            + str(body)
            + """' (HEADER false, DELIMITER ';', QUOTE '')
            """,
            [year],
        )
    finally:
        con.close()
    with target.open("ab") as out:
        out.write(body.read_bytes().replace(b"\n", b"\r\n"))
    body.unlink()


def test_round_trip_of_a_demo_year_gives_identical_totals(data_dir, demo_path, tmp_path):  # noqa: F811
    csv_path = tmp_path / "dgddi-2024.csv"
    export_official_csv(demo_path, csv_path, 2024)
    report = ingest.load_trade([Source.from_path(csv_path)])
    loaded = Database(store.db_path())
    demo = Database(demo_path)
    sql = "SELECT year, flow, dept, value_eur FROM totals_dept WHERE year = 2024 ORDER BY ALL"
    expected = demo.frame(sql)
    got = loaded.frame(sql)
    assert len(expected) == 2 * 101  # every département, both flows
    assert got.to_dict("records") == expected.to_dict("records")
    assert report.rows_rejected == 0 and report.rows_read == report.rows_stored
    assert report.files[0].layout == "CSV, séparateur « ; », Windows-1252"
    meta = loaded.catalog().metadata
    assert meta["source"] == "official" and meta["files"] == ["dgddi-2024.csv"]
    # Speed is measured, not asserted (DESIGN: no timed tests); see the printed line with -s.
    print(f"round trip: {report.rows_read} rows in {report.seconds:.1f} s "
          f"({report.rows_per_second:,.0f} rows/s)")  # fmt: skip


def test_load_publishes_a_new_build_and_rollback_restores_the_previous(data_dir):  # noqa: F811
    first = small_build("first", 1_000)
    store.publish(first)
    report = ingest.load_trade([Source("a.csv", csv_bytes(sample_rows()))])
    current = store.current_build()
    assert current == Path(report.build).resolve() and current != first.resolve()
    assert trade_of(current) == EXPECTED
    assert (data_dir / store.PREVIOUS_NAME).resolve() == first.resolve()
    assert ingest.rollback() == first.resolve()
    assert store.current_build() == first.resolve()
    assert sum(trade_of(store.db_path()).values()) == 3_000


def test_unknown_partner_gets_a_country_row(data_dir):  # noqa: F811
    rows = [["2024", "E", "93", "C21Z", "ZZ", "1"], ["2024", "E", "93", "C21Z", "DE", "2"]]
    ingest.load_trade([Source("a.csv", csv_bytes(rows))])
    catalog = Database(store.db_path()).catalog()
    zz = catalog.countries[catalog.countries["code"] == "ZZ"].iloc[0]
    assert (zz["name_fr"], zz["zone"], bool(zz["eu27"])) == ("ZZ (non déterminé)", "Non déterminé", False)  # fmt: skip


def test_a_refused_load_changes_nothing(data_dir):  # noqa: F811
    first = small_build("first", 1_000)
    store.publish(first)
    before = sorted(p.name for p in (data_dir / "builds").iterdir())
    bad = sample_rows() + [["2024", "E", "93", "C21Z", "US", "abc"]]
    with pytest.raises(IngestError):
        ingest.load_trade([Source("a.csv", csv_bytes(bad))])
    assert sorted(p.name for p in (data_dir / "builds").iterdir()) == before
    assert store.current_build() == first.resolve()


def test_merge_keeps_what_the_new_files_do_not_cover(data_dir):  # noqa: F811
    ingest.load_trade([Source("a.csv", csv_bytes(sample_rows()))])
    update = [["2024", "E", "01", "C21Z", "DE", "2"]]  # replaces 2024 exports of 01 only
    report = ingest.load_trade([Source("b.csv", csv_bytes(update))], merge=True)
    assert trade_of(store.db_path()) == {**EXPECTED, (2024, "export", "01", "C21Z", "DE"): 2_000}
    assert Database(store.db_path()).catalog().metadata["files"] == ["a.csv", "b.csv"]
    assert any(n.startswith("Fusion : 3 lignes") for n in report.notes)


def test_merge_into_demo_data_is_refused(data_dir):  # noqa: F811
    store.publish(small_build("demo", 5, {"source": "demo", "label": "démo", "files": []}))
    with pytest.raises(IngestError) as info:
        ingest.load_trade([Source("a.csv", csv_bytes(sample_rows()))], merge=True)
    assert info.value.messages[0].startswith("Fusion impossible")


def test_a_second_load_waits_for_no_one_it_is_refused_while_the_lock_is_held(data_dir):  # noqa: F811
    with store.load_lock(), pytest.raises(IngestError) as info:
        ingest.load_trade([Source("a.csv", csv_bytes(sample_rows()))])
    assert info.value.messages == [
        "Un autre chargement de données est en cours : réessayez dans quelques minutes."
    ]
    ingest.load_trade([Source("a.csv", csv_bytes(sample_rows()))])  # released afterwards


def test_concurrent_queries_never_fail_while_builds_are_swapped(data_dir):  # noqa: F811
    builds = [small_build(f"b{i}", 1_000 * (i + 1)) for i in range(3)]
    store.publish(builds[0])
    db = Database(store.db_path())
    valid = {3_000 * (i + 1) for i in range(3)}
    failures: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                total = int(db.frame("SELECT sum(value_eur) AS s FROM trade")["s"].iloc[0])
                assert total in valid, total
                seen.add(total)
                db.catalog()
            except BaseException as exc:  # any failure is a test failure
                failures.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        for i in range(40):
            store.publish(builds[i % 3])
            time.sleep(0.03)  # long enough for readers to query each build
            if i % 5 == 4:
                store.rollback()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not failures, failures[:3]
    assert len(seen) >= 2  # readers really followed the swaps


def test_a_load_killed_before_publishing_leaves_the_current_data_intact(data_dir, tmp_path):  # noqa: F811
    first = small_build("first", 1_000)
    store.publish(first)
    before = trade_of(store.db_path())
    csv_path = tmp_path / "a.csv"
    csv_path.write_bytes(csv_bytes(sample_rows()))
    env = {**os.environ, "COMEX_DATA_DIR": str(data_dir), ingest.PAUSE_ENV: "60"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.ingest", str(csv_path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # Wait until the new build is completely written (the worst moment to die).
        for line in proc.stderr:
            if "publication" in line:
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert store.current_build() == first.resolve()
    assert trade_of(store.db_path()) == before
    # The lock died with the process: the next load goes through.
    ingest.load_trade([Source.from_path(csv_path)])
    assert trade_of(store.db_path()) == EXPECTED


def test_cli_loads_reports_and_rolls_back(data_dir, tmp_path, capsys):  # noqa: F811
    first = small_build("first", 1_000)
    store.publish(first)
    csv_path = tmp_path / "a.csv"
    csv_path.write_bytes(csv_bytes(sample_rows()))
    report_path = tmp_path / "rapport.csv"
    assert ingest.main([str(csv_path), "--db", str(data_dir / "comex.duckdb"),
                        "--rapport", str(report_path)]) == 0  # fmt: skip
    out = capsys.readouterr()
    assert "4 lignes lues, 4 retenues, 0 écartées" in out.out
    assert "100% terminé" in out.err
    text = report_path.read_bytes().decode("utf-8-sig")
    assert "Total enregistré;;2023 · importations;1;1000000001" in text
    assert ingest.main(["--rollback"]) == 0
    assert store.current_build() == first.resolve()
    bad = tmp_path / "b.csv"
    bad.write_bytes(csv_bytes([["2024", "E", "93", "C21Z", "DE", "-1"]]))
    assert ingest.main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Chargement refusé, aucune donnée modifiée :" in err
    assert "ligne 2, colonne « Valeur (en milliers d'euros) » : valeur négative (« -1 »)" in err


# --- Territoires d'industrie -------------------------------------------------------------------

TI_CSV = (
    "insee_com;lib_com;id_ti;lib_ti\r\n"
    "93001;Aubervilliers;TI1;Grand Roissy Le Bourget\r\n"
    "93005;Aulnay-sous-Bois;TI1;Grand Roissy Le Bourget\r\n"
    "95018;Argenteuil;TI1;Grand Roissy Le Bourget\r\n"
    "1004;Ambérieu-en-Bugey;TI2;Plaine de l'Ain\r\n"
    "2A004;Ajaccio;TI3;Ajaccio\r\n"
    "97101;Les Abymes;TI4;Guadeloupe\r\n"
    "97102;Anse-Bertrand;TI4;Guadeloupe\r\n"
    "97102;Anse-Bertrand;TI4;Guadeloupe\r\n"
)


def test_territoires_list_by_commune_counts_communes_per_departement(data_dir):  # noqa: F811
    first = small_build("first", 1_000)
    store.publish(first)
    report = ingest.load_territoires([Source("liste-ti.csv", TI_CSV.encode("cp1252"))])
    con = duckdb.connect(str(store.db_path()), read_only=True)
    try:
        ti = con.execute("SELECT name, dept, n_communes FROM territoire_industrie ORDER BY ALL").fetchall()  # fmt: skip
    finally:
        con.close()
    assert ti == [
        ("Ajaccio", "2A", 1),
        ("Grand Roissy Le Bourget", "93", 2),
        ("Grand Roissy Le Bourget", "95", 1),
        ("Guadeloupe", "971", 2),
        ("Plaine de l'Ain", "01", 1),
    ]
    assert trade_of(store.db_path()) == trade_of(first)  # trade copied unchanged
    meta = Database(store.db_path()).catalog().metadata
    assert meta["territoires_industrie"]["files"] == ["liste-ti.csv"]
    assert meta["files"] == ["first.csv"]
    assert any("1 lignes répétées" in n for n in report.notes)
    # A later trade load keeps the loaded list.
    ingest.load_trade([Source("a.csv", csv_bytes(sample_rows()))])
    con = duckdb.connect(str(store.db_path()), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM territoire_industrie").fetchone()[0] == 5
    finally:
        con.close()


def test_territoires_bad_commune_code_is_refused(data_dir):  # noqa: F811
    store.publish(small_build("first", 1_000))
    bad = "code_commune;nom_territoire\r\n93001;A\r\n9X001;B\r\n"
    with pytest.raises(IngestError) as info:
        ingest.load_territoires([Source("ti.csv", bad.encode())])
    assert info.value.messages == [
        "Fichier « ti.csv », ligne 3, colonne « code_commune » : code commune INSEE invalide "
        "(5 caractères attendus) (« 9X001 »)."
    ]
