"""Reading uploaded or local files into raw text tables, before any validation.

The official files come as CSV, XLS, XLSX or ZIP archives of them, with unknown headers and,
sometimes, title lines above the header. This module turns each one into ``RawTable`` objects:
every cell as text, the header row found by looking for known column names, and the line (or
spreadsheet row) number of every data row so that validation messages can point at it.

Limits protect the server: a file larger than ``MAX_FILE_BYTES`` is refused before it is read,
and an archive whose members would expand beyond ``MAX_EXPANDED_BYTES`` is refused while it is
being expanded (declared sizes can lie, so bytes are counted as they come out).

No Streamlit here: the command line and the page share this code.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

MAX_FILE_BYTES = 300 * 1024 * 1024  # one official CSV for all départements is ≈ 60 MB
MAX_EXPANDED_BYTES = 1024 * 1024 * 1024  # everything inside one archive, once expanded
HEADER_SEARCH_ROWS = 30  # title lines a file may carry above its header
SEPARATORS = (";", "\t", ",")
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")


class IngestError(Exception):
    """A load refused; ``messages`` are French, each naming file, line, column and value."""

    def __init__(self, messages: str | Iterable[str]) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class Source:
    """A file to read: its display name and its bytes (from disk or from an upload)."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> Source:
        path = Path(path)
        if not path.is_file():
            raise IngestError(f"Fichier « {path} » introuvable.")
        size = path.stat().st_size
        check_size(path.name, size, max_bytes)
        return cls(path.name, path.read_bytes())


@dataclass
class RawTable:
    """One sheet or CSV: the header as written, the cells as text, the line of each row."""

    name: str  # "file.csv", "archive.zip/file.csv", "file.xlsx [Feuil1]"
    header: list[str]
    frame: pd.DataFrame  # columns 0..n-1, every cell a str ("" when empty)
    lines: np.ndarray  # 1-based line (CSV) or row (spreadsheet) number of each frame row
    layout: str  # "CSV, séparateur « ; », Windows-1252", "XLSX"…
    header_line: int = 1  # 1-based line (or row) of the header
    notes: list[str] = field(default_factory=list)


def check_size(name: str, size: int, max_bytes: int = MAX_FILE_BYTES) -> None:
    if size == 0:
        raise IngestError(f"Fichier « {name} » : le fichier est vide.")
    if size > max_bytes:
        raise IngestError(
            f"Fichier « {name} » : {size / 1e6:.1f} Mo, au-delà de la limite de "
            f"{max_bytes / 1e6:.0f} Mo par fichier."
        )


def expand(
    source: Source,
    max_bytes: int = MAX_FILE_BYTES,
    max_expanded: int = MAX_EXPANDED_BYTES,
) -> list[Source]:
    """The source itself, or the files inside a ZIP archive (one level, within the limits)."""
    check_size(source.name, len(source.data), max_bytes)
    if not _is_zip(source) or _is_xlsx(source.data):
        return [source]
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
    except zipfile.BadZipFile as exc:
        raise IngestError(f"Fichier « {source.name} » : archive ZIP illisible.") from exc
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not Path(info.filename).name.startswith(".")
    ]
    declared = sum(info.file_size for info in members)
    if declared > max_expanded:
        raise IngestError(
            f"Fichier « {source.name} » : l'archive se décompresse en {declared / 1e6:.0f} Mo, "
            f"au-delà de la limite de {max_expanded / 1e6:.0f} Mo."
        )
    out: list[Source] = []
    expanded = 0
    for info in members:
        name = f"{source.name}/{info.filename}"
        if info.filename.lower().endswith(".zip"):
            raise IngestError(
                f"Fichier « {name} » : archive dans une archive, non acceptée "
                "(décompressez-la d'abord)."
            )
        # Declared sizes can be forged: read at most what is still allowed, plus one byte.
        allowed = min(max_bytes, max_expanded - expanded)
        try:
            with archive.open(info) as member:
                data = member.read(allowed + 1)
        except (zipfile.BadZipFile, OSError) as exc:  # CRC or size mismatch: forged or damaged
            raise IngestError(f"Fichier « {name} » : archive ZIP corrompue ({exc}).") from exc
        if len(data) > allowed:
            raise IngestError(
                f"Fichier « {name} » : la décompression dépasse la limite "
                f"({allowed / 1e6:.0f} Mo) ; archive refusée."
            )
        expanded += len(data)
        check_size(name, len(data), max_bytes)
        out.append(Source(name, data))
    if not out:
        raise IngestError(f"Fichier « {source.name} » : l'archive ne contient aucun fichier.")
    return out


def _is_zip(source: Source) -> bool:
    return source.name.lower().endswith(".zip") or source.data[:4] == b"PK\x03\x04"


def _is_xlsx(data: bytes) -> bool:
    if data[:4] != b"PK\x03\x04":
        return False
    try:
        return "[Content_Types].xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return False


# --- Text files --------------------------------------------------------------------------------


