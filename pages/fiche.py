"""Fiche territoriale: the seeds' fact sheet for the selected territory and year, on screen
and as two downloads (a standalone HTML file and an A4 PDF).

The document itself is ``core.fiche.build_fiche``; this page only draws it with native
Streamlit elements (texts escaped as Markdown, charts with ``st.plotly_chart``). Only the shared
``territoire`` and ``annee`` filters apply: the fiche is a fixed document, like the seeds.
"""

from __future__ import annotations

import re

import streamlit as st

from core import cache
from core import fiche as fiche_doc
from pages import shared

HTML_MIME = "text/html"
PDF_MIME = "application/pdf"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")


def md(text: str) -> str:
    """Text shown literally by st.markdown (a name with `*` or `$` stays plain text)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def show_block(block: fiche_doc.Block, key: str) -> None:
    if block.kind == "paragraph":
        label = f"**{md(block.label)}** " if block.label else ""
        st.markdown(label + md(block.text))
    elif block.kind == "subheading":
        st.subheader(block.text)
    elif block.kind == "bullets":
        st.markdown("\n".join(f"- {md(item)}" for item in block.items))
    elif block.kind == "note":
        st.caption(md(block.text))
    elif block.kind == "total":
        first, *rest = block.items
        st.markdown("  \n".join([f"**{md(first)}**", *(md(line) for line in rest)]))
    elif block.kind == "pagebreak":
        st.divider()
    elif block.kind == "figure" and block.figure is not None:
        st.markdown(f"**{md(block.text)}**")
        st.plotly_chart(block.figure, key=key, config={"displaylogo": False})


filters = shared.current_filters()

with shared.guard():
    territory, period = filters.territory, filters.period
    fiche = cache.fiche(territory, period)
    st.caption(fiche.kicker)
    st.title(fiche.heading)
    st.caption(
        f"Fiche territoriale · {fiche.name}, données {period.label} · seuls les filtres "
        "Territoire et Période s'appliquent à la fiche."
    )

    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button(
        "Télécharger la fiche (HTML)",
        data=lambda: cache.fiche_html(territory, period),
        file_name=f"{fiche.file_stem}.html",
        mime=HTML_MIME,
        key="fiche_html",
        icon=":material/download:",
        on_click="ignore",
        help="Fichier autonome : s'ouvre hors ligne dans un navigateur, graphiques interactifs.",
    )
    if reason := fiche_doc.pdf_unavailable_reason():
        c2.info(reason, icon=":material/picture_as_pdf:")
    else:
        c2.download_button(
            "Télécharger la fiche (PDF)",
            data=lambda: cache.fiche_pdf(territory, period),
            file_name=f"{fiche.file_stem}.pdf",
            mime=PDF_MIME,
            key="fiche_pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            help="A4, une section par page ; la préparation prend quelques secondes.",
        )

    for section in fiche.sections:
        if section.level == 2:
            st.header(section.title, divider="violet")
        else:
            st.subheader(section.title)
        for i, block in enumerate(section.blocks):
            show_block(block, key=f"fiche_{section.id}_{i}")
