"""Periods: a year (whole or partial) or the last four quarters, as the customs publish them.

The regional files are quarterly, and the latest publication ends in the middle of a year: a
year whose quarters are not all loaded is *partial* and is never read or compared as a whole
year. A ``Period`` is a contiguous range of quarters; it names itself in French (« 2024 »,
« 2025 (T1–T2) », « 12 derniers mois (T3 2024 – T2 2025) ») and compares with the same quarters
one year earlier (``previous``), never with a whole year.

In the URL a period is ``annee=2024`` (the loaded quarters of 2024) or ``annee=12m`` (the last
four loaded quarters, « 12 derniers mois »).

Quarters are numbered ``year * 4 + quarter - 1`` (``index``), so a period is ``first..last``; its
SQL predicate is written on ``year`` and ``quarter`` themselves, which DuckDB's zone maps use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROLLING = "12m"
ROLLING_LABEL = "12 derniers mois"
EN_DASH = "\u2013"


def index(year: int, quarter: int) -> int:
    return year * 4 + quarter - 1


def split(idx: int) -> tuple[int, int]:
    """Quarter index → (year, quarter)."""
    return idx // 4, idx % 4 + 1


@dataclass(frozen=True, order=True)
class Period:
    first: int  # quarter index of the first quarter
    last: int  # quarter index of the last quarter (inclusive)
    rolling: bool = False  # the last four quarters, across two years

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def of_year(cls, year: int, quarters: Iterable[int] = (1, 2, 3, 4)) -> Period:
        """A calendar year restricted to its loaded quarters (all four: a whole year)."""
        qs = sorted(quarters)
        if not qs:
            raise ValueError(f"no quarter loaded for {year}")
        return cls(index(year, qs[0]), index(year, qs[-1]))

    @classmethod
    def last_four(cls, last_year: int, last_quarter: int) -> Period:
        end = index(last_year, last_quarter)
        return cls(end - 3, end, rolling=True)

    # --- parts ----------------------------------------------------------------------------
    @property
    def year(self) -> int:
        """The calendar year of a year period; the year of the last quarter otherwise."""
        return split(self.last)[0]

    @property
    def first_year(self) -> int:
        return split(self.first)[0]

    @property
    def quarters(self) -> tuple[tuple[int, int], ...]:
        return tuple(split(i) for i in range(self.first, self.last + 1))

    @property
    def n_quarters(self) -> int:
        return self.last - self.first + 1

    @property
    def is_whole_year(self) -> bool:
        return not self.rolling and self.first % 4 == 0 and self.n_quarters == 4

    @property
    def partial(self) -> bool:
        """A calendar year with some quarters missing."""
        return not self.rolling and not self.is_whole_year

    @property
    def token(self) -> str:
        """The URL value: ``2024`` or ``12m``."""
        return ROLLING if self.rolling else str(self.year)

    def previous(self) -> Period:
        """The same quarters one year earlier."""
        return Period(self.first - 4, self.last - 4, self.rolling)

    # --- words ----------------------------------------------------------------------------
    @property
    def quarter_span(self) -> str:
        """« T1–T2 », « T1 » for the quarters of a year period."""
        q1, q2 = split(self.first)[1], split(self.last)[1]
        return f"T{q1}" if q1 == q2 else f"T{q1}{EN_DASH}T{q2}"

    @property
    def label(self) -> str:
        """« 2024 », « 2025 (T1–T2) », « 12 derniers mois (T3 2024 – T2 2025) »."""
        if self.rolling:
            (y1, q1), (y2, q2) = split(self.first), split(self.last)
            return f"{ROLLING_LABEL} (T{q1} {y1} {EN_DASH} T{q2} {y2})"
        if self.is_whole_year:
            return str(self.year)
        return f"{self.year} ({self.quarter_span})"

    @property
    def phrase(self) -> str:
        """For titles: « en 2024 », « en 2025 (T1–T2) », « sur les 12 derniers mois (T3 2024 –
        T2 2025) »."""
        if self.rolling:
            return f"sur les {self.label}"
        return f"en {self.label}"

    @property
    def short(self) -> str:
        """Compact form for chart axes and file names: « 2024 », « 2025 T1–T2 », « T3 2024–T2 2025 »."""
        if self.rolling:
            (y1, q1), (y2, q2) = split(self.first), split(self.last)
            return f"T{q1} {y1}{EN_DASH}T{q2} {y2}"
        if self.is_whole_year:
            return str(self.year)
        return f"{self.year} {self.quarter_span}"

    @property
    def slug(self) -> str:
        """ASCII for file names: ``2024``, ``2025-T1-T2``, ``12m-2024T3-2025T2``."""
        if self.rolling:
            (y1, q1), (y2, q2) = split(self.first), split(self.last)
            return f"12m-{y1}T{q1}-{y2}T{q2}"
        if self.is_whole_year:
            return str(self.year)
        q1, q2 = split(self.first)[1], split(self.last)[1]
        return f"{self.year}-T{q1}" + ("" if q1 == q2 else f"-T{q2}")

    @property
    def note(self) -> str | None:
        """Why the figures are not a whole year, for captions; None for a whole year."""
        if self.rolling:
            (y1, q1), (y2, q2) = split(self.first), split(self.last)
            return (
                f"{ROLLING_LABEL} : cumul des quatre derniers trimestres publiés, "
                f"du T{q1} {y1} au T{q2} {y2}."
            )
        if self.partial:
            return (
                f"Année {self.year} partielle : trimestres {self.quarter_span} seulement ; "
                "les évolutions se comparent aux mêmes trimestres de l'année précédente."
            )
        return None

    # --- SQL -------------------------------------------------------------------------------
    def sql(self, prefix: str = "") -> tuple[str, list[int]]:
        """Predicate on ``year`` and ``quarter`` columns (``prefix`` ``"t."`` for an alias).

        Written on the columns themselves, never on an expression of them, so that DuckDB's
        zone maps skip every row group outside the period's quarters: a rolling year is the
        end of one year or the start of the next (a range on the quarter index
        ``year * 4 + quarter - 1`` made DuckDB read both whole years)."""
        if prefix not in ("", "t.", "s."):  # identifiers never come from users
            raise ValueError(f"unexpected prefix {prefix!r}")
        (y1, q1), (y2, q2) = split(self.first), split(self.last)
        year, quarter = f"{prefix}year", f"{prefix}quarter"
        if self.is_whole_year:
            return f"{year} = ?", [y1]
        if y1 == y2:
            return f"{year} = ? AND {quarter} BETWEEN ? AND ?", [y1, q1, q2]
        parts = [f"({year} = ? AND {quarter} >= ?)", f"({year} = ? AND {quarter} <= ?)"]
        params = [y1, q1, y2, q2]
        if y2 > y1 + 1:  # whole years between (never for periods of four quarters or less)
            parts.insert(1, f"{year} BETWEEN ? AND ?")
            params[2:2] = [y1 + 1, y2 - 1]
        return f"({' OR '.join(parts)})", params


def available(quarters: Iterable[tuple[int, int]]) -> list[Period]:
    """The periods a set of loaded (year, quarter) offers, latest first: each year (whole or
    partial), and the last four quarters when the latest year is partial."""
    by_year: dict[int, list[int]] = {}
    for year, quarter in quarters:
        by_year.setdefault(int(year), []).append(int(quarter))
    periods = [Period.of_year(y, by_year[y]) for y in sorted(by_year, reverse=True)]
    if periods and periods[0].partial:
        last = periods[0].last
        if all(split(i) in {(y, q) for y, qs in by_year.items() for q in qs}
               for i in range(last - 3, last + 1)):  # fmt: skip
            periods.insert(0, Period.last_four(*split(last)))
    return periods


def span_label(quarters: Iterable[tuple[int, int]]) -> str:
    """What a build covers, for the provenance banner: « années 2019–2024 et 2025 (T1–T2) »,
    « année 2024 », « 2025 (T1) »; « – » when empty."""
    year_periods = [p for p in available(quarters) if not p.rolling]
    if not year_periods:
        return "–"
    whole = sorted(p.year for p in year_periods if p.is_whole_year)
    partial = sorted((p for p in year_periods if p.partial), key=lambda p: p.year)
    parts = []
    if whole:
        first, last = whole[0], whole[-1]
        parts.append(f"année {first}" if first == last else f"années {first}{EN_DASH}{last}")
    parts.extend(p.label for p in partial)
    return " et ".join(parts)
