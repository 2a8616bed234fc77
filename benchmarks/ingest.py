"""Benchmark of the loader at the size of the real files: ``python -m benchmarks.ingest``.

Writes the demonstration data in the customs' published layout to a temporary directory (one
ZIP per year, about 2 million rows per flow and year, see ``core.demo.write_official``), makes
a « dernière publication » file from it (the five last quarters, with revised figures for the
last quarter of the year before), then times, in a private data directory:

1. loading one whole year (2024) into an empty data directory;
2. loading the five-last-quarters file on top (2024 T1–T4 replaced or unchanged, 2025 T1 added);
3. loading the same file again (nothing changes, nothing is published);
4. loading one whole year (2024) on top of an official build that holds every other year of
   the demonstration (2019–2023 and 2025 T1–T2: about 23 million rows kept), the real case of
   a yearly file arriving in a running installation.

Each time covers the whole path: reading the ZIP, checks, comparison of slices, writing and
publishing the new build. The budget (DESIGN.md) is 60 s for a year on 2 cores. The temporary
directory is removed at the end; ``data/`` is never touched.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb

from core.formatting import format_number

YEAR = 2024
NEXT = 2025
BUDGET_S = 60.0


def last_five_quarters(year_zip: Path, next_zip: Path, out: Path) -> Path:
    """« REGIONAL_CPF4PAYS{E,I}.txt »: ``YEAR`` T1–T4 (T4 values revised by +1 % on one row in
    ten) and ``NEXT`` T1, in one ZIP, LF line ends."""
    con = duckdb.connect()
    names = [f"f{i}" for i in range(10)]
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for letter in ("E", "I"):
            parts = []
            for source, member in ((year_zip, f"{YEAR}_CPF4PAYS{letter}.txt"),
                                   (next_zip, f"{NEXT}_CPF4PAYS{letter}.txt")):  # fmt: skip
                tmp = out.parent / member
                tmp.write_bytes(zipfile.ZipFile(source).read(member))
                parts.append(str(tmp))
            target = out.parent / f"REGIONAL_CPF4PAYS{letter}.txt"
            files = ", ".join(f"'{p}'" for p in parts)
            con.execute(
                f"""
                COPY (
                    SELECT f0, f1, f2, f3, f4, f5, f6, f7,
                           CASE WHEN f2 = '{YEAR}' AND f1 = '4' AND hash(f3, f6, f7) % 10 = 0
                                THEN CAST(CAST(f8 AS BIGINT) * 101 // 100 AS VARCHAR)
                                ELSE f8 END AS f8,
                           f9
                    FROM read_csv([{files}], delim = ';', header = false, quote = '',
                                  columns = {columns})
                    WHERE f2 = '{YEAR}' OR (f2 = '{NEXT}' AND f1 = '1')
                ) TO '{target}' (HEADER false, DELIMITER ';', QUOTE '')
                """  # noqa: S608 (the program's own identifiers and numbers)
            )
            archive.write(target, target.name)
            target.unlink()
            for p in parts:
                Path(p).unlink()
    con.close()
    return out


def timed_load(path: Path) -> tuple[float, object, list[tuple[float, str]]]:
    from core.load import Source, load_trade

    started = time.perf_counter()
    steps: list[tuple[float, str]] = []

    def progress(_fraction: float, message: str) -> None:
        steps.append((time.perf_counter() - started, message))

    report = load_trade([Source.from_path(path)], progress)
    return time.perf_counter() - started, report, steps


def official_base(data_dir: Path, exclude: int) -> None:
    """Publish in ``data_dir`` an official-looking build of every demonstration year but
    ``exclude`` (written through core.build as a load would leave it)."""
    from core import build, demo, store

    ref = build.Reference.load()

    def fill(con) -> None:
        for chunk in demo.generate_chunks(ref):
            if chunk.num_rows and int(chunk["year"][0].as_py()) != exclude:
                con.register("f_rows", chunk)
                con.execute(
                    """INSERT INTO staging SELECT year, quarter, flow, dept, product, country,
                    value_eur, mass_kg, 'demo_regional_' || year || '.zip' FROM f_rows"""
                )
                con.unregister("f_rows")

    path = store.new_build_path("official")
    build.write_build(path, ref, fill, {"source": "official", "files": ["(benchmark)"]})
    store.publish(path)


def seconds(value: float) -> str:
    return f"{format_number(value, 1)}\u00a0s"


def show(title: str, elapsed: float, report, steps: list[tuple[float, str]]) -> None:
    print(f"\n{title}")
    print(
        f"  {format_number(report.rows_read)} lignes lues en {seconds(elapsed)} "
        f"({format_number(report.rows_read / elapsed if elapsed else 0)} lignes par seconde) ; "
        f"{format_number(report.rows_stored)} lignes dans la nouvelle version"
        if report.changed
        else f"  {format_number(report.rows_read)} lignes lues en {seconds(elapsed)} : aucun "
        "changement, rien n'est publié"
    )
    print(
        f"  tranches : {report.count('added')} ajoutées, {report.count('replaced')} remplacées, "
        f"{report.count('unchanged')} inchangées, {report.count('kept')} conservées"
    )
    for (at, message), (after, _) in zip(steps, [*steps[1:], (elapsed, "")], strict=True):
        print(f"    {seconds(after - at):>8}  {message}")
    verdict = "dans le budget" if elapsed <= BUDGET_S else "HORS BUDGET"
    print(f"  budget {seconds(BUDGET_S)} : {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__)
    parser.add_argument("--keep", action="store_true", help="garder le répertoire temporaire")
    args = parser.parse_args(argv)
    from core import demo

    tmp = Path(tempfile.mkdtemp(prefix="comex-bench-ingest-"))
    try:
        os.environ["COMEX_DATA_DIR"] = str(tmp / "data")
        os.environ.pop("COMEX_DB", None)
        print(f"Fichiers de démonstration au format des douanes ({YEAR}, {NEXT}) dans {tmp}…")
        started = time.perf_counter()
        zips = demo.write_official(tmp / "files", years=[YEAR, NEXT])
        year_zip = next(p for p in zips if str(YEAR) in p.name)
        next_zip = next(p for p in zips if str(NEXT) in p.name)
        regional = last_five_quarters(year_zip, next_zip, tmp / "files" / "REGIONAL_CPF4PAYS.zip")
        print(f"  écrits en {seconds(time.perf_counter() - started)} (non compté)")
        print(f"  {year_zip.name} : {format_number(year_zip.stat().st_size / 1e6, 1)} Mo ; "
              f"{regional.name} : {format_number(regional.stat().st_size / 1e6, 1)} Mo")  # fmt: skip
        show(f"1. Une année entière ({YEAR}) dans une base vide", *timed_load(year_zip))
        show("2. Les cinq derniers trimestres par-dessus", *timed_load(regional))
        show("3. Le même fichier une seconde fois", *timed_load(regional))
        print("\nBase officielle des autres années (2019–2023, 2025) écrite directement…")
        started = time.perf_counter()
        official_base(tmp / "data", exclude=YEAR)
        print(f"  écrite en {seconds(time.perf_counter() - started)} (non compté)")
        show(f"4. Une année entière ({YEAR}) par-dessus les autres années", *timed_load(year_zip))
    finally:
        if args.keep:
            print(f"\nRépertoire gardé : {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
