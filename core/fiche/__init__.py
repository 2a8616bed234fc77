"""The « Fiche territoriale »: the ANCT fact sheet for a département, a région or France.

One job per module, none of which imports streamlit:

- ``model``: the document (sections of blocks: texts, links, key figures, figures);
- ``prose``: its French texts, adapted to the territory and the period;
- ``build``: ``build_fiche(db, territory, period, level=…)``, the document from the database;
- ``page``: the print geometry (A4, chart width, smallest printed text);
- ``render``: the standalone HTML file (Jinja2 templates in ``templates/``, autoescaped);
- ``pdf``: the A4 PDF printed by headless Chromium;
- ``cli``: ``python -m core.fiche --territoire 93 --annee 2024 --format pdf --out DIR``.

The page (``pages/fiche.py``) and both files read the same model, so they always say the same
thing. The names below are the package's public interface (``core.cache`` wraps the first
three).
"""

from core.fiche.build import DEFAULT_LEVEL, build_fiche
from core.fiche.cli import main, write_fiches
from core.fiche.model import Block, Fiche, KeyFigure, Section, Span
from core.fiche.pdf import (
    CHROMIUM_ARGS,
    PdfPrinter,
    PdfUnavailable,
    chromium_executable,
    fiche_pdf,
    pdf_unavailable_reason,
    render_pdf,
)
from core.fiche.render import fiche_html, render_body, render_html

__all__ = [
    "CHROMIUM_ARGS",
    "DEFAULT_LEVEL",
    "Block",
    "Fiche",
    "KeyFigure",
    "PdfPrinter",
    "PdfUnavailable",
    "Section",
    "Span",
    "build_fiche",
    "chromium_executable",
    "fiche_html",
    "fiche_pdf",
    "main",
    "pdf_unavailable_reason",
    "render_body",
    "render_html",
    "render_pdf",
    "write_fiches",
]
