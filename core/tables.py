"""Tables as shown and downloaded: one model, three renderings (screen, CSV, XLSX).

A ``Table`` is a DataFrame with French column names and raw numbers in the column's unit (M€
values exact to the euro, ratios as fractions), plus the kind of each column. The screen formats
the numbers the French way without changing them (sorting stays numeric).

The CSV holds what the screen shows, in a form French Excel opens with a double click: M€ with
the screen's one decimal, percentages as « 8,6 % » (not fractions), growth signed « +26,8 % »
(with an ASCII minus, which Excel reads as negative), whole euros and tonnes as numbers without
thousands separators, and codes that Excel would turn into numbers (``02``, ``0111``) written
``="02"`` so that they stay text. ``;`` separator, decimal comma, UTF-8 with BOM, CRLF line ends.
Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are prefixed with an apostrophe.

The XLSX holds the same rows with raw numbers (exact to the euro) under number formats that
display them as the screen does; codes are text cells. It is written by rustpy-xlsxwriter
(Rust), row by row, so a France-wide table takes seconds and little memory.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import pandas as pd
from rustpy_xlsxwriter import FastExcel, Format

from core.formatting import MINUS, format_eur, format_number, format_percent
from core.labels import slug
from core.periods import Period
from core.queries import PartnerBalance, ProductBreakdown, SankeyFlows

# growth: a signed percentage (+5,1 %, −7,2 %), for changes on a previous year or a period.
# code: text that looks like a number (département 02, CPF4 0111) and must stay text.
# tonnes: a mass in tonnes (one decimal); per_kg: euros per kilogram (two decimals).
Kind = Literal[
    "text", "code", "meur", "eur", "pct1", "pct2", "growth", "ratio", "int", "index", "tonnes",
    "per_kg",
]  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Excel number formats per kind (shown with the user's locale separators).
_XLSX_FORMATS = {
    "meur": "#,##0.0",
    "eur": "#,##0",
    "pct1": "0.0%",
    "pct2": "0.00%",
    "growth": "+0.0%;-0.0%;0.0%",
    "ratio": "0.00",
    "int": "0",
    "index": "0.00",
    "tonnes": "#,##0.0",
    "per_kg": "#,##0.00",
}
# Decimals of each numeric kind on screen and in the CSV.
_DECIMALS = {"meur": 1, "ratio": 2, "index": 2, "tonnes": 1, "per_kg": 2}


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    kinds: dict[str, Kind] = field(default_factory=dict)  # column → kind; others are text
    view: str = "tableau"  # used in file names: "partenaires", "produits-A38"…
    caption: str = ""  # unit and source line shown under the table

    def kind(self, column: str) -> Kind:
        return self.kinds.get(column, "text")


def display_value(value: object, kind: Kind) -> str:
    """How a cell reads on screen (French)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "meur":
        return format_number(float(value), 1)
    if kind == "eur":
        return format_eur(int(value))
    if kind == "pct1":
        return format_percent(float(value), 1)
    if kind == "pct2":
        return format_percent(float(value), 2)
    if kind == "growth":
        return format_percent(float(value), 1, signed=True)
    if kind == "tonnes":
        # One decimal tells small flows apart; large masses read better whole.
        return format_number(float(value), 0 if abs(float(value)) >= 1000 else 1)
    if kind in ("ratio", "index", "per_kg"):
        return format_number(float(value), _DECIMALS[kind])
    if kind == "int":
        return format_number(int(value), 0)
    return str(value)


def styled(table: Table) -> pd.io.formats.style.Styler:
    """A Styler whose display strings are French while the data stays numeric."""
    formats = {
        col: functools.partial(_display, kind=table.kind(col))
        for col in table.frame.columns
        if table.kind(col) not in ("text", "code")
    }
    return table.frame.style.format(formats, na_rep="–")


def _display(value: object, kind: Kind) -> str:
    return display_value(value, kind)


