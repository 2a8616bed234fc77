"""Tables as shown and downloaded: one model, three renderings (screen, CSV, XLSX).

A ``Table`` is a DataFrame with French column names and raw numbers in the column's unit (M€
values exact to the euro, ratios as fractions), plus the kind of each numeric column. The screen
formats the numbers the French way without changing them (sorting stays numeric); the CSV and
XLSX files hold the same rows, columns and numbers.

CSV for French Excel: ``;`` separator, decimal comma, no thousands separator, UTF-8 with BOM,
CRLF line ends. Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from core.formatting import format_eur, format_number, format_percent
from core.queries import PartnerBalance, ProductBreakdown, SankeyFlows

# growth: a signed percentage (+5,1 %, −7,2 %), for changes on a previous year or a period.
Kind = Literal["text", "meur", "eur", "pct1", "pct2", "growth", "ratio", "int", "index"]
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
}


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
    if kind in ("ratio", "index"):
        return format_number(float(value), 2)
    if kind == "int":
        return format_number(int(value), 0)
    return str(value)


def styled(table: Table) -> pd.io.formats.style.Styler:
    """A Styler whose display strings are French while the data stays numeric."""
    formats = {
        col: functools.partial(_display, kind=table.kind(col))
        for col in table.frame.columns
        if table.kind(col) != "text"
    }
    return table.frame.style.format(formats, na_rep="–")


def _display(value: object, kind: Kind) -> str:
    return display_value(value, kind)


def neutralise(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(value: object, kind: Kind) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "text" or isinstance(value, str):
        return neutralise(str(value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if kind in ("int", "eur"):
        return str(int(value))
    # repr of a float is the shortest exact form: no figure is lost or invented.
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{float(value):.12f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _csv_column(values: pd.Series, kind: Kind) -> pd.Series:
    """One column as CSV text, vectorised (a France-level download has ~700 000 rows)."""
    missing = values.isna()
    if kind == "text" or values.dtype == object or pd.api.types.is_string_dtype(values):
        if pd.api.types.is_bool_dtype(values):
            return values.map({True: "oui", False: "non"}).where(~missing, "")
        text = values.astype(object).where(~missing, "").astype(str)
        risky = text.str.startswith(FORMULA_START)
        return text.where(~risky, "'" + text)
    if pd.api.types.is_bool_dtype(values):
        return values.map({True: "oui", False: "non"})
    if kind in ("int", "eur"):
        text = values.astype("float64").fillna(0).round().astype("int64").astype(str)
    else:
        text = values.astype("float64").map(lambda v: _csv_cell(v, kind))
    return text.where(~missing, "")


def _csv_text(table: Table, header: bool) -> str:
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
    return "\ufeff".encode() + _csv_text(table, header=True).encode("utf-8")


def to_csv_parts(parts: Iterable[Table]) -> bytes:
    """The CSV of consecutive parts of one table (same columns), as if it were one table:
    a large download is converted piece by piece instead of all at once."""
    out = io.BytesIO()
    out.write("\ufeff".encode())
    for i, part in enumerate(parts):
        out.write(_csv_text(part, header=i == 0).encode("utf-8"))
    return out.getvalue()


def to_xlsx(table: Table, sheet: str = "Données") -> bytes:
    """An Excel workbook with the same rows and raw numbers, formatted by column kind."""
    return to_xlsx_parts([table], sheet)


def to_xlsx_parts(parts: Iterable[Table], sheet: str = "Données") -> bytes:
    """The workbook of consecutive parts of one table (same columns) on one sheet.

    Written in openpyxl's streaming mode so that a France-level download (hundreds of thousands
    of rows) stays within memory.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    for i, part in enumerate(parts):
        if i == 0:
            _xlsx_header(ws, part)
        _xlsx_rows(ws, part)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _xlsx_header(ws: object, table: Table) -> None:
    for idx, column in enumerate(table.frame.columns, start=1):
        width = max(len(str(column)), 10) + 2
        ws.column_dimensions[get_column_letter(idx)].width = min(width, 60)
    ws.freeze_panes = "A2"
    ws.append([neutralise(str(c)) for c in table.frame.columns])


