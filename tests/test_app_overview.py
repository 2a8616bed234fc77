"""AppTest: the overview page opened through deep links on the demonstration database."""

from __future__ import annotations

import pytest

from tests.apptest_helpers import metrics, open_app, texts, url

NN, NB = "\u202f", "\u00a0"


@pytest.fixture(autouse=True)
def _demo(demo_path, use_db):
    use_db(demo_path)


def test_deep_link_opens_seine_saint_denis_2024_with_the_seeds_figures():
    at = open_app({"territoire": "93", "annee": "2024"})
    assert not at.exception
    shown = metrics(at)
    assert shown["Exportations"] == f"12{NN}148,6{NB}M€"
    assert shown["Importations"] == f"15{NN}695,4{NB}M€"
    assert shown["Solde commercial"] == f"\u22123{NN}546,8{NB}M€"
    assert shown["Taux de couverture"] == f"77,4{NN}%"
    assert shown["Part de la région (export)"] == f"8,6{NN}%"
    assert shown["Part de la France (export)"] == f"2,09{NN}%"
    assert shown["Part de la région (import)"] == f"8,2{NN}%"
    assert shown["Part de la France (import)"] == f"2,29{NN}%"
    assert shown["Rang à l'export"].endswith("sur 101")
    page = texts(at)
    assert "Seine-Saint-Denis : commerce extérieur en 2024" in page
    assert (
        f"Total des exportations : 12{NN}148,6 millions d'euros, soit 8,6{NN}% de la valeur "
        f"exportée par la région Île-de-France, soit 2,09{NN}% de la valeur exportée au niveau "
        "national"
    ) in page
    assert "Grand Roissy Le Bourget" in page
    assert "Données de démonstration" in page
    assert "lieu de dédouanement" in page  # the methodological caveat
    # The change on 2023 under both flows, with the arrow following the sign.
    exports = next(m for m in at.metric if m.label == "Exportations")
    k = exports.proto
    assert k.delta.startswith(("+", "\u2212")) and k.delta.endswith(f"{NN}%")
    assert k.delta_description == "par rapport à 2023"
    down = k.delta.startswith("\u2212")
    assert (k.direction == k.MetricDirection.DOWN) == down


def test_url_is_completed_with_every_shared_filter():
    at = open_app({"territoire": "93", "annee": "2024"})
    assert url(at) == {
        "territoire": "93",
        "annee": "2024",
        "flux": "export",
        "niveau": "A38",
        "top": "10",
    }


def test_invalid_deep_link_opens_defaults_with_french_notices():
    at = open_app({"territoire": "XYZ", "annee": "1850"})
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("Territoire « XYZ » inconnu" in w for w in warnings)
    assert any("Année « 1850 » non disponible (données de 2019 à 2024)" in w for w in warnings)
    assert "France : commerce extérieur en 2024" in texts(at)
    assert metrics(at)["Exportations"] == f"580{NN}354,5{NB}M€"
    assert url(at)["territoire"] == "FR" and url(at)["annee"] == "2024"


def test_region_deep_link_lists_its_departements_and_rank_among_regions():
    at = open_app({"territoire": "R32", "annee": "2024"})
    assert not at.exception
    shown = metrics(at)
    assert shown["Exportations"] == f"68{NN}021,0{NB}M€"
    assert shown["Importations"] == f"85{NN}786,3{NB}M€"
    assert shown["Rang à l'export"].endswith("sur 18")
    assert "59 – Nord" in texts(at)


def test_changing_the_territory_widget_updates_the_figures_and_the_url():
    at = open_app({"territoire": "93", "annee": "2024"})
    at.selectbox(key="f_territoire").select("08").run()
    assert metrics(at)["Exportations"] == f"2{NN}211,8{NB}M€"
    assert metrics(at)["Part de la France (import)"] == f"0,20{NN}%"
    assert url(at)["territoire"] == "08"
    assert "Nord Ardennes" in texts(at)


def test_comparison_table_holds_exact_figures_and_downloads():
    at = open_app({"territoire": "93", "annee": "2024"})
    table = at.dataframe[0].value
    assert table["Territoire"].tolist() == ["Seine-Saint-Denis", "Île-de-France", "France"]
    assert table["Exportations (M€)"].tolist() == [12_148.6, 141_666.3, 580_354.5]
    assert table["Importations (M€)"].tolist() == [15_695.4, 192_202.9, 684_776.3]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Télécharger (CSV)", "Télécharger (Excel)"]
