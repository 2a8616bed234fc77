"""The "Fiche territoriale": the ANCT fact sheet for a département, a région or France.

Three layers, none of which imports streamlit:

- ``build_fiche(db, territory, year)`` is the document model: a pure function of the database
  that returns the seeds' sections in the seeds' order (title, introduction, Territoires
  d'industrie, context and methodology, partners, products, exports, imports, practical
  information), each made of French texts and Plotly figures. The page and both renderers read
  the same model, so the screen, the HTML file and the PDF always say the same thing.
- ``render_html(fiche)`` writes one standalone HTML file: plotly.js is inlined once, every figure
  is embedded as JSON, every text is escaped, and nothing refers to another host, so the file
  opens offline with interactive charts.
- ``PdfPrinter`` prints that HTML to an A4 PDF with headless Chromium (Playwright): the charts
  stay vector, the text stays selectable, and CSS ``break-before: page`` gives one section per
  page as in the seeds. One browser is reused for a whole batch (``--all``).

Command line::

    python -m core.fiche --territoire 93 --annee 2024 --format pdf --out fiches
    python -m core.fiche --all --format pdf --out fiches   # every département, progress bar
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import html
import json
import os
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline

from core import charts, queries, texts
from core.db import Catalog, Database
from core.filters import Filters, normalise_territory
from core.formatting import format_millions_words, format_number
from core.periods import Period

TOP = 10  # the seeds show the ten largest products and countries
SANKEY_LEVEL = "A129"  # "les dix premiers biens": the finest goods level
TREEMAP_DEPTH = "A38"  # boxes down to A38 in print; the HTML drills down to A129 on click
LABEL_MAX = 48  # Sankey node labels beyond this are shortened (the full label is in hovers)

# Print geometry: A4 minus the @page margins below, in CSS pixels (96 per inch). Charts are
# laid out at this width so that what is printed is what was drawn.
PAGE_MARGIN_MM = (14, 12, 16, 12)  # top, right, bottom, left
PRINT_WIDTH_PX = round((210 - PAGE_MARGIN_MM[1] - PAGE_MARGIN_MM[3]) / 25.4 * 96)

# Headless Chromium flags: no sandbox in containers, and no background calls to Google's hosts
# (the fiche must not make any request, and this machine's network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

BlockKind = Literal["paragraph", "bullets", "note", "figure", "total", "subheading", "pagebreak"]


# --- Document model ------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """One piece of a section. ``label`` is a bold lead-in ("Clé de lecture :"); for a figure,
    ``text`` is its caption; for a total, ``items`` are its lines (the first one is bold)."""

    kind: BlockKind
    text: str = ""
    label: str = ""
    items: tuple[str, ...] = ()
    figure: go.Figure | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]
    new_page: bool = True  # starts a new printed page
    level: int = 2  # heading level (2 = a section of the seeds, 3 = a sub-section)


@dataclass(frozen=True)
class Fiche:
    territory: str
    kind: str  # "departement", "region" or "france"
    name: str
    period: Period
    kicker: str  # "Les indicateurs clés : commerce extérieur"
    heading: str  # "Territoires d'industrie — Seine-Saint-Denis"
    source_note: str  # where the figures come from (demo or official), shown on every page
    is_demo: bool
    sections: tuple[Section, ...]
    totals: dict[str, int]  # exports, imports (euros), for callers that need raw figures

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def title(self) -> str:
        return f"{self.kicker} — {self.heading}"

    @property
    def file_stem(self) -> str:
        return f"fiche_{self.territory}_{slug(self.name)}_{self.period.slug}"

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def figures(self) -> Iterator[go.Figure]:
        for section in self.sections:
            for block in section.blocks:
                if block.figure is not None:
                    yield block.figure


def slug(text: str) -> str:
    """`Val-d'Oise` → `val-d-oise` (file names)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# Grammar of the territory in the seeds' sentences.
_WORDS = {
    "departement": {
        "the": "le département",
        "of": "du département",
        "from": "depuis le département",
        "into": "dans le département",
        "with": "avec le département",
        "scale": "départementale",
    },
    "region": {
        "the": "la région",
        "of": "de la région",
        "from": "depuis la région",
        "into": "dans la région",
        "with": "avec la région",
        "scale": "régionale",
    },
    "france": {
        "the": "la France",
        "of": "de la France",
        "from": "depuis la France",
        "into": "en France",
        "with": "avec la France",
        "scale": "nationale",
    },
}