def _xlsx_rows(ws: object, table: Table) -> None:
    kinds = [table.kind(c) for c in table.frame.columns]
    for row in table.frame.itertuples(index=False, name=None):
        out: list[object] = []
        for value, kind in zip(row, kinds, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                out.append(None)
            elif kind == "text" or isinstance(value, str):
                out.append(neutralise(str(value)))
            elif isinstance(value, bool):
                out.append("oui" if value else "non")
            else:
                cell = WriteOnlyCell(ws, int(value) if kind in ("int", "eur") else float(value))
                if kind in _XLSX_FORMATS:
                    cell.number_format = _XLSX_FORMATS[kind]
                out.append(cell)
        ws.append(out)


def slug(text: str) -> str:
    """`Val-d'Oise` → `val-d-oise`; `Île-de-France` → `ile-de-france`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def file_name(view: str, territory_code: str, territory_name: str, year: int, ext: str) -> str:
    """`partenaires_93-seine-saint-denis_2024.csv`: says view, territory and year."""
    return f"{slug(view)}_{slug(territory_code)}-{slug(territory_name)}_{year}.{ext}"


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
MEUR_CAPTION = "Valeurs en millions d'euros courants (exactes à l'euro dans les fichiers)."
FLOW_WORDS = {"export": "Exportations", "import": "Importations"}


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
        }
    )
    kinds: dict[str, Kind] = {
        "Importations (M€)": "meur",
        "Exportations (M€)": "meur",
        "Solde (M€)": "meur",
        "Taux de couverture": "pct1",
        "Part des importations": "pct1",
        "Part des exportations": "pct1",
    }
    caption = (
        f"{MEUR_CAPTION} Taux de couverture : exportations rapportées aux importations ; "
        "parts dans le total du territoire, tous pays confondus."
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
    }
    # Parents last: long labels would push the figures out of sight.
    if breakdown.level == "A129":
        columns["Branche A38"] = t["a38"] + " – " + t["a38_label"]
    if breakdown.level in ("A38", "A129"):
        columns["Secteur A17"] = t["a17"] + " – " + t["a17_label"]
    kinds: dict[str, Kind] = {
        "Importations (M€)": "meur",
        "Exportations (M€)": "meur",
        "Solde (M€)": "meur",
        "Part des importations": "pct1",
        "Part des exportations": "pct1",
    }
    return Table(
        pd.DataFrame(columns).reset_index(drop=True),
        kinds,
        view or f"produits-{breakdown.level}",
        f"{MEUR_CAPTION} Parts calculées sur le total du territoire pour chaque flux.",
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
    "flow": "Flux",
    "country": "Pays",
    "country_name": "Nom du pays",
    "product": "Produit (A129)",
    "product_label": "Libellé du produit",
    "value_eur": "Valeur (€)",
    "dept": "Département",
    "dept_name": "Nom du département",
    "a38": "Branche (A38)",
    "a17": "Secteur (A17)",
}


def rows_table(rows: pd.DataFrame, view: str = "donnees") -> Table:
    """The detail rows (``queries.trade_rows``) with French names; values in whole euros."""
    frame = rows.rename(columns=ROW_COLUMNS)[list(ROW_COLUMNS.values())].copy()
    frame["Flux"] = frame["Flux"].map(FLOW_WORDS).fillna(frame["Flux"])
    return Table(
        frame.reset_index(drop=True),
        {"Année": "int", "Valeur (€)": "eur"},
        view,
        "Valeurs en euros courants ; une ligne par flux, département, produit A129 et pays.",
    )


GROUPINGS = {
    "pays": (["country", "country_name"], ["Pays", "Nom du pays"]),
    "produits": (["product", "product_label"], ["Produit (A129)", "Libellé du produit"]),
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
    wide = (
        rows.pivot_table(index=keys, columns="flow", values="value_eur", aggfunc="sum")
        .reindex(columns=["import", "export"])
        .fillna(0)
        .astype("int64")
        .reset_index()
    )
    counts = rows.groupby(keys)["n"].sum().reset_index()
    wide = wide.merge(counts, on=keys, how="left")
    wide = wide.assign(_volume=wide["import"] + wide["export"])
    wide = wide.sort_values(["_volume", keys[0]], ascending=[False, True])
    frame = pd.DataFrame(
        {
            names[0]: wide[keys[0]],
            names[1]: wide[keys[1]],
            "Importations (€)": wide["import"],
            "Exportations (€)": wide["export"],
            "Solde (€)": wide["export"] - wide["import"],
            "Nombre de lignes": wide["n"],
        }
    )
    return Table(
        frame.reset_index(drop=True),
        {
            "Importations (€)": "eur",
            "Exportations (€)": "eur",
            "Solde (€)": "eur",
            "Nombre de lignes": "int",
        },
        view or f"donnees-par-{by}",
        "Valeurs en euros courants, sommes des lignes correspondant aux filtres.",
    )
