"""Load official DGDDI trade files (and the ANCT Territoires d'industrie list) into a new build.

``python -m core.ingest FILE... [--db PATH] [--unit euros|milliers] [--merge]`` reads CSV, XLS,
XLSX and ZIP files (see ``core.ingest_read``), matches their headers loosely and normalises
their codes (see ``core.ingest_columns``), validates every row, writes a new versioned database
under ``builds/`` and only then swaps it in (``core.store.publish``). Any error leaves the
current data untouched: the partial build is deleted and the French messages say which file,
line, column and value are at fault. ``--rollback`` restores the previous build;
``--territoires FILE`` loads the ANCT list of Territoires d'industrie by commune.

What is refused (the load changes nothing): empty or oversized files, archives expanding beyond
the limit, unreadable encodings, missing columns, years, flow codes or values that cannot be
read, negative values, the same key twice at the file's own level of detail, a file mixing A129
and CPF4 codes.

What is set aside, listed in the report with its count and value (the load goes on): total and
subtotal rows (keeping them would count twice), rows without data (titles, notes), rows with an
empty value, unknown département or product codes (they have no place in the data model).
Unknown partner codes are kept: customs use codes the reference table may not have yet; they
get a country row "<code> (non déterminé)" in zone "Non déterminé".

Duplicate policy: rows that share (year, flow, département, A129 product, partner) are summed,
because that is how months, quarters and CPF4 products add up to the data model's grain. Rows
that share the key at the file's own level of detail (same period, same product code as
written) are refused: it is the same figure twice (a file loaded twice, or inside and outside
an archive), and summing it would double a value silently.

No Streamlit here: the page ``pages/sources.py`` calls ``load_trade`` and ``load_territoires``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core import ingest_columns as cols
from core import store, tables
from core.demo import Reference, write_database
from core.formatting import format_number
from core.ingest_read import IngestError, RawTable, Source, expand, read_tables
from core.reference import ZONE_UNKNOWN

__all__ = ["IngestError", "LoadReport", "Source", "load_territoires", "load_trade", "main"]

ProgressFn = Callable[[float, str], None]
MAX_MESSAGES_PER_RULE = 10
UNITS = ("milliers", "euros")
UNIT_LABELS = {"milliers": "milliers d'euros", "euros": "euros"}
FIELD_LABELS = {
    "year": "année",
    "period": "période",
    "flow": "flux",
    "dept": "département",
    "product": "produit (A129 ou CPF4)",
    "country": "pays partenaire",
    "value": "valeur",
    "export": "exportations",
    "import": "importations",
    "commune": "code commune",
    "name": "nom du territoire",
}
REASONS = {
    "total": "ligne de total ou de sous-total (écartée pour ne pas compter deux fois)",
    "empty_row": "ligne sans données (titre, note ou commentaire)",
    "empty_value": "valeur vide",
    "dept": "code département inconnu",
    "product": "code produit inconnu (ni A129 ni CPF4 d'un produit A129 de biens)",
    "country": "code pays vide",
}
# Test hook: seconds to wait between writing the build and publishing it, so that the
# interruption test can kill a load at the worst moment. Unset in normal use.
PAUSE_ENV = "COMEX_INGEST_PAUSE_BEFORE_PUBLISH"


# --- Report ------------------------------------------------------------------------------------


@dataclass
class FileReport:
    name: str
    layout: str
    unit: str = ""  # "milliers d'euros" / "euros"
    unit_source: str = ""  # "détectée dans l'en-tête « … »", "option --unit", "supposée…"
    rows_read: int = 0
    rows_kept: int = 0
    value_eur: int = 0  # kept rows
    value_read: int = 0  # every row read, set aside or not


@dataclass
class LoadReport:
    """What a load read, kept, set aside and stored; rendered on the page and the CLI."""

    kind: str  # "trade" or "territoires"
    files: list[FileReport] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)  # file, reason, code, rows, value
    unknown_partners: pd.DataFrame = field(default_factory=pd.DataFrame)  # code, rows, value_eur
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)  # year, flow, rows, value_eur
    territoires: pd.DataFrame = field(default_factory=pd.DataFrame)  # name, dept, n_communes
    rows_read: int = 0
    rows_kept: int = 0
    rows_stored: int = 0
    seconds: float = 0.0
    build: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return int(self.rejected["rows"].sum()) if not self.rejected.empty else 0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> list[str]:
        """A few French sentences for the top of the report."""
        n = format_number
        if self.kind == "territoires":
            lines = [
                f"{n(self.rows_read)} lignes lues, {n(self.rows_kept)} communes retenues ; "
                f"{n(len(self.territoires))} couples (territoire, département) enregistrés."
            ]
        else:
            lines = [
                f"{n(self.rows_read)} lignes lues, {n(self.rows_kept)} retenues, "
                f"{n(self.rows_rejected)} écartées ; {n(self.rows_stored)} lignes enregistrées "
                "après cumul des mois, trimestres et produits CPF4 par année et produit A129."
            ]
            for f in self.files:
                lines.append(f"« {f.name} » ({f.layout}) : unité {f.unit}, {f.unit_source}.")
        seconds = f"{self.seconds:.1f}".replace(".", ",")
        lines.append(
            f"Durée : {seconds} s, soit {n(round(self.rows_per_second))} lignes par seconde."
        )
        return lines + self.notes

    def table(self) -> tables.Table:
        """The whole report as one table (shown on the page, downloadable as CSV and XLSX)."""
        rows: list[tuple[str, str, str, int, int | None]] = []
        for f in self.files:
            rows.append(("Fichier lu", f.name, f"{f.layout} ; unité : {f.unit} ({f.unit_source})",
                         f.rows_read, f.value_read if self.kind == "trade" else None))  # fmt: skip
        if self.kind == "trade":
            kept = sum(f.value_eur for f in self.files)
            rows.append(("Lignes retenues", "", "", self.rows_kept, kept))
            for r in self.rejected.itertuples(index=False):
                detail = f"{r.reason} : « {r.code} »" if r.code else r.reason
                rows.append(("Lignes écartées", r.file, detail, int(r.rows), int(r.value_eur)))
            for r in self.unknown_partners.itertuples(index=False):
                rows.append(("Partenaire non déterminé (conservé)", "",
                             f"{r.code} (non déterminé)", int(r.rows), int(r.value_eur)))  # fmt: skip
            for r in self.totals.itertuples(index=False):
                label = "exportations" if r.flow == "export" else "importations"
                rows.append(("Total enregistré", "", f"{r.year} · {label}", int(r.rows),
                             int(r.value_eur)))  # fmt: skip
        else:
            for r in self.territoires.itertuples(index=False):
                rows.append(("Territoire d'industrie", "", f"{r.name} ({r.dept})",
                             int(r.n_communes), None))  # fmt: skip
        frame = pd.DataFrame(
            rows, columns=["Rubrique", "Fichier", "Détail", "Lignes", "Valeur (€)"]
        )
        if self.kind != "trade":
            frame = frame.drop(columns=["Valeur (€)"]).rename(columns={"Lignes": "Communes"})
        return tables.Table(
            frame,
            kinds={"Lignes": "int", "Communes": "int", "Valeur (€)": "eur"},
            view="rapport-chargement",
            caption="Rapport de chargement ; valeurs en euros, après conversion de l'unité "
            "des fichiers.",
        )


# --- Reading and validating trade files --------------------------------------------------------


@dataclass
class _Context:
    a129: set[str]
    depts: set[str]
    country_codes: set[str]
    country_names: dict[str, str]  # normalised French name → code
    unit_option: str | None


def _message(table: RawTable, line: int, column: str, value: str, what: str) -> str:
    return f"Fichier « {table.name} », ligne {line}, colonne « {column} » : {what} (« {value} »)."


def _rule_errors(
    table: RawTable, lines: np.ndarray, raw: pd.Series, mask: pd.Series, column: str, what: str
) -> list[str]:
    idx = np.flatnonzero(mask.to_numpy(dtype=bool))
    out = [_message(table, int(lines[i]), column, str(raw.iloc[i]), what) for i in idx[:MAX_MESSAGES_PER_RULE]]  # fmt: skip
    if len(idx) > MAX_MESSAGES_PER_RULE:
        out.append(
            f"Fichier « {table.name} », colonne « {column} » : {what}, "
            f"et {format_number(len(idx) - MAX_MESSAGES_PER_RULE)} autres lignes."
        )
    return out


def _file_flow(name: str) -> str | None:
    norm = cols.normalise(Path(name).name)
    has_e, has_i = "export" in norm, "import" in norm
    return "export" if has_e and not has_i else "import" if has_i and not has_e else None


def _unit(table: RawTable, header: str, ctx: _Context) -> tuple[str, str]:
    found = cols.unit_of_header(header)
    if found and ctx.unit_option and found != ctx.unit_option:
        raise IngestError(
            f"Fichier « {table.name} », ligne {table.header_line}, colonne « {header} » : "
            f"l'en-tête indique des {UNIT_LABELS[found]} mais l'unité demandée est "
            f"« {UNIT_LABELS[ctx.unit_option]} » ; retirez l'option ou corrigez le fichier."
        )
    if found:
        return found, f"détectée dans l'en-tête « {header} »"
    if ctx.unit_option:
        return ctx.unit_option, "fixée par l'option d'unité"
    return "milliers", "supposée (l'en-tête ne la précise pas ; unité des fichiers régionaux)"


def _parse_table(
    table: RawTable, ctx: _Context, report: FileReport
) -> tuple[pd.DataFrame, list[str]]:
    """Validated rows of one table (kept and set aside, ``reason`` says which) and errors."""
    found = cols.match_columns(table.header)
    header = table.header
    notes: list[str] = []
    frame = table.frame
    flow_fixed = None
    long = "value" in found and "flow" in found
    wide = "export" in found and "import" in found
    if not long and not wide and "value" in found:
        flow_fixed = _file_flow(table.name)
        long = flow_fixed is not None
        if long:
            notes.append(f"« {table.name} » : flux déduit du nom du fichier ({flow_fixed}).")
    if "year" not in found and "period" in found:
        years = frame[found["period"]].str.extract(r"^\s*((?:19|20)\d\d)", expand=False)
        if years.notna().all():
            found["year"] = found["period"]
            notes.append(f"« {table.name} » : année lue dans la colonne « {header[found['period']]} ».")  # fmt: skip
    missing = [f for f in cols.REQUIRED if f not in found]
    if not long and not wide:
        missing += ["flux", "valeur"] if "value" not in found else ["flux"]
    if missing:
        names = ", ".join(FIELD_LABELS.get(m, m) for m in missing)
        read = ", ".join(f"« {h} »" for h in header if h)
        raise IngestError(
            f"Fichier « {table.name} », ligne {table.header_line} : colonne(s) manquante(s) : "
            f"{names} (en-têtes lus : {read}). Noms acceptés : voir la liste des alias."
        )

    nonblank = frame.apply(lambda c: c.str.strip()).ne("").any(axis=1).to_numpy(dtype=bool)
    frame = frame[nonblank].reset_index(drop=True)
    lines = table.lines[nonblank]
    if frame.empty:
        return pd.DataFrame(), []
    parts = []
    if wide:
        notes.append(
            f"« {table.name} » : une colonne d'exportations et une d'importations ; chaque "
            "ligne porte deux valeurs, comptées chacune comme une ligne dans ce rapport."
        )
        for flow in ("export", "import"):
            parts.append((pd.Series(flow, index=frame.index), found[flow]))
    else:
        flow_raw = (
            pd.Series(flow_fixed, index=frame.index)
            if flow_fixed
            else frame[found["flow"]].astype(str)
        )
        parts.append((flow_raw, found["value"]))

    errors: list[str] = []
    out_frames = []
    for flow_raw, value_col in parts:
        value_header = header[value_col]
        unit, unit_source = _unit(table, value_header, ctx)
        report.unit, report.unit_source = UNIT_LABELS[unit], unit_source
        raw_value = frame[value_col]
        year_raw = frame[found["year"]]
        dept_raw, prod_raw = frame[found["dept"]], frame[found["product"]]
        country_raw = frame[found["country"]]
        period = frame[found["period"]].str.strip() if "period" in found else pd.Series("", index=frame.index)  # fmt: skip

        keys = pd.concat([dept_raw, prod_raw, country_raw], axis=1)
        empty_row = keys.apply(lambda c: c.str.strip().eq("")).all(axis=1) & raw_value.str.strip().eq("")  # fmt: skip
        total = (
            cols.is_total(dept_raw)
            | cols.is_total(prod_raw)
            | cols.is_total(country_raw)
            | cols.is_total(period)
            | cols.is_total(year_raw)
            | cols.is_total(flow_raw.astype(str))
        ) & ~empty_row
        checked = ~(empty_row | total)

        years = cols.by_unique(
            year_raw,
            lambda u: u.str.strip().str.replace(r"^(\d{4})(\.0+|\D.*)?$", r"\1", regex=True),
        )
        year_ok = years.str.fullmatch(r"\d{4}")
        year_num = (
            pd.to_numeric(years.where(year_ok, "0"), errors="coerce").fillna(0).astype("int64")
        )
        year_bad = checked & ~(year_ok & year_num.between(1990, 2100))
        errors += _rule_errors(table, lines, year_raw, year_bad, header[found["year"]],
                               "année invalide (quatre chiffres attendus)")  # fmt: skip

        flow = cols.flows(flow_raw) if not wide and not flow_fixed else flow_raw
        flow_bad = checked & flow.isna()
        if not wide and not flow_fixed:
            errors += _rule_errors(table, lines, flow_raw, flow_bad, header[found["flow"]],
                                   "code de flux inconnu (E, I, export, import… attendus)")  # fmt: skip

        euros, invalid, negative = cols.parse_values(raw_value, unit)
        empty_value = checked & raw_value.str.strip().eq("")
        errors += _rule_errors(table, lines, raw_value, checked & invalid, value_header,
                               "valeur non numérique")  # fmt: skip
        errors += _rule_errors(table, lines, raw_value, checked & negative, value_header,
                               "valeur négative")  # fmt: skip

        dept = cols.departements(dept_raw)
        product, product_kind = cols.products(prod_raw, ctx.a129)
        country = cols.countries(country_raw, ctx.country_names)

        reason = pd.Series(None, index=frame.index, dtype=object)
        code = pd.Series("", index=frame.index, dtype=object)

        # First reason wins: a total row is not also reported as an unknown code.
        for mask, key, codes in (
            (empty_row, "empty_row", None),
            (total, "total", None),
            (empty_value, "empty_value", None),
            (~dept.isin(ctx.depts), "dept", dept.fillna(dept_raw.str.strip())),
            (~product.isin(ctx.a129), "product", prod_raw.str.strip()),
            (country.str.strip().eq(""), "country", country_raw),
        ):
            hit = mask & reason.isna()
            reason[hit] = key
            if codes is not None:
                code[hit] = codes[hit].replace("", "(vide)")

        out_frames.append(
            pd.DataFrame(
                {
                    "file": table.name,
                    "line": lines,
                    "year": year_num.astype("int16"),
                    "period": period,
                    "flow": flow.fillna(""),
                    "dept": dept.fillna(""),
                    "product": product.fillna(""),
                    "product_src": prod_raw.str.strip().str.upper(),
                    "product_kind": product_kind,
                    "country": country,
                    "value_eur": euros,
                    "reason": reason,
                    "code": code,
                }
            )
        )
    out = pd.concat(out_frames, ignore_index=True)
    report.rows_read += int(len(frame))
    table.notes.extend(notes)
    return out, errors


def _duplicate_errors(rows: pd.DataFrame) -> list[str]:
    key = ["year", "period", "flow", "dept", "product_src", "country"]
    dup = rows[rows.duplicated(key, keep=False)]
    if dup.empty:
        return []
    out = []
    for _, group in list(dup.groupby(key, sort=False))[:MAX_MESSAGES_PER_RULE]:
        where = " et ".join(f"fichier « {f} », ligne {ln}" for f, ln in zip(group["file"], group["line"], strict=True))  # fmt: skip
        r = group.iloc[0]
        period = f", période {r.period}" if r.period else ""
        out.append(
            f"Clé en double ({where}) : {r.year}{period}, {r.flow}, département {r.dept}, "
            f"produit {r.product_src}, pays {r.country}. Une même ligne chargée deux fois "
            "serait comptée deux fois : retirez le doublon (fichier chargé deux fois ?)."
        )
    n = dup.groupby(key, sort=False).ngroups
    if n > MAX_MESSAGES_PER_RULE:
        out.append(f"… et {format_number(n - MAX_MESSAGES_PER_RULE)} autres clés en double.")
    return out


def _mixed_product_errors(rows: pd.DataFrame) -> list[str]:
    out = []
    kinds_of = rows[["file", "product_kind"]].drop_duplicates().groupby("file")["product_kind"]
    for name, kinds in kinds_of:
        if {"a129", "cpf"} <= set(kinds):
            group = rows[rows["file"] == name]
            a = group[group["product_kind"] == "a129"].iloc[0]
            c = group[group["product_kind"] == "cpf"].iloc[0]
            out.append(
                f"Fichier « {name} » : codes A129 (ligne {a.line} : « {a.product_src} ») et "
                f"CPF4 (ligne {c.line} : « {c.product_src} ») mélangés ; un fichier qui porte "
                "les deux niveaux compterait deux fois les mêmes échanges."
            )
    return out


def read_trade(
    sources: Sequence[Source], unit: str | None = None, progress: ProgressFn | None = None
) -> tuple[pd.DataFrame, LoadReport]:
    """Validate every file; return the trade rows at the data model's grain and the report.

    Raises ``IngestError`` with every message found (up to ten per rule and file).
    """
    if unit is not None and unit not in UNITS:
        raise IngestError(f"Unité « {unit} » inconnue : « milliers » ou « euros » attendu.")
    if not sources:
        raise IngestError("Aucun fichier à charger.")
    progress = progress or (lambda _f, _m: None)
    ref = Reference.load()
    ctx = _Context(
        a129=set(ref.products["code"]),
        depts=set(ref.depts["code"]),
        country_codes=set(ref.countries["code"]),
        country_names={
            cols.normalise(n): c
            for c, n in zip(ref.countries["code"], ref.countries["name_fr"], strict=True)
        },  # fmt: skip
        unit_option=unit,
    )
    report = LoadReport(kind="trade")
    parsed: list[pd.DataFrame] = []
    errors: list[str] = []
    expanded = [(src, member) for src in sources for member in expand(src)]
    for i, (_, member) in enumerate(expanded):
        progress(0.05 + 0.55 * i / len(expanded), f"lecture de {member.name}")
        for table in read_tables(member, cols.header_score):
            file_report = FileReport(table.name, table.layout)
            rows, errs = _parse_table(table, ctx, file_report)
            errors += errs
            report.notes += table.notes
            report.files.append(file_report)
            parsed.append(rows)
            if table.frame.empty or not len(rows):
                errors.append(f"Fichier « {table.name} » : aucune ligne de données sous l'en-tête.")
    if errors:
        raise IngestError(errors)
    progress(0.6, "contrôle des doublons et des codes")
    rows = pd.concat(parsed, ignore_index=True)
    kept_mask = rows["reason"].isna()
    kept = rows[kept_mask]
    errors = _mixed_product_errors(kept) + _duplicate_errors(kept)
    if errors:
        raise IngestError(errors)
    if kept.empty:
        raise IngestError("Aucune ligne exploitable dans les fichiers fournis.")

    for f in report.files:
        mine = kept[kept["file"] == f.name]
        f.rows_kept, f.value_eur = int(len(mine)), int(mine["value_eur"].sum())
        f.value_read = int(rows.loc[rows["file"] == f.name, "value_eur"].sum())
    set_aside = rows[~kept_mask]
    report.rejected = (
        set_aside.assign(reason=set_aside["reason"].map(REASONS))
        .groupby(["file", "reason", "code"], sort=False, as_index=False)
        .agg(rows=("line", "size"), value_eur=("value_eur", "sum"))
    )
    report.rows_read = int(len(rows))
    report.rows_kept = int(len(kept))
    unknown = kept[~kept["country"].isin(ctx.country_codes)]
    report.unknown_partners = (
        unknown.groupby("country", as_index=False)
        .agg(rows=("line", "size"), value_eur=("value_eur", "sum"))
        .rename(columns={"country": "code"})
    )
    trade = (
        kept.groupby(["year", "flow", "dept", "product", "country"], as_index=False, sort=True)[
            "value_eur"
        ]
        .sum()
        .astype({"value_eur": "int64"})
    )
    zero = int((trade["value_eur"] == 0).sum())
    if zero:
        report.notes.append(
            f"{format_number(zero)} cumuls de valeur nulle ne sont pas enregistrés (la base ne garde "
            "que les échanges non nuls)."
        )
        trade = trade[trade["value_eur"] != 0].reset_index(drop=True)
    return trade, report


# --- Writing builds ----------------------------------------------------------------------------


def _decode_metadata(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    meta: dict[str, object] = {}
    for key, value in con.execute("SELECT key, value FROM metadata").fetchall():
        try:
            meta[key] = json.loads(value)
        except ValueError:
            meta[key] = value
    return meta


@dataclass
class _Current:
    ref: Reference
    trade: pa.Table
    metadata: dict[str, object]


def _read_current(with_trade: bool = True) -> _Current | None:
    """The current build's tables (trade only if asked), or None when there is none yet."""
    path = store.current_build()
    if path is None:
        return None
    con = duckdb.connect(str(path), read_only=True)
    try:
        countries = con.sql("SELECT code, name_fr, iso3, eu27, zone FROM country").df()
        countries["iso3"] = countries["iso3"].fillna("")
        ref = Reference(
            depts=con.sql("SELECT code, name, region FROM departement").df(),
            regions=con.sql("SELECT code, name FROM region").df(),
            products=con.sql("SELECT * FROM product").df(),
            countries=countries,
            territoires=con.sql("SELECT name, dept, n_communes FROM territoire_industrie").df(),
        )
        sql = "SELECT year, flow, dept, product, country, value_eur FROM trade"
        trade = con.sql(sql if with_trade else sql + " LIMIT 0").to_arrow_table()
        return _Current(ref, trade, _decode_metadata(con))
    finally:
        con.close()