KICKER = "Les indicateurs clés : commerce extérieur"
DEMO_NOTE = (
    "Données de démonstration : chiffres générés pour illustrer l'outil, calibrés sur les "
    "totaux publiés pour 2024 mais fictifs dans le détail. Ce ne sont pas des statistiques "
    "officielles."
)


def _source_note(catalog: Catalog) -> str:
    if catalog.is_demo:
        return DEMO_NOTE
    files = catalog.metadata.get("files") or []
    names = ", ".join(str(f) for f in files) if files else "fichiers officiels"
    return f"Données officielles DGDDI ({names})."


def _shorten(label: str, limit: int = LABEL_MAX) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip(" ,;-") + "…"


def _sankey_figure(flows: queries.SankeyFlows, height: int) -> go.Figure:
    # Long A129 labels would run over the links in print; hovers keep them whole.
    short = {node: _shorten(label) for node, label in flows.labels.items()}
    links = flows.links.assign(
        source_label=flows.links["source"].map(short), target_label=flows.links["target"].map(short)
    )
    fig = charts.sankey(dataclasses.replace(flows, labels=short, links=links), None, height)
    fig.update_layout(font={"size": 11}, margin={"l": 4, "r": 4, "t": 8, "b": 8})
    return fig


def _bare_total(flow: str, value: int) -> str:
    return f"Total des {texts.FLOW_NOUNS[flow]} : {format_millions_words(value)}"


def _total_lines(kpis: queries.Kpis, flow: str) -> tuple[str, ...]:
    """The seeds print the total in bold, then one line per share ("soit …")."""
    first, *shares = texts.total_sentence(kpis, flow).split(", soit ")
    return (first, *(f"soit {share}" for share in shares))


def build_fiche(
    db: Database, territory: str, period: Period, memo: dict | None = None
) -> Fiche:
    """The whole document for a territory (`93`, `R32`, `FR`) and a loaded period.

    ``memo`` (optional, any dict kept across calls) shares the région and France diagrams
    between the fiches of a batch: they are the same for every département of a région.
    """
    catalog = db.catalog()
    code = normalise_territory(territory, catalog)
    if code is None:
        raise ValueError(f"Territoire inconnu : {territory}")
    if not catalog.has(period):
        raise ValueError(f"Période non disponible : {period.label}")
    f = Filters(territory=code, period=period, level=SANKEY_LEVEL, top=TOP)
    k = queries.kpis(db, f)
    words = _WORDS[f.kind]
    name, kind = k.name, f.kind
    place = "France entière" if kind == "france" else name

    if kind == "departement":
        heading = f"Territoires d'industrie — {name}"
    elif kind == "region":
        heading = f"Territoires d'industrie — {name} (région)"
    else:
        heading = "Territoires d'industrie — France entière"

    sections = [
        _introduction(kind, words),
        _territories(db, catalog, k),
        _context(period, catalog),
        _balance(db, f, words, place),
        _activities(db, f, words, place),
        _flows(db, f, k, "export", place, {} if memo is None else memo),
        _flows(db, f, k, "import", place, {} if memo is None else memo),
        _practical(catalog),
    ]
    return Fiche(
        territory=code,
        kind=kind,
        name=name,
        period=period,
        kicker=KICKER,
        heading=heading,
        source_note=_source_note(catalog),
        is_demo=catalog.is_demo,
        sections=tuple(sections),
        totals={"exports": k.exports, "imports": k.imports},
    )


def _introduction(kind: str, words: dict[str, str]) -> Section:
    scale = {
        "departement": "un regard départemental, l'échelon le plus fin disponible",
        "region": "un regard régional, complété par celui de ses départements",
        "france": "la référence nationale à laquelle se comparent les fiches départementales",
    }[kind]
    return Section(
        "introduction",
        "Introduction",
        (
            Block(
                "paragraph",
                "Le programme Territoires d'industrie, copiloté par l'Agence nationale de la "
                "cohésion des territoires (ANCT) et la Direction générale des entreprises (DGE), "
                "a publié en octobre 2024, avec l'Insee, une première série de portraits "
                "socio-économiques des territoires. Des publications thématiques les prolongent "
                "désormais, sur les enjeux identifiés localement ; celle-ci porte sur le "
                "commerce extérieur de biens, au cœur de l'actualité économique.",
            ),
            Block(
                "paragraph",
                "Le commerce extérieur est le plus souvent commenté à l'échelle nationale. "
                f"Cette fiche propose {scale}, à travers une sélection d'indicateurs et "
                "d'infographies établis à partir des statistiques des Douanes.",
            ),
        ),
        new_page=False,
    )


