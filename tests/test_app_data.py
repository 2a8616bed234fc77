"""AppTest: the Données page through deep links on the demonstration database. The grid holds
the flow chosen in the filters only, and says so; France's rows are national rows (départements
summed); Aisne's 2024 import total is marked « non publié »; every kind of deep link opens."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pytest

from core import queries
from core.filters import Filters
from tests.apptest_helpers import open_app, texts, url

NN, NB = "\u202f", "\u00a0"


@pytest.fixture(autouse=True)
def _demo(demo_path, use_db):
    use_db(demo_path)


def plain(markdown: str) -> str:
    """Text as a reader sees it: Markdown escapes (``\\:``) removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def grid(at) -> pd.DataFrame:
    """The rows the AgGrid component received (Arrow, as Streamlit sends them)."""
    (component,) = at.get("component_instance")
    (arg,) = [a for a in component.proto.special_args if a.key == "data"]
    return pa.ipc.open_stream(arg.arrow_dataframe.data.data).read_all().to_pandas()


def downloads(at) -> list[tuple[str, str]]:
    return [(b.proto.label, b.proto.url) for b in at.get("download_button")]


def assert_clean(at) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize(("flux", "word", "other"), [
    ("export", "Exportations", "importations"),
    ("import", "Importations", "exportations"),
])  # fmt: skip
def test_the_grid_holds_the_chosen_flow_only_and_says_so(flux, word, other):
    at = open_app({"territoire": "93", "annee": "2024", "flux": flux}, page="data.py")
    assert_clean(at)
    rows = grid(at)
    assert set(rows["Flux"]) == {word}
    assert len(rows) == 5_000  # the largest rows; the downloads hold them all
    info = " ".join(i.value for i in at.info)
    assert f"Flux affiché : **{word.lower()}** seulement, comme choisi dans les filtres." in info
    assert f"Pour les {other}, changez le flux dans le panneau des filtres" in info
    page = texts(at)
    total = "12\u202f148,6" if flux == "export" else "15\u202f695,4"
    assert re.search(
        rf"lignes\*\* d'{word.lower()} correspondent aux filtres, pour un total de {total}{NB}M€\.",
        page,
    )
    assert url(at)["flux"] == flux


def test_switching_the_flow_switches_the_grid():
    at = open_app({"territoire": "93", "annee": "2024"}, page="data.py")
    assert set(grid(at)["Flux"]) == {"Exportations"}
    at.radio(key="f_flux").set_value("import").run()
    assert set(grid(at)["Flux"]) == {"Importations"}
    assert url(at)["flux"] == "import"


@pytest.mark.parametrize("vue", ["pays", "produits"])
def test_grouped_views_hold_the_chosen_flow_only(vue):
    at = open_app(
        {"territoire": "93", "annee": "2024", "flux": "import", "vue": vue}, page="data.py"
    )
    assert_clean(at)
    rows = grid(at)
    # One flow: its value and mass, never a column of zeros for the other flow nor a balance.
    assert "Exportations (€)" not in rows.columns and "Solde (€)" not in rows.columns
    assert rows["Importations (€)"].sum() == 15_695_400_000  # the seeds' total, to the euro
    assert url(at)["vue"] == vue


def test_france_rows_are_national_rows():
    at = open_app({"territoire": "FR", "annee": "2024"}, page="data.py")
    assert_clean(at)
    page = texts(at)
    assert (
        "France entière : lignes nationales, chaque ligne somme tous les départements "
        "(un trimestre, un produit, un pays) ; il n'y a donc pas de colonne département."
    ) in page
    assert not [c for c in grid(at).columns if c.startswith("Département")]
    at = open_app({"territoire": "93", "annee": "2024"}, page="data.py")
    assert "lignes nationales" not in texts(at)
    assert any(c.startswith("Département") for c in grid(at).columns)


def test_aisne_2024_import_total_is_marked_unpublished():
    at = open_app({"territoire": "02", "annee": "2024", "flux": "import"}, page="data.py")
    assert_clean(at)
    assert f"pour un total de 2{NN}874,3{NB}M€ (non publié)." in texts(at)
    warning = plain(" ".join(w.value for w in at.warning))
    assert "« non publié » : Total des importations de l'Aisne en 2024 non publié" in warning
    at = open_app({"territoire": "02", "annee": "2024", "flux": "export"}, page="data.py")
    assert "(non publié)" not in texts(at)