def _write_and_publish(
    kind: str,
    ref: Reference,
    trade: pa.Table,
    metadata: dict[str, object],
    progress: ProgressFn,
) -> Path:
    """Write a complete new build, then swap it in; on any failure delete the partial build."""
    path = store.new_build_path(kind)
    try:
        progress(0.75, "écriture de la nouvelle base")
        write_database(path, ref, trade, metadata)
        progress(0.95, "publication")
        pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
        if pause:
            time.sleep(pause)
        store.publish(path)
    except BaseException:
        # Never delete a build the stable link already points to (a failure after the swap).
        if store.current_build() != path.resolve():
            path.unlink(missing_ok=True)
            Path(str(path) + ".wal").unlink(missing_ok=True)
        raise
    progress(1.0, "terminé")
    return path


_COMPUTED_KEYS = ("rows", "year_min", "year_max", "countries_used")


def _top_names(sources: Iterable[Source]) -> list[str]:
    return [Path(s.name).name for s in sources]


def load_trade(
    sources: Sequence[Source],
    unit: str | None = None,
    merge: bool = False,
    progress: ProgressFn | None = None,
) -> LoadReport:
    """Validate, write a new build and publish it. Raises ``IngestError`` (nothing changed).

    ``merge`` keeps the current official rows of every (year, flow, département) the new files
    do not cover, so départements can be loaded one file at a time.
    """
    progress = progress or (lambda _f, _m: None)
    started = time.perf_counter()
    with _locked():
        progress(0.0, "lecture des fichiers")
        trade, report = read_trade(sources, unit, progress)
        current = _read_current(with_trade=merge)
        ref = current.ref if current else Reference.load()
        # Reference tables come from the project's files, except the Territoires d'industrie,
        # which a previous ANCT load may have replaced.
        fresh = Reference.load()
        ref = dataclasses.replace(fresh, territoires=ref.territoires)
        files = _top_names(sources)
        if merge:
            if current is None or current.metadata.get("source") != "official":
                raise IngestError(
                    "Fusion impossible : les données en place ne sont pas des données "
                    "officielles (rechargez tous les fichiers sans fusion)."
                )
            old = current.trade.to_pandas()
            covered = trade[["year", "flow", "dept"]].drop_duplicates()
            old = old.merge(covered, on=["year", "flow", "dept"], how="left", indicator=True)
            old = old[old["_merge"] == "left_only"].drop(columns="_merge")
            report.notes.append(
                f"Fusion : {format_number(len(old))} lignes déjà en place conservées pour les "
                "années, flux et départements que les nouveaux fichiers ne couvrent pas."
            )
            files = [*(current.metadata.get("files") or []), *files]
            trade = pd.concat([old, trade], ignore_index=True)
        known = set(ref.countries["code"])
        extra = sorted(set(trade["country"]) - known)
        if extra:
            ref = dataclasses.replace(
                ref,
                countries=pd.concat(
                    [
                        ref.countries,
                        pd.DataFrame(
                            {
                                "code": extra,
                                "name_fr": [f"{c} (non déterminé)" for c in extra],
                                "iso3": "",
                                "eu27": False,
                                "zone": ZONE_UNKNOWN,
                            }
                        ),
                    ],  # fmt: skip
                    ignore_index=True,
                ),
            )
        report.totals = (
            trade.groupby(["year", "flow"], as_index=False)
            .agg(rows=("value_eur", "size"), value_eur=("value_eur", "sum"))
            .sort_values(["year", "flow"])
        )
        report.rows_stored = int(len(trade))
        metadata: dict[str, object] = {
            "source": "official",
            "label": "Fichiers officiels DGDDI",
            "files": files,
            "units": sorted({f"{f.name} : {f.unit} ({f.unit_source})" for f in report.files}),
            "rows_read": report.rows_read,
            "rows_rejected": report.rows_rejected,
        }
        if current and "territoires_industrie" in current.metadata:
            metadata["territoires_industrie"] = current.metadata["territoires_industrie"]
        arrow = pa.Table.from_pandas(trade, preserve_index=False)
        path = _write_and_publish("official", ref, arrow, metadata, progress)
    report.build = str(path)
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _locked():
    try:
        with store.load_lock():
            yield
    except store.LoadInProgress as exc:
        raise IngestError(str(exc)) from exc


