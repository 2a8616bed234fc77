"""plotly.js's French locale, given with every chart's config (no streamlit here).

Streamlit bundles plotly.js without its locales and does not expose ``Plotly.register``; a
chart's ``config`` may carry the locale itself (``locales``), which plotly.js registers for that
chart. ``plotly_fr.json`` is ``fr.js`` of the npm package ``plotly.js-locales`` 3.7.0 (MIT,
© Plotly, Inc.), converted to JSON: toolbar tooltips (« Télécharger le graphique en fichier
PNG », « Zoom », « Réinitialiser les axes »…), month and day names, decimal comma.
"""

from __future__ import annotations

import json
from pathlib import Path

FR_LOCALE: dict = json.loads((Path(__file__).with_name("plotly_fr.json")).read_text("utf-8"))


def locale_config() -> dict:
    """The part of a Plotly ``config`` that makes the chart French."""
    return {"locale": "fr", "locales": {"fr": FR_LOCALE}}
