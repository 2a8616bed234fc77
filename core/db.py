"""Read access to the DuckDB database: one shared read-only connection, a cursor per query.

``Database`` follows the stable path of ``core.store``: it checks which build the link points to
(one ``realpath`` call) and opens a new read-only connection when the data was swapped, so a
running app picks up a new load without a restart. ``Database.pin()`` returns a ``Build``: one
build, fixed, that a query function or a whole page run reads from start to end, so an answer
never mixes two builds even while a load swaps the data underneath. Queries already running keep
their cursor on the previous connection, whose file stays on disk, so a swap never breaks them.

``Catalog`` is the small, immutable description of what a build holds (quarters and periods,
territories, products, countries) used to validate filters and label results.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import build, periods, store
from core.periods import Period

# Arrow allocates through the system allocator (glibc's malloc), not its bundled mimalloc: with
# mimalloc, the first Arrow kernel of a query function after other work (labelling the data
# grid's rows after Comparer's queries) took 7–20 ms instead of 1 ms, in every fresh process
# tried (``python -m benchmarks``' first calls). glibc's free pages are also the ones that
# ``core.memory``'s trimmer gives back.
pa.set_memory_pool(pa.system_memory_pool())

# DuckDB's buffer cache for the read-only connection: bounded so that the app's memory stays
# flat with many sessions (the hot blocks of a build are far smaller).
MEMORY_LIMIT = os.environ.get("COMEX_DUCKDB_MEMORY", "256MB")
THREADS = int(os.environ.get("COMEX_DUCKDB_THREADS", "2"))
# Years of detail read into DuckDB's buffers when a build is opened (0: none). The first read
# of a block costs several times a query on it (allocation and checksum), so without this the
# first visitors of a fresh build pay it: 187 MiB of buffers for the demonstration's two
# latest years, within MEMORY_LIMIT, read in under half a second.
PREWARM_YEARS = int(os.environ.get("COMEX_PREWARM_YEARS", "2"))
# A build once a newer one is published serves only the runs that began on it: its buffers
# shrink to this (the blocks it caches are given back; small queries still run).
RETIRED_MEMORY = os.environ.get("COMEX_DUCKDB_RETIRED_MEMORY", "48MB")
_MEMORY_SETTING = re.compile(r"\d{1,6}(\.\d{1,3})?\s?[KMGT]i?B", re.IGNORECASE)
# Prewarm threads still reading: interrupted at exit, so that the interpreter never finalises
# while DuckDB works in a daemon thread (it aborts: "terminate called…").
_PREWARMING: dict[int, tuple[duckdb.DuckDBPyConnection | None, threading.Thread]] = {}
_PREWARMING_LOCK = threading.Lock()


@atexit.register
def _stop_prewarming() -> None:
    with _PREWARMING_LOCK:
        running = list(_PREWARMING.values())
    for cur, thread in running:
        if cur is not None:
            cur.interrupt()
        thread.join(timeout=5)


_PREWARM_TABLES = (  # most read first
    "totals_dept", "france_partners", "france_products", "region_partners", "region_products",
    "dept_partners", "dept_products", "france_flows", "region_flows", "dept_flows",
    "trade_france_year", "trade_region_year", "trade_year", "trade_france", "trade_region",
    "trade",
)  # fmt: skip


class DataUnavailable(RuntimeError):
    """The database is missing or unreadable; the message is French and shown as is."""


class Database:
    """The current build behind a stable path; ``pin()`` fixes one build for a reader."""

    def __init__(self, path: Path | str | None = None) -> None:
        self._path = Path(path) if path else store.db_path()
        self._lock = threading.Lock()
        self._build: Build | None = None

    @property
    def path(self) -> Path:
        return self._path

    def pin(self) -> Build:
        """The build the stable path points to now (opened once per build)."""
        target = os.path.realpath(self._path)
        with self._lock:
            if self._build is None or target != self._build.version:
                if not os.path.exists(target):
                    raise DataUnavailable(
                        f"Base de données introuvable : {self._path}. "
                        "Lancez « make run » pour construire les données de démonstration."
                    )
                # The previous build is not closed: readers holding it may still use it.
                self._build = Build(target)
            return self._build

    # A Database reads like its current build, for scripts and tests that do not pin.
    @property
    def version(self) -> str:
        return self.pin().version

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.pin().cursor()

    def arrow(self, sql: str, params: list | tuple | dict | None = None) -> pa.Table:
        return self.pin().arrow(sql, params)

    def frame(self, sql: str, params: list | tuple | dict | None = None) -> pd.DataFrame:
        return self.pin().frame(sql, params)

    def batches(
        self, sql: str, params: list | tuple | dict | None = None, size: int = 100_000
    ) -> Iterator[pa.RecordBatch]:
        return self.pin().batches(sql, params, size)

    def rows(self, sql: str, params: list | tuple | dict | None = None) -> list[tuple]:
        return self.pin().rows(sql, params)

    def columns(self, sql: str, params: list | tuple | dict | None = None) -> dict[str, np.ndarray]:
        return self.pin().columns(sql, params)

    def catalog(self) -> Catalog:
        return self.pin().catalog()


class Build:
    """One immutable build file, read through one read-only connection and a cursor per query."""

    def __init__(self, path: str) -> None:
        self.version = path  # identifies the build; part of every cache key
        try:
            self._con = duckdb.connect(
                path,
                read_only=True,
                config={"memory_limit": MEMORY_LIMIT, "threads": THREADS},
            )
        except duckdb.Error as exc:
            raise DataUnavailable(
                f"Base de données illisible : {Path(path).name} ({exc.__class__.__name__})."
            ) from exc
        missing = build.outdated(self._con)
        if missing:
            self._con.close()
            raise DataUnavailable(
                f"La base de données {Path(path).name} a été construite par une version "
                f"antérieure de l'application (il lui manque : {', '.join(missing)}). "
                "Reconstruisez-la : « make demo-db » pour la démonstration, ou rechargez les "
                "fichiers des douanes avec « python -m core.load »."
            )
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self.retired = False
        # Set once the recent years are in DuckDB's buffers (at once when there is nothing to
        # read); queries do not wait for it, benchmarks do.
        self.warmed = threading.Event()
        if PREWARM_YEARS > 0:
            thread = threading.Thread(target=self._prewarm, name="comex-prewarm", daemon=True)
            with _PREWARMING_LOCK:
                _PREWARMING[id(self)] = (None, thread)
            thread.start()
        else:
            self.warmed.set()

    def _prewarm(self) -> None:
        """Read every column of the latest ``PREWARM_YEARS`` years of each table once, in the
        background; a failure (a build removed under a test) only leaves the buffers cold."""
        try:
            cur = self.cursor()
            with _PREWARMING_LOCK:
                _PREWARMING[id(self)] = (cur, threading.current_thread())
            try:
                (latest,) = cur.execute("SELECT max(year) FROM slices").fetchone()
                for table in _PREWARM_TABLES:
                    if latest is None:
                        break
                    columns = [r[0] for r in cur.execute(f"DESCRIBE {table}").fetchall()]
                    # A hash of every value: DuckDB answers max() of a row group the filter
                    # keeps whole from its statistics, reading nothing (DuckDB 2.0).
                    touched = ", ".join(f"bit_xor(hash({c}))" for c in columns)
                    cur.execute(
                        f"SELECT {touched} FROM {table} WHERE year > ?",  # noqa: S608 (own names)
                        [int(latest) - PREWARM_YEARS],
                    ).fetchall()
            finally:
                cur.close()
        except Exception:  # noqa: BLE001, S110 (an optimisation: never fail a reader for it)
            pass
        finally:
            with _PREWARMING_LOCK:
                _PREWARMING.pop(id(self), None)
            self.warmed.set()

    def pin(self) -> Build:
        return self

    def retire(self, memory: str = RETIRED_MEMORY) -> None:
        """A newer build is published: stop prewarming this one and give its buffers back
        (DuckDB evicts down to ``memory`` at once). Runs that began on it read on, from disk;
        without this, every build a session still holds keeps its own buffers (up to
        ``MEMORY_LIMIT`` each) until the last reader lets it go."""
        if self.retired:
            return
        self.retired = True
        with _PREWARMING_LOCK:
            prewarming = _PREWARMING.get(id(self))
        if prewarming is not None and prewarming[0] is not None:
            prewarming[0].interrupt()
        self._set_memory(memory)

    def revive(self) -> None:
        """Current again (an app that reads several databases, as the tests do): full buffers."""
        if self.retired:
            self.retired = False
            self._set_memory(MEMORY_LIMIT)

    def _set_memory(self, memory: str) -> None:
        if not _MEMORY_SETTING.fullmatch(memory):
            raise ValueError(f"unexpected memory setting {memory!r}")
        cur = self.cursor()
        try:
            cur.execute(f"SET memory_limit = '{memory}'")  # validated above
        finally:
            cur.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

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
    ) -> Iterator[pa.RecordBatch]:
        """The result in Arrow record batches of at most ``size`` rows, read as they are
        consumed: a large result (a France-wide download) never sits whole in memory."""
        cur = self.cursor()
        try:
            yield from cur.sql(sql, params=params or []).to_arrow_reader(size)
        finally:
            cur.close()

    def rows(self, sql: str, params: list | tuple | dict | None = None) -> list[tuple]:
        """A few rows as tuples: for tiny results, cheaper than building a DataFrame."""
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    def columns(self, sql: str, params: list | tuple | dict | None = None) -> dict[str, np.ndarray]:
        """A few thousand rows as numpy columns (name → array, in the query's order; NULLs
        masked), for numpy to work on: no tuple per row, no DataFrame, and cheaper than a
        relation fetched as Arrow for small results."""
        cur = self.cursor()
        try:
            result = cur.execute(sql, params or [])
            names = [d[0] for d in result.description]
            if len(set(names)) != len(names):  # a dict would keep one of them
                raise ValueError(f"columns with the same name: {names}")
            return result.fetchnumpy()
        finally:
            cur.close()

    def catalog(self) -> Catalog:
        with self._lock:
            if self._catalog is None:
                catalog = Catalog.load(self)
                catalog.index()
                self._catalog = catalog
            return self._catalog


_TOP_RANKS = np.array(build.top_ranks(build.TOP_ROWS), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class TopValues:
    """A build's ``top_values``, read once: for each (year, quarter, flow, territory), its rows
    and its values at ``build.top_ranks(rows)``. ``least`` turns them into a bound from which
    the largest rows of any period are read in one query, with no scan to find the cut."""

    groups: dict[tuple[int, int, str, str], tuple[int, np.ndarray]]  # key → (rows, values)
    members: dict[str, tuple[str, ...]]  # région code → its territories' codes

    @classmethod
    def read(cls, db: Build) -> TopValues:
        t = db.arrow("SELECT year, quarter, flow, region, territory, rows, vals FROM top_values")
        vals = t.column("vals").combine_chunks()
        # ``offsets`` index ``values`` (not ``flatten()``, which starts at the first offset).
        flat = vals.values.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        offsets = vals.offsets.to_numpy()
        keys = zip(
            *(t.column(c).to_pylist() for c in ("year", "quarter", "flow", "territory")),
            strict=True,
        )
        rows = t.column("rows").to_pylist()
        groups = {
            (int(y), int(q), f, code): (int(n), flat[offsets[i] : offsets[i + 1]])
            for i, ((y, q, f, code), n) in enumerate(zip(keys, rows, strict=True))
        }
        members: dict[str, set[str]] = {}
        for region, code in zip(
            t.column("region").to_pylist(), t.column("territory").to_pylist(), strict=True
        ):
            if region is not None:
                members.setdefault(region, set()).add(code)
        return cls(groups, {r: tuple(sorted(c)) for r, c in members.items()})

    def least(
        self, quarters: tuple[tuple[int, int], ...], flow: str, territory: str, limit: int
    ) -> int | None:
        """A value such that the rows of ``territory`` (a département, ``R`` + a région, or
        ``FR``) in ``quarters`` and ``flow`` worth at least it are the ``limit`` largest and a
        few more (about a fifth at most): the largest value at which the groups' ranks
        guarantee ``limit`` rows, or the smallest value when there are no more rows than
        that. None when the groups cannot tell (no row; a limit beyond ``build.TOP_ROWS``).

        In a group, the value at rank r has r rows at least as large. Summed over the groups,
        the ranks undercount the rows of at least a value, so the rows above the bound hold the
        ``limit`` largest."""
        if territory == "FR":
            codes: tuple[str, ...] = ("FR",)
        elif territory.startswith("R"):
            codes = self.members.get(territory[1:], ())
        else:
            codes = (territory,)
        values, steps, complete = [], [], True
        for year, quarter in quarters:
            for code in codes:
                found = self.groups.get((year, quarter, flow, code))
                if found is None:
                    continue
                rows, vals = found
                ranks = _TOP_RANKS[: len(vals)].copy()
                ranks[-1] = min(rows, build.TOP_ROWS)
                values.append(vals)
                steps.append(np.diff(ranks, prepend=0))
                complete &= rows <= build.TOP_ROWS
        if not values:
            return None
        v = np.concatenate(values)
        order = np.argsort(-v, kind="stable")
        reached = np.flatnonzero(np.cumsum(np.concatenate(steps)[order]) >= limit)
        if reached.size:
            return int(v[order[reached[0]]])
        return int(v.min()) if complete else None


@dataclass(frozen=True, eq=False)
class Labels:
    """Codes and columns of their labels as Arrow arrays, to label thousands of rows at once
    in Arrow (``of``) rather than code by code in Python."""

    codes: pa.Array
    columns: tuple[pa.Array, ...]

    @classmethod
    def of_lists(cls, codes: list[str], *columns: list[str | None]) -> Labels:
        return cls(
            pa.array(codes, pa.string()),
            tuple(pa.array(c, pa.string(), from_pandas=True) for c in columns),
        )

    def of(self, values: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
        """Each column's label of every value; null where the code is not known."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        codes = self.codes if values.type == self.codes.type else self.codes.cast(values.type)
        where = pc.index_in(values, value_set=codes)
        return [column.take(where) for column in self.columns]


