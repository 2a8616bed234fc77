"""The fiche's document model, its standalone HTML and its command line (no browser needed)."""

from __future__ import annotations

import dataclasses
import re

import plotly.graph_objects as go
import plotly.offline
import pytest

from core import fiche as fiche_doc
from core.fiche import Block, Section, build_fiche, render_html

NN = "\u202f"  # narrow no-break space: thousands separator and before %
SECTION_ORDER = [
    "introduction",
    "territoires",
    "contexte",
    "balance",
    "activites",
    "exportations",
    "importations",
    "informations",
]
SECTION_TITLES = [
    "Introduction",
    "Contexte et méthodologie",
    "Balance commerciale territoriale",
    "Principales activités à l'import et à l'export",
    "Exportations",
    "Importations",
    "Informations pratiques",
]


def totals(section: Section) -> list[tuple[str, ...]]:
    return [b.items for b in section.blocks if b.kind == "total"]


def captions(section: Section) -> list[str]:
    return [b.text for b in section.blocks if b.kind == "figure"]


def n(text: str) -> str:
    """Seed notation → ours: spaces in numbers and before % become narrow no-break spaces."""
    return re.sub(r"(?<=\d) (?=\d)|(?<=\d) (?=%)", NN, text)


# --- Document model on the demonstration data ------------------------------------------------
@pytest.fixture(scope="module")
def fiche_93(demo_db):
    return build_fiche(demo_db, "93", 2024)


def test_departement_fiche_has_every_seed_section_in_order(fiche_93):
    assert [s.id for s in fiche_93.sections] == SECTION_ORDER
    assert fiche_93.title == (
        "Les indicateurs clés : commerce extérieur — Territoires d'industrie — Seine-Saint-Denis"
    )
    titles = [s.title for s in fiche_93.sections if s.level == 2]
    assert titles == SECTION_TITLES
    # One page per seed section; the région and France diagrams start a page of their own.
    assert [s.new_page for s in fiche_93.sections] == [False, False] + [True] * 6
    assert len(list(fiche_93.figures())) == 8  # partners, treemap, 3 + 3 Sankey diagrams


def test_departement_fiche_captions_follow_the_seeds(fiche_93):
    assert captions(fiche_93.section("balance")) == [
        "Principaux pays à l'import et à l'export, Seine-Saint-Denis (2024)"
    ]
    assert captions(fiche_93.section("activites")) == [
        "Principales activités à l'import et à l'export, Seine-Saint-Denis (2024)"
    ]
    assert captions(fiche_93.section("exportations")) == [
        "Flux à l'export par produit et par pays, Seine-Saint-Denis (en valeur, 2024)",
        "Flux à l'export, Île-de-France (en valeur, 2024)",
        "Flux à l'export, France entière (en valeur, 2024)",
    ]
    assert captions(fiche_93.section("importations"))[0] == (
        "Flux à l'import par pays et par produit, Seine-Saint-Denis (en valeur, 2024)"
    )
    key = [b for b in fiche_93.section("balance").blocks if b.label == "Clé de lecture :"]
    assert "en rouge ou en vert selon qu'elle est négative ou positive" in key[0].text
    assert fiche_93.section("territoires").title == "Territoires d'industrie du département"
    bullets = [b for b in fiche_93.section("territoires").blocks if b.kind == "bullets"]
    assert bullets[0].items == ("Grand Roissy Le Bourget",)
    method = " ".join(" ".join((b.text, *b.items)) for b in fiche_93.section("contexte").blocks)
    assert "lieu de dédouanement" in method and "Précisions méthodologiques" in method