def decode(source: Source) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (with or without BOM), else Windows-1252."""
    data = source.data
    if b"\x00" in data[:4096]:
        raise IngestError(
            f"Fichier « {source.name} » : encodage illisible (octets nuls : fichier binaire ou "
            "UTF-16 ?) ; enregistrez-le en CSV UTF-8 ou Windows-1252."
        )
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8 avec BOM" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(
            f"Fichier « {source.name} », ligne {line} : encodage illisible (octet "
            f"0x{data[exc.start]:02X}, ni UTF-8 ni Windows-1252)."
        ) from exc


HeaderScore = Callable[[list[str]], int]


def read_csv(source: Source, score: HeaderScore) -> RawTable:
    """Find separator and header line (the best-scoring one), then read every cell as text."""
    text, encoding = decode(source)
    if not text.strip():
        raise IngestError(f"Fichier « {source.name} » : le fichier est vide.")
    head_lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    best = (0, 0, ";", [""])  # score, line index, separator, header
    for sep in SEPARATORS:
        for idx, row in enumerate(csv.reader(head_lines, delimiter=sep)):
            points = score(row)
            if points > best[0]:
                best = (points, idx, sep, row)
    points, header_idx, sep, header = best
    if points == 0:
        first = head_lines[0] if head_lines else ""
        raise IngestError(
            f"Fichier « {source.name} », ligne 1 : aucune ligne d'en-tête reconnue dans les "
            f"{len(head_lines)} premières lignes (première ligne : « {first[:120]} »)."
        )
    header = [h.strip() for h in header]
    # Rows may carry more fields than the header (often a ";" at the end of each data line):
    # read as wide as the widest line (separators inside quotes only overestimate it), then
    # accept the extra fields only if they are empty. index_col=False stops pandas from
    # turning the first column into an index when every row is one field longer.
    body = pd.Series(text.splitlines()[header_idx + 1 :], dtype=str)
    counts = body.str.count(re.escape(sep))
    width = max(len(header), int(counts.max()) + 1) if len(counts) else len(header)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            names=list(range(width)),
            skiprows=header_idx + 1,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise IngestError(f"Fichier « {source.name} » : CSV illisible ({exc}).") from exc
    extra = frame.iloc[:, len(header) :]
    if extra.shape[1]:
        filled = extra.fillna("").apply(lambda c: c.str.strip()).ne("").any(axis=1).to_numpy()
        if filled.any():
            row = int(np.flatnonzero(filled)[0])
            raise IngestError(
                f"Fichier « {source.name} », ligne {row + header_idx + 2} : plus de champs que "
                f"de colonnes d'en-tête ({len(header)} colonnes)."
            )
        frame = frame.iloc[:, : len(header)]
    frame = frame.fillna("")
    lines = np.arange(len(frame), dtype=np.int64) + header_idx + 2
    sep_name = {"\t": "tabulation"}.get(sep, f"« {sep} »")
    return RawTable(
        source.name,
        header,
        frame,
        lines,
        f"CSV, séparateur {sep_name}, {encoding}",
        header_idx + 1,
    )


# --- Spreadsheets ------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would have typed (exact for numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # repr is the shortest string that reads back as the same float: 1234.567, not
        # 1234.5670000000000073; Decimal turns exponents (1e-05) into plain digits.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _sheet_table(
    name: str, rows: Iterator[list[object]], layout: str, score: HeaderScore
) -> RawTable | None:
    """Header = best-scoring row among the first ones; None when no header is recognised."""
    head: list[list[str]] = []
    for row in rows:
        head.append([cell_text(v) for v in row])
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    scores = [score(r) for r in head]
    if not scores or max(scores) == 0:
        return None
    header_idx = int(np.argmax(scores))
    header = head[header_idx]
    width = len(header)
    body = head[header_idx + 1 :]
    body.extend([cell_text(v) for v in row] for row in rows)
    body = [(r + [""] * width)[:width] for r in body]
    frame = pd.DataFrame(body, columns=list(range(width)), dtype=object).astype(str)
    lines = np.arange(len(frame), dtype=np.int64) + header_idx + 2
    return RawTable(name, header, frame, lines, layout, header_idx + 1)


def read_xlsx(source: Source, score: HeaderScore) -> list[RawTable]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise IngestError(f"Fichier « {source.name} » : classeur XLSX illisible.") from exc
    tables = []
    try:
        for ws in wb.worksheets:
            rows = (list(r) for r in ws.iter_rows(values_only=True))
            table = _sheet_table(f"{source.name} [{ws.title}]", rows, "XLSX", score)
            if table is not None:
                tables.append(table)
    finally:
        wb.close()
    return tables


def read_xls(source: Source, score: HeaderScore) -> list[RawTable]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=source.data, on_demand=True)
    except Exception as exc:  # xlrd.XLRDError and struct errors for a broken file
        raise IngestError(f"Fichier « {source.name} » : classeur XLS illisible.") from exc
    tables = []
    for sheet in book.sheets():
        rows = (sheet.row_values(i) for i in range(sheet.nrows))
        table = _sheet_table(f"{source.name} [{sheet.name}]", rows, "XLS", score)
        if table is not None:
            tables.append(table)
    return tables


def read_tables(source: Source, score: HeaderScore) -> list[RawTable]:
    """Every table of one (already expanded) file, whatever its format."""
    lower = source.name.lower()
    if lower.endswith((".xlsx", ".xlsm")) or _is_xlsx(source.data):
        tables = read_xlsx(source, score)
    elif lower.endswith(".xls") or source.data[:4] == b"\xd0\xcf\x11\xe0":
        tables = read_xls(source, score)
    else:
        return [read_csv(source, score)]
    if not tables:
        raise IngestError(
            f"Fichier « {source.name} » : aucune feuille n'a de ligne d'en-tête reconnue."
        )
    return tables
