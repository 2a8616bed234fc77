"""AppTest: « Sources de données » shows everyone where the figures come from; only an
administrator (a configured token entered on the page) may load files or roll back.

Each test uses a private data directory with a small official build (never /work/main/data).
"""

from __future__ import annotations

import pytest

from core import store
from tests.apptest_helpers import open_app, texts
from tests.load_fixtures import (
    REAL_ROWS,
    data_dir,  # noqa: F401 (fixture)
    small_build,
    text_of,
)

TOKEN = "s3cret-jeton"


@pytest.fixture
def first_build(data_dir, monkeypatch):  # noqa: F811
    monkeypatch.delenv("COMEX_ADMIN_TOKEN", raising=False)
    path = small_build("first", 1_000, {"source": "official", "label": "test",
                                         "files": ["[x](http://evil.example) <img src=x>.txt"]})  # fmt: skip
    store.publish(path)
    return path


def admin_page(monkeypatch, token: str | None = TOKEN):
    monkeypatch.setenv("COMEX_ADMIN_TOKEN", TOKEN)
    at = open_app({}, page="sources.py")
    if token is not None:
        at.text_input(key="admin_token").input(token)
        at.run()
    return at


def test_everyone_sees_the_provenance_but_no_upload_and_no_rollback(first_build):
    at = open_app({}, page="sources.py")
    assert not at.exception
    page = texts(at)
    assert "Source actuelle : données officielles DGDDI" in page
    assert "Trimestres en place" in page
    # A file name is shown literally: no link, no image.
    assert "\\[x\\]\\(http\\:\\/\\/evil" in page or "\\[x\\]\\(http\\://evil" in page
    assert "](http" not in page.replace("\\](", "")
    assert "réservés aux administrateurs et désactivés sur ce serveur" in page
    assert len(at.file_uploader) == 0
    assert not [b for b in at.button if b.key in ("rollback", "load_go", "ti_go")]
    slices = at.dataframe[0].value
    assert slices[["Année", "Trimestre", "Flux", "Lignes"]].values.tolist() == [
        [2024, "T1", "Exportations", 1],
        [2024, "T1", "Importations", 1],
    ]


def test_a_wrong_token_is_refused_in_french(first_build, monkeypatch):
    at = admin_page(monkeypatch, "mauvais")
    assert not at.exception
    assert "Jeton incorrect : le chargement et le retour en arrière restent désactivés." in texts(
        at
    )
    assert len(at.file_uploader) == 0


def test_the_token_field_is_asked_when_a_token_is_configured(first_build, monkeypatch):
    at = admin_page(monkeypatch, None)
    assert [t.key for t in at.text_input] == ["admin_token"]
    assert len(at.file_uploader) == 0


def test_the_administrator_loads_sees_the_report_and_rolls_back(first_build, monkeypatch):
    at = admin_page(monkeypatch)
    assert not at.exception
    assert {u.key for u in at.file_uploader} == {"load_files", "ti_files"}
    assert "300\u00a0Mo au plus par fichier" in texts(at)
    assert "Aucune version précédente n'est conservée." in texts(at)
    at.file_uploader(key="load_files").set_value(
        [("REGIONAL_CPF4PAYSE.txt", text_of(REAL_ROWS), "text/plain")]
    )
    at.run()
    at.button(key="load_go").click()
    at.run()
    assert not at.exception
    page = texts(at)
    assert "Rapport du dernier chargement" in page
    report_text = "\n".join(str(t.value) for t in at.text)
    assert (
        "Tranches (année, trimestre, flux) : 2 ajoutées, 0 remplacée, 0 inchangée, 2 conservées"
        in report_text
    )
    assert store.current_build() != first_build.resolve()
    at.button(key="rollback").click()
    at.run()
    assert not at.exception
    assert store.current_build() == first_build.resolve()


def test_a_refused_upload_shows_the_messages_as_plain_text(first_build, monkeypatch):
    at = admin_page(monkeypatch)
    bad = text_of([*REAL_ROWS, "E;3;2018;01;18;A01Z;0111;BE;*douze*;1"])
    at.file_uploader(key="load_files").set_value([("casse.txt", bad, "text/plain")])
    at.run()
    at.button(key="load_go").click()
    at.run()
    assert not at.exception
    assert "Chargement refusé : aucune donnée n'a été modifiée." in at.error[0].value
    shown = "\n".join(str(t.value) for t in at.text)
    assert ("– Fichier « casse.txt », ligne 5, champ 9 (valeur en euros) : valeur non numérique "
            "(nombre entier d'euros attendu) (« *douze* »).") in shown  # fmt: skip
    assert store.current_build() == first_build.resolve()


def test_the_upload_limit_agrees_everywhere():
    import tomllib
    from pathlib import Path

    from core import load

    config = tomllib.loads(
        (Path(__file__).resolve().parent.parent / ".streamlit/config.toml").read_text()
    )
    assert config["server"]["maxUploadSize"] == load.MAX_FILE_MB == 300
    assert load.MAX_FILE_BYTES == 300 * 1024 * 1024