SEEDS = {
    # département: (export lines, import lines, région export total, région import total)
    "93": (
        ("Total des exportations : 12 148,6 millions d'euros",
         "soit 8,6 % de la valeur exportée par la région Île-de-France",
         "soit 2,09 % de la valeur exportée au niveau national"),
        ("Total des importations : 15 695,4 millions d'euros",
         "soit 8,2 % de la valeur importée par la région Île-de-France",
         "soit 2,29 % de la valeur importée au niveau national"),
        "141 666,3", "192 202,9",
    ),
    "95": (
        ("Total des exportations : 24 188,7 millions d'euros",
         "soit 17,1 % de la valeur exportée par la région Île-de-France",
         "soit 4,17 % de la valeur exportée au niveau national"),
        ("Total des importations : 25 441,3 millions d'euros",
         "soit 13,2 % de la valeur importée par la région Île-de-France",
         "soit 3,72 % de la valeur importée au niveau national"),
        "141 666,3", "192 202,9",
    ),
    "59": (
        ("Total des exportations : 28 822,9 millions d'euros",
         "soit 42,4 % de la valeur exportée par la région Hauts-de-France",
         "soit 4,97 % de la valeur exportée au niveau national"),
        ("Total des importations : 40 986,6 millions d'euros",
         "soit 47,8 % de la valeur importée par la région Hauts-de-France",
         "soit 5,99 % de la valeur importée au niveau national"),
        "68 021,0", "85 786,3",
    ),
    "02": (
        ("Total des exportations : 3 517,5 millions d'euros",
         "soit 5,2 % de la valeur exportée par la région Hauts-de-France",
         "soit 0,61 % de la valeur exportée au niveau national"),
        None,  # the seed's import total is missing
        "68 021,0", "85 786,3",
    ),
    "08": (
        ("Total des exportations : 2 211,8 millions d'euros",
         "soit 3,3 % de la valeur exportée par la région Grand Est",
         "soit 0,38 % de la valeur exportée au niveau national"),
        ("Total des importations : 1 400,6 millions d'euros",
         "soit 2,2 % de la valeur importée par la région Grand Est",
         "soit 0,20 % de la valeur importée au niveau national"),
        "67 665,4", "63 519,7",
    ),
}  # fmt: skip


@pytest.mark.parametrize("code", list(SEEDS))
def test_seed_departements_show_the_seeds_totals_and_shares(demo_db, code):
    exports, imports, region_exp, region_imp = SEEDS[code]
    fiche = build_fiche(demo_db, code, 2024)
    exp_totals = totals(fiche.section("exportations"))
    imp_totals = totals(fiche.section("importations"))
    assert exp_totals[0] == tuple(n(line) for line in exports)
    if imports is not None:
        assert imp_totals[0] == tuple(n(line) for line in imports)
    assert exp_totals[1:] == [
        (n(f"Total des exportations : {region_exp} millions d'euros"),),
        (n("Total des exportations : 580 354,5 millions d'euros"),),
    ]
    assert imp_totals[1:] == [
        (n(f"Total des importations : {region_imp} millions d'euros"),),
        (n("Total des importations : 684 776,3 millions d'euros"),),
    ]


def test_region_fiche_lists_its_departements_and_has_no_share_of_region(demo_db):
    fiche = build_fiche(demo_db, "R32", 2024)
    assert [s.id for s in fiche.sections] == SECTION_ORDER
    assert fiche.title.endswith("— Hauts-de-France (région)")
    territoires = fiche.section("territoires")
    assert territoires.title == "Départements de la région"
    items = [b for b in territoires.blocks if b.kind == "bullets"][0].items
    assert [i.split(" (")[0] for i in items] == [
        "02 – Aisne", "59 – Nord", "60 – Oise", "62 – Pas-de-Calais", "80 – Somme",
    ]  # fmt: skip
    exp = totals(fiche.section("exportations"))
    assert exp == [
        (
            n("Total des exportations : 68 021,0 millions d'euros"),
            n("soit 11,72 % de la valeur exportée au niveau national"),
        ),
        (n("Total des exportations : 580 354,5 millions d'euros"),),
    ]
    assert captions(fiche.section("importations")) == [
        "Flux à l'import par pays et par produit, Hauts-de-France (en valeur, 2024)",
        "Flux à l'import, France entière (en valeur, 2024)",
    ]
    assert "région" not in " ".join(" ".join(t) for t in exp)


