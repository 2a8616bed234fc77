"""French sentences built from query results, shared by the pages and the fact sheet.

They follow the seeds' wording ("Total des exportations : … millions d'euros, soit … % de la
valeur exportée par la région …") with French number formats.
"""

from __future__ import annotations

from core.formatting import format_millions_words, format_percent
from core.queries import Kpis

FLOW_NOUNS = {"export": "exportations", "import": "importations"}
FLOW_PARTICIPLES = {"export": "exportée", "import": "importée"}


def total_sentence(kpis: Kpis, flow: str) -> str:
    """`Total des exportations : 12 148,6 millions d'euros, soit 8,6 % de la valeur exportée
    par la région Île-de-France, soit 2,09 % de la valeur exportée au niveau national`."""
    value = kpis.exports if flow == "export" else kpis.imports
    text = f"Total des {FLOW_NOUNS[flow]} : {format_millions_words(value)}"
    participle = FLOW_PARTICIPLES[flow]
    if kpis.kind == "departement":
        share = kpis.share_region_exports if flow == "export" else kpis.share_region_imports
        text += (
            f", soit {format_percent(share, 1)} de la valeur {participle} "
            f"par la région {kpis.region_name}"
        )
    if kpis.kind != "france":
        share = kpis.share_france_exports if flow == "export" else kpis.share_france_imports
        text += f", soit {format_percent(share, 2)} de la valeur {participle} au niveau national"
    return text


def territoires_footnote(hidden: int) -> str | None:
    """The seeds' footnote, when adjacent territories were left out."""
    if hidden <= 0:
        return None
    return (
        "* Les Territoires d'industrie adjacents comptant moins de 5 communes dans le "
        "département ont été retirés."
    )
