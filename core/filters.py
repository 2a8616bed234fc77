"""The shared filters: the URL is the state.

A query string becomes a frozen ``Filters`` (``from_query_params``), which every query function
takes, which goes back into a URL (``to_query_params``) and which describes itself in French
(``describe``). Unknown or invalid values fall back to defaults with a French notice saying what
was ignored; parsing never raises. Notices are plain text (the pages show them literally) and
quote at most ``QUOTE_MAX`` characters of what the URL held.

URL parameters (documented in the README):

- ``territoire``: ``FR`` (France), ``R11`` (a région by its COG code) or a département code
  (``93``, ``20`` Corse, ``971``, ``99`` Monaco; ``1`` is read as ``01``, the customs' ``9A``
  as ``971``, ``2A``/``2B`` as ``20`` with a notice);
- ``annee``: a loaded year (its loaded quarters: « 2025 (T1–T2) » when partial) or ``12m``,
  the last four quarters (default: the latest whole year);
- ``flux``: ``export`` or ``import`` (default ``export``);
- ``niveau``: product level ``A17``, ``A38``, ``A129`` or ``CPF4`` (default ``A38``);
- ``top``: number of partners/products shown, 3 to 30 (default 10);
- ``pays``: comma-separated partner codes (``DE,US``), optional;
- ``produits``: comma-separated A129 or CPF4 product codes (``C21Z,3030``), optional.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from core.periods import Period

if TYPE_CHECKING:
    from core.db import Catalog

Flow = Literal["export", "import"]
Level = Literal["A17", "A38", "A129", "CPF4"]

FLOWS: tuple[Flow, ...] = ("export", "import")
LEVELS: tuple[Level, ...] = ("A17", "A38", "A129", "CPF4")
FLOW_LABELS = {"export": "exportations", "import": "importations"}
LEVEL_LABELS = {
    "A17": "A17 (grands secteurs)",
    "A38": "A38 (branches)",
    "A129": "A129 (produits)",
    "CPF4": "CPF4 (produits détaillés)",
}
QUOTE_MAX = 40  # characters of a URL value quoted back in a notice
TOP_MIN, TOP_MAX, TOP_DEFAULT = 3, 30, 10
TOP_CHOICES = (5, 10, 15, 20, 30)
DEFAULT_TERRITORY = "FR"
DEFAULT_LEVEL: Level = "A38"
DEFAULT_FLOW: Flow = "export"

# Columns a UI may group by, per level: the allowlist between user choices and SQL identifiers.
LEVEL_COLUMNS: dict[str, tuple[str, str]] = {
    "A17": ("a17", "a17_label"),
    "A38": ("a38", "a38_label"),
    "A129": ("a129", "a129_label"),
    "CPF4": ("code", "label"),
}
# ASCII digits only: str.isdigit() accepts « ² », « ① »… that int() refuses.
_SMALL_INT = re.compile(r"[0-9]{1,3}")

PARAM_NAMES = ("territoire", "annee", "flux", "niveau", "top", "pays", "produits")


def quote(raw: str) -> str:
    """A URL value as a notice may quote it: control characters removed, cut to QUOTE_MAX."""
    text = "".join(ch if ch.isprintable() else " " for ch in raw).strip()
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


@dataclass(frozen=True)
class Filters:
    territory: str
    period: Period
    flow: Flow = DEFAULT_FLOW
    level: Level = DEFAULT_LEVEL
    top: int = TOP_DEFAULT
    partners: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    # --- territory -----------------------------------------------------------------------
    @property
    def kind(self) -> Literal["france", "region", "departement"]:
        if self.territory == "FR":
            return "france"
        return "region" if self.territory.startswith("R") else "departement"

    @property
    def region_code(self) -> str | None:
        return self.territory[1:] if self.kind == "region" else None

    def with_(self, **changes: object) -> Filters:
        return replace(self, **changes)

    # --- URL -----------------------------------------------------------------------------
    @property
    def year(self) -> int:
        """The calendar year of the period (of its last quarter for « 12 derniers mois »)."""
        return self.period.year

    @classmethod
    def defaults(cls, catalog: Catalog) -> Filters:
        return cls(territory=DEFAULT_TERRITORY, period=catalog.default_period)

    @classmethod
    def from_query_params(
        cls, params: Mapping[str, str | list[str]], catalog: Catalog
    ) -> tuple[Filters, list[str]]:
        """Parse URL parameters; returns the filters and French notices for ignored values."""
        notices: list[str] = []
        base = cls.defaults(catalog)

        def get(name: str) -> str | None:
            value = params.get(name)
            if isinstance(value, list):
                value = value[-1] if value else None
            value = value.strip() if isinstance(value, str) else None
            return value or None

        territory = base.territory
        if (raw := get("territoire")) is not None:
            code = normalise_territory(raw, catalog)
            if code is None:
                notices.append(
                    f"Territoire « {quote(raw)} » inconnu : affichage de la France entière. "
                    "Utilisez un code de département (93, 20, 971), de région (R11) ou FR."
                )
            else:
                territory = code
                if raw.strip().upper() in ("2A", "2B"):
                    notices.append(
                        "Les douanes publient la Corse comme un seul département (20) : "
                        "affichage de la Corse."
                    )

        period = base.period
        if (raw := get("annee")) is not None:
            found = catalog.period(raw.strip().lower())
            if found is not None:
                period = found
            else:
                first, last = catalog.years[0], catalog.years[-1]
                notices.append(
                    f"Année « {quote(raw)} » non disponible (données de {first} à {last}) : "
                    f"affichage de {period.label}."
                )

        flow = base.flow
        if (raw := get("flux")) is not None:
            if raw.lower() in FLOWS:
                flow = raw.lower()  # type: ignore[assignment]
            else:
                notices.append(
                    f"Flux « {quote(raw)} » inconnu (export ou import attendu) : "
                    "affichage des exportations."
                )

        level = base.level
        if (raw := get("niveau")) is not None:
            if raw.upper() in LEVELS:
                level = raw.upper()  # type: ignore[assignment]
            else:
                notices.append(
                    f"Niveau de produits « {quote(raw)} » inconnu (A17, A38, A129 ou CPF4 "
                    f"attendu) : affichage au niveau {DEFAULT_LEVEL}."
                )

        top = base.top
        if (raw := get("top")) is not None:
            if _SMALL_INT.fullmatch(raw) and TOP_MIN <= int(raw) <= TOP_MAX:
                top = int(raw)
            else:
                notices.append(
                    f"Nombre de partenaires « {quote(raw)} » invalide (de {TOP_MIN} à {TOP_MAX}) "
                    f": affichage des {TOP_DEFAULT} premiers."
                )

        partners = _parse_codes(
            get("pays"), set(catalog.countries["code"]), "pays", notices, upper=True
        )
        products = _parse_codes(
            get("produits"),
            set(catalog.products["code"]) | set(catalog.products["a129"]),
            "produits",
            notices,
            upper=True,
        )
        filters = cls(territory, period, flow, level, top, partners, products)
        return filters, notices

    def to_query_params(self) -> dict[str, str]:
        """Every filter, explicitly: a copied link reopens this view even after new loads."""
        params = {
            "territoire": self.territory,
            "annee": self.period.token,
            "flux": self.flow,
            "niveau": self.level,
            "top": str(self.top),
        }
        if self.partners:
            params["pays"] = ",".join(self.partners)
        if self.products:
            params["produits"] = ",".join(self.products)
        return params

    def describe(self, catalog: Catalog) -> str:
        """A French sentence: `Seine-Saint-Denis, 2024, exportations, produits A38, top 10`."""
        parts = [
            catalog.territory_name(self.territory),
            self.period.label,
            FLOW_LABELS[self.flow],
            f"produits au niveau {self.level}",
            f"{self.top} premiers partenaires et produits",
        ]
        if self.partners:
            parts.append("pays : " + ", ".join(self.partners))
        if self.products:
            parts.append("produits : " + ", ".join(self.products))
        return ", ".join(parts)

    # --- SQL -----------------------------------------------------------------------------
    def territory_sql(self, column: str = "dept") -> tuple[str, list]:
        """Predicate selecting the territory's départements, with its parameters."""
        return territory_predicate(self.territory, column)

    def period_sql(self, prefix: str = "") -> tuple[str, list]:
        return self.period.sql(prefix)

    def selection_sql(self) -> tuple[str, list]:
        """Optional partner and product selections as a predicate on ``trade`` (or a table
        with its ``country`` and ``product`` columns). A129 codes select their CPF4 products."""
        clauses, params = [], []
        if self.partners:
            clauses.append("list_contains(?::VARCHAR[], country)")
            params.append(list(self.partners))
        if self.products:
            clauses.append(
                "(list_contains(?::VARCHAR[], product) OR product IN "
                "(SELECT code FROM product WHERE list_contains(?::VARCHAR[], a129)))"
            )
            params.extend([list(self.products), list(self.products)])
        return (" AND ".join(clauses) or "TRUE"), params