# --- Territoires d'industrie -------------------------------------------------------------------


def read_territoires(sources: Sequence[Source], depts: set[str]) -> tuple[pd.DataFrame, LoadReport]:
    """(name, dept, n_communes) from the ANCT list by commune, and the report."""
    report = LoadReport(kind="territoires")
    frames, errors = [], []
    for member in (m for s in sources for m in expand(s)):
        for table in read_tables(member, cols.ti_header_score):
            found = cols.match_columns(table.header, cols.TI_ALIASES, {})
            missing = [FIELD_LABELS[f] for f in ("commune", "name") if f not in found]
            if missing:
                read = ", ".join(f"« {h} »" for h in table.header if h)
                raise IngestError(
                    f"Fichier « {table.name} », ligne {table.header_line} : colonne(s) "
                    f"manquante(s) : {', '.join(missing)} (en-têtes lus : {read})."
                )
            frame = table.frame
            keep = frame.apply(lambda c: c.str.strip()).ne("").any(axis=1).to_numpy()
            frame, lines = frame[keep].reset_index(drop=True), table.lines[keep]
            report.files.append(FileReport(table.name, table.layout, rows_read=len(frame)))
            if frame.empty:
                errors.append(f"Fichier « {table.name} » : aucune ligne de données sous l'en-tête.")
                continue
            raw = frame[found["commune"]]
            name = frame[found["name"]].str.strip()
            commune = raw.str.strip().str.upper().str.replace(r"\.0+$", "", regex=True)
            # A spreadsheet drops the zero of "01001" → "1001".
            commune = commune.where(~commune.str.fullmatch(r"\d{4}"), "0" + commune)
            valid = commune.str.fullmatch(r"\d{5}|2[AB]\d{3}")
            dept = commune.str.slice(0, 2).where(~commune.str.startswith("97"), commune.str.slice(0, 3))  # fmt: skip
            col_c, col_n = table.header[found["commune"]], table.header[found["name"]]
            errors += _rule_errors(table, lines, raw, ~valid, col_c,
                                   "code commune INSEE invalide (5 caractères attendus)")  # fmt: skip
            errors += _rule_errors(table, lines, raw, valid & ~dept.isin(depts), col_c,
                                   "département de la commune inconnu")  # fmt: skip
            errors += _rule_errors(table, lines, name, name.eq(""), col_n, "nom de territoire vide")
            frames.append(pd.DataFrame({"name": name, "dept": dept, "commune": commune}))
            report.files[-1].rows_kept = len(frame)
    if errors:
        raise IngestError(errors)
    rows = pd.concat(frames, ignore_index=True)
    report.rows_read = report.rows_kept = int(len(rows))
    dup = int(rows.duplicated(["name", "commune"]).sum())
    if dup:
        report.notes.append(f"{format_number(dup)} lignes répétées (même commune, même territoire) comptées une fois.")  # fmt: skip
    ti = (
        rows.groupby(["name", "dept"], as_index=False)["commune"]
        .nunique()
        .rename(columns={"commune": "n_communes"})
        .sort_values(["dept", "name"], ignore_index=True)
    )
    report.territoires = ti
    report.notes.append(
        "Les territoires comptant moins de 5 communes dans un département n'y sont pas "
        "présentés comme principaux (règle des fiches ANCT)."
    )
    return ti, report


