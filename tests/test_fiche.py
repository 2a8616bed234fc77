"""The fiche's document model, its standalone HTML and its command line (no browser needed)."""

from __future__ import annotations

import dataclasses
import re

import plotly.graph_objects as go
import plotly.offline
import pytest
from markupsafe import Markup

from core import charts, queries
from core import fiche as fiche_doc
from core.fiche import Block, Section, build_fiche, prose, render_body, render_html
from core.fiche import render as fiche_render
from core.filters import Filters
from core.formatting import format_meur

NN, NB = "\u202f", "\u00a0"  # narrow no-break space (screen), no-break space (print)
SECTION_ORDER = [
    "introduction",
    "territoires",
    "chiffres",
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
KICKER = f"Les indicateurs clés{NB}: commerce extérieur"
FOOTNOTE = (
    "* Les Territoires d'industrie adjacents comptant moins de 5 communes dans le département "
    "ont été retirés."
)
STARRED = "Principaux Territoires d'industrie du département*"
PLAIN = "Territoires d'industrie du département"
# The seeds' lists (OFFICIAL_DATA.md), and Oise, which the seeds do not cover.
TERRITOIRES = {
    "93": (PLAIN, ("Grand Roissy Le Bourget",)),
    "95": (STARRED, ("Boucle Nord de Seine", "Cergy Ouest 95", "Grand Roissy Le Bourget")),
    "59": (
        STARRED,
        ("Aa – Dunkerque – Flandre", "Grand-Hainaut Douaisis Cambrésis", "SCOT Lille Métropole"),
    ),
    "02": (
        PLAIN,
        ("Haute-Picardie", "Soissonnais – Valois", "Sud Aisne", "Thiérache et Pays de la Serre"),
    ),
    "08": (PLAIN, ("Nord Ardennes",)),
    "60": (PLAIN, ("Beauvaisis", "Pays Compiégnois", "Sud Oise")),
}


def totals(section: Section) -> list[tuple[str, ...]]:
    return [b.items for b in section.blocks if b.kind == "total"]


def figure_totals(section: Section) -> list[tuple[str, ...]]:
    return [b.items for b in section.blocks if b.kind == "figure" and b.items]


def captions(section: Section) -> list[str]:
    return [b.text for b in section.blocks if b.kind == "figure"]


def n(text: str) -> str:
    """Seed notation → ours: spaces in numbers and before % become narrow no-break spaces."""
    return re.sub(r"(?<=\d) (?=\d)|(?<=\d) (?=%)", NN, text)


def outside_plotly_js(document: str) -> str:
    """The document without the inlined plotly.js library (checked apart, see below)."""
    library = plotly.offline.get_plotlyjs()
    assert document.count(library) == 1, "plotly.js must be inlined exactly once"
    return document.replace(library, "")


@pytest.fixture(scope="module")
def y2024(demo_db):
    return demo_db.catalog().period("2024")


# --- Document model on the demonstration data ------------------------------------------------
@pytest.fixture(scope="module")
def fiche_93(demo_db, y2024):
    return build_fiche(demo_db, "93", y2024)


@pytest.fixture(scope="module")
def fiche_59(demo_db, y2024):
    return build_fiche(demo_db, "59", y2024)


def test_departement_fiche_has_every_seed_section_in_order(fiche_93):
    assert [s.id for s in fiche_93.sections] == SECTION_ORDER
    assert fiche_93.kicker == KICKER
    assert fiche_93.heading == "Territoires d'industrie — Seine-Saint-Denis"
    assert fiche_93.title == f"{KICKER} — Territoires d'industrie — Seine-Saint-Denis, 2024"
    assert [s.title for s in fiche_93.sections if s.level == 2] == SECTION_TITLES
    # Page 1 holds the introduction, the territories and the key figures; then one page per
    # seed section, the région and France diagrams on a page of their own (pagebreak).
    assert [s.new_page for s in fiche_93.sections] == [False] * 3 + [True] * 6
    assert len(list(fiche_93.figures())) == 8  # partners, treemap, 3 + 3 Sankey diagrams
    assert fiche_93.level == "A129" and fiche_93.file_stem == "fiche_93_seine-saint-denis_2024"


def test_captions_follow_the_seeds_and_name_the_product_level(fiche_93):
    assert captions(fiche_93.section("balance")) == [
        "Principaux pays à l'import et à l'export, Seine-Saint-Denis (2024)"
    ]
    assert captions(fiche_93.section("activites")) == [
        "Principales activités (niveau A129) à l'import et à l'export, Seine-Saint-Denis (2024)"
    ]
    assert captions(fiche_93.section("exportations")) == [
        "Flux à l'export par produit (niveau A129) et par pays, Seine-Saint-Denis "
        "(en valeur, 2024)",
        "Flux à l'export (niveau A129), Île-de-France (en valeur, 2024)",
        "Flux à l'export (niveau A129), France entière (en valeur, 2024)",
    ]
    assert captions(fiche_93.section("importations"))[0] == (
        "Flux à l'import par pays et par produit (niveau A129), Seine-Saint-Denis (en valeur, 2024)"
    )
    key = [b for b in fiche_93.section("balance").blocks if b.label.startswith("Clé de lecture")]
    assert key[0].label == f"Clé de lecture{NB}:"
    assert key[0].text.startswith(
        "pour chaque pays, figurent à gauche le montant des importations et à droite celui des "
        "exportations, en millions d'euros."
    )


def test_methodology_comes_from_core_texts(fiche_93):
    from core.texts import METHODOLOGY

    bullets = [b.items for b in fiche_93.section("contexte").blocks if b.kind == "bullets"]
    assert bullets == [METHODOLOGY]
    assert "lieu de dédouanement" in METHODOLOGY[0]


@pytest.mark.parametrize("code", list(TERRITOIRES))
def test_territoires_d_industrie_of_the_seeds_and_of_oise(demo_db, y2024, code):
    title, names = TERRITOIRES[code]
    fiche = build_fiche(demo_db, code, y2024)
    section = fiche.section("territoires")
    assert section.title == title
    assert [b.items for b in section.blocks if b.kind == "bullets"] == [names]
    notes = [b.text for b in section.blocks if b.kind == "note"]
    assert notes == ([FOOTNOTE] if title == STARRED else [])
    # The same in the HTML file: the heading, each name in a list item, the footnote or none.
    body = render_body(fiche)
    part = body[body.index('<section id="territoires"') : body.index('<section id="chiffres"')]
    assert f"<h3>{title.replace(chr(39), '&#39;')}</h3>" in part
    assert re.findall(r"<li>(.*?)</li>", part) == [x.replace("'", "&#39;") for x in names]
    assert (FOOTNOTE.replace("'", "&#39;") in part) == (title == STARRED)


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
        None,  # the seed's import total is not published (see the test below)
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
def test_seed_departements_show_the_seeds_totals_and_shares(demo_db, y2024, code):
    exports, imports, region_exp, region_imp = SEEDS[code]
    fiche = build_fiche(demo_db, code, y2024)
    assert totals(fiche.section("exportations")) == [tuple(n(line) for line in exports)]
    if imports is not None:
        assert totals(fiche.section("importations")) == [tuple(n(line) for line in imports)]
    assert figure_totals(fiche.section("exportations")) == [
        (n(f"Total des exportations : {region_exp} millions d'euros"),),
        (n("Total des exportations : 580 354,5 millions d'euros"),),
    ]
    assert figure_totals(fiche.section("importations")) == [
        (n(f"Total des importations : {region_imp} millions d'euros"),),
        (n("Total des importations : 684 776,3 millions d'euros"),),
    ]


def test_key_figures_of_page_one_use_the_seeds_decimals(fiche_59):
    (block,) = fiche_59.section("chiffres").blocks
    figures = {kf.label: (kf.value, kf.detail) for kf in block.figures}
    assert figures == {
        "Exportations": (f"28{NN}822,9{NB}M€", f"+9,4{NN}% par rapport à 2023"),
        "Importations": (f"40{NN}986,6{NB}M€", f"+9,7{NN}% par rapport à 2023"),
        "Solde commercial": (f"−12{NN}163,7{NB}M€", "exportations − importations"),
        "Taux de couverture": (f"70,3{NN}%", "exportations / importations"),
        "Part de la région à l'export": (
            f"42,4{NN}%",
            "des exportations de la région Hauts-de-France",
        ),
        "Part de la région à l'import": (
            f"47,8{NN}%",
            "des importations de la région Hauts-de-France",
        ),
        "Part de la France à l'export": (f"4,97{NN}%", "des exportations françaises"),
        "Part de la France à l'import": (f"5,99{NN}%", "des importations françaises"),
        "Rang à l'export": ("2e sur 101", "parmi les départements"),
        "Rang à l'import": ("2e sur 101", "parmi les départements"),
    }
    assert not any(kf.unpublished for kf in block.figures)


def test_aisne_imports_are_marked_unpublished_wherever_they_appear(demo_db, y2024):
    fiche = build_fiche(demo_db, "02", y2024)
    note = demo_db.catalog().unpublished("02", "import", y2024)
    assert note and fiche.unpublished == {"import": note}
    (block,) = [b for b in fiche.section("chiffres").blocks if b.kind == "keyfigures"]
    marked = {kf.label for kf in block.figures if kf.unpublished}
    assert marked == {
        "Importations", "Solde commercial", "Taux de couverture",
        "Part de la région à l'import", "Part de la France à l'import", "Rang à l'import",
    }  # fmt: skip
    imports = dict((kf.label, kf.value) for kf in block.figures)["Importations"]
    assert imports == f"2{NN}874,3{NB}M€"
    (lines,) = totals(fiche.section("importations"))
    assert lines[0] == f"Total des importations : 2{NN}874,3 millions d'euros (non publié)"
    assert totals(fiche.section("exportations"))[0][0].endswith("millions d'euros")
    for section in ("chiffres", "balance", "activites", "importations"):
        notes = [b.text for b in fiche.section(section).blocks if b.kind == "note"]
        assert f"Non publié : {note}" in notes, section
    # The treemap's import block says so too.
    treemap = next(iter(fiche.section("activites").blocks[1:2])).figure
    headers = [a.text for a in treemap.layout.annotations if a.text.startswith("<b>Import")]
    assert headers == [f"<b>Importations (non publié)</b> · 2{NN}874,3{NB}M€"]
    html = render_body(fiche)
    assert html.count("non publié") >= 8
    assert f"Total des importations : 2{NB}874,3 millions d&#39;euros (non publié)" in html


def test_region_fiche_lists_the_territoires_of_its_departements(demo_db, y2024):
    fiche = build_fiche(demo_db, "R32", y2024)
    assert [s.id for s in fiche.sections] == SECTION_ORDER
    assert fiche.heading == "Territoires d'industrie — Hauts-de-France (région)"
    section = fiche.section("territoires")
    assert section.title == "Territoires d'industrie de la région"
    (items,) = [b.items for b in section.blocks if b.kind == "bullets"]
    expected = queries.territoires_of(demo_db.catalog(), "R32")[0]
    assert items == tuple(name for name, _ in expected)
    assert {"Beauvaisis", "Nord Ardennes"} & set(items) == {"Beauvaisis"}
    assert len(items) == 18 and items[0] == "Aa – Dunkerque – Flandre"
    notes = [b.text for b in section.blocks if b.kind == "note"]
    assert notes == [
        "Départements de la région : Aisne (02), Nord (59), Oise (60), Pas-de-Calais (62), "
        "Somme (80). Chacun a sa fiche, qui liste ses propres Territoires d'industrie."
    ]
    assert totals(fiche.section("exportations")) == [
        (
            n("Total des exportations : 68 021,0 millions d'euros"),
            n("soit 11,72 % de la valeur exportée au niveau national"),
        )
    ]
    assert figure_totals(fiche.section("exportations")) == [
        (n("Total des exportations : 580 354,5 millions d'euros"),)
    ]
    assert captions(fiche.section("importations")) == [
        "Flux à l'import par pays et par produit (niveau A129), Hauts-de-France (en valeur, 2024)",
        "Flux à l'import (niveau A129), France entière (en valeur, 2024)",
    ]
    ranks = {kf.label: kf.value for b in fiche.section("chiffres").blocks for kf in b.figures}
    assert ranks["Rang à l'export"].endswith("sur 18")


def test_france_fiche_has_no_shares_and_no_comparison(demo_db, y2024):
    fiche = build_fiche(demo_db, "FR", y2024)
    assert [s.id for s in fiche.sections] == SECTION_ORDER
    assert fiche.heading == "Territoires d'industrie — France entière"
    assert totals(fiche.section("exportations")) == [
        (n("Total des exportations : 580 354,5 millions d'euros"),)
    ]
    assert not any(b.kind == "pagebreak" for s in fiche.sections for b in s.blocks)
    assert fiche.section("territoires").title == "Territoires d'industrie par région"
    assert len(list(fiche.figures())) == 4
    labels = [kf.label for b in fiche.section("chiffres").blocks for kf in b.figures]
    assert labels == ["Exportations", "Importations", "Solde commercial", "Taux de couverture"]


def test_without_comparisons_the_flows_stop_at_the_sentence_that_introduces_them(
    demo_db, y2024, fiche_93
):
    """The page's first build: no région or France diagram is queried or built; every block
    up to the comparison sentence is the whole fiche's."""
    light = build_fiche(demo_db, "93", y2024, screen=True, comparisons=False)
    whole = build_fiche(demo_db, "93", y2024, screen=True)
    assert len(list(light.figures())) == 4 and len(list(whole.figures())) == 8
    for flow in ("exportations", "importations"):
        kinds = [b.kind for b in light.section(flow).blocks]
        assert kinds[-2:] == ["pagebreak", "paragraph"]
        assert light.section(flow).blocks[-1].text.startswith("La situation départementale")
        cut = len(kinds)
        assert [b.text for b in whole.section(flow).blocks[:cut]] == [
            b.text for b in light.section(flow).blocks
        ]
        assert [b.kind for b in whole.section(flow).blocks[cut:]] == ["figure", "figure"]
    assert [s.id for s in light.sections] == [s.id for s in fiche_93.sections]


def test_partial_year_is_labelled_everywhere(demo_db):
    period = demo_db.catalog().period("2025")
    fiche = build_fiche(demo_db, "93", period)
    assert period.label == "2025 (T1–T2)"
    assert fiche.title == f"{KICKER} — Territoires d'industrie — Seine-Saint-Denis, 2025 (T1–T2)"
    assert fiche.period_line == "Commerce extérieur de biens, 2025 (T1–T2)"
    assert fiche.period_note == period.note and "partielle" in fiche.period_note
    assert fiche.file_stem == "fiche_93_seine-saint-denis_2025-T1-T2"
    assert captions(fiche.section("balance")) == [
        "Principaux pays à l'import et à l'export, Seine-Saint-Denis (2025, T1–T2)"
    ]
    changes = [kf.detail for b in fiche.section("chiffres").blocks for kf in b.figures][:2]
    assert all(c.endswith("par rapport à 2024 (T1–T2)") for c in changes)
    html = render_html(fiche)
    assert "<title>Les indicateurs clés\u00a0: commerce extérieur — Territoires d&#39;industrie — " \
        "Seine-Saint-Denis, 2025 (T1–T2)</title>" in html  # fmt: skip
    assert '<p class="period">Commerce extérieur de biens, 2025 (T1–T2)</p>' in html


def test_last_twelve_months(demo_db):
    period = demo_db.catalog().period("12m")
    fiche = build_fiche(demo_db, "59", period)
    assert fiche.period_line == "Commerce extérieur de biens, 12 derniers mois (T3 2024 – T2 2025)"
    assert fiche.file_stem == "fiche_59_nord_12m-2024T3-2025T2"
    assert captions(fiche.section("balance")) == [
        "Principaux pays à l'import et à l'export, Nord (12 derniers mois, T3 2024 – T2 2025)"
    ]


def test_the_fiche_follows_the_chosen_product_level(demo_db, y2024):
    fiche = build_fiche(demo_db, "93", y2024, level="A38")
    assert fiche.file_stem == "fiche_93_seine-saint-denis_2024_A38"
    assert captions(fiche.section("exportations"))[0].startswith(
        "Flux à l'export par produit (niveau A38) et par pays"
    )
    flows = queries.sankey_flows(demo_db, Filters("93", y2024, flow="export", level="A38"))
    labels = charts.node_labels(fiche.section("exportations").blocks[1].figure)
    assert labels[0].startswith(flows.labels[flows.left[0]].split()[0])
    with pytest.raises(ValueError, match="Niveau de produits inconnu"):
        build_fiche(demo_db, "93", y2024, level="NAF")


def test_every_sankey_node_carries_its_value(fiche_59, demo_db, y2024):
    flows = queries.sankey_flows(demo_db, Filters("59", y2024, flow="export", level="A129"))
    fig = fiche_59.section("exportations").blocks[1].figure
    labels = charts.node_labels(fig)
    values = flows.node_totals()
    nodes = [*flows.left, *flows.right]
    assert len(labels) == len(nodes) == 22
    for node, label in zip(nodes, labels, strict=True):
        assert f"<b>{format_meur(values[node])}</b>" in label
        # Names printed whole: every word of the name is in its label.
        assert label.replace("<br>", " ").startswith(flows.labels[node])


def test_fiche_is_labelled_as_demonstration_data(fiche_93):
    assert fiche_93.is_demo
    assert fiche_93.source_note.startswith("Données de démonstration")


def test_unknown_territory_or_period_is_refused(demo_db):
    with pytest.raises(ValueError, match="Territoire inconnu"):
        build_fiche(demo_db, "XYZ", demo_db.catalog().default_period)
    with pytest.raises(ValueError, match="Période non disponible"):
        build_fiche(demo_db, "93", 1850)


# --- Footnote rule and hand-checked figures on the fixture database --------------------------
def test_footnote_and_principal_heading_when_small_territories_were_left_out(fixture_db):
    fiche = build_fiche(fixture_db, "93", fixture_db.catalog().period("2024"))
    section = fiche.section("territoires")
    assert section.title == STARRED
    assert [b.items for b in section.blocks if b.kind == "bullets"] == [
        ("Grand Roissy Le Bourget",)
    ]  # "Petit territoire voisin" has 3 communes here
    assert [b.text for b in section.blocks if b.kind == "note"] == [FOOTNOTE]


def test_no_footnote_when_no_territory_was_left_out(fixture_db):
    section = build_fiche(fixture_db, "95", fixture_db.catalog().period("2024")).section(
        "territoires"
    )
    assert section.title == PLAIN
    assert not [b for b in section.blocks if b.kind == "note"]


def test_fixture_shares_are_computed_by_hand(fixture_db):
    fiche = build_fiche(fixture_db, "93", fixture_db.catalog().period("2024"))
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
def html_59(fiche_59) -> str:
    return render_html(fiche_59)


def test_html_inlines_plotly_js_once_and_loads_nothing_from_elsewhere(html_59):
    """What is checked: (1) plotly.js is inlined once, byte for byte the packaged library (its
    own source contains URL strings, e.g. map-tile servers used only by map traces, which the
    fiche does not have); (2) everything else (markup, CSS, figure JSON, scripts) has no src=
    or srcset= attribute, no <link>, <img>, <iframe>, <object>, <embed> or <base> element, no
    CSS @import or url(), no fetch/XMLHttpRequest call and no protocol-relative reference; its
    only addresses are the seeds' resources, as links (<a href>) a reader follows, which load
    nothing. The browser test in test_fiche_pdf.py also records that the file makes no
    request."""
    rest = outside_plotly_js(html_59)
    assert not re.search(r"\b(src|srcset|action|poster)\s*=", rest, re.IGNORECASE)
    assert not re.search(r"<\s*(link|img|iframe|object|embed|base)\b", rest, re.IGNORECASE)
    assert not re.search(r"@import|url\(|fetch\(|XMLHttpRequest", rest, re.IGNORECASE)
    assert not re.search(r"[\"'(]//[a-z0-9]", rest, re.IGNORECASE)
    hrefs = re.findall(r'href="([^"]*)"', rest)
    assert set(hrefs) == set(prose.SEED_LINKS)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", rest))
    assert urls <= set(prose.SEED_LINKS)


def test_html_links_the_seeds_resources_and_never_breaks_the_email(html_59):
    rest = outside_plotly_js(html_59)
    for url in ("https://anct.gouv.fr/actualites", "https://www.entreprises.gouv.fr/la-dge/actualites",
                "https://www.douane.gouv.fr/la-douane/opendata"):  # fmt: skip
        assert f'<a href="{url}">{url}</a>' in rest
    assert (
        '<a href="mailto:territoires-industrie@anct.gouv.fr" class="email">'
        "territoires-industrie@anct.gouv.fr</a>"
    ) in rest
    assert "a.email { white-space: nowrap; }" in rest


def test_page_precedente_only_on_paper(fiche_59, html_59):
    assert "page précédente" not in html_59
    assert html_59.count("représentée ci-dessus (section « Exportations »)") == 1
    assert html_59.count("représentée ci-dessus (section « Importations »)") == 1
    printed = render_body(fiche_59, "print")
    assert printed.count("représentée page précédente peut être comparée") == 2
    assert "ci-dessus (section" not in printed


def test_figures_print_with_visible_thousands_separators(html_59):
    rest = outside_plotly_js(html_59)
    assert NN not in rest and "\\u202f" not in rest
    assert f"Total des exportations : 28{NB}822,9 millions d&#39;euros" in rest
    assert f'"separators":",{NB}"' in rest  # Plotly's own thousands separator


def test_html_contains_every_section_figure_and_total(html_59):
    rest = outside_plotly_js(html_59)
    positions = [rest.index(f'<section id="{s}"') for s in SECTION_ORDER]
    assert positions == sorted(positions)
    assert rest.count('<div class="chart"') == 8
    assert rest.count('type="application/json"') == 8
    for line in SEEDS["59"][0] + SEEDS["59"][1]:
        assert n(line).replace(NN, NB).replace("'", "&#39;") in rest
    assert "renderFiche(" in rest and 'lang="fr"' in rest
    assert "break-before: page" in rest  # one seed section per printed page
    assert '"locale": "fr"' in rest and "Télécharger le graphique" in rest  # French toolbar


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


def test_cli_level_and_partial_period(demo_path, tmp_path, monkeypatch):
    monkeypatch.setattr(fiche_render, "plotly_js", lambda: Markup("/* plotly.js */"))
    assert fiche_doc.main(
        ["--territoire", "93", "--annee", "2025", "--niveau", "A38", "--format", "html",
         "--out", str(tmp_path), "--db", str(demo_path)]
    ) == 0  # fmt: skip
    (path,) = tmp_path.iterdir()
    assert path.name == "fiche_93_seine-saint-denis_2025-T1-T2_A38.html"
    assert "Flux à l&#39;export par produit (niveau A38) et par pays" in path.read_text("utf-8")


def test_cli_rejects_an_unknown_territory(fixture_path, tmp_path):
    with pytest.raises(SystemExit):
        fiche_doc.main(["--territoire", "XYZ", "--out", str(tmp_path), "--db", str(fixture_path)])


def test_cli_all_writes_one_file_per_departement(demo_path, demo_db, tmp_path, capsys, monkeypatch):
    # The 4,8 MB library is the same in every file: a stub keeps this test light on disk.
    monkeypatch.setattr(fiche_render, "plotly_js", lambda: Markup("/* plotly.js */"))
    out = tmp_path / "fiches"
    assert (
        fiche_doc.main(["--all", "--format", "html", "--out", str(out), "--db", str(demo_path)])
        == 0
    )
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == len(demo_db.catalog().departements) == 101
    assert "fiche_20_corse_2024.html" in files
    assert "fiche_93_seine-saint-denis_2024.html" in files
    assert "fiche_99_principaute-de-monaco_2024.html" in files
    captured = capsys.readouterr()
    assert "101 fiches écrites" in captured.out and " s par fiche" in captured.out
    assert "101/101" in captured.err  # the progress bar