@dataclass(frozen=True, eq=False)
class DeptTotals:
    """Every département's quarterly totals, as numpy columns: the build's small
    ``totals_dept`` table (one row per quarter, flow and département: a few thousand), read
    once with the catalogue and summed by numpy for any period (``sums``). Key figures, ranks,
    maps and comparisons start from it; a query for it cost each of their first calls 2–3 ms.
    Rows of codes the catalogue lacks are left out, as a join on ``departement`` leaves them
    out."""

    codes: list[str]  # the catalog's départements, in its order
    slot: np.ndarray  # 2 × the row's position in ``codes`` + 0 (exports) or 1 (imports)
    quarter: np.ndarray  # quarter index (``Period.first`` … ``Period.last``)
    value: np.ndarray

    @classmethod
    def read(cls, db: Build, codes: list[str]) -> DeptTotals:
        cols = db.columns(
            """
            SELECT dept, flow = 'export' AS export,
                   CAST(year AS INTEGER) * 4 + quarter - 1 AS q, value_eur
            FROM totals_dept
            """
        )
        known = np.array(codes, dtype=object)
        if len(known) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(codes, empty, empty, empty)
        order = np.argsort(known)
        found = np.searchsorted(known[order], cols["dept"]).clip(max=len(codes) - 1)
        kept = known[order][found] == cols["dept"]
        slot = order[found[kept]] * 2 + np.where(cols["export"][kept], 0, 1)
        return cls(
            codes,
            slot.astype(np.int64),
            np.asarray(cols["q"][kept], dtype=np.int64),
            np.asarray(cols["value_eur"][kept], dtype=np.int64),
        )

    def sums(self, period: Period) -> tuple[np.ndarray, np.ndarray]:
        """Each département's (exports, imports) in the period and how many rows each sum
        has (none: the département did not trade that flow): two (n, 2) int64 arrays."""
        inside = (self.quarter >= period.first) & (self.quarter <= period.last)
        size = 2 * len(self.codes)
        values = np.bincount(self.slot[inside], weights=self.value[inside], minlength=size)
        rows = np.bincount(self.slot[inside], minlength=size)
        # why round: bincount sums in float64, exact to the euro far below 2**53 euros
        return np.rint(values).astype("int64").reshape(-1, 2), rows.reshape(-1, 2)

    def mask(self, codes: list[str]) -> np.ndarray:
        wanted = set(codes)
        return np.array([c in wanted for c in self.codes], dtype=bool)