def _territories(db: Database, catalog: Catalog, k: queries.Kpis) -> Section:
    if k.kind == "departement":
        note = texts.territoires_footnote(k.territoires_hidden)
        # The seeds star the heading when adjacent territories were left out.
        title = (
            "Principaux Territoires d'industrie du département*"
            if note
            else "Territoires d'industrie du département"
        )
        blocks: list[Block] = []
        if k.territoires:
            blocks.append(Block("bullets", items=tuple(n for n, _ in k.territoires)))
        else:
            blocks.append(
                Block(
                    "paragraph",
                    "Aucun Territoire d'industrie n'est recensé pour ce département dans les "
                    "données chargées.",
                )
            )
        if note:
            blocks.append(Block("note", note))
        return Section("territoires", title, tuple(blocks), new_page=False, level=3)

    # A région or France has no Territoires d'industrie of its own: list its parts instead.
    n_ti = {
        c: len(queries.territoires_of(catalog, c)[0]) for c in catalog.departements
    }
    if k.kind == "region":
        codes = [c for c, (_, r) in catalog.departements.items() if r == k.territory[1:]]
        items = tuple(
            f"{c} – {catalog.departements[c][0]}" + _ti_count(int(n_ti.get(c, 0))) for c in codes
        )
        return Section(
            "territoires",
            "Départements de la région",
            (
                Block("bullets", items=items),
                Block(
                    "note",
                    "Chaque département a sa propre fiche, qui liste ses Territoires d'industrie.",
                ),
            ),
            new_page=False,
            level=3,
        )
    counts = {
        code: sum(1 for _, r in catalog.departements.values() if r == code)
        for code in catalog.regions
    }
    items = tuple(
        f"{name} ({counts[code]} département{'s' if counts[code] > 1 else ''})"
        # Sorted as a French reader expects: Île-de-France among the I, not after Z.
        for code, name in sorted(catalog.regions.items(), key=lambda kv: slug(kv[1]))
    )
    return Section(
        "territoires",
        "Régions",
        (
            Block("bullets", items=items),
            Block("note", "Chaque région et chaque département a sa propre fiche."),
        ),
        new_page=False,
        level=3,
    )


def _ti_count(n: int) -> str:
    if n == 0:
        return ""
    return f" ({n} Territoire{'s' if n > 1 else ''} d'industrie)"


METHOD_BULLETS = (
    "Les Douanes rattachent chaque flux au lieu de dédouanement, qui n'est pas toujours le "
    "lieu de production : un bien fabriqué dans un département A peut être exporté depuis un "
    "département B. Les chiffres dépendent donc aussi de l'organisation logistique des "
    "entreprises.",
    "Pour la même raison, les grandes infrastructures de transport peuvent déformer l'image : "
    "les zones industrialo-portuaires concentrent par exemple les importations "
    "d'hydrocarbures, qui ne sont pas pour autant consommés sur place.",
    "L'échelle infra-départementale, dont celle des Territoires d'industrie, n'est pas "
    "disponible à ce jour. Pour un territoire à cheval sur plusieurs départements, il faut "
    "consulter les fiches de chacun d'eux.",
)


