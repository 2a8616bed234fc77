"""Read access to the DuckDB database: one shared read-only connection, a cursor per query.

``Database`` follows the stable path of ``core.store``: before each query it checks which build
the link points to (one ``realpath`` call) and opens a new read-only connection when the data was
swapped, so a running app picks up a new load without a restart. Queries already running keep
their cursor on the previous connection, whose file stays on disk, so a swap never breaks them.

``Catalog`` is the small, immutable description of what a database holds (years, territories,
products, countries) used to validate filters and label results.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from core import store


class DataUnavailable(RuntimeError):
    """The database is missing or unreadable; the message is French and shown as is."""


class Database:
    def __init__(self, path: Path | str | None = None) -> None:
        self._path = Path(path) if path else store.db_path()
        self._lock = threading.RLock()  # catalog() queries while holding it
        self._target: str | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._catalog: Catalog | None = None

    @property
    def path(self) -> Path:
        return self._path

    def _current(self) -> tuple[str, duckdb.DuckDBPyConnection]:
        target = os.path.realpath(self._path)
        with self._lock:
            if self._con is None or target != self._target:
                if not os.path.exists(target):
                    raise DataUnavailable(
                        f"Base de données introuvable : {self._path}. "
                        "Lancez « make run » pour construire les données de démonstration."
                    )
                try:
                    con = duckdb.connect(target, read_only=True)
                except duckdb.Error as exc:
                    raise DataUnavailable(
                        f"Base de données illisible : {self._path} ({exc.__class__.__name__})."
                    ) from exc
                # The previous connection is not closed: queries in flight may still use it.
                self._con, self._target, self._catalog = con, target, None
            return self._target, self._con

    @property
    def version(self) -> str:
        """Identifies the build being read; part of every cache key."""
        return self._current()[0]

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._current()[1].cursor()

    def arrow(self, sql: str, params: list | tuple | dict | None = None) -> pa.Table:
        cur = self.cursor()
        try:
            # A relation streams straight to Arrow; execute() would copy the rows once more.
            return cur.sql(sql, params=params or []).to_arrow_table()
        finally:
            cur.close()

    def frame(self, sql: str, params: list | tuple | dict | None = None) -> pd.DataFrame:
        return self.arrow(sql, params).to_pandas()

    def batches(
        self, sql: str, params: list | tuple | dict | None = None, size: int = 100_000
    ) -> Iterator[pd.DataFrame]:
        """The result in DataFrames of at most ``size`` rows, read as they are consumed: a
        large result (a France-wide download) never sits whole in pandas."""
        cur = self.cursor()
        try:
            for batch in cur.sql(sql, params=params or []).to_arrow_reader(size):
                yield batch.to_pandas()
        finally:
            cur.close()

    def rows(self, sql: str, params: list | tuple | dict | None = None) -> list[tuple]:
        """A few rows as tuples: for tiny results, cheaper than building a DataFrame."""
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    def catalog(self) -> Catalog:
        self._current()
        with self._lock:
            if self._catalog is None:
                self._catalog = Catalog.load(self)
            return self._catalog


@dataclass(frozen=True)
class Catalog:
    years: tuple[int, ...]
    regions: dict[str, str]  # code → name
    departements: dict[str, tuple[str, str]]  # code → (name, région code)
    products: pd.DataFrame  # code, label, a38, a38_label, a17, a17_label
    countries: pd.DataFrame  # code, name_fr, iso3, eu27, zone
    metadata: dict[str, object]

    @classmethod
    def load(cls, db: Database) -> Catalog:
        years = tuple(int(y) for y in db.frame("SELECT DISTINCT year FROM totals_dept")["year"])
        regions = db.frame("SELECT code, name FROM region ORDER BY code")
        depts = db.frame("SELECT code, name, region FROM departement ORDER BY code")
        meta = {}
        for key, value in db.frame("SELECT key, value FROM metadata").itertuples(index=False):
            try:
                meta[key] = json.loads(value)
            except ValueError:
                meta[key] = value
        return cls(
            years=tuple(sorted(years)),
            regions=dict(zip(regions["code"], regions["name"], strict=True)),
            departements={c: (n, r) for c, n, r in depts.itertuples(index=False, name=None)},
            products=db.frame("SELECT * FROM product ORDER BY code"),
            countries=db.frame("SELECT * FROM country ORDER BY code"),
            metadata=meta,
        )

    @property
    def latest_year(self) -> int:
        return self.years[-1]

    @property
    def is_demo(self) -> bool:
        return self.metadata.get("source") == "demo"

    def territory_name(self, code: str) -> str:
        """`FR` → `France`, `R11` → `Île-de-France`, `93` → `Seine-Saint-Denis`."""
        if code == "FR":
            return "France"
        if code.startswith("R"):
            return self.regions[code[1:]]
        return self.departements[code][0]

    def territory_label(self, code: str) -> str:
        """Label for menus: `France`, `Île-de-France (région)`, `93 – Seine-Saint-Denis`."""
        if code == "FR":
            return "France entière"
        if code.startswith("R"):
            return f"{self.regions[code[1:]]} (région)"
        return f"{code} – {self.departements[code][0]}"

    def territory_codes(self) -> list[str]:
        """France, then régions by name, then départements by code."""
        regions = sorted(self.regions, key=lambda c: self.regions[c])
        return ["FR", *(f"R{c}" for c in regions), *self.departements]

    def region_of(self, code: str) -> str | None:
        """Région code of a département (`93` → `11`), else None."""
        dept = self.departements.get(code)
        return dept[1] if dept else None
