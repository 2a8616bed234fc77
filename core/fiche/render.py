"""The fiche as one standalone HTML file, written with Jinja2 templates (``templates/``).

Every text of the model is autoescaped. Three things are inserted as markup on purpose, each
checked here: plotly.js (inlined once, refused if it could close its element), the figures'
JSON and the chart config (``<``, ``>`` and ``&`` escaped as JSON unicode escapes, so they can
neither close nor alter their ``<script>`` element). Nothing refers to another host, so the
file opens offline with interactive charts; its only links are the seeds' resources.

Figures print with a regular no-break space between thousands (U+00A0): the narrow one
(U+202F, French typography on screen) has no glyph in Arial/Liberation Sans and fell back to
a near-zero one, so « 28 822,9 » printed « 28822,9 » in bold.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Literal

import jinja2
import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline
from markupsafe import Markup

from core import charts
from core.db import Database
from core.fiche import page, prose
from core.fiche.build import DEFAULT_LEVEL, build_fiche
from core.fiche.model import Fiche
from core.periods import Period
from core.plotly_locale import locale_config
from core.texts import UNPUBLISHED

Medium = Literal["screen", "print"]
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, **locale_config()}
_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}  # fmt: skip
NARROW_NBSP, NBSP = "\u202f", "\u00a0"

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


def printable(text: str) -> str:
    """Thousands separators and the space before % as regular no-break spaces."""
    return text.replace(NARROW_NBSP, NBSP)


def _finalize(value: object) -> object:
    # Markup (plotly.js, figure JSON) is inserted as is; every text of the model is printable.
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=True),
    finalize=_finalize,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def script_json(value: object) -> Markup:
    """JSON that is safe inside ``<script>``: no ``<``, ``>`` or ``&`` left to close or
    alter the element."""
    raw = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return Markup(re.sub("[<>&\u2028\u2029]", lambda m: _JS_ESCAPES[m.group()], raw))


def figure_json(fig: go.Figure) -> Markup:
    raw = pio.to_json(fig, validate=False)
    return script_json(printable(raw.replace("\\u202f", NBSP)))


def figure_height(fig: go.Figure) -> int:
    return int(fig.layout.height or 450)


@functools.cache
def plotly_js() -> Markup:
    """The packaged plotly.js, inlined once per file."""
    library = plotly.offline.get_plotlyjs()
    if "</script" in library.lower():  # would end the inline element early
        raise RuntimeError("plotly.js cannot be inlined")
    return Markup(library)


def _context(fiche: Fiche | None, medium: Medium) -> dict:
    return {
        "fiche": fiche,
        "medium": medium,
        "demo_note": prose.DEMO_NOTE,
        "unpublished_mark": UNPUBLISHED,
        "figure_json": figure_json,
        "figure_height": figure_height,
        "margin": page.PAGE_MARGIN_MM,
        "width": page.PRINT_WIDTH_PX,
        "export_color": charts.EXPORT_COLOR,
        "export_light": charts.EXPORT_LIGHT,
        "import_color": charts.IMPORT_COLOR,
    }


def render_body(fiche: Fiche, medium: Medium = "screen") -> str:
    """The document's <main>: texts escaped, figures as inert JSON elements."""
    return ENV.get_template("body.html").render(_context(fiche, medium))


def document_title(fiche: Fiche) -> str:
    return fiche.title


def render_html(fiche: Fiche | None, title: str | None = None) -> str:
    """The standalone HTML document (UTF-8 text), with plotly.js inlined once; without a
    fiche, the empty page the PDF printer fills."""
    return ENV.get_template("fiche.html").render(
        _context(fiche, "screen")
        | {
            "title": title or (fiche.title if fiche else "Fiche"),
            "plotly_js": plotly_js(),
            "render_js": Markup(RENDER_JS),
            "config_json": script_json(PLOTLY_CONFIG),
        }
    )


def render_footer(fiche: Fiche) -> str:
    """The PDF's running footer (Chromium's footer template): territory, period, page."""
    return ENV.get_template("footer.html").render(fiche=fiche)


def fiche_html(db: Database, territory: str, period: Period, level: str = DEFAULT_LEVEL) -> str:
    return render_html(build_fiche(db, territory, period, level=level))