def _context(period: Period, catalog: Catalog) -> Section:
    year = period.label
    blocks = [
        Block("subheading", "Contexte"),
        Block(
            "paragraph",
            "Le commerce mondial se transforme en profondeur : l'ouverture des industries aux "
            "échanges et l'évolution de la nature des flux exposent les territoires à des "
            "menaces nouvelles, mais aussi à de nouvelles opportunités.",
        ),
        Block(
            "paragraph",
            "Depuis le début de 2025, les menaces de hausse des droits de douane venues des "
            "États-Unis ont ravivé les tensions commerciales internationales. L'incertitude "
            "grandit pour les industriels, qui s'interrogent sur leur exposition aux chaînes de "
            "valeur mondiales et sur leurs dépendances, à l'import comme à l'export. Beaucoup "
            "cherchent à diversifier leurs partenaires, à sécuriser leurs approvisionnements et "
            "à saisir de nouveaux débouchés pour s'adapter à des échanges en recomposition.",
        ),
        Block(
            "paragraph",
            "La traduction territoriale de ces évolutions reste pourtant peu étudiée. À partir "
            f"des données douanières de {year}, cette fiche dresse un état des lieux : "
            "principales activités exportatrices et importatrices, pays partenaires les plus "
            "importants, et position du territoire par rapport à sa région et à la France.",
        ),
        Block(
            "paragraph",
            "Les Territoires d'industrie y trouvent un outil de lecture pour mieux situer leur "
            "place dans les échanges internationaux dans le contexte économique actuel.",
        ),
        Block("subheading", "Précisions méthodologiques"),
        Block(
            "paragraph",
            "Les infographies donnent des ordres de grandeur des grands équilibres actuels, "
            "avec certaines limites :",
        ),
        Block("bullets", items=METHOD_BULLETS),
        Block(
            "paragraph",
            "Les infographies reposent sur les statistiques départementales et régionales du "
            f"commerce extérieur de {year}, établies par la Direction générale des douanes et "
            "droits indirects (DGDDI) et publiées en données ouvertes : exportations FAB, "
            "importations CAF, hors matériel militaire, en euros courants.",
        ),
    ]
    if catalog.is_demo:
        blocks.append(Block("note", DEMO_NOTE))
    return Section("contexte", "Contexte et méthodologie", tuple(blocks))


def _balance(db: Database, f: Filters, words: dict[str, str], place: str) -> Section:
    balance = queries.partner_balance(db, f)
    fig = charts.partner_butterfly(balance, None)
    # Union of two top tens: up to twenty rows, which must fit on the page with the texts.
    fig.update_layout(height=min(fig.layout.height or 600, 720), margin={"t": 36})
    return Section(
        "balance",
        "Balance commerciale territoriale",
        (
            Block(
                "paragraph",
                "Cette première infographie présente les principaux pays partenaires "
                f"commerciaux {words['of']}, en réunissant les dix premiers pays à l'import et "
                "les dix premiers à l'export. Cette vue d'ensemble permet d'apprécier les grands "
                "équilibres des échanges du territoire avec l'extérieur.",
            ),
            Block(
                "figure",
                f"Principaux pays à l'import et à l'export, {place} ({f.period.label})",
                figure=fig,
            ),
            Block(
                "paragraph",
                "pour chaque pays, figurent à gauche le montant des importations et à droite "
                "celui des exportations. Leur différence constitue la balance commerciale, "
                "indiquée en rouge ou en vert selon qu'elle est négative ou positive "
                "(montants en millions d'euros).",
                label="Clé de lecture :",
            ),
        ),
    )


def _activities(db: Database, f: Filters, words: dict[str, str], place: str) -> Section:
    breakdown = queries.product_breakdown(db, f, "A129")
    fig = charts.product_treemap(breakdown, TREEMAP_DEPTH, None)
    fig.update_layout(height=700, margin={"l": 2, "r": 2, "t": 28, "b": 2})
    return Section(
        "activites",
        "Principales activités à l'import et à l'export",
        (
            Block(
                "paragraph",
                "Le graphique suivant représente les principales activités concernées par les "
                f"échanges internationaux à l'échelle {words['scale']}. Figurent en bleu les "
                f"biens importés {words['into']}, en violet les biens exportés {words['from']}. "
                "L'aire de chaque compartiment est proportionnelle à la valeur du bien dans son "
                "flux, ce qui fait ressortir les principales activités à l'import et à l'export, "
                "ainsi que la balance globale.",
            ),
            Block(
                "figure",
                f"Principales activités à l'import et à l'export, {place} ({f.period.label})",
                figure=fig,
            ),
        ),
    )


