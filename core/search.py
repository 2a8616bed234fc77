"""Finding a territory the way people type it: « ardeche », « seine saint », « 2A », « Bobigny »,
« Roissy ». No streamlit here.

A query and every searchable text are folded the same way (accents, case, hyphens, spaces and
apostrophes ignored: « Seine-Saint-Denis » → ``seinesaintdenis``), then a territory matches when
the folded query is found in its code, its name, its chef-lieu or the name of one of its
Territoires d'industrie (listed by the fact sheets' rule). Results are ordered by how they
matched: the code, then a name starting with the query, a name containing it, the chef-lieu, a
Territoire d'industrie.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import territoires as ti
from core.filters import normalise_territory

if TYPE_CHECKING:
    from core.db import Catalog

MAX_RESULTS = 8
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """``Seine-Saint-Denis`` → ``seinesaintdenis``; ``Val-d'Oise`` → ``valdoise``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub("", ascii_text.lower())


@dataclass(frozen=True)
class Match:
    code: str  # territory code: FR, R11, 93
    why: str  # French: « nom », « chef-lieu : Bobigny », « Territoire d'industrie : … »
    rank: int  # lower is better


def search(catalog: Catalog, query: str, limit: int = MAX_RESULTS) -> list[Match]:
    """Territories matching ``query``, best first (at most ``limit``)."""
    folded = fold(query)
    if not folded:
        return []
    found: dict[str, Match] = {}

    def add(code: str, why: str, rank: int) -> None:
        if code not in found or rank < found[code].rank:
            found[code] = Match(code, why, rank)

    exact = normalise_territory(query, catalog)
    if exact is not None:
        add(exact, "code", 0)
    for code in catalog.territory_codes():
        name = fold(catalog.territory_name(code))
        if fold(code) == folded:
            add(code, "code", 0)
        elif name.startswith(folded):
            add(code, "nom", 1)
        elif folded in name:
            add(code, "nom", 2)
    details = catalog.dept_details
    for code, chef_lieu in zip(details["code"], details["chef_lieu"], strict=True):
        if folded in fold(str(chef_lieu)):
            add(str(code), f"chef-lieu : {chef_lieu}", 3)
    rows = catalog.territoires
    for dept in rows["dept"].drop_duplicates():
        listed, _ = ti.principal(rows[rows["dept"] == dept])
        for name in listed["name"]:
            if folded in fold(str(name)):
                add(str(dept), f"Territoire d'industrie : {name}", 4)
    ordered = sorted(found.values(), key=lambda m: (m.rank, _order(catalog, m.code)))
    return ordered[:limit]


def _order(catalog: Catalog, code: str) -> int:
    codes = catalog.territory_codes()
    return codes.index(code) if code in codes else len(codes)
