"""AppTest: the « Sources de données » page states the current source, loads an upload with the
same validation as the command line, shows the report, refuses broken files, rolls back.

Each test uses a private data directory with a small official build (never /work/main/data).
"""

from __future__ import annotations

import pytest

from core import store
from tests.apptest_helpers import open_app, texts
from tests.test_ingest_helpers import (
    csv_bytes,
    data_dir,  # noqa: F401 (fixture)
    sample_rows,
    small_build,
)


@pytest.fixture
def first_build(data_dir):  # noqa: F811
    path = small_build("first", 1_000, {"source": "official", "label": "test",
                                         "files": ["premier.csv"]})  # fmt: skip
    store.publish(path)
    return path


def test_page_states_the_current_official_source(first_build):
    at = open_app({}, page="sources.py")
    assert not at.exception
    page = texts(at)
    assert "Sources de données" in page
    assert "Source actuelle : données officielles DGDDI" in page
    assert "Fichiers : « premier.csv »" in page
    assert "Aucune version précédente n'est conservée." in page


def test_upload_loads_publishes_and_reports(first_build):
    at = open_app({}, page="sources.py")
    at.file_uploader(key="ingest_files").set_value(
        [("dgddi.csv", csv_bytes(sample_rows()), "text/csv")]
    )
    at.run()
    at.button(key="ingest_go").click()
    at.run()
    assert not at.exception
    page = texts(at)
    assert "Rapport du dernier chargement" in page
    assert "4 lignes lues, 4 retenues, 0 écartées" in page
    assert "unité milliers d'euros, détectée dans l'en-tête" in page
    assert "Fichiers : « dgddi.csv »" in page  # the statement follows the new build
    assert store.current_build() != first_build.resolve()
    report = at.dataframe[0].value
    assert list(report.columns) == ["Rubrique", "Fichier", "Détail", "Lignes", "Valeur (€)"]
    read = report[report["Rubrique"] == "Fichier lu"]
    assert read[["Lignes", "Valeur (€)"]].values.tolist() == [
        [4, 1_001_247_068]  # 1 234 567 + 500 + 12 000 + 1 000 000 001
    ]
    totals = report[report["Rubrique"] == "Total enregistré"]
    assert totals["Valeur (€)"].tolist() == [1_000_000_001, 1_235_067, 12_000]
    # The rollback button appears once a previous build exists, and restores it.
    at.button(key="rollback").click()
    at.run()
    assert not at.exception
    assert store.current_build() == first_build.resolve()
    assert "Fichiers : « premier.csv »" in texts(at)


def test_broken_upload_is_refused_with_the_exact_message(first_build):
    at = open_app({}, page="sources.py")
    bad = csv_bytes([["2024", "E", "93", "C21Z", "DE", "*douze*"]])
    at.file_uploader(key="ingest_files").set_value([("casse.csv", bad, "text/csv")])
    at.run()
    at.button(key="ingest_go").click()
    at.run()
    assert not at.exception
    error = at.error[0].value
    assert "Chargement refusé : aucune donnée n'a été modifiée." in error
    assert (
        "Fichier « casse.csv », ligne 2, colonne « Valeur (en milliers d'euros) » : valeur "
        "non numérique (« \\*douze\\* »)."  # shown literally, not as emphasis
    ) in error
    assert store.current_build() == first_build.resolve()


def test_territoires_upload_reports_the_counts(first_build):
    at = open_app({}, page="sources.py")
    ti = "code_commune;nom_territoire\r\n93001;Grand Roissy\r\n93005;Grand Roissy\r\n95018;Grand Roissy\r\n"  # fmt: skip
    at.file_uploader(key="ti_files").set_value([("ti.csv", ti.encode(), "text/csv")])
    at.run()
    at.button(key="ti_go").click()
    at.run()
    assert not at.exception
    page = texts(at)
    assert "3 lignes lues, 3 communes retenues ; 2 couples (territoire, département)" in page
    assert "Territoires d'industrie : liste ANCT chargée le" in page
    report = at.dataframe[0].value
    assert report.loc[report["Rubrique"] == "Territoire d'industrie", "Communes"].tolist() == [2, 1]
