"""Builds written by loads: the command line (exit codes, report, rollback), the load lock, the
history kept in the metadata, a load killed before publishing, the Territoires d'industrie list.

Every test runs in a private data directory (``data_dir``): /work/main/data is never written.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import store
from core.load import LoadError, Source, load_territoires, load_trade, rollback
from core.load.cli import main
from tests.load_fixtures import (
    REAL_ROWS,
    data_dir,  # noqa: F401 (fixture)
    query,
    small_build,
    state,
    text_of,
)

ROOT = Path(__file__).resolve().parent.parent


def test_cli_loads_writes_the_report_and_rolls_back(data_dir, tmp_path, capsys):  # noqa: F811
    first = small_build("first", 1_000)
    store.publish(first)
    path = tmp_path / "REGIONAL_CPF4PAYSE.txt"
    path.write_bytes(text_of(REAL_ROWS))
    rapport = tmp_path / "rapport.csv"
    assert main([str(path), "--rapport", str(rapport)]) == 0
    out = capsys.readouterr().out
    assert (
        "Tranches (année, trimestre, flux) : 2 ajoutées, 0 remplacée, 0 inchangée, 2 conservées"
        in out
    )
    rows = list(csv.reader(io.StringIO(rapport.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Rubrique",
        "Fichier",
        "Détail",
        "Lignes",
        "Valeur (€)",
        "Valeur précédente (€)",
    ]
    assert [
        "Tranche ajoutée",
        "REGIONAL_CPF4PAYSE.txt",
        "2018 T3 · exportations",
        "2",
        "417701",
        "",
    ] in rows
    assert main(["--rollback"]) == 0
    assert store.current_build() == first.resolve()


def test_cli_refusal_prints_french_messages_and_exits_2(data_dir, tmp_path, capsys):  # noqa: F811
    store.publish(small_build("first", 1_000))
    before = state(data_dir)
    path = tmp_path / "casse.txt"
    path.write_bytes(text_of([*REAL_ROWS, "E;3;2018;01;18;A01Z;0111;BE;12a;1"]))
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert "Chargement refusé, aucune donnée modifiée :" in err
    assert (
        "- Fichier « casse.txt », ligne 5, champ 9 (valeur en euros) : valeur non numérique" in err
    )
    assert "Traceback" not in err
    assert state(data_dir) == before
    assert main([str(tmp_path / "absent.txt")]) == 2
    assert "introuvable" in capsys.readouterr().err


def test_cli_as_a_module_never_shows_a_traceback(data_dir, tmp_path):  # noqa: F811
    path = tmp_path / "junk.xlsx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(2_000))
    run = subprocess.run(
        [sys.executable, "-m", "core.load", str(path)], cwd=ROOT, capture_output=True,
        text=True, env={**os.environ, "COMEX_DATA_DIR": str(data_dir)}, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2
    assert "Fichier « junk.xlsx »" in run.stderr and "Traceback" not in run.stderr


def test_rollback_without_a_previous_build_is_refused_in_french(data_dir):  # noqa: F811
    store.publish(small_build("first", 1))
    with pytest.raises(LoadError, match="Aucune version précédente"):
        rollback()


def test_a_second_load_is_refused_while_the_lock_is_held(data_dir):  # noqa: F811
    with store.load_lock(), pytest.raises(LoadError, match="Un autre chargement"):
        load_trade([Source("a.txt", text_of(REAL_ROWS))])


def test_history_and_files_are_kept_in_the_metadata(data_dir):  # noqa: F811
    load_trade([Source("a.txt", text_of(REAL_ROWS[:2]))])
    load_trade([Source("b.txt", text_of(REAL_ROWS[2:]))])
    import json

    meta = dict(query("SELECT key, value FROM metadata"))
    history = json.loads(meta["history"])
    assert [h["files"] for h in history] == [["a.txt"], ["b.txt"]]
    assert (history[1]["added"], history[1]["kept"]) == (1, 1)
    assert json.loads(meta["files"]) == ["a.txt", "b.txt"]


def test_a_load_killed_before_publishing_leaves_the_current_data_intact(data_dir, tmp_path):  # noqa: F811
    store.publish(small_build("first", 1_000))
    before = state(data_dir)
    path = tmp_path / "a.txt"
    path.write_bytes(text_of(REAL_ROWS))
    env = {**os.environ, "COMEX_DATA_DIR": str(data_dir), "COMEX_LOAD_PAUSE_BEFORE_PUBLISH": "30"}
    proc = subprocess.Popen([sys.executable, "-m", "core.load", str(path)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((data_dir / "builds").glob("*official*"))) == 0:
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert store.current_build() == before[0]
    assert store.current_build().read_bytes() and state(data_dir)[1] == before[1]


def test_anct_list_is_resolved_and_copied_with_the_same_trade(data_dir):  # noqa: F811
    from core import territoires as ti

    load_trade([Source("a.txt", text_of(REAL_ROWS))])
    trade_before = query("SELECT * FROM trade ORDER BY ALL")
    communes, epci, ept = ti.load_sources()
    siren = epci["siren"].iloc[0]
    members = epci[epci["siren"] == siren]
    text = f'id_ti;lib_ti;siren_epci;lib_epci\r\nti-1;=HYPERLINK("x") <b>T</b>;{siren};EPCI\r\n'
    report = load_territoires([Source("anct.csv", text.encode())])
    rows = query("SELECT id, name, dept, n_communes FROM territoire_industrie")
    assert {r[1] for r in rows} == {'=HYPERLINK("x") <b>T</b>'}  # kept as inert text
    assert sum(r[3] for r in rows) == members["code"].nunique()
    assert query("SELECT * FROM trade ORDER BY ALL") == trade_before
    assert report.build and "territoire" in " ".join(report.summary())
    import json

    meta = dict(query("SELECT key, value FROM metadata"))
    assert json.loads(meta["territoires_industrie"])["files"] == ["anct.csv"]
    assert meta["source"] == "official"


def test_the_shipped_anct_list_loads(data_dir):  # noqa: F811
    from core import territoires as ti

    load_trade([Source("a.txt", text_of(REAL_ROWS))])
    path = ti.REFERENCE_DIR / ti.MEMBERS_FILE
    load_territoires([Source(path.name, path.read_bytes())])
    names = {r[0] for r in query("SELECT name FROM territoire_industrie WHERE dept = '93'")}
    assert "Grand Roissy Le Bourget" in names or any("Roissy" in n for n in names)


def test_commune_list_counts_communes_per_departement(data_dir):  # noqa: F811
    load_trade([Source("a.txt", text_of(REAL_ROWS))])
    data = "code_commune;nom_territoire\r\n93001;Grand Roissy\r\n93005;Grand Roissy\r\n95018;Grand Roissy\r\n"
    load_territoires([Source("ti.csv", data.encode())])
    assert query("SELECT name, dept, n_communes FROM territoire_industrie ORDER BY dept") == [
        ("Grand Roissy", "93", 2),
        ("Grand Roissy", "95", 1),
    ]


def test_bad_territoire_rows_are_refused_with_line_and_column(data_dir):  # noqa: F811
    load_trade([Source("a.txt", text_of(REAL_ROWS))])
    before = state(data_dir)
    data = "id_ti;lib_ti;siren_epci\r\nti-1;T;12345\r\nti-1;T;999999999\r\n"
    with pytest.raises(LoadError) as err:
        load_territoires([Source("anct.csv", data.encode())])
    text = str(err.value)
    assert "Fichier « anct.csv », ligne 2, colonne « siren_epci » : SIREN invalide" in text
    assert "Fichier « anct.csv », ligne 3, colonne « siren_epci » : SIREN inconnu" in text
    assert state(data_dir) == before