def load_territoires(sources: Sequence[Source], progress: ProgressFn | None = None) -> LoadReport:
    """Replace the Territoires d'industrie in a new build that copies everything else."""
    progress = progress or (lambda _f, _m: None)
    started = time.perf_counter()
    with _locked():
        progress(0.05, "lecture de la liste des Territoires d'industrie")
        current = _read_current()
        if current is None:
            raise IngestError("Aucune base de données en place : chargez d'abord des données.")
        ti, report = read_territoires(sources, set(current.ref.depts["code"]))
        ref = dataclasses.replace(current.ref, territoires=ti)
        meta = {k: v for k, v in current.metadata.items() if k not in _COMPUTED_KEYS}
        meta["territoires_industrie"] = {
            "files": _top_names(sources),
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "territoires": int(ti["name"].nunique()),
            "communes": report.rows_kept,
        }
        report.rows_stored = int(len(ti))
        path = _write_and_publish("ti", ref, current.trade, meta, progress)
    report.build = str(path)
    report.seconds = time.perf_counter() - started
    return report


def rollback() -> Path:
    """Make the previous build current again (under the load lock)."""
    with _locked():
        try:
            return store.rollback()
        except FileNotFoundError as exc:
            raise IngestError(str(exc)) from exc


# --- Command line ------------------------------------------------------------------------------