@dataclass(frozen=True, eq=False)  # identity: one catalog per build, usable as a cache key
class Catalog:
    quarters: tuple[tuple[int, int], ...]  # (year, quarter) loaded, in order
    regions: dict[str, str]  # code → name
    departements: dict[str, tuple[str, str]]  # code → (name, région code)
    dept_details: pd.DataFrame  # code, name, region, customs_code, chef_lieu
    products: pd.DataFrame  # code (CPF4), label, a129, a129_label, a38, a38_label, a17, a17_label
    countries: pd.DataFrame  # code, name_fr, iso3, eu27, zone
    country_labels: pd.DataFrame  # code, label, start_year, end_year
    territoires: pd.DataFrame  # id, name, dept, n_communes, population, share
    metadata: dict[str, object]
    top_values: TopValues
    dept_totals: DeptTotals

    @classmethod
    def load(cls, db: Build) -> Catalog:
        quarters = db.rows("SELECT DISTINCT year, quarter FROM slices ORDER BY year, quarter")
        regions = db.frame("SELECT code, name FROM region ORDER BY code")
        depts = db.frame("SELECT * FROM departement ORDER BY code")
        meta = {}
        for key, value in db.rows("SELECT key, value FROM metadata"):
            try:
                meta[key] = json.loads(value)
            except ValueError:
                meta[key] = value
        return cls(
            quarters=tuple((int(y), int(q)) for y, q in quarters),
            regions=dict(zip(regions["code"], regions["name"], strict=True)),
            departements={
                c: (n, r)
                for c, n, r in depts[["code", "name", "region"]].itertuples(index=False, name=None)
            },
            dept_details=depts,
            products=db.frame("SELECT * FROM product ORDER BY code"),
            countries=db.frame("SELECT * FROM country ORDER BY code"),
            country_labels=db.frame("SELECT * FROM country_label"),
            territoires=db.frame("SELECT * FROM territoire_industrie ORDER BY name, dept"),
            metadata=meta,
            top_values=TopValues.read(db),
            dept_totals=DeptTotals.read(db, list(depts["code"])),
        )

    def index(self) -> None:
        """Build every lookup the queries read (labels per level, names per year…) now, once
        per build: a visitor's first call never pays for them."""
        from core.filters import LEVEL_COLUMNS

        for level in LEVEL_COLUMNS:
            self.level_labels(level)
            self.parent_of(level)
        for year in self.years:
            self.country_names(year)
            self.country_labels_of(year)
        _ = self.periods, self.year_periods, self.dept_names, self.product_info
        _ = self.dept_labels, self.product_labels
        _ = self.country_info

    # --- periods ------------------------------------------------------------------------------
    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({y for y, _ in self.quarters}))

    @property
    def latest_year(self) -> int:
        return self.years[-1]

    @functools.cached_property
    def periods(self) -> tuple[Period, ...]:
        """Every period a user can choose, latest first (see ``core.periods.available``)."""
        return tuple(periods.available(self.quarters))

    @functools.cached_property
    def year_periods(self) -> dict[int, Period]:
        """Each loaded year as a period (whole, or partial with its loaded quarters)."""
        return {p.year: p for p in self.periods if not p.rolling}

    @property
    def default_period(self) -> Period:
        """The latest whole year; the latest year when none is whole."""
        whole = [p for p in self.periods if p.is_whole_year]
        return whole[0] if whole else self.year_periods[self.latest_year]

    def period(self, token: str) -> Period | None:
        """``2024`` → that year's period, ``12m`` → the last four quarters; None if absent."""
        if token == periods.ROLLING:
            # Offered only when the latest year is partial (else it is that whole year).
            return next((p for p in self.periods if p.rolling), None)
        if len(token) == 4 and all(c in "0123456789" for c in token):
            return self.year_periods.get(int(token))
        return None

    def has(self, period: Period) -> bool:
        """Whether every quarter of ``period`` is loaded (for changes on the previous one)."""
        loaded = set(self.quarters)
        return all(q in loaded for q in period.quarters)

    def previous(self, period: Period) -> Period | None:
        """The same quarters a year earlier when they are all loaded, else None."""
        prev = period.previous()
        return prev if self.has(prev) else None

    # --- provenance ---------------------------------------------------------------------------
    @property
    def is_demo(self) -> bool:
        return self.metadata.get("source") == "demo"

    def unpublished(self, territory: str, flow: str, period: Period) -> str | None:
        """Why a total shown for ``territory`` is not a published figure (a value the
        demonstration chose where its source publishes none), else None."""
        for item in self.metadata.get("unpublished") or []:
            if (
                isinstance(item, dict)
                and item.get("territory") == territory
                and item.get("flow") == flow
                and item.get("year") in {y for y, _ in period.quarters}
            ):
                return str(item.get("note") or "Valeur non publiée dans la source.")
        return None

    # --- territories --------------------------------------------------------------------------
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

    def members(self, code: str) -> list[str]:
        """The départements of a territory (`FR`: all, `R11`: its départements, `93`)."""
        if code == "FR":
            return list(self.departements)
        if code.startswith("R"):
            return [c for c, (_, r) in self.departements.items() if r == code[1:]]
        return [code]

    # --- labels -------------------------------------------------------------------------------
    @functools.cache  # noqa: B019 (a catalog lives as long as its build)
    def level_labels(self, level: str) -> dict[str, tuple[str, ...]]:
        """Product code at ``level`` → (label, then its parents' codes and labels, as
        ``queries._PARENTS[level]`` lists them: a17, a17_label, a38, a38_label, a129…)."""
        from core.filters import LEVEL_COLUMNS
        from core.queries import _PARENTS

        code_col, label_col = LEVEL_COLUMNS[level]
        frame = self.products.drop_duplicates(code_col)
        columns = [frame[label_col], *(frame[c] for c in _PARENTS[level])]
        return {
            str(code): tuple(str(v) for v in values)
            for code, *values in zip(frame[code_col], *columns, strict=True)
        }

    @functools.cache  # noqa: B019 (a catalog lives as long as its build)
    def parent_of(self, level: str) -> dict[str, str]:
        """CPF4 product code → its code at ``level`` (itself for CPF4): lets a query sum
        products in Python rather than join the product table on every detail row."""
        from core.filters import LEVEL_COLUMNS

        column = LEVEL_COLUMNS[level][0]
        return dict(zip(self.products["code"], self.products[column], strict=True))

    @functools.cached_property
    def dept_names(self) -> dict[str, str]:
        return {code: name for code, (name, _) in self.departements.items()}

    @functools.cached_property
    def product_info(self) -> dict[str, tuple[str, str, str, str]]:
        """CPF4 code → (label, A129 code, A38 code, A17 code)."""
        p = self.products
        return {
            code: (label, a129, a38, a17)
            for code, label, a129, a38, a17 in zip(
                p["code"], p["label"], p["a129"], p["a38"], p["a17"], strict=True
            )
        }

    @functools.cached_property
    def country_info(self) -> dict[str, tuple[str | None, bool, str]]:
        """Partner code → (ISO3 or None, EU 27 member, zone)."""
        c = self.countries
        iso3 = [None if (v is None or v != v or v == "") else v for v in c["iso3"]]
        return {
            code: (i, bool(eu), zone)
            for code, i, eu, zone in zip(c["code"], iso3, c["eu27"], c["zone"], strict=True)
        }

    @functools.cached_property
    def _country_names(self) -> dict[str, str]:
        return dict(zip(self.countries["code"], self.countries["name_fr"], strict=True))

    @functools.cache  # noqa: B019 (a catalog lives as long as its build)
    def country_names(self, year: int) -> dict[str, str]:
        """Partner names for a year: where the customs' label valid that year is a former
        meaning of the code (``XK`` Yugoslavia in 1992, Kosovo since 2005; ``XS`` Saba, then
        Serbia), that label; otherwise the usual name."""
        names = dict(self._country_names)
        labels = self.country_labels
        valid = labels[(labels["start_year"] <= year) & (labels["end_year"] >= year)]
        # Two meanings in one year (XS: Saba until May 2005, Serbia from June): the later one,
        # valid at the end of the year.
        valid = valid.sort_values("start_year").drop_duplicates("code", keep="last")
        for code, label, end in zip(valid["code"], valid["label"], valid["end_year"], strict=True):
            if end != 9999 or code not in names:
                names[code] = label
        return names

    def country_name(self, code: str, year: int) -> str:
        return self.country_names(year).get(code, f"{code} (non déterminé)")

    @functools.cached_property
    def dept_labels(self) -> Labels:
        """Département code → name, in Arrow (``Labels``)."""
        return Labels.of_lists(list(self.departements), [n for n, _ in self.departements.values()])

    @functools.cached_property
    def product_labels(self) -> Labels:
        """CPF4 code → label, A129, A38 and A17 codes, in Arrow (``Labels``)."""
        p = self.products
        return Labels.of_lists(
            list(p["code"]), list(p["label"]), list(p["a129"]), list(p["a38"]), list(p["a17"])
        )

    @functools.cache  # noqa: B019 (a catalog lives as long as its build)
    def country_labels_of(self, year: int) -> Labels:
        """Partner code → name for a year (``country_names``), in Arrow (``Labels``)."""
        names = self.country_names(year)
        return Labels.of_lists(list(names), list(names.values()))
