"""The fiche's document: a pure function of the database that returns the seeds' sections in the
seeds' order (title, introduction, Territoires d'industrie and key figures, context and
methodology, partners, products, exports, imports, practical information), each made of French
texts (``core.fiche.prose``), figures (``core.charts``, at print geometry) and totals.
"""

from __future__ import annotations

import plotly.graph_objects as go

from core import charts, queries, texts
from core.db import Catalog, Database
from core.fiche import page, prose
from core.fiche.model import Block, Fiche, KeyFigure, Section, bullets, paragraph
from core.filters import LEVELS, Filters, normalise_territory
from core.formatting import format_meur, format_percent, format_rank
from core.labels import slug
from core.periods import Period

TOP = 10  # the seeds show the ten largest products and countries
SCREEN_LABEL_WIDTH = 24  # characters per line of a Sankey label on screen (a phone included)
DEFAULT_LEVEL = "A129"  # the seeds' goods: « les dix premiers biens »
FLOWS = ("export", "import")


def build_fiche(
    db: Database,
    territory: str,
    period: Period,
    memo: dict | None = None,
    level: str = DEFAULT_LEVEL,
    screen: bool = False,
    comparisons: bool = True,
) -> Fiche:
    """The whole document for a territory (`93`, `R32`, `FR`), a loaded period and a product
    level (the treemap's tiles and the Sankey diagrams' goods; the seeds' A129 by default).

    Figures are laid out for print. With ``screen`` (the page's fiche), the treemap and the
    Sankey diagrams are laid out for any screen width instead: labels beside the nodes and a
    drillable treemap, which a phone can show (the files build their own, printed, fiche).

    ``memo`` (optional, any dict kept across calls) shares the région and France diagrams
    between the fiches of a batch: they are the same for every département of a région.

    Without ``comparisons``, each flows section stops at the sentence that introduces the
    région's and France's diagrams, which are neither queried nor built: the page draws them
    (from the whole fiche) only once the reader opens them.
    """
    catalog = db.catalog()
    code = normalise_territory(territory, catalog)
    if code is None:
        raise ValueError(f"Territoire inconnu : {territory}")
    if not isinstance(period, Period) or not catalog.has(period):
        label = period.label if isinstance(period, Period) else str(period)
        raise ValueError(f"Période non disponible : {label}")
    if level not in LEVELS:
        raise ValueError(f"Niveau de produits inconnu : {level}")
    f = Filters(territory=code, period=period, level=level, top=TOP)
    k = queries.kpis(db, f)
    unpublished = {
        flow: note for flow in FLOWS if (note := catalog.unpublished(code, flow, period))
    }
    place = "France entière" if f.kind == "france" else k.name
    memo = {} if memo is None else memo
    sections = [
        Section("introduction", "Introduction", prose.introduction(f.kind), new_page=False),
        _territoires(catalog, k),
        _key_figures(k, unpublished),
        Section(
            "contexte", "Contexte et méthodologie", prose.context(period.label, catalog.is_demo)
        ),
        _balance(db, f, place, unpublished),
        _activities(db, f, place, unpublished, screen),
        _flows(db, f, k, "export", place, unpublished, memo, screen, comparisons),
        _flows(db, f, k, "import", place, unpublished, memo, screen, comparisons),
        Section("informations", "Informations pratiques", prose.practical(catalog)),
    ]
    return Fiche(
        territory=code,
        kind=f.kind,
        name=k.name,
        period=period,
        level=level,
        kicker=prose.KICKER,
        heading=prose.heading(f.kind, k.name),
        period_line=f"Commerce extérieur de biens, {period.label}",
        period_note=period.note,
        source_note=prose.source_note(catalog),
        is_demo=catalog.is_demo,
        sections=tuple(sections),
        totals={"exports": k.exports, "imports": k.imports},
        unpublished=unpublished,
    )


