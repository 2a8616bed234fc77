"""Loading a list of Territoires d'industrie into a new build that keeps the same trade.

Two forms are accepted (CSV with ``;`` or ``,``, XLS or XLSX, or a ZIP of one):

- **the ANCT's list** (``id_ti, lib_ti, siren_epci, lib_epci``): each territory with the SIREN of
  its member groupings (EPCI, EPT of the Métropole du Grand Paris, or single communes), resolved
  to communes and départements by ``core.territoires.resolve`` with the commune tables shipped
  in ``data/reference/``;
- **a list by commune** (a commune INSEE code and a territory name per row), the form the
  previous loader took: communes are counted per territory and département, populations come
  from the same commune table.

The result is one row per (territory, département) with its commune count, population and
share of the territory's population; the trade rows are copied from the current build inside
DuckDB. Names are stored as written (inert text: the pages escape them).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb
import pandas as pd

from core import store
from core import territoires as ti
from core.build import Reference, read_metadata
from core.formatting import format_number
from core.load import headers, layouts, read
from core.load.errors import LoadError, capped, shown, where
from core.load.publish import (
    ProgressFn,
    base_of,
    carried_metadata,
    locked,
    no_progress,
    open_build,
    rows_fill,
    write_and_publish,
)
from core.load.read import Source
from core.load.report import LoadReport
from core.load.validate import FileReport

WHAT = "liste des Territoires d'industrie : id_ti, lib_ti, siren_epci, ou code commune et nom"


def _score(header: list[str]) -> int:
    anct = headers.score_with(headers.ANCT_ALIASES)(header)
    commune = headers.score_with(headers.COMMUNE_ALIASES)(header)
    return anct if anct >= 3 else commune if commune >= 2 else 0


def _rows_of(table: layouts.HeaderRows) -> tuple[str, pd.DataFrame]:
    """("anct" or "communes", frame of the fields with a ``line`` column)."""
    anct = headers.match_columns(table.header, headers.ANCT_ALIASES, {})
    commune = headers.match_columns(table.header, headers.COMMUNE_ALIASES, {})
    if {"id_ti", "lib_ti", "siren"} <= set(anct):
        kind, found = "anct", anct
    elif {"commune", "name"} <= set(commune):
        kind, found = "communes", commune
    else:
        read_headers = ", ".join(f"« {shown(h, 40)} »" for h in table.header if h)
        raise LoadError(
            f"{where(table.name, table.header_line)} : colonnes attendues : id_ti, lib_ti, "
            f"siren_epci (liste ANCT), ou code commune et nom du territoire (en-têtes lus : "
            f"{read_headers})."
        )
    frame = pd.DataFrame({f: [r[c] for r in table.rows] for f, c in found.items()}, dtype=str)
    frame["line"] = table.lines
    labels = {f: f"colonne « {shown(table.header[c], 40)} »" for f, c in found.items()}
    frame.attrs["labels"] = labels
    blank = frame.drop(columns="line").apply(lambda c: c.str.strip()).eq("").all(axis=1)
    return kind, frame[~blank].reset_index(drop=True)


def _errors(name: str, frame: pd.DataFrame, mask: pd.Series, fld: str, what: str) -> list[str]:
    bad = frame[mask]
    label = frame.attrs["labels"][fld]
    examples = [
        f"{where(name, int(r.line), label)} : {what} (« {shown(getattr(r, fld))} »)."
        for r in bad.head(5).itertuples(index=False)
    ]
    return capped(examples, len(bad), f"lignes de « {name} » : {what}") if len(bad) else []


def _clean(series: pd.Series) -> pd.Series:
    return series.map(ti.clean_text)


def _resolve_anct(name: str, frame: pd.DataFrame, sources) -> tuple[pd.DataFrame, list[str]]:
    communes, epci, ept = sources
    siren = _clean(frame["siren"]).str.replace(r"\.0+$", "", regex=True)
    siren = siren.where(~siren.str.fullmatch(r"\d{8}"), "0" + siren)
    errors = _errors(name, frame, ~siren.str.fullmatch(r"\d{9}"), "siren",
                     "SIREN invalide (neuf chiffres attendus)")  # fmt: skip
    known = set(epci["siren"]) | set(ept["siren"]) | set(communes["siren"].astype(str))
    unknown = siren.str.fullmatch(r"\d{9}") & ~siren.isin(known)
    errors += _errors(name, frame, unknown, "siren",
                      "SIREN inconnu des EPCI, EPT et communes de la table de référence")  # fmt: skip
    ids, names = _clean(frame["id_ti"]), _clean(frame["lib_ti"])
    errors += _errors(name, frame, ids.eq(""), "id_ti", "identifiant de territoire vide")
    errors += _errors(name, frame, names.eq(""), "lib_ti", "nom de territoire vide")
    if errors:
        return pd.DataFrame(), errors
    members = pd.DataFrame({"id_ti": ids, "lib_ti": names, "siren": siren})
    try:
        return ti.resolve(members, communes, epci, ept), []
    except ti.ResolutionError as exc:
        return pd.DataFrame(), [f"{where(name)} : {exc}."]


def _resolve_communes(name: str, frame: pd.DataFrame, sources) -> tuple[pd.DataFrame, list[str]]:
    communes = sources[0]
    code = _clean(frame["commune"]).str.upper().str.replace(r"\.0+$", "", regex=True)
    code = code.where(~code.str.fullmatch(r"\d{4}"), "0" + code)  # a spreadsheet ate the zero
    code = code.map(ti.commune_of)
    names = _clean(frame["name"])
    valid = code.str.fullmatch(r"\d{5}|2[AB]\d{3}")
    errors = _errors(name, frame, ~valid, "commune", "code commune INSEE invalide (5 caractères attendus)")  # fmt: skip
    info = communes.set_index("code")
    errors += _errors(name, frame, valid & ~code.isin(info.index), "commune",
                      "commune inconnue (ou d'une collectivité que les douanes ne couvrent pas)")  # fmt: skip
    errors += _errors(name, frame, names.eq(""), "name", "nom de territoire vide")
    if errors:
        return pd.DataFrame(), errors
    rows = pd.DataFrame({"name": names, "code": code}).drop_duplicates()
    rows = rows.join(info[["dept", "population"]], on="code")
    rows["dept"] = rows["dept"].map(ti.customs_dept)
    ids = {
        n: f"liste-{i + 1:03d}"
        for i, n in enumerate(sorted(rows["name"].unique(), key=ti.sort_key))
    }
    rows["id"] = rows["name"].map(ids)
    out = rows.groupby(["id", "name", "dept"], as_index=False).agg(
        n_communes=("code", "nunique"), population=("population", "sum")
    )
    total = out.groupby("id")["population"].transform("sum")
    count = out.groupby("id")["n_communes"].transform("sum")
    out["share"] = (out["population"] / total).where(total > 0, out["n_communes"] / count)
    out = out.astype({"n_communes": "int64", "population": "int64", "share": "float64"})
    return out.sort_values(["id", "dept"], ignore_index=True)[ti.COLUMNS], []


def read_territoires(sources: Sequence[Source]) -> tuple[pd.DataFrame, LoadReport]:
    """(id, name, dept, n_communes, population, share) and the report; raises ``LoadError``."""
    report = LoadReport(kind="territoires")
    expanded = read.expand(list(sources))
    report.skipped = expanded.skipped
    reference_tables = ti.load_sources()
    frames, errors = [], []
    for member in expanded.members:
        try:
            tables = layouts.header_rows(member, _score, WHAT)
        except LoadError as exc:
            errors += exc.messages
            continue
        for table in tables:
            kind, frame = _rows_of(table)
            file_report = FileReport(
                table.name,
                f"{table.layout}, {'liste ANCT par EPCI' if kind == 'anct' else 'liste par commune'}",
                rows_read=len(frame),
            )
            report.files.append(file_report)
            if frame.empty:
                errors.append(f"{where(table.name)} : aucune ligne sous l'en-tête.")
                continue
            resolve = _resolve_anct if kind == "anct" else _resolve_communes
            resolved, errs = resolve(table.name, frame, reference_tables)
            errors += errs
            file_report.rows_kept = len(frame) if not errs else 0
            frames.append(resolved)
    if errors:
        raise LoadError(errors)
    rows = pd.concat(frames, ignore_index=True)
    twice = rows[rows.duplicated(["id", "dept"], keep=False)]
    if not twice.empty:
        raise LoadError(
            f"Territoire « {twice['name'].iloc[0]} » ({twice['id'].iloc[0]}) présent dans "
            "plusieurs fichiers chargés ensemble : une seule liste à la fois."
        )
    report.territoires = rows.sort_values(["dept", "name"], ignore_index=True)
    report.rows_read = sum(f.rows_read for f in report.files)
    hidden = int((~(rows["n_communes"].ge(ti.MIN_COMMUNES) | rows["share"].ge(ti.MIN_SHARE))).sum())
    report.notes.append(
        f"Un territoire est présenté dans un département s'il y compte au moins {ti.MIN_COMMUNES} "
        f"communes ou {format_number(ti.MIN_SHARE * 100)} % de sa population "
        f"({format_number(hidden)} couples (territoire, département) sous ce seuil, non présentés)."
    )
    return rows, report


def load_territoires(sources: Sequence[Source], progress: ProgressFn | None = None) -> LoadReport:
    """Replace the Territoires d'industrie in a new build that copies everything else."""
    progress = progress or no_progress
    started = time.perf_counter()
    if not sources:
        raise LoadError("Aucun fichier à charger.")
    with locked():
        progress(0.05, "lecture de la liste des Territoires d'industrie")
        path = store.current_build()
        if path is None:
            raise LoadError("Aucune base de données en place : chargez d'abord des données.")
        rows, report = read_territoires(sources)
        con = open_build(path)
        try:
            ref = Reference.read(con)
            metadata = read_metadata(con)
        except duckdb.Error as exc:
            raise LoadError(
                "Les données en place ont une structure ancienne : rechargez d'abord les "
                "fichiers de commerce extérieur."
            ) from exc
        finally:
            con.close()
        unknown = sorted(set(rows["dept"]) - set(ref.depts["code"]))
        if unknown:
            raise LoadError(f"Départements inconnus de la base en place : {', '.join(unknown)}.")
        meta = carried_metadata(metadata)
        meta["territoires_industrie"] = {
            "files": [s.name for s in sources],
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "territoires": int(rows["id"].nunique()),
            "communes": int(rows["n_communes"].sum()),
        }
        new_ref = dataclasses.replace(ref, territoires=rows)
        report.rows_stored = len(rows)
        build = write_and_publish(
            "ti", new_ref, rows_fill(None), meta, progress, base_of(path, None)
        )
    report.build = str(build)
    report.seconds = time.perf_counter() - started
    return report