def test_france_fiche_has_no_shares_and_no_comparison(demo_db):
    fiche = build_fiche(demo_db, "FR", 2024)
    assert [s.id for s in fiche.sections] == SECTION_ORDER
    assert fiche.title.endswith("— France entière")
    assert totals(fiche.section("exportations")) == [
        (n("Total des exportations : 580 354,5 millions d'euros"),)
    ]
    assert totals(fiche.section("importations")) == [
        (n("Total des importations : 684 776,3 millions d'euros"),)
    ]
    assert not any(b.kind == "pagebreak" for s in fiche.sections for b in s.blocks)
    assert fiche.section("territoires").title == "Régions"
    assert len(list(fiche.figures())) == 4


def test_fiche_is_labelled_as_demonstration_data(fiche_93):
    assert fiche_93.is_demo
    assert fiche_93.source_note.startswith("Données de démonstration")


def test_unknown_territory_or_year_is_refused(demo_db):
    with pytest.raises(ValueError, match="Territoire inconnu"):
        build_fiche(demo_db, "XYZ", 2024)
    with pytest.raises(ValueError, match="Année non disponible"):
        build_fiche(demo_db, "93", 1850)


# --- Footnote rule and hand-checked figures on the fixture database --------------------------
def test_footnote_and_principal_heading_when_small_territories_were_left_out(fixture_db):
    fiche = build_fiche(fixture_db, "93", 2024)
    section = fiche.section("territoires")
    assert section.title == "Principaux Territoires d'industrie du département*"
    assert [b.items for b in section.blocks if b.kind == "bullets"] == [
        ("Grand Roissy Le Bourget",)
    ]  # "Petit territoire voisin" has 3 communes here
    assert [b.text for b in section.blocks if b.kind == "note"] == [
        "* Les Territoires d'industrie adjacents comptant moins de 5 communes dans le "
        "département ont été retirés."
    ]


def test_no_footnote_when_no_territory_was_left_out(fixture_db):
    section = build_fiche(fixture_db, "95", 2024).section("territoires")
    assert section.title == "Territoires d'industrie du département"
    assert not [b for b in section.blocks if b.kind == "note"]


def test_fixture_shares_are_computed_by_hand(fixture_db):
    fiche = build_fiche(fixture_db, "93", 2024)
    # 93 exports 200 of région 11's 700 and France's 1 100; imports 250 of 500 and 670.
    assert totals(fiche.section("exportations"))[0] == (
        "Total des exportations : 200,0 millions d'euros",
        f"soit 28,6{NN}% de la valeur exportée par la région Île-de-France",
        f"soit 18,18{NN}% de la valeur exportée au niveau national",
    )
    assert totals(fiche.section("importations"))[0] == (
        "Total des importations : 250,0 millions d'euros",
        f"soit 50,0{NN}% de la valeur importée par la région Île-de-France",
        f"soit 37,31{NN}% de la valeur importée au niveau national",
    )
    assert not fiche.is_demo and "Données officielles" in fiche.source_note


# --- Standalone HTML -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def html_93(fiche_93) -> str:
    return render_html(fiche_93)


def outside_plotly_js(document: str) -> str:
    """The document without the inlined plotly.js library (checked apart, see below)."""
    library = plotly.offline.get_plotlyjs()
    assert document.count(library) == 1, "plotly.js must be inlined exactly once"
    return document.replace(library, "")


