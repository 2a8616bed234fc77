"""French number formatting for everything a person reads.

Tables and downloads keep raw numbers; labels, KPIs, hovers and sentences go through these
functions so that every page writes `12 148,6 M€` and `8,6 %` the same way.

Typography: the thousands separator is the narrow no-break space U+202F (CLDR fr), the space
before `%` is also U+202F (espace fine insécable) and the space before a unit such as `M€` is a
no-break space U+00A0, so that a number never wraps away from its unit.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal

LOCALE = "fr_FR"
NNBSP = "\u202f"  # narrow no-break space: thousands, before %
NBSP = "\u00a0"  # no-break space: before units
MINUS = "\u2212"  # typographic minus for signed figures

# Plotly's layout.separators: decimal mark then thousands separator.
PLOTLY_SEPARATORS = ",\u202f"


_QUANTUM = {d: Decimal(1).scaleb(-d) for d in range(7)}


def format_number(value: float | int | None, decimals: int = 0, signed: bool = False) -> str:
    """`12148.6` → `12 148,6`; `None`/NaN → `–` (an en dash: no figure).

    Rounds as babel's CLDR formatting does (half to even on the number's shortest decimal
    form: 0,35 → 0,4) but about six times faster, which matters in tables of thousands of
    cells; ``tests/test_formatting.py`` checks both agree."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    exact = Decimal(value) if isinstance(value, int) else Decimal(repr(float(value)))
    rounded = abs(exact).quantize(_QUANTUM[decimals], rounding=ROUND_HALF_EVEN)
    text = f"{rounded:,.{decimals}f}".replace(",", NNBSP).replace(".", ",")
    if rounded == 0:
        return text
    if value < 0:
        return MINUS + text
    if signed and value > 0:
        return "+" + text
    return text


def format_meur(value_eur: float | int | None, decimals: int = 1, signed: bool = False) -> str:
    """Euros → millions of euros with the unit: `12148600000` → `12 148,6 M€`."""
    if value_eur is None or (isinstance(value_eur, float) and math.isnan(value_eur)):
        return "–"
    return f"{format_number(value_eur / 1e6, decimals, signed)}{NBSP}M€"


def format_millions_words(value_eur: float | int, decimals: int = 1) -> str:
    """The seeds' sentence form: `12 148,6 millions d'euros`."""
    return f"{format_number(value_eur / 1e6, decimals)} millions d'euros"


def format_percent(ratio: float | None, decimals: int = 1, signed: bool = False) -> str:
    """A ratio (0.0857) → `8,6 %`; `None` → `–`."""
    if ratio is None or (isinstance(ratio, float) and (math.isnan(ratio) or math.isinf(ratio))):
        return "–"
    return f"{format_number(ratio * 100, decimals, signed)}{NNBSP}%"


def format_eur(value_eur: float | int | None) -> str:
    """Whole euros with the unit: `1234567` → `1 234 567 €`."""
    if value_eur is None or (isinstance(value_eur, float) and math.isnan(value_eur)):
        return "–"
    return f"{format_number(value_eur, 0)}{NBSP}€"


def format_rank(rank: int | None, total: int | None) -> str:
    """`1, 101` → `1er sur 101`; `5, 101` → `5e sur 101`."""
    if rank is None or total is None:
        return "–"
    suffix = "er" if rank == 1 else "e"
    return f"{rank}{suffix} sur {total}"


def format_year_span(years: list[int] | tuple[int, ...]) -> str:
    """`[2024]` → `année 2024`; `[2019, …, 2024]` → `années 2019–2024`; `[]` → `–`."""
    if not years:
        return "–"
    first, last = min(years), max(years)
    return f"année {first}" if first == last else f"années {first}–{last}"


def format_day(timestamp: str | None) -> str:
    """An ISO timestamp as a French date: `2026-11-22T05:07:00+00:00` → `22 novembre 2026`."""
    from datetime import datetime

    from babel.dates import format_date

    try:
        day = datetime.fromisoformat(str(timestamp)).date()
    except (TypeError, ValueError):
        return "–"
    return format_date(day, format="long", locale=LOCALE)


def format_moment(timestamp: str | None) -> str:
    """An ISO timestamp as French date and Paris time:
    `2026-11-22T05:07:00+00:00` → `22 novembre 2026 à 6 h 07`."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_date

    try:
        moment = datetime.fromisoformat(str(timestamp))
    except (TypeError, ValueError):
        return "–"
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo("Europe/Paris"))
    day = format_date(moment.date(), format="long", locale=LOCALE)
    return f"{day} à {moment.hour}{NBSP}h{NBSP}{moment.minute:02d}"