def territory_predicate(territory: str, column: str = "dept") -> tuple[str, list]:
    if column not in ("dept", "t.dept", "d.code"):  # identifiers never come from users
        raise ValueError(f"unexpected column {column!r}")
    if territory == "FR":
        return "TRUE", []
    if territory.startswith("R"):
        # A région is the set of its départements.
        return f"{column} IN (SELECT code FROM departement WHERE region = ?)", [territory[1:]]  # noqa: S608 (allowlisted column)
    return f"{column} = ?", [territory]


CUSTOMS_OVERSEAS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "976"}


def normalise_territory(raw: str, catalog: Catalog) -> str | None:
    """Accepts `fr`, `r11`, `R11`, `93`, `1` (→ `01`), the customs' `9A` (→ `971`), `2A` and
    `2B` (→ `20`: the customs publish Corsica as one département); None when unknown."""
    value = raw.strip().upper()
    if value in ("FR", "FRANCE"):
        return "FR"
    if value.startswith("R") and value[1:] in catalog.regions:
        return value
    if len(value) == 1 and value in "0123456789":
        value = "0" + value
    value = CUSTOMS_OVERSEAS.get(value, value)
    if value in ("2A", "2B"):
        value = "20"
    return value if value in catalog.departements else None


def _parse_codes(
    raw: str | None, valid: set[str], name: str, notices: list[str], upper: bool
) -> tuple[str, ...]:
    if raw is None:
        return ()
    codes, unknown = [], []
    for item in raw.split(","):
        code = item.strip().upper() if upper else item.strip()
        if not code:
            continue
        (codes if code in valid else unknown).append(code)
    if unknown:
        shown = ", ".join(quote(u) for u in unknown[:5])
        more = f" et {len(unknown) - 5} autres" if len(unknown) > 5 else ""
        notices.append(f"Codes {name} inconnus ignorés : {shown}{more}.")
    return tuple(dict.fromkeys(codes))
