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
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.formatting import format_eur, format_number, format_percent

Kind = Literal["text", "meur", "eur", "pct1", "pct2", "ratio", "int", "index"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Excel number formats per kind (shown with the user's locale separators).
_XLSX_FORMATS = {
    "meur": "#,##0.0",
    "eur": "#,##0",
    "pct1": "0.0%",
    "pct2": "0.00%",
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
    return table.frame.style.format(formats)


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


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(str(c)) for c in table.frame.columns])
    kinds = [table.kind(c) for c in table.frame.columns]
    for row in table.frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v, k) for v, k in zip(row, kinds, strict=True)])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def to_xlsx(table: Table, sheet: str = "Données") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([neutralise(str(c)) for c in table.frame.columns])
    kinds = [table.kind(c) for c in table.frame.columns]
    for row in table.frame.itertuples(index=False, name=None):
        out = []
        for value, kind in zip(row, kinds, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                out.append(None)
            elif kind == "text" or isinstance(value, str):
                out.append(neutralise(str(value)))
            elif isinstance(value, bool):
                out.append("oui" if value else "non")
            else:
                out.append(int(value) if kind in ("int", "eur") else float(value))
        ws.append(out)
    for idx, kind in enumerate(kinds, start=1):
        letter = get_column_letter(idx)
        width = max(len(str(table.frame.columns[idx - 1])), 10) + 2
        ws.column_dimensions[letter].width = min(width, 60)
        if kind in _XLSX_FORMATS:
            for cell in ws[letter][1:]:
                cell.number_format = _XLSX_FORMATS[kind]
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


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
