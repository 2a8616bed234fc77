"""The shared filters: the URL is the state.

A query string becomes a frozen ``Filters`` (``from_query_params``), which every query function
takes, which goes back into a URL (``to_query_params``) and which describes itself in French
(``describe``). Unknown or invalid values fall back to defaults with a French notice saying what
was ignored; parsing never raises.

URL parameters (documented in the README):

- ``territoire``: ``FR`` (France), ``R11`` (a région by its COG code) or a département code
  (``93``, ``2A``, ``971``; ``1`` is read as ``01``);
- ``annee``: a loaded year (default: the latest);
- ``flux``: ``export`` or ``import`` (default ``export``);
- ``niveau``: product level ``A17``, ``A38`` or ``A129`` (default ``A38``);
- ``top``: number of partners/products shown, 3 to 30 (default 10);
- ``pays``: comma-separated partner codes (``DE,US``), optional;
- ``produits``: comma-separated A129 product codes (``C21Z,C30C``), optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from core.db import Catalog

Flow = Literal["export", "import"]
Level = Literal["A17", "A38", "A129"]

FLOWS: tuple[Flow, ...] = ("export", "import")
LEVELS: tuple[Level, ...] = ("A17", "A38", "A129")
FLOW_LABELS = {"export": "exportations", "import": "importations"}
LEVEL_LABELS = {
    "A17": "A17 (grands secteurs)",
    "A38": "A38 (branches)",
    "A129": "A129 (produits détaillés)",
}
TOP_MIN, TOP_MAX, TOP_DEFAULT = 3, 30, 10
TOP_CHOICES = (5, 10, 15, 20, 30)
DEFAULT_TERRITORY = "FR"
DEFAULT_LEVEL: Level = "A38"
DEFAULT_FLOW: Flow = "export"

# Columns a UI may group by, per level: the allowlist between user choices and SQL identifiers.
LEVEL_COLUMNS: dict[str, tuple[str, str]] = {
    "A17": ("a17", "a17_label"),
    "A38": ("a38", "a38_label"),
    "A129": ("code", "label"),
}

PARAM_NAMES = ("territoire", "annee", "flux", "niveau", "top", "pays", "produits")


@dataclass(frozen=True)
class Filters:
    territory: str
    year: int
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
    @classmethod
    def defaults(cls, catalog: Catalog) -> Filters:
        return cls(territory=DEFAULT_TERRITORY, year=catalog.latest_year)

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
                    f"Territoire « {raw} » inconnu : affichage de la France entière. "
                    "Utilisez un code de département (93, 2A, 971), de région (R11) ou FR."
                )
            else:
                territory = code

        year = base.year
        if (raw := get("annee")) is not None:
            if raw.isdigit() and int(raw) in catalog.years:
                year = int(raw)
            else:
                first, last = catalog.years[0], catalog.years[-1]
                notices.append(
                    f"Année « {raw} » non disponible (données de {first} à {last}) : "
                    f"affichage de {year}."
                )

        flow = base.flow
        if (raw := get("flux")) is not None:
            if raw.lower() in FLOWS:
                flow = raw.lower()  # type: ignore[assignment]
            else:
                notices.append(
                    f"Flux « {raw} » inconnu (export ou import attendu) : "
                    "affichage des exportations."
                )

        level = base.level
        if (raw := get("niveau")) is not None:
            if raw.upper() in LEVELS:
                level = raw.upper()  # type: ignore[assignment]
            else:
                notices.append(
                    f"Niveau de produits « {raw} » inconnu (A17, A38 ou A129 attendu) : "
                    f"affichage au niveau {DEFAULT_LEVEL}."
                )

        top = base.top
        if (raw := get("top")) is not None:
            if raw.isdigit() and TOP_MIN <= int(raw) <= TOP_MAX:
                top = int(raw)
            else:
                notices.append(
                    f"Nombre de partenaires « {raw} » invalide (de {TOP_MIN} à {TOP_MAX}) : "
                    f"affichage des {TOP_DEFAULT} premiers."
                )

        partners = _parse_codes(
            get("pays"), set(catalog.countries["code"]), "pays", notices, upper=True
        )
        products = _parse_codes(
            get("produits"), set(catalog.products["code"]), "produits", notices, upper=True
        )
        filters = cls(territory, year, flow, level, top, partners, products)
        return filters, notices

    def to_query_params(self) -> dict[str, str]:
        """Every filter, explicitly: a copied link reopens this view even after new loads."""
        params = {
            "territoire": self.territory,
            "annee": str(self.year),
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
            str(self.year),
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

    def selection_sql(self) -> tuple[str, list]:
        """Optional partner and product selections as a predicate on ``trade``."""
        clauses, params = [], []
        if self.partners:
            clauses.append("list_contains(?::VARCHAR[], country)")
            params.append(list(self.partners))
        if self.products:
            clauses.append("list_contains(?::VARCHAR[], product)")
            params.append(list(self.products))
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


def normalise_territory(raw: str, catalog: Catalog) -> str | None:
    """Accepts `fr`, `r11`, `R11`, `93`, `2a`, `1` (→ `01`); None when unknown."""
    value = raw.strip().upper()
    if value in ("FR", "FRANCE"):
        return "FR"
    if value.startswith("R") and value[1:] in catalog.regions:
        return value
    if value.isdigit() and len(value) == 1:
        value = "0" + value
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
        notices.append(f"Codes {name} inconnus ignorés : {', '.join(unknown)}.")
    return tuple(dict.fromkeys(codes))