# --- Page 1 ----------------------------------------------------------------------------------
def _territoires(catalog: Catalog, k: queries.Kpis) -> Section:
    """A département's principal Territoires d'industrie (the seeds' heading, starred with
    their footnote when some were left out); a région's, over all its départements; for
    France, the régions with their number of territories."""
    if k.kind in ("departement", "region"):
        blocks: list[Block] = []
        names = tuple(name for name, _ in k.territoires)
        if names:
            blocks.append(
                bullets(*names, columns=3 if len(names) > 16 else 2 if len(names) > 6 else 1)
            )
        else:
            blocks.append(paragraph(prose.no_territoire(k.kind)))
        if note := texts.territoires_footnote(k.territoires_hidden, k.kind):
            blocks.append(Block("note", note))
        if k.kind == "region":
            depts = [
                f"{name} ({c})" for c, (name, r) in catalog.departements.items()
                if r == k.territory[1:]
            ]  # fmt: skip
            blocks.append(
                Block(
                    "note",
                    f"Départements de la région : {', '.join(depts)}. Chacun a sa fiche, qui "
                    "liste ses propres Territoires d'industrie.",
                )
            )
        title = texts.territoires_heading(k.territoires_hidden, k.kind)
        return Section("territoires", title, tuple(blocks), new_page=False, level=3)

    items = []
    counts = queries.territoires_by_region(catalog)
    # Sorted as a French reader expects: Île-de-France among the I, not after Z.
    for code, name in sorted(catalog.regions.items(), key=lambda kv: slug(kv[1])):
        n = counts[code]
        items.append(f"{name} ({n} Territoire{'s' if n > 1 else ''} d'industrie)")
    return Section(
        "territoires",
        "Territoires d'industrie par région",
        (
            bullets(*items, columns=2),
            Block("note", "Chaque région et chaque département a sa propre fiche."),
        ),
        new_page=False,
        level=3,
    )


def _change(change: float | None, prev: Period | None) -> str:
    if change is None or prev is None:
        return "pas de période comparable chargée"
    # The same quarters a year earlier: « 2023 », « 2024 (T1–T2) », « T3 2023–T2 2024 ».
    return f"{format_percent(change, 1, signed=True)} par rapport à {prev.short if prev.rolling else prev.label}"


def _key_figures(k: queries.Kpis, unpublished: dict[str, str]) -> Section:
    """The overview's figures on page 1: totals, balance, coverage, shares (the seeds'
    decimals: one for the région, two for France), ranks and changes on the same quarters a
    year earlier. A figure computed from a total the source does not publish says so."""
    exp_np = "export" in unpublished
    imp_np = "import" in unpublished
    figures = [
        KeyFigure(
            "Exportations", format_meur(k.exports), _change(k.change_exports, k.prev_period), exp_np
        ),
        KeyFigure(
            "Importations", format_meur(k.imports), _change(k.change_imports, k.prev_period), imp_np
        ),
        KeyFigure(
            "Solde commercial",
            format_meur(k.balance, signed=True),
            "exportations − importations",
            exp_np or imp_np,
        ),
        KeyFigure(
            "Taux de couverture",
            format_percent(k.coverage, 1),
            "exportations / importations",
            exp_np or imp_np,
        ),
    ]
    if k.kind == "departement":
        region = f"de la région {k.region_name}"
        figures += [
            KeyFigure("Part de la région à l'export", format_percent(k.share_region_exports, 1),
                      f"des exportations {region}", exp_np),
            KeyFigure("Part de la région à l'import", format_percent(k.share_region_imports, 1),
                      f"des importations {region}", imp_np),
        ]  # fmt: skip
    if k.kind != "france":
        unit = "départements" if k.kind == "departement" else "régions"
        figures += [
            KeyFigure("Part de la France à l'export", format_percent(k.share_france_exports, 2),
                      "des exportations françaises", exp_np),
            KeyFigure("Part de la France à l'import", format_percent(k.share_france_imports, 2),
                      "des importations françaises", imp_np),
            KeyFigure("Rang à l'export", format_rank(k.rank_exports, k.rank_of),
                      f"parmi les {unit}", exp_np),
            KeyFigure("Rang à l'import", format_rank(k.rank_imports, k.rank_of),
                      f"parmi les {unit}", imp_np),
        ]  # fmt: skip
    blocks = [Block("keyfigures", figures=tuple(figures))]
    for note in unpublished.values():
        blocks.append(Block("note", f"{texts.UNPUBLISHED.capitalize()} : {note}"))
    return Section("chiffres", "Chiffres clés", tuple(blocks), new_page=False, level=3)


# --- Charts ----------------------------------------------------------------------------------
def _unpublished_notes(unpublished: dict[str, str], flows: tuple[str, ...] = FLOWS) -> list[Block]:
    return [
        Block("note", f"{texts.UNPUBLISHED.capitalize()} : {unpublished[flow]}")
        for flow in flows
        if flow in unpublished
    ]


def _balance(db: Database, f: Filters, place: str, unpublished: dict[str, str]) -> Section:
    balance = queries.partner_balance(db, f)
    fig = charts.partner_butterfly(
        balance, font_size=page.CHART_FONT_PX, row_height=page.BUTTERFLY_ROW_PX
    )
    paren = texts.period_in_parens(f.period)
    return Section(
        "balance",
        "Balance commerciale territoriale",
        (
            prose.balance_intro(f.kind),
            Block(
                "figure", f"Principaux pays à l'import et à l'export, {place} ({paren})", figure=fig
            ),
            prose.balance_key(),
            *_unpublished_notes(unpublished),
        ),
    )