def _flows(db: Database, f: Filters, k: queries.Kpis, flow: str, place: str, memo: dict) -> Section:
    words = _WORDS[f.kind]
    export = flow == "export"
    ff = f.with_(flow=flow)
    flows = queries.sankey_flows(db, ff)
    if export:
        intro = (
            "Pour aller plus loin, le graphique suivant représente les flux d'exportations "
            "(quel produit est exporté vers quel pays). Y figurent les dix premiers biens "
            f"exportés {words['from']} et les dix principaux pays acheteurs ; la catégorie "
            "« Autres » regroupe les biens et les pays au-delà de ces dix premiers. Pour "
            "faciliter la lecture, les cinq principaux flux (tel produit vers telle "
            "destination) sont tracés en rouge."
        )
        caption = f"Flux à l'export par produit et par pays, {place} (en valeur, {f.period.label})"
        legend = (
            f"Figurent à gauche les principaux biens exportés {words['from']}, à droite les "
            "pays de destination."
        )
    else:
        intro = (
            "De la même manière, le graphique suivant représente les flux d'importations (quel "
            "pays vend quel produit). Y figurent les dix principaux pays vendeurs et les dix "
            f"premiers biens importés {words['into']} ; la catégorie « Autres » regroupe les "
            "pays et les biens au-delà de ces dix premiers. Pour faciliter la lecture, les cinq "
            "principaux flux (telle origine pour tel produit) sont tracés en rouge."
        )
        caption = f"Flux à l'import par pays et par produit, {place} (en valeur, {f.period.label})"
        legend = (
            f"Figurent à gauche les principaux pays d'origine, à droite les biens importés "
            f"{words['into']}."
        )
    blocks = [
        Block("paragraph", intro),
        Block("figure", caption, figure=_sankey_figure(flows, 560)),
        Block("total", items=_total_lines(k, flow)),
        Block("paragraph", legend),
    ]

    # The same diagram for the région and for France, on the next page as in the seeds.
    others: list[tuple[str, str]] = []
    if f.kind == "departement" and k.region_code:
        others.append((f"R{k.region_code}", k.region_name or ""))
    if f.kind != "france":
        others.append(("FR", "France entière"))
    if others:
        noun = "exportations" if export else "importations"
        compared = "de la région et du pays" if len(others) == 2 else "du pays"
        blocks += [
            Block("pagebreak"),
            Block(
                "paragraph",
                f"La situation {words['scale']} des {noun} représentée "
                f"page précédente peut être comparée à celle {compared} :",
            ),
        ]
        height = 380 if len(others) == 2 else 560
        for code, label in others:
            key = ("sankey", code, f.period, flow, height)
            if key not in memo:
                other = queries.sankey_flows(db, ff.with_(territory=code))
                memo[key] = (_sankey_figure(other, height), other.total)
            figure, total = memo[key]
            blocks += [
                Block("figure", f"Flux à l'{flow}, {label} (en valeur, {f.period.label})", figure=figure),
                Block("total", items=(_bare_total(flow, total),)),
            ]
    return Section(
        "exportations" if export else "importations",
        "Exportations" if export else "Importations",
        tuple(blocks),
    )


def _practical(catalog: Catalog) -> Section:
    # Addresses are plain text without a scheme: the file must not link to any other host.
    return Section(
        "informations",
        "Informations pratiques",
        (
            Block(
                "paragraph",
                "Ce document dresse un état des lieux territorialisé du commerce extérieur, à "
                "l'intention des acteurs locaux, dans un contexte douanier en forte évolution.",
            ),
            Block(
                "paragraph",
                "Pour en savoir plus sur les caractéristiques socio-économiques de vos "
                "Territoires d'industrie, une série de portraits a été publiée en octobre 2024 : "
                "« Portraits socio-économiques des Territoires d'industrie », sur le site de "
                "l'ANCT (anct.gouv.fr).",
            ),
            Block(
                "paragraph",
                "Pour en savoir plus sur le programme Territoires d'industrie, la synthèse "
                "présentée lors de sa dernière Assemblée générale récapitule les actions en "
                "cours et les perspectives pour 2025 (dossier de presse de l'Assemblée "
                "générale).",
            ),
            Block(
                "paragraph",
                "Le programme Territoires d'industrie peut être contacté au niveau national à "
                "l'adresse territoires-industrie@anct.gouv.fr.",
            ),
            Block("subheading", "Pour aller plus loin"),
            Block(
                "bullets",
                items=(
                    "L'actualité de l'ANCT : anct.gouv.fr/actualites",
                    "L'actualité de la DGE : entreprises.gouv.fr/la-dge/actualites",
                    "Les statistiques du commerce extérieur de la DGDDI : "
                    "lekiosque.finances.gouv.fr",
                ),
            ),
            Block("note", _source_note(catalog)),
        ),
    )


# --- HTML ----------------------------------------------------------------------------------
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "locale": "fr"}
_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}  # fmt: skip

