"""French sentences built from query results, shared by the pages and the fact sheet.

They follow the seeds' wording ("Total des exportations : … millions d'euros, soit … % de la
valeur exportée par la région …") with French number formats. This module is also the one
source of the methodological caveats (``METHODOLOGY``), of the Territoires d'industrie heading
and footnote, of the mark of figures that the source does not publish, and of the French
typography of titles built from names (``title``).
"""

from __future__ import annotations

import re

from core.formatting import NBSP, format_millions_words, format_percent
from core.periods import Period
from core.queries import Kpis

FLOW_NOUNS = {"export": "exportations", "import": "importations"}
FLOW_PARTICIPLES = {"export": "exportée", "import": "importée"}

# The product levels as titles name them: « Flux à l'export par produit (niveau A129)… ».
LEVEL_WORDS = {
    "A17": "niveau A17",
    "A38": "niveau A38",
    "A129": "niveau A129",
    "CPF4": "niveau CPF4",
}

UNPUBLISHED = "non publié"

# The seeds' « Précisions méthodologiques », then what the customs' own notes add (the 2022
# break in intra-EU series, what the figures exclude). Plain text: Markdown renderers escape it.
METHODOLOGY = (
    "Les données sont établies selon le lieu de dédouanement, qui ne reflète pas toujours le "
    "lieu de production : un bien fabriqué dans un département A peut être exporté depuis un "
    "département B. Les chiffres dépendent ainsi des chaînes logistiques mises en place par "
    "les entreprises.",
    "De même, la présence de grandes infrastructures de transport peut introduire des biais : "
    "les zones industrialo-portuaires concentrent par exemple les importations "
    "d'hydrocarbures, ce qui ne signifie pas qu'elles soient utilisées dans les départements "
    "correspondants.",
    "L'échelle infra-départementale, notamment celle des Territoires d'industrie, n'est pas "
    "accessible à ce jour : pour un territoire à cheval sur plusieurs départements, il est "
    "recommandé de consulter les fiches de chacun d'eux.",
    "Depuis janvier 2022, les échanges avec les pays de l'Union européenne sont mesurés par "
    "une enquête (EMEBI) qui a remplacé la déclaration d'échanges de biens : les séries "
    "publiées brutes connaissent une rupture en 2022, surtout pour les partenaires européens.",
)
METHODOLOGY_SCOPE = (
    "Exportations FAB, importations CAF, en euros courants ; hors matériel militaire et or "
    "monétaire ; les opérateurs échangeant moins de 460 000 € par an avec l'Union européenne "
    "ne déclarent pas leurs flux."
)

_SPACE_BEFORE_PUNCT = re.compile(r"[ \u202f]([:;?!])")


def title(text: str) -> str:
    """A title as French typography wants it: a no-break space before « : », « ; », « ? »
    and « ! », so that a title never wraps with the sign at the start of a line."""
    return _SPACE_BEFORE_PUNCT.sub(NBSP + r"\1", text)


def period_in_parens(period: Period) -> str:
    """The period as the seeds' captions put it between brackets: « 2024 », « 2025, T1–T2 »,
    « 12 derniers mois, T3 2024 – T2 2025 » (never brackets inside brackets)."""
    if period.is_whole_year:
        return period.label
    if period.rolling:
        return period.label.replace(" (", ", ").rstrip(")")
    return f"{period.year}, {period.quarter_span}"


def unpublished_suffix(note: str | None) -> str:
    """« (non publié) » after a figure whose source does not publish it, else nothing."""
    return f" ({UNPUBLISHED})" if note else ""


def total_sentence(kpis: Kpis, flow: str, unpublished: str | None = None) -> str:
    """`Total des exportations : 12 148,6 millions d'euros, soit 8,6 % de la valeur exportée
    par la région Île-de-France, soit 2,09 % de la valeur exportée au niveau national`.

    ``unpublished`` (``Catalog.unpublished``) marks a total that the source does not publish:
    « … millions d'euros (non publié), soit … »."""
    return ", ".join(total_lines(kpis, flow, unpublished))


def total_lines(kpis: Kpis, flow: str, unpublished: str | None = None) -> tuple[str, ...]:
    """The total sentence as the seeds print it: the total, then one line per share."""
    value = kpis.exports if flow == "export" else kpis.imports
    first = (
        f"Total des {FLOW_NOUNS[flow]} : {format_millions_words(value)}"
        f"{unpublished_suffix(unpublished)}"
    )
    lines = [first]
    participle = FLOW_PARTICIPLES[flow]
    if kpis.kind == "departement":
        share = kpis.share_region_exports if flow == "export" else kpis.share_region_imports
        lines.append(
            f"soit {format_percent(share, 1)} de la valeur {participle} "
            f"par la région {kpis.region_name}"
        )
    if kpis.kind != "france":
        share = kpis.share_france_exports if flow == "export" else kpis.share_france_imports
        lines.append(
            f"soit {format_percent(share, 2)} de la valeur {participle} au niveau national"
        )
    return tuple(lines)


def bare_total(flow: str, value: int) -> str:
    """« Total des exportations : 68 021,0 millions d'euros » (a région or France beside)."""
    return f"Total des {FLOW_NOUNS[flow]} : {format_millions_words(value)}"


_WHERE = {"departement": "du département", "region": "de la région"}
_IN = {"departement": "dans le département", "region": "dans la région"}


def territoires_heading(hidden: int, kind: str = "departement") -> str:
    """The seeds' heading: « Territoires d'industrie du département », starred and
    « Principaux … » when adjacent territories were left out."""
    if hidden > 0:
        return f"Principaux Territoires d'industrie {_WHERE[kind]}*"
    return f"Territoires d'industrie {_WHERE[kind]}"


def territoires_footnote(hidden: int, kind: str = "departement") -> str | None:
    """The seeds' footnote, when adjacent territories were left out."""
    if hidden <= 0:
        return None
    return (
        "* Les Territoires d'industrie adjacents comptant moins de 5 communes "
        f"{_IN[kind]} ont été retirés."
    )
