"""Header-based layouts: which column holds which field, and in which unit.

Headers are compared after ``codes.normalise`` (lower case, no accents, anything but letters and
digits turned into one space: « Code_Département » → « code departement »). A header matches a
field when it equals one of the field's aliases (most specific first) or, for values, mass and
the wide export/import columns, when it starts with one of ``PREFIXES``.
"""

from __future__ import annotations

import re

from core.load.codes import normalise

ALIASES: dict[str, tuple[str, ...]] = {
    "year": ("annee", "an", "year", "millesime", "annee de reference", "exercice"),
    "quarter": ("trimestre", "trim", "quarter", "code trimestre", "numero de trimestre"),
    "month": ("mois", "month", "code mois", "numero de mois"),
    "period": ("periode", "period", "annee mois", "annee trimestre", "mois trimestre", "date"),
    "flow": (
        "flux", "code flux", "flow", "sens", "sens du flux", "type de flux", "type flux",
        "flux commercial", "import export", "export import",
    ),
    "dept": (
        "code departement", "code dep", "code dept", "code du departement", "departement code",
        "num departement", "numero departement", "numero de departement", "dep", "dept",
        "departement", "code departement de dedouanement",
    ),
    "a129": ("code a129", "a129", "code produit a129", "produit a129", "na a129", "code na a129",
             "nomenclature a129"),
    "product": (
        "code cpf4", "cpf4", "cpf 4", "code cpf 4", "produit cpf4", "code cpf", "cpf",
        "code produit", "produit",
    ),
    "country": (
        "code pays", "code pays partenaire", "code partenaire", "country code", "pays code",
        "pays partenaire", "partenaire", "pays", "country",
    ),
    "value": (
        "valeur", "value", "montant", "valeur en euros", "valeur euros",
        "valeur en milliers d euros", "valeur milliers d euros", "valeur k",
    ),
    "mass": ("masse", "masse en kg", "masse kg", "poids", "poids en kg", "poids kg", "mass",
             "weight", "kg", "masse nette", "poids net"),
    "export": ("exportations", "export", "exports", "valeur des exportations", "exportations fab"),
    "import": ("importations", "import", "imports", "valeur des importations", "importations caf"),
}  # fmt: skip
PREFIXES: dict[str, tuple[str, ...]] = {
    "value": ("valeur", "montant", "value"),
    "mass": ("masse", "poids"),
    "export": ("export", "valeur des export", "valeur export"),
    "import": ("import", "valeur des import", "valeur import"),
}
REQUIRED = ("dept", "country")  # plus a product, flow+value or export+import, a period

# Territoires d'industrie lists: the ANCT's (territory id and name, member SIREN) and the older
# list by commune (commune code and territory name).
ANCT_ALIASES: dict[str, tuple[str, ...]] = {
    "id_ti": ("id ti", "identifiant ti", "id territoire", "code ti"),
    "lib_ti": ("lib ti", "libelle ti", "nom ti", "nom territoire", "nom du territoire",
               "territoire d industrie", "nom territoire d industrie", "territoire"),
    "siren": ("siren epci", "siren", "siren membre", "siren du membre"),
    "lib_epci": ("lib epci", "libelle epci", "nom epci", "membre"),
}  # fmt: skip
COMMUNE_ALIASES: dict[str, tuple[str, ...]] = {
    "commune": (
        "code commune", "code insee", "code commune insee", "insee com", "insee commune",
        "codgeo", "depcom", "com", "insee", "code com", "commune code",
    ),
    "name": ANCT_ALIASES["lib_ti"] + ("libelle territoire", "libelle", "ti", "nom"),
}  # fmt: skip


def match_columns(
    header: list[str],
    aliases: dict[str, tuple[str, ...]] = ALIASES,
    prefixes: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, int]:
    """Field → column index. Exact aliases win over prefixes; earlier aliases over later ones."""
    prefixes = PREFIXES if prefixes is None else prefixes
    norm = [normalise(h) for h in header]
    found: dict[str, tuple[int, int]] = {}  # field → (rank, column)
    taken: set[int] = set()
    for name, names in aliases.items():
        for col, text in enumerate(norm):
            if text in names and col not in taken:
                rank = names.index(text)
                if name not in found or rank < found[name][0]:
                    found[name] = (rank, col)
        if name in found:
            taken.add(found[name][1])
    for name, starts in prefixes.items():
        if name in found:
            continue
        for col, text in enumerate(norm):
            if col not in taken and text.startswith(starts):
                found[name] = (len(aliases.get(name, ())), col)
                taken.add(col)
                break
    return {name: col for name, (_, col) in found.items()}


def trade_score(header: list[str]) -> int:
    """How much a row looks like a trade header (fields recognised; 0 below three)."""
    if not any(h.strip() for h in header):
        return 0
    n = len(match_columns(header))
    return n if n >= 3 else 0


def score_with(aliases: dict[str, tuple[str, ...]]):
    def score(header: list[str]) -> int:
        if not any(h.strip() for h in header):
            return 0
        return len(match_columns(header, aliases, {}))

    return score


def value_unit(header: str) -> tuple[int, str] | None:
    """(factor to euros, what the header says) when a value header states its unit."""
    raw = str(header).lower().replace("\u202f", " ").replace("\xa0", " ")
    norm = normalise(header)
    if "millier" in norm or re.search(r"\bk ?(€|eur)", raw) or re.search(r"\bkeur", norm):
        return 1000, "milliers d'euros"
    if "million" in norm or re.search(r"\bm ?(€|eur)", raw) or re.search(r"\bmeur", norm):
        return 1_000_000, "millions d'euros"
    if "€" in raw or re.search(r"\beur(o|os)?\b", norm):
        return 1, "euros"
    return None


def mass_unit(header: str) -> tuple[int, str]:
    """(factor to kilograms, unit name): tonnes when the header says so, else kilograms."""
    norm = normalise(header)
    if re.search(r"\b(tonnes?|t)\b", norm):
        return 1000, "tonnes"
    return 1, "kilogrammes"