CSS = f"""
@page {{ size: A4; margin: {PAGE_MARGIN_MM[0]}mm {PAGE_MARGIN_MM[1]}mm {PAGE_MARGIN_MM[2]}mm
  {PAGE_MARGIN_MM[3]}mm; }}
* {{ box-sizing: border-box; }}
html {{ background: #eef0f3; }}
body {{ margin: 0; color: #1e1e1e; font-size: 11pt; line-height: 1.42;
  font-family: Marianne, Arial, "Liberation Sans", "DejaVu Sans", Helvetica, sans-serif; }}
main {{ width: {PRINT_WIDTH_PX}px; max-width: 100%; margin: 0 auto; background: white; }}
header.cover {{ border-left: 6px solid {charts.EXPORT_COLOR}; padding: 2mm 0 2mm 5mm;
  margin-bottom: 6mm; }}
.kicker {{ font-size: 13pt; font-weight: 700; color: {charts.EXPORT_COLOR}; margin: 0; }}
h1 {{ font-size: 21pt; line-height: 1.15; margin: 1mm 0 0; }}
h2 {{ font-size: 16pt; color: {charts.EXPORT_COLOR}; margin: 0 0 3mm;
  border-bottom: 1.5px solid {charts.EXPORT_LIGHT}; padding-bottom: 1mm; }}
h3 {{ font-size: 12.5pt; margin: 5mm 0 2mm; }}
h4.caption {{ font-size: 11pt; margin: 3mm 0 1mm; }}
p {{ margin: 0 0 2.5mm; }}  /* ragged right: justified text opened rivers at this width */
ul {{ margin: 0 0 3mm; padding-left: 6mm; }}
li {{ margin-bottom: 1mm; }}
.note {{ font-size: 9pt; color: #555; margin-top: 2mm; }}
.demo {{ background: #fff4e5; border-left: 4px solid #e6a23c; padding: 2mm 3mm;
  font-size: 9.5pt; }}
.total {{ margin: 2mm 0 3mm; padding: 2mm 3mm; background: #f6f1f9; border-radius: 2px; }}
.total p {{ margin: 0; text-align: left; }}
.total p:first-child {{ font-weight: 700; font-size: 12pt; }}
.chart {{ width: 100%; break-inside: avoid; }}
section {{ padding: 8mm 8mm 4mm; }}
section.sub {{ padding-top: 0; }}
footer.doc {{ font-size: 8.5pt; color: #666; padding: 4mm 8mm 8mm; }}
@media print {{
  html {{ background: white; }}
  main {{ width: auto; }}
  section {{ padding: 0; }}
  section.page {{ break-before: page; }}
  .pagebreak {{ break-before: page; }}
  .modebar-container {{ display: none !important; }}
  footer.doc {{ display: none; }}
}}
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _figure_json(fig: go.Figure) -> str:
    """Figure JSON safe inside <script>: no "<", ">" or "&" can close or alter the element."""
    raw = pio.to_json(fig, validate=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JS_ESCAPES[m.group()], raw)


def _block_html(block: Block, figure_ids: Iterator[int]) -> str:
    if block.kind == "paragraph":
        label = f"<strong>{_esc(block.label)}</strong> " if block.label else ""
        return f"<p>{label}{_esc(block.text)}</p>"
    if block.kind == "subheading":
        return f"<h3>{_esc(block.text)}</h3>"
    if block.kind == "bullets":
        return "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in block.items) + "</ul>"
    if block.kind == "note":
        return f'<p class="note">{_esc(block.text)}</p>'
    if block.kind == "total":
        return '<div class="total">' + "".join(f"<p>{_esc(i)}</p>" for i in block.items) + "</div>"
    if block.kind == "pagebreak":
        return '<div class="pagebreak"></div>'
    if block.kind == "figure" and block.figure is not None:
        n = next(figure_ids)
        height = int(block.figure.layout.height or 450)
        return (
            f'<h4 class="caption">{_esc(block.text)}</h4>'
            f'<div class="chart" id="fig-{n}" style="height:{height}px"></div>'
            f'<script type="application/json" id="fig-{n}-data">'
            f"{_figure_json(block.figure)}</script>"
        )
    raise ValueError(f"unknown block {block.kind}")


# Draws every chart of the document; resolves once all are drawn (the PDF printer waits).
RENDER_JS = """
window.renderFiche = function (config) {
  var jobs = [];
  document.querySelectorAll("div.chart").forEach(function (div) {
    var spec = JSON.parse(document.getElementById(div.id + "-data").textContent);
    jobs.push(Plotly.newPlot(div, spec.data, spec.layout, config));
  });
  return Promise.all(jobs).then(function () { return true; });
};
"""


def _plotly_js() -> str:
    plotly_js = plotly.offline.get_plotlyjs()
    if "</script" in plotly_js.lower():  # would end the inline element early
        raise RuntimeError("plotly.js cannot be inlined")
    return plotly_js


def _head(title: str) -> str:
    return (
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style>"
        f"<script>{_plotly_js()}</script><script>{RENDER_JS}</script>"
    )


def render_body(fiche: Fiche) -> str:
    """The document's <main> and footer: texts escaped, figures as inert JSON elements."""
    ids = iter(range(1, 1000))
    parts = []
    for i, section in enumerate(fiche.sections):
        css_class = "page" if section.new_page and i > 0 else "sub"
        tag = f"h{section.level}"
        body = "".join(_block_html(b, ids) for b in section.blocks)
        parts.append(
            f'<section id="{_esc(section.id)}" class="{css_class}">'
            f"<{tag}>{_esc(section.title)}</{tag}>{body}</section>"
        )
    demo = f'<p class="demo">{_esc(DEMO_NOTE)}</p>' if fiche.is_demo else ""
    return (
        '<main><section id="titre" class="sub" style="padding-bottom:0">'
        f'<header class="cover"><p class="kicker">{_esc(fiche.kicker)}</p>'
        f'<h1>{_esc(fiche.heading)}</h1><p class="note">Données {fiche.period.label}</p></header>'
        f"{demo}</section>{''.join(parts)}"
        f'<footer class="doc">Commerce extérieur des territoires · {_esc(fiche.source_note)}'
        "</footer></main>"
    )


