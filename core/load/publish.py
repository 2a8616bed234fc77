"""Writing a new build and swapping it in, under the load lock; rollback.

A load writes a complete new database under ``builds/`` through ``core.build.write_build``;
only then does ``core.store.publish`` swap the stable link. Any failure before the swap deletes
the partial file: the current data stays as it was, byte for byte, and no stray file remains.
Slices kept from the current build are copied inside DuckDB by ``core.build`` (the current file
ATTACHed read-only), rows and derived rows as they are, never re-sorted nor summed again: a
build holds tens of millions of rows.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from core import store
from core.build import Base, Reference, write_build
from core.load.errors import LoadError

ProgressFn = Callable[[float, str], None]
# Test hook: seconds to wait between writing the build and publishing it, so that a test can
# kill a load at the worst moment. Unset in normal use.
PAUSE_ENV = "COMEX_LOAD_PAUSE_BEFORE_PUBLISH"
COMPUTED_KEYS = ("rows", "year_min", "year_max", "countries_used", "built_at")


def no_progress(_fraction: float, _message: str) -> None:
    return None


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """The data directory's load lock, or a French refusal when another load holds it."""
    try:
        with store.load_lock():
            yield
    except store.LoadInProgress as exc:
        raise LoadError(str(exc)) from exc


def _attach(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    # ATTACH takes no parameters; the path is the program's own (a build under builds/).
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS cur (READ_ONLY)")


def open_build(path: Path) -> duckdb.DuckDBPyConnection:
    """A private connection reading the build at ``path`` (ATTACHed read-only and in use).

    Never ``duckdb.connect(path)``: the app may hold the same file open in this process with
    its own configuration, and DuckDB refuses a second connection configured differently.
    """
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    _attach(con, path)
    con.execute("USE cur")
    return con


def rows_fill(rows: pa.Table | None) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """A ``fill`` inserting the new canonical rows (with their ``source``) into ``staging``."""

    def fill(con: duckdb.DuckDBPyConnection) -> None:
        if rows is not None and rows.num_rows:
            con.register("new_rows", rows)
            con.execute(
                """INSERT INTO staging SELECT year, quarter, flow, dept, product, country,
                value_eur, mass_kg, source FROM new_rows"""
            )
            con.unregister("new_rows")

    return fill


def base_of(current: Path | None, keep: pd.DataFrame | None) -> Base | None:
    """The current build and the slices of it to keep (all of them when ``keep`` is None):
    ``core.build`` copies their rows and derived rows as they are."""
    if current is None:
        return None
    if keep is None:
        con = open_build(current)
        try:
            keep = con.sql("SELECT year, quarter, flow FROM slices").df()
        finally:
            con.close()
    slices = frozenset(
        (int(y), int(q), str(f))
        for y, q, f in keep[["year", "quarter", "flow"]].itertuples(index=False, name=None)
    )
    return Base(current, slices)


def write_and_publish(
    kind: str,
    ref: Reference,
    fill: Callable[[duckdb.DuckDBPyConnection], None],
    metadata: dict[str, object],
    progress: ProgressFn,
    base: Base | None = None,
) -> Path:
    """Write a complete new build, then swap it in; on any failure delete the partial build."""
    path = store.new_build_path(kind)
    try:
        progress(0.7, "écriture de la nouvelle version de la base")
        try:
            write_build(path, ref, fill, metadata, base)
        except duckdb.Error as exc:
            raise LoadError(
                f"Écriture de la nouvelle version impossible ({exc.__class__.__name__}) ; les "
                "données en place ne sont pas modifiées."
            ) from exc
        progress(0.97, "publication")
        pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
        if pause:
            time.sleep(pause)
        store.publish(path)
    except BaseException:
        # Never delete a build the stable link already points to (a failure after the swap).
        if store.current_build() != path.resolve():
            for leftover in (path, Path(f"{path}.wal"), Path(f"{path}.tmp")):
                if leftover.is_dir():
                    import shutil

                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
        raise
    progress(1.0, "terminé")
    return path


def rollback() -> Path:
    """Make the previous build current again (under the load lock)."""
    with locked():
        try:
            return store.rollback()
        except FileNotFoundError as exc:
            raise LoadError(str(exc)) from exc


def carried_metadata(metadata: dict[str, object]) -> dict[str, object]:
    """The metadata of a build minus what ``write_build`` recomputes."""
    return {k: v for k, v in metadata.items() if k not in COMPUTED_KEYS}