def neutralise(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


# Codes Excel would change on opening: leading zeros (02, 0111), or digits with an exponent.
_MANGLED_TEXT = r"^(0[0-9]+|[0-9]+[eE][0-9]+)$"


def _as_shown(values: pd.Series, kind: Kind) -> pd.Series:
    """The screen's text of each value (same rounding, same sign rules), in a form Excel reads
    as a number: no thousands separator, ASCII minus, a plain space before « % »."""
    shown = values.map(lambda v: display_value(v, kind))
    return (
        shown.str.replace("\u202f%", " %", regex=False)
        .str.replace("\u202f", "", regex=False)
        .str.replace("\u00a0", "", regex=False)
        .str.replace(MINUS, "-", regex=False)
    )


def _csv_column(values: pd.Series, kind: Kind) -> pd.Series:
    """One column as CSV text, as the screen shows it (a download may have hundreds of
    thousands of rows: whole numbers take a vectorised path)."""
    missing = values.isna()
    if len(values) == 0:
        return pd.Series([], dtype=object)
    if pd.api.types.is_bool_dtype(values):
        return values.map({True: "oui", False: "non"}).where(~missing, "")
    if kind in ("text", "code") or values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.astype(object).where(~missing, "").astype(str)
        risky = text.str.startswith(FORMULA_START)
        text = text.where(~risky, "'" + text)
        if kind == "code":
            # Excel would read 02 as 2 and 0111 as 111: a constant formula keeps the text.
            numeric = text.str.match(_MANGLED_TEXT)
            text = text.where(~numeric, '="' + text + '"')
        return text.where(~missing, "")
    numbers = values.astype("float64")
    if kind in ("int", "eur"):
        text = numbers.fillna(0).round().astype("int64").astype(str)
    else:
        text = _as_shown(numbers.fillna(0), kind)
    return text.where(~missing, "")


def csv_text(table: Table, header: bool) -> str:
    """The CSV text of a table (without BOM), with or without its header line."""
    frame = table.frame
    out = pd.DataFrame(
        {i: _csv_column(frame.iloc[:, i], table.kind(c)) for i, c in enumerate(frame.columns)}
    )
    out.columns = [neutralise(str(c)) for c in frame.columns]
    return out.to_csv(
        sep=";", index=False, header=header, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
    )


def to_csv(table: Table) -> bytes:
    """`;`-separated, decimal comma, UTF-8 with BOM, CRLF; formulas neutralised."""
    return "\ufeff".encode() + csv_text(table, header=True).encode("utf-8")


def to_csv_parts(parts: Iterable[Table]) -> bytes:
    """The CSV of consecutive parts of one table (same columns), as if it were one table:
    a large download is converted piece by piece instead of all at once."""
    out = io.BytesIO()
    out.write("\ufeff".encode())
    for i, part in enumerate(parts):
        out.write(csv_text(part, header=i == 0).encode("utf-8"))
    return out.getvalue()


def to_xlsx(table: Table, sheet: str = "Données") -> bytes:
    """An Excel workbook with the same rows and raw numbers, formatted by column kind."""
    return to_xlsx_parts([table], sheet)


def to_xlsx_parts(parts: Iterable[Table], sheet: str = "Données") -> bytes:
    """The workbook of consecutive parts of one table (same columns) on one sheet, in memory.
    For a large table write it to a file with ``write_xlsx`` instead."""
    buffer = io.BytesIO()
    write_xlsx(parts, buffer, sheet)
    return buffer.getvalue()


def write_xlsx(
    parts: Iterable[Table], target: str | Path | BinaryIO, sheet: str = "Données"
) -> int:
    """Write consecutive parts of one table (same columns) as one sheet to ``target`` (a path
    or a binary file), streaming row by row; returns the number of data rows written."""
    parts = iter(parts)
    first = next(parts, None)
    if first is None:
        first = Table(pd.DataFrame())
    columns = [neutralise(str(c)) for c in first.frame.columns]
    kinds = [first.kind(c) for c in first.frame.columns]
    written = 0

    def rows() -> Iterator[dict[str, object]]:
        nonlocal written
        for part in itertools.chain([first], parts):
            values = []
            for column, kind in zip(part.frame.columns, kinds, strict=True):
                series = part.frame[column]
                if kind in ("text", "code") or series.dtype == object:
                    cells = [
                        None if _missing(v) else (("oui" if v else "non") if isinstance(v, bool)
                                                  else neutralise(str(v)))
                        for v in series.tolist()
                    ]  # fmt: skip
                elif pd.api.types.is_bool_dtype(series):
                    cells = ["oui" if v else "non" for v in series.tolist()]
                else:
                    floats = series.astype("float64")
                    if kind in ("int", "eur"):
                        cells = [None if math.isnan(v) else int(v) for v in floats.tolist()]
                    else:
                        cells = [None if math.isnan(v) else v for v in floats.tolist()]
                values.append(cells)
            for row in zip(*values, strict=True):
                written += 1
                yield dict(zip(columns, row, strict=True))

    formats = {
        column: Format().set_num_format(_XLSX_FORMATS[kind])
        for column, kind in zip(columns, kinds, strict=True)
        if kind in _XLSX_FORMATS
    }
    widths = {column: min(max(len(column), 10) + 2, 60) for column in columns}
    # An empty generator gives rustpy no header: peek, and write an empty frame instead.
    stream = rows()
    head = next(stream, None)
    data: object = (
        pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        if head is None
        else itertools.chain([head], stream)
    )
    workbook = FastExcel(target, columns=columns).freeze(row=1, col=0)
    workbook.sheet(sheet[:31], data, column_formats=formats, column_widths=widths).save()
    return written


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def file_name(
    view: str, territory_code: str, territory_name: str, period: Period | int, ext: str
) -> str:
    """`partenaires_93-seine-saint-denis_2024.csv`, `…_2025-T1-T2.csv`: view, territory and
    period."""
    when = period.slug if isinstance(period, Period) else str(period)
    return f"{slug(view)}_{slug(territory_code)}-{slug(territory_name)}_{when}.{ext}"


def meur(values: pd.Series) -> pd.Series:
    """Euros → millions of euros, exact (no rounding: the screen rounds, files keep it all)."""
    return values.astype("float64") / 1e6


# Key figures per territory or per year: the columns and kinds every page writes the same way.
KPI_KINDS: dict[str, Kind] = {
    "Exportations (M€)": "meur",
    "Importations (M€)": "meur",
    "Solde (M€)": "meur",
    "Taux de couverture": "pct1",
    "Évolution des exportations": "growth",
    "Évolution des importations": "growth",
}


def kpi_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """French key-figure columns from ``exports``, ``imports``, ``balance`` and ``coverage``
    (euros, ratio), with ``growth_exports`` and ``growth_imports`` where ``frame`` has them."""
    columns = {
        "Exportations (M€)": meur(frame["exports"]),
        "Importations (M€)": meur(frame["imports"]),
        "Solde (M€)": meur(frame["balance"]),
        "Taux de couverture": frame["coverage"].astype("float64"),
    }
    for flow, name in (("exports", "exportations"), ("imports", "importations")):
        if f"growth_{flow}" in frame.columns:
            columns[f"Évolution des {name}"] = frame[f"growth_{flow}"].astype("float64")
    return columns


# --- The tables of the analysis pages -------------------------------------------------------
MEUR_CAPTION = (
    "Valeurs en millions d'euros courants, arrondies au dixième comme à l'écran (exactes à "
    "l'euro dans le fichier Excel)."
)
MASS_CAPTION = (
    "Masses en tonnes ; valeur au kilogramme en euros (– quand la masse est nulle, comme pour "
    "l'électricité)."
)
FLOW_WORDS = {"export": "Exportations", "import": "Importations"}
MASS_KINDS: dict[str, Kind] = {
    "Importations (t)": "tonnes",
    "Exportations (t)": "tonnes",
    "Importations (€/kg)": "per_kg",
    "Exportations (€/kg)": "per_kg",
}


def mass_columns(t: pd.DataFrame) -> dict[str, pd.Series]:
    """Tonnes and euros per kilogram of each flow, from ``imports_kg``, ``exports_kg``,
    ``imports_per_kg`` and ``exports_per_kg`` (see ``queries``)."""
    return {
        "Importations (t)": t["imports_kg"].astype("float64") / 1000,
        "Exportations (t)": t["exports_kg"].astype("float64") / 1000,
        "Importations (€/kg)": t["imports_per_kg"],
        "Exportations (€/kg)": t["exports_per_kg"],
    }


def partner_table(balance: PartnerBalance, view: str = "partenaires") -> Table:
    """Country, zone, imports, exports, balance, coverage and shares of the territory's total."""
    t = balance.table
    frame = pd.DataFrame(
        {
            "Pays": t["name"],
            "Code": t["code"],
            "Zone": t["zone"],
            "UE 27": t["eu27"].map({True: "oui", False: "non"}),
            "Importations (M€)": meur(t["imports"]),
            "Exportations (M€)": meur(t["exports"]),
            "Solde (M€)": meur(t["balance"]),
            "Taux de couverture": t["coverage"],
            "Part des importations": t["share_imports"],
            "Part des exportations": t["share_exports"],
            **mass_columns(t),
        }
    )
    kinds: dict[str, Kind] = {
        "Code": "code",
        "Importations (M€)": "meur",
        "Exportations (M€)": "meur",
        "Solde (M€)": "meur",
        "Taux de couverture": "pct1",
        "Part des importations": "pct1",
        "Part des exportations": "pct1",
        **MASS_KINDS,
    }
    caption = (
        f"{MEUR_CAPTION} Taux de couverture : exportations rapportées aux importations ; "
        f"parts dans le total du territoire, tous pays confondus. {MASS_CAPTION}"
    )
    return Table(frame.reset_index(drop=True), kinds, view, caption)


def product_table(breakdown: ProductBreakdown, view: str | None = None) -> Table:
    """One row per product of the breakdown's level, with its parents when it has any."""
    t = breakdown.table
    columns: dict[str, pd.Series] = {
        f"Code {breakdown.level}": t["code"],
        "Produit": t["label"],
    }
    columns |= {
        "Importations (M€)": meur(t["imports"]),
        "Exportations (M€)": meur(t["exports"]),
        "Solde (M€)": meur(t["balance"]),
        "Part des importations": t["share_imports"],
        "Part des exportations": t["share_exports"],
        **mass_columns(t),
    }
    # Parents last: long labels would push the figures out of sight.
    if breakdown.level == "CPF4":
        columns["Produit A129"] = t["a129"] + " – " + t["a129_label"]
    if breakdown.level in ("A129", "CPF4"):
        columns["Branche A38"] = t["a38"] + " – " + t["a38_label"]
    if breakdown.level in ("A38", "A129", "CPF4"):
        columns["Secteur A17"] = t["a17"] + " – " + t["a17_label"]
    kinds: dict[str, Kind] = {
        f"Code {breakdown.level}": "code",
        "Importations (M€)": "meur",
        "Exportations (M€)": "meur",
        "Solde (M€)": "meur",
        "Part des importations": "pct1",
        "Part des exportations": "pct1",
        **MASS_KINDS,
    }
    return Table(
        pd.DataFrame(columns).reset_index(drop=True),
        kinds,
        view or f"produits-{breakdown.level}",
        f"{MEUR_CAPTION} Parts calculées sur le total du territoire pour chaque flux. "
        f"{MASS_CAPTION}",
    )


def flow_table(flows: SankeyFlows, view: str | None = None) -> Table:
    """The links of a Sankey: origin, destination, value, share of the total, top-5 flag."""
    links = flows.links
    product_side = "Produit" if flows.flow == "export" else "Pays d'origine"
    country_side = "Pays de destination" if flows.flow == "export" else "Produit"
    total = flows.total or 1
    frame = pd.DataFrame(
        {
            product_side: links["source_label"],
            country_side: links["target_label"],
            "Valeur (M€)": meur(links["value"]),
            "Part du total": links["value"] / total,
            "Parmi les 5 principaux flux": links["top"].map({True: "oui", False: "non"}),
        }
    )
    return Table(
        frame.reset_index(drop=True),
        {"Valeur (M€)": "meur", "Part du total": "pct1"},
        view or f"flux-{flows.flow}",
        f"{MEUR_CAPTION} « Autres » regroupe les produits et les pays au-delà des premiers "
        "de chaque côté ; les flux s'additionnent au total.",
    )


# Value early so the grid shows it without scrolling sideways.
ROW_COLUMNS = {
    "year": "Année",
    "quarter": "Trimestre",
    "flow": "Flux",
    "country": "Pays",
    "country_name": "Nom du pays",
    "product": "Produit (CPF4)",
    "product_label": "Libellé du produit",
    "value_eur": "Valeur (€)",
    "mass_kg": "Masse (kg)",
    "dept": "Département",
    "dept_name": "Nom du département",
    "a129": "Produit (A129)",
    "a38": "Branche (A38)",
    "a17": "Secteur (A17)",
}
ROW_KINDS: dict[str, Kind] = {
    "Année": "code",
    "Trimestre": "code",
    "Valeur (€)": "eur",
    "Masse (kg)": "eur",
    "Pays": "code",
    "Produit (CPF4)": "code",
    "Département": "code",
    "Produit (A129)": "code",
    "Branche (A38)": "code",
    "Secteur (A17)": "code",
}


def rows_table(rows: pd.DataFrame, view: str = "donnees") -> Table:
    """The detail rows (``queries.trade_rows``) with French names; values in whole euros and
    masses in kilograms, as the customs publish them. France's rows have no département."""
    present = {k: v for k, v in ROW_COLUMNS.items() if k in rows.columns}
    frame = rows.rename(columns=present)[list(present.values())].copy()
    frame["Flux"] = frame["Flux"].map(FLOW_WORDS).fillna(frame["Flux"])
    grain = (
        "une ligne par trimestre, flux, département, produit CPF4 et pays"
        if "dept" in rows.columns
        else "une ligne par trimestre, flux, produit CPF4 et pays (France entière : "
        "départements sommés)"
    )
    return Table(
        frame.reset_index(drop=True),
        {k: v for k, v in ROW_KINDS.items() if k in frame.columns},
        view,
        f"Valeurs en euros courants, masses en kilogrammes ; {grain}.",
    )


GROUPINGS = {
    "pays": (["country", "country_name"], ["Pays", "Nom du pays"]),
    "produits": (["product", "product_label"], ["Produit (CPF4)", "Libellé du produit"]),
}


def grouped_rows_table(rows: pd.DataFrame, by: str, view: str | None = None) -> Table:
    """The rows summed by partner (``by="pays"``) or by product (``by="produits"``):
    imports, exports, balance, row count; the sums equal the rows' totals.

    ``rows`` are detail rows (``queries.trade_rows``) or rows already summed in SQL
    (``queries.trade_rows_grouped``, whose ``n`` column counts the detail rows)."""
    keys, names = GROUPINGS[by]  # KeyError for anything off the allowlist
    if rows.empty:
        rows = pd.DataFrame({**{k: pd.Series(dtype="str") for k in keys},
                             "flow": pd.Series(dtype="str"),
                             "value_eur": pd.Series(dtype="int64")})  # fmt: skip
    if "n" not in rows.columns:
        rows = rows.assign(n=1)
    if "mass_kg" not in rows.columns:
        rows = rows.assign(mass_kg=pd.NA)
    wide = (
        rows.pivot_table(index=keys, columns="flow", values="value_eur", aggfunc="sum")
        .reindex(columns=["import", "export"])
        .fillna(0)
        .astype("int64")
        .reset_index()
    )
    mass = (
        rows.assign(mass_kg=rows["mass_kg"].astype("float64"))
        .pivot_table(index=keys, columns="flow", values="mass_kg", aggfunc="sum")
        .reindex(columns=["import", "export"])
        .add_suffix("_kg")
        .reset_index()
    )
    counts = rows.groupby(keys)["n"].sum().reset_index()
    wide = wide.merge(mass, on=keys, how="left").merge(counts, on=keys, how="left")
    wide = wide.assign(_volume=wide["import"] + wide["export"])
    wide = wide.sort_values(["_volume", keys[0]], ascending=[False, True])
    frame = pd.DataFrame(
        {
            names[0]: wide[keys[0]],
            names[1]: wide[keys[1]],
            "Importations (€)": wide["import"],
            "Exportations (€)": wide["export"],
            "Solde (€)": wide["export"] - wide["import"],
            "Importations (t)": wide["import_kg"] / 1000,
            "Exportations (t)": wide["export_kg"] / 1000,
            "Nombre de lignes": wide["n"],
        }
    )
    return Table(
        frame.reset_index(drop=True),
        {
            names[0]: "code",
            "Importations (€)": "eur",
            "Exportations (€)": "eur",
            "Solde (€)": "eur",
            "Importations (t)": "tonnes",
            "Exportations (t)": "tonnes",
            "Nombre de lignes": "int",
        },
        view or f"donnees-par-{by}",
        "Valeurs en euros courants, masses en tonnes, sommes des lignes correspondant aux filtres.",
    )