def render_html(fiche: Fiche) -> str:
    """The standalone HTML document (UTF-8 text), with plotly.js inlined once."""
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n'
        f"<head>{_head(f'{fiche.title} ({fiche.period.label})')}</head>\n"
        f"<body>{render_body(fiche)}\n"
        f"<script>renderFiche({json.dumps(PLOTLY_CONFIG)});</script>\n</body>\n</html>\n"
    )


def fiche_html(db: Database, territory: str, period: Period) -> str:
    return render_html(build_fiche(db, territory, period))


# --- PDF -----------------------------------------------------------------------------------
class PdfUnavailable(RuntimeError):
    """PDF printing is not possible here; the message is French and shown as is."""


def chromium_executable() -> str | None:
    """Debian's chromium (or COMEX_CHROMIUM): Playwright's own browsers need a download."""
    candidates = [os.environ.get("COMEX_CHROMIUM"), "chromium", "chromium-browser"]
    for candidate in candidates:
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def pdf_unavailable_reason() -> str | None:
    """None when PDFs can be printed, else a French explanation."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Le téléchargement en PDF n'est pas disponible sur ce serveur (module Playwright "
            "absent). Téléchargez la fiche en HTML et imprimez-la depuis votre navigateur."
        )
    if chromium_executable() is None:
        return (
            "Le téléchargement en PDF n'est pas disponible sur ce serveur (navigateur Chromium "
            "absent). Téléchargez la fiche en HTML et imprimez-la depuis votre navigateur."
        )
    return None


def _footer_template(fiche: Fiche) -> str:
    left = _esc(f"{fiche.name} · {fiche.period.label} · Commerce extérieur des territoires")
    if fiche.is_demo:
        left += " · Données de démonstration"
    return (
        '<div style="font-size:7.5pt;color:#666;width:100%;padding:0 12mm;'
        'font-family:Arial,sans-serif;display:flex;justify-content:space-between">'
        f'<span>{left}</span><span><span class="pageNumber"></span> / '
        '<span class="totalPages"></span></span></div>'
    )


class PdfPrinter:
    """One headless Chromium for many PDFs. Use as a context manager::

    with PdfPrinter() as printer:
        pdf_bytes = printer.pdf(fiche)
    """

    def __init__(self) -> None:
        self._pw = None
        self._browser = None
        self._context = None
        self._page = None
        self.requests: list[str] = []  # every URL the documents tried to load (should be none)

    def __enter__(self) -> PdfPrinter:
        if reason := pdf_unavailable_reason():
            raise PdfUnavailable(reason)
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
            )
        except Exception:
            self._pw.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._context is not None:
            self._context.close()
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()

    def _shell(self) -> object:
        """A page holding plotly.js, created once: parsing the 4,8 MB library is most of the
        cost of a fiche, so each fiche only swaps the body of this page."""
        if self._page is None:
            context = self._browser.new_context(
                viewport={"width": PRINT_WIDTH_PX, "height": 1100}, locale="fr-FR"
            )

            # The document is self-contained: any request would be a bug, so block and log it.
            def block(route: object) -> None:
                self.requests.append(route.request.url)
                route.abort()

            context.route("**/*", block)
            page = context.new_page()
            page.set_default_timeout(60_000)
            # Lay charts out for print from the start, so nothing reflows when printing.
            page.emulate_media(media="print")
            shell = (
                f'<!DOCTYPE html><html lang="fr"><head>{_head("Fiche")}</head><body></body></html>'
            )
            page.set_content(shell, wait_until="load")
            self._context, self._page = context, page
        return self._page

    def pdf(self, fiche: Fiche) -> bytes:
        page = self._shell()
        page.evaluate(
            """([title, body, config]) => {
                document.querySelectorAll("div.chart").forEach((d) => Plotly.purge(d));
                document.title = title;
                document.body.innerHTML = body;
                return renderFiche(config);
            }""",
            [f"{fiche.title} ({fiche.period.label})", render_body(fiche), PLOTLY_CONFIG],
        )
        return page.pdf(
            format="A4",
            print_background=True,
            prefer_css_page_size=True,
            display_header_footer=True,
            header_template="<div></div>",
            footer_template=_footer_template(fiche),
        )


def render_pdf(fiche: Fiche) -> bytes:
    """One PDF with a fresh browser, in a worker thread: Playwright's sync API refuses to run
    in a thread that has an asyncio loop (as some servers' threads do)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:

        def job() -> bytes:
            with PdfPrinter() as printer:
                return printer.pdf(fiche)

        return pool.submit(job).result()


def fiche_pdf(db: Database, territory: str, period: Period) -> bytes:
    return render_pdf(build_fiche(db, territory, period))


# --- Command line --------------------------------------------------------------------------
def write_fiches(
    db: Database,
    territories: Iterable[str],
    period: Period,
    fmt: Literal["pdf", "html"],
    out: Path,
    progress: bool = True,
) -> list[Path]:
    """Write one file per territory into ``out``; one browser serves all the PDFs."""
    codes = list(territories)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    catalog = db.catalog()
    memo: dict = {}
    with PdfPrinter() if fmt == "pdf" else contextlib.nullcontext() as printer:
        for i, code in enumerate(codes, start=1):
            if progress:
                _progress(i - 1, len(codes), catalog.territory_label(code))
            fiche = build_fiche(db, code, period, memo)
            path = out / f"{fiche.file_stem}.{fmt}"
            if fmt == "pdf":
                path.write_bytes(printer.pdf(fiche))
            else:
                path.write_text(render_html(fiche), encoding="utf-8")
            written.append(path)
        if progress:
            _progress(len(codes), len(codes), "terminé")
            sys.stderr.write("\n")
    return written


def _progress(done: int, total: int, label: str, width: int = 30) -> None:
    filled = int(width * done / total) if total else width
    bar = "█" * filled + "·" * (width - filled)
    sys.stderr.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.fiche",
        description="Fiches territoriales du commerce extérieur, en PDF ou en HTML autonome.",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--territoire", help="département (93, 2A), région (R11) ou FR")
    target.add_argument("--all", action="store_true", help="tous les départements")
    parser.add_argument(
        "--annee", help="année (2024) ou 12m (12 derniers mois) ; par défaut la dernière année entière"
    )
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf")
    parser.add_argument("--out", type=Path, default=Path("fiches"), help="dossier de sortie")
    parser.add_argument("--db", type=Path, help="base DuckDB (par défaut data/comex.duckdb)")
    args = parser.parse_args(argv)

    db = Database(args.db)
    catalog = db.catalog()
    period = catalog.period(args.annee) if args.annee else catalog.default_period
    if period is None:
        parser.error(
            f"année {args.annee} non disponible ({catalog.years[0]}–{catalog.years[-1]}, ou 12m)"
        )
    if args.all:
        codes = list(catalog.departements)
    else:
        code = normalise_territory(args.territoire, catalog)
        if code is None:
            parser.error(f"territoire inconnu : {args.territoire}")
        codes = [code]
    start = time.perf_counter()
    try:
        written = write_fiches(db, codes, period, args.format, args.out, progress=args.all)
    except PdfUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    per = elapsed / len(written) if written else 0.0
    noun = "fiche écrite" if len(written) == 1 else "fiches écrites"
    print(
        f"{len(written)} {noun} dans {args.out} en {format_number(elapsed, 1)} s "
        f"({format_number(per, 2)} s par fiche)"
    )
    if len(written) == 1:
        print(written[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