def _activities(
    db: Database, f: Filters, place: str, unpublished: dict[str, str], screen: bool
) -> Section:
    breakdown = queries.product_breakdown(db, f, f.level)
    # A fiche for the page (``screen``) holds only the figures the page draws: the printed
    # ones are built by the files' own fiche.
    if screen:
        fig = charts.product_treemap(breakdown, f.level, unpublished=tuple(unpublished))
    else:
        fig = charts.product_treemap_print(
            breakdown,
            width=page.PRINT_WIDTH_PX,
            height=page.TREEMAP_HEIGHT_PX,
            font_size=page.CHART_FONT_PX,
            unpublished=tuple(unpublished),
        )
    paren = texts.period_in_parens(f.period)
    caption = (
        f"Principales activités ({texts.LEVEL_WORDS[f.level]}) à l'import et à l'export, "
        f"{place} ({paren})"
    )
    return Section(
        "activites",
        "Principales activités à l'import et à l'export",
        (
            prose.activities_intro(f.kind, f.level),
            Block(
                "figure",
                caption,
                figure=fig,
            ),
            *_unpublished_notes(unpublished),
        ),
    )


def _sankey(flows: queries.SankeyFlows, height: int, screen: bool = False) -> go.Figure:
    """The printed diagram (labels in columns beside it), or the screen's (labels beside the
    nodes, wrapped narrow enough for a phone)."""
    if screen:
        return charts.sankey(flows, label_width=SCREEN_LABEL_WIDTH)
    products, countries = page.PRODUCT_LABELS_PX, page.COUNTRY_LABELS_PX
    margins = (products, countries) if flows.flow == "export" else (countries, products)
    return charts.sankey(
        flows, height=height, font_size=page.SANKEY_FONT_PX, labels="outside", margins=margins
    )


def _flows(
    db: Database,
    f: Filters,
    k: queries.Kpis,
    flow: str,
    place: str,
    unpublished: dict[str, str],
    memo: dict,
    screen: bool,
    comparisons: bool = True,
) -> Section:
    ff = f.with_(flow=flow)
    flows = queries.sankey_flows(db, ff)
    paren = f"en valeur, {texts.period_in_parens(f.period)}"
    level = texts.LEVEL_WORDS[f.level]
    caption = (
        f"Flux à l'export par produit ({level}) et par pays, {place} ({paren})"
        if flow == "export"
        else f"Flux à l'import par pays et par produit ({level}), {place} ({paren})"
    )
    blocks = [
        prose.flows_intro(flow, f.kind),
        Block(
            "figure",
            caption,
            figure=_sankey(flows, page.SANKEY_HEIGHT_PX, screen=screen),
        ),
        Block("total", items=texts.total_lines(k, flow, unpublished.get(flow))),
        *_unpublished_notes(unpublished, (flow,)),
        prose.flows_legend(flow, f.kind),
    ]

    # The same diagram for the région and for France, on the next page as in the seeds.
    others: list[tuple[str, str]] = []
    if f.kind == "departement" and k.region_code:
        others.append((f"R{k.region_code}", k.region_name or ""))
    if f.kind != "france":
        others.append(("FR", "France entière"))
    if others:
        blocks += [Block("pagebreak"), prose.comparison(flow, f.kind, len(others) == 2)]
    if others and comparisons:
        short = "Flux à l'export" if flow == "export" else "Flux à l'import"
        captions = [f"{short} ({level}), {label} ({paren})" for _, label in others]
        height = page.SANKEY_HEIGHT_PX
        if len(others) == 2:
            # Two diagrams share the page: a caption on two lines takes from their height.
            lines = max(page.caption_lines(c) for c in captions)
            height = page.COMPARISON_HEIGHT_PX - (lines - 1) * page.CAPTION_LINE_PX
        for (code, _), caption in zip(others, captions, strict=True):
            key = ("sankey", code, f.period, flow, f.level, height, screen)
            if key not in memo:
                other = queries.sankey_flows(db, ff.with_(territory=code))
                memo[key] = (_sankey(other, height, screen=screen), other.total)
            figure, total = memo[key]
            blocks.append(
                Block(
                    "figure",
                    caption,
                    figure=figure,
                    items=(texts.bare_total(flow, total),),
                )
            )
    return Section(
        "exportations" if flow == "export" else "importations",
        "Exportations" if flow == "export" else "Importations",
        tuple(blocks),
    )
