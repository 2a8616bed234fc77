"""Fiche territoriale: the seeds' fact sheet for the selected territory, period and product level,
on screen and as two downloads (a standalone HTML file and an A4 PDF).

The document itself is ``core.fiche.build_fiche``; this page only draws it with native
Streamlit elements (texts escaped as Markdown, the seeds' resources as links, charts through
the shared chart config). The shared ``territoire``, ``annee`` and ``niveau`` filters apply (the
level sets the treemap's and the Sankey diagrams' products); the others do not: the fiche is a
fixed document, like the seeds.

On screen, each flows section's comparison (the same diagram for the région and for France,
on the next printed page in the files) sits in a closed expander whose content runs only once
opened: four of the page's eight charts, far below the fold, are neither built nor drawn
until then (the page's fiche is built without them; an open expander reads the whole one).
The other four, also below the fold (the key figures fill the first screen), are drawn once
the reader scrolls near each (``show_chart(below_fold=True)``), their places kept meanwhile:
a page switch draws the text and the key figures only.
"""

from __future__ import annotations

import streamlit as st

from core import cache
from core import fiche as fiche_doc
from core.fiche.model import Block, Rich, Section
from core.labels import md
from pages import shared
from pages.tables import heading, show_chart

HTML_MIME = "text/html"
PDF_MIME = "application/pdf"


def rich_md(spans: Rich) -> str:
    """Runs of text as Markdown: texts escaped, links (the seeds' constant addresses) kept."""
    return "".join(f"[{md(s.text)}]({s.url})" if s.url else md(s.text) for s in spans)


def show_key_figures(block: Block) -> None:
    figures = list(block.figures)
    for start in range(0, len(figures), 4):
        columns = st.columns(4)
        for column, kf in zip(columns, figures[start : start + 4], strict=False):
            with column:
                st.metric(md(kf.label), kf.value, border=True)
                detail = md(kf.detail)
                if kf.unpublished:
                    detail = f"**:orange[non publié]** · {detail}"
                st.caption(detail)


def show_block(
    block: Block, key: str, view: str, territory_name: str, below_fold: bool = False
) -> None:
    if block.kind == "paragraph":
        label = f"**{md(block.label)}** " if block.label else ""
        st.markdown(label + (rich_md(block.spans) if block.spans else md(block.text_for("screen"))))
    elif block.kind == "subheading":
        st.subheader(md(heading(block.text)))
    elif block.kind == "bullets":
        items = [rich_md(i) for i in block.rich_items] or [md(i) for i in block.items]
        st.markdown("\n".join(f"- {item}" for item in items))
    elif block.kind == "note":
        st.caption(md(block.text))
    elif block.kind == "total":
        first, *rest = block.items
        st.markdown("  \n".join([f"**{md(first)}**", *(md(line) for line in rest)]))
    elif block.kind == "pagebreak":
        st.divider()
    elif block.kind == "keyfigures":
        show_key_figures(block)
    elif block.kind == "figure" and block.figure is not None:
        st.markdown(f"**{md(block.text)}**")
        # The document is cached as it is: its figures are frozen once per build and key.
        show_chart(
            lambda: block.figure, view, filters, territory_name, key=key, below_fold=below_fold
        )
        for line in block.items:
            st.markdown(f"**{md(line)}**")


def split_comparison(section: Section) -> tuple[list[Block], list[Block]]:
    """A flows section's own blocks, and those after its page break: the same diagrams for
    the région and France (none for France's fiche)."""
    blocks = list(section.blocks)
    cut = next((i for i, b in enumerate(blocks) if b.kind == "pagebreak"), None)
    if section.id not in ("exportations", "importations") or cut is None:
        return blocks, []
    return blocks[:cut], blocks[cut + 1 :]


filters = shared.current_filters()

with shared.guard():
    territory, period, level = filters.territory, filters.period, filters.level
    # The page's own figures fit any screen (screen=True); the files keep the printed ones.
    # The comparisons' diagrams are built only when an expander opens (the whole fiche).
    fiche = cache.fiche(territory, period, level=level, screen=True, comparisons=False)
    st.caption(md(fiche.kicker))
    st.title(md(heading(fiche.heading)))
    st.markdown(f"**{md(fiche.period_line)}**")
    if fiche.period_note:
        st.info(md(fiche.period_note), icon=":material/event_busy:")
    st.caption(
        f"Fiche territoriale · {md(fiche.name)}, données {md(period.label)}, produits au niveau "
        f"{level} · seuls les filtres Territoire, Période et Niveau de produits s'appliquent à "
        "la fiche."
    )

    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "Télécharger la fiche (HTML)",
            data=lambda: cache.fiche_html(territory, period, level=level),
            file_name=f"{fiche.file_stem}.html",
            mime=HTML_MIME,
            key="fiche_html",
            icon=":material/download:",
            on_click="ignore",
            help="Fichier autonome : s'ouvre hors ligne dans un navigateur, graphiques interactifs.",
        )
        if reason := fiche_doc.pdf_unavailable_reason():
            st.info(reason, icon=":material/picture_as_pdf:")
        else:
            st.download_button(
                "Télécharger la fiche (PDF)",
                data=lambda: cache.fiche_pdf(territory, period, level=level),
                file_name=f"{fiche.file_stem}.pdf",
                mime=PDF_MIME,
                key="fiche_pdf",
                icon=":material/picture_as_pdf:",
                on_click="ignore",
                help="A4, une section par page ; la préparation prend quelques secondes.",
            )

    catalog = cache.catalog()
    for section in fiche.sections:
        if section.level == 2:
            st.header(md(heading(section.title)), divider="violet")
        else:
            st.subheader(md(heading(section.title)))
        blocks, compared = split_comparison(section)
        for i, block in enumerate(blocks):
            # Every chart of the document is below the fold (the key figures come first).
            show_block(
                block, f"fiche_{section.id}_{i}", f"fiche-{section.id}", fiche.name, below_fold=True
            )
        if compared:
            region = catalog.region_of(territory)
            label = (
                f"Comparer avec la région ({md(catalog.territory_name(f'R{region}'))}) et la "
                "France entière"
                if region
                else "Comparer avec la France entière"
            )
            # Lazy: the two diagrams (below the fold, 4 of the page's 8 charts) are drawn only
            # once the reader opens them.
            box = st.expander(
                label, key=f"x_fiche_{section.id}", on_change="rerun", icon=":material/compare:"
            )
            if box.open:
                whole = cache.fiche(territory, period, level=level, screen=True)
                _, compared = split_comparison(
                    next(part for part in whole.sections if part.id == section.id)
                )
                with box:
                    for i, block in enumerate(compared, start=len(blocks) + 1):
                        show_block(
                            block, f"fiche_{section.id}_{i}", f"fiche-{section.id}", fiche.name
                        )