def text_progress(stream=None) -> ProgressFn:
    """A text progress bar: redrawn in place on a terminal, one line per step otherwise."""
    stream = stream or sys.stderr
    tty = stream.isatty()

    def show(fraction: float, message: str) -> None:
        done = int(round(fraction * 30))
        line = f"[{'#' * done}{'.' * (30 - done)}] {fraction:4.0%} {message}"
        if tty:
            stream.write(f"\r{line[:100]:<100}")
            if fraction >= 1:
                stream.write("\n")
        else:
            stream.write(line + "\n")
        stream.flush()

    return show


def _print_report(report: LoadReport) -> None:
    for line in report.summary():
        print(line)
    frame = report.table().frame
    with pd.option_context("display.max_rows", 500, "display.width", 160, "display.max_colwidth", 90):  # fmt: skip
        print(frame.to_string(index=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.ingest",
        description="Charge des fichiers officiels (DGDDI) dans une nouvelle version de la base.",
    )
    parser.add_argument("files", nargs="*", help="fichiers CSV, XLS, XLSX ou ZIP")
    parser.add_argument("--db", help="base à remplacer (…/comex.duckdb) ou son répertoire")
    parser.add_argument("--unit", choices=UNITS, help="unité des valeurs si l'en-tête ne la dit pas")  # fmt: skip
    parser.add_argument("--merge", action="store_true",
                        help="garder les départements, années et flux absents des fichiers")  # fmt: skip
    parser.add_argument("--territoires", action="store_true",
                        help="les fichiers sont la liste ANCT des Territoires d'industrie")  # fmt: skip
    parser.add_argument("--rollback", action="store_true", help="revenir à la version précédente")
    parser.add_argument("--rapport", help="écrire le rapport de chargement (CSV) dans ce fichier")
    args = parser.parse_args(argv)
    if args.db:
        db = Path(args.db)
        if db.suffix == ".duckdb" and db.name != store.LINK_NAME:
            parser.error(f"--db doit désigner un fichier nommé {store.LINK_NAME} ou un répertoire")
        os.environ["COMEX_DATA_DIR"] = str(db.parent if db.suffix == ".duckdb" else db)
        os.environ.pop("COMEX_DB", None)
    try:
        if args.rollback:
            path = rollback()
            print(f"Version précédente rétablie : {path}")
            return 0
        if not args.files:
            parser.error("indiquez au moins un fichier (ou --rollback)")
        sources = [Source.from_path(f) for f in args.files]
        progress = text_progress()
        if args.territoires:
            report = load_territoires(sources, progress)
        else:
            report = load_trade(sources, args.unit, args.merge, progress)
    except IngestError as exc:
        print("Chargement refusé, aucune donnée modifiée :", file=sys.stderr)
        for message in exc.messages:
            print(f"- {message}", file=sys.stderr)
        return 1
    _print_report(report)
    print(f"Nouvelle base publiée : {report.build}")
    if args.rapport:
        Path(args.rapport).write_bytes(tables.to_csv(report.table()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