def test_large_downloads_are_prepared_on_disk_and_named_after_view_territory_and_period(
    tmp_path, monkeypatch, demo_db
):
    monkeypatch.setenv("COMEX_EXPORT_DIR", str(tmp_path))
    at = open_app({"territoire": "93", "annee": "2025"}, page="data.py")
    # More rows than a one-click download holds: the files are prepared on request.
    assert [b.label for b in at.button if b.label.startswith("Préparer")] == [
        "Préparer le fichier CSV",
        "Préparer le fichier Excel",
    ]
    at.button(key="data_lignes_csv_prepare").click().run()
    _, export = at.session_state["_exports"]["data_lignes_csv"]
    assert export.filename == "donnees_93-seine-saint-denis_2025-T1-T2.csv"
    links = [e.proto for e in at.get("link_button")]
    size = f"{export.size / 1e6:.1f}".replace(".", ",")
    assert [(b.label, b.url) for b in links] == [
        (f"Télécharger (CSV, {size}\u00a0Mo)", f"/telechargements/{export.token}")
    ]
    assert [b.label for b in at.button if b.label.startswith("Préparer")] == [
        "Préparer le fichier Excel"
    ]
    assert export.path.parent.parent == tmp_path
    lines = export.path.read_bytes().decode("utf-8-sig").splitlines()
    f = Filters("93", demo_db.catalog().period("2025"))
    rows = queries.trade_rows_summary(demo_db, f).rows
    assert rows > 5_000
    assert len(lines) == rows + 1  # the header and every row, not the grid's 5 000
    # Other rows (the other flow): the file of the exports is not offered for the imports.
    at.radio(key="f_flux").set_value("import").run()
    assert at.get("link_button") == []
    assert [b.label for b in at.button if b.label.startswith("Préparer")] == [
        "Préparer le fichier CSV",
        "Préparer le fichier Excel",
    ]


def test_a_file_the_worker_cannot_write_is_reported_in_french_and_can_be_asked_again(
    tmp_path, monkeypatch
):
    from core import exports

    monkeypatch.setenv("COMEX_EXPORT_DIR", str(tmp_path))
    # The worker process cannot open the database (an unreadable buffer size): it fails.
    monkeypatch.setitem(exports._WORKER_ENV, "COMEX_DUCKDB_MEMORY", "beaucoup")
    at = open_app({"territoire": "93", "annee": "2025"}, page="data.py")
    at.button(key="data_lignes_xlsx_prepare").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Le fichier n'a pas pu être préparé (erreur du serveur). Réessayez dans un instant ; "
        "si l'erreur persiste, signalez-la à l'administrateur."
    ]
    assert at.get("link_button") == []
    assert [b.label for b in at.button if b.label.startswith("Préparer")] == [
        "Préparer le fichier CSV",
        "Préparer le fichier Excel",
    ]
    assert list(tmp_path.glob("*/*")) == []  # no partial file left
    at.run()  # the message is said once
    assert list(at.error) == []


def test_a_small_selection_is_downloaded_at_once_with_the_rows_of_the_grid():
    at = open_app({"territoire": "93", "annee": "2024", "pays": "DE"}, page="data.py")
    assert [b.label for b in at.button if b.label.startswith("Préparer")] == []
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Télécharger (CSV)", "Télécharger (Excel)"]
    assert "Les fichiers contiennent les " in texts(at) and "préparez-les" not in texts(at)


@pytest.mark.parametrize(
    ("params", "code", "title"),
    [
        ({"territoire": "93", "annee": "2025"}, "93", "Seine-Saint-Denis : données détaillées 2025 (T1–T2)"),
        ({"territoire": "93", "annee": "12m"}, "93", "Seine-Saint-Denis : données détaillées 12 derniers mois"),
        ({"territoire": "20", "annee": "2024"}, "20", "Corse : données détaillées 2024"),
        ({"territoire": "971", "annee": "2024"}, "971", "Guadeloupe : données détaillées 2024"),
        ({"territoire": "9A", "annee": "2024"}, "971", "Guadeloupe : données détaillées 2024"),
        ({"territoire": "99", "annee": "2024"}, "99", "Principauté de Monaco : données détaillées 2024"),
    ],
)  # fmt: skip
def test_every_kind_of_deep_link_opens(params, code, title):
    at = open_app(params, page="data.py")
    assert_clean(at)
    assert url(at)["territoire"] == code
    assert title.replace(" :", f"{NB}:") in texts(at)
    rows = grid(at)
    assert len(rows) > 0 and set(rows["Flux"]) == {"Exportations"}
    if code != "FR":
        assert set(rows["Département"]) == {code}
    if params["annee"] in ("2025", "12m"):
        assert any(
            i.value.startswith(("Année 2025 partielle", "12 derniers mois")) for i in at.info
        )