def test_html_inlines_plotly_js_once_and_has_no_external_resource(html_93):
    """What is checked: (1) plotly.js is inlined once, byte for byte the packaged library (its
    own source contains URL strings, e.g. map-tile servers used only by map traces, which the
    fiche does not have); (2) everything else in the file (markup, CSS, figure JSON, scripts)
    contains no "http://" or "https://" at all, no src= or href= attribute, no <link>, <img>,
    <iframe>, <object> or <embed> element, no CSS @import or url(), no fetch/XMLHttpRequest
    call, and no "//host" protocol-relative reference. The browser test in test_fiche_pdf.py
    also loads the file and records that it makes no request."""
    rest = outside_plotly_js(html_93)
    assert not re.search(r"https?:", rest, re.IGNORECASE)
    assert not re.search(r"\b(src|href|srcset|action|poster)\s*=", rest, re.IGNORECASE)
    assert not re.search(r"<\s*(link|img|iframe|object|embed|base)\b", rest, re.IGNORECASE)
    assert not re.search(r"@import|url\(|fetch\(|XMLHttpRequest", rest, re.IGNORECASE)
    assert not re.search(r"[\"'(]//[a-z0-9]", rest, re.IGNORECASE)
    # The practical information names sites as plain text, without a scheme.
    assert "anct.gouv.fr/actualites" in rest and "territoires-industrie@anct.gouv.fr" in rest


def test_html_contains_every_section_figure_and_total(html_93):
    rest = outside_plotly_js(html_93)
    positions = [rest.index(f'<section id="{s}"') for s in SECTION_ORDER]
    assert positions == sorted(positions)
    assert rest.count('<div class="chart"') == 8
    assert rest.count('type="application/json"') == 8
    for line in SEEDS["93"][0] + SEEDS["93"][1]:
        assert n(line).replace("'", "&#x27;") in rest
    assert "renderFiche(" in rest and 'lang="fr"' in rest
    assert "break-before: page" in rest  # one seed section per printed page


def test_html_escapes_names_and_figure_data(fiche_93):
    hostile = "<script>alert(1)</script>"
    fig = go.Figure(go.Bar(x=[hostile], y=[1]))
    fiche = dataclasses.replace(
        fiche_93,
        heading=hostile,
        sections=(
            Section(
                "x", hostile, (Block("paragraph", hostile), Block("figure", hostile, figure=fig))
            ),
        ),  # fmt: skip
    )
    rest = outside_plotly_js(render_html(fiche))
    assert "alert(1)</script>" not in rest
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rest
    assert "\\u003cscript\\u003ealert(1)\\u003c" in rest  # inside the JSON


# --- Command line ----------------------------------------------------------------------------
def test_cli_writes_one_html_fiche(fixture_path, tmp_path, capsys):
    assert fiche_doc.main(
        ["--territoire", "93", "--annee", "2024", "--format", "html", "--out", str(tmp_path),
         "--db", str(fixture_path)]
    ) == 0  # fmt: skip
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["fiche_93_seine-saint-denis_2024.html"]
    assert "1 fiche écrite" in capsys.readouterr().out


def test_cli_rejects_an_unknown_territory(fixture_path, tmp_path):
    with pytest.raises(SystemExit):
        fiche_doc.main(["--territoire", "XYZ", "--out", str(tmp_path), "--db", str(fixture_path)])


def test_cli_all_writes_one_file_per_departement(demo_path, demo_db, tmp_path, capsys, monkeypatch):
    # The 4,8 MB library is the same in every file: a stub keeps this test light on disk.
    monkeypatch.setattr(fiche_doc, "_plotly_js", lambda: "/* plotly.js */")
    out = tmp_path / "fiches"
    assert (
        fiche_doc.main(["--all", "--format", "html", "--out", str(out), "--db", str(demo_path)])
        == 0
    )
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == len(demo_db.catalog().departements) == 101
    assert "fiche_2A_corse-du-sud_2024.html" in files
    assert "fiche_93_seine-saint-denis_2024.html" in files
    captured = capsys.readouterr()
    assert "101 fiches écrites" in captured.out and " s par fiche" in captured.out
    assert "101/101" in captured.err  # the progress bar
