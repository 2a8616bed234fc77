"""Layouts: which file is which, and its cells as text columns with the line of every row.

Two families, recognised from the content with no option to pass:

- **the customs' published layout** (``OFFICIAL``): no header, ten ``;``-separated fields
  ``flux;trimestre;année;département;région;A129;CPF4;pays;valeur;masse``, values in euros,
  mass in kilograms, UTF-8, CRLF or LF (``../shared/OFFICIAL_DATA.md``). A file is taken for
  it when most of its first lines have that shape (first field ``E``/``I``, a quarter 1–4, a
  four-digit year, a département code), so a broken line among good ones is reported as a
  broken line of that layout, with its field, not as an unknown format. It is read with
  pyarrow's multithreaded CSV reader; a file with blank lines, lone carriage returns or rows of
  the wrong width is re-read line by line so that every line number is exact.
- **files with a header row** (CSV with ``;``, tab or ``,``; XLS; XLSX): columns matched
  loosely (``core.load.headers``), values in euros, thousands or millions of euros as the
  header says, months or quarters (a file with years only is refused: the data model is
  quarterly and a year cannot be split into quarters without inventing figures), CPF4 or A129
  products, or one column of exports and one of imports. CSV is read with the ``csv`` module,
  which counts physical lines, so a quoted line break never shifts a line number; spreadsheets
  are read with python-calamine once ``read.check_xlsx`` has checked every part's size.

The output is a ``RawTable`` per file or sheet: text columns named after the fields of
``FIELDS`` plus ``line``, and how messages must name each field.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.formatting import format_number
from core.load import codes, headers
from core.load.errors import LoadError, capped, shown, where
from core.load.read import (
    OLE_MAGIC,
    Source,
    check_xlsx,
    control_message,
    decode,
    find_control,
    is_xlsx,
)

FIELDS = ("flow", "year", "period", "dept", "a129", "product", "country", "value", "mass")
HEADER_SEARCH_ROWS = 30
SNIFF_LINES = 20
MAX_FIELD_CHARS = 131_072  # the csv module's own limit; no real cell comes near it
SEPARATORS = (";", "\t", ",")

OFFICIAL_FIELDS = (  # position in the published layout → field (None: ignored)
    "flow", "period", "year", "dept", None, "a129", "product", "country", "value", "mass",
)  # fmt: skip
OFFICIAL_LABELS = {
    "flow": "champ 1 (flux)",
    "period": "champ 2 (trimestre)",
    "year": "champ 3 (année)",
    "dept": "champ 4 (code département)",
    "a129": "champ 6 (code A129)",
    "product": "champ 7 (code CPF4)",
    "country": "champ 8 (code pays)",
    "value": "champ 9 (valeur en euros)",
    "mass": "champ 10 (masse en kg)",
}
OFFICIAL_TITLES = (
    "flux", "trimestre", "année", "code département", "code région", "code A129", "code CPF4",
    "code pays", "valeur en euros", "masse en kg",
)  # fmt: skip
OFFICIAL_EXAMPLE = "E;3;2018;01;18;A01Z;0111;BE;406473;1210935"
OFFICIAL_NAME = "fichier régional de la DGDDI (dix champs sans en-tête)"


@dataclass
class RawTable:
    """One file (or sheet) as text columns, before any check."""

    name: str  # "a.zip/2024_CPF4PAYSE.txt", "b.xlsx [Feuil1]"
    layout: str  # French, for the report
    data: pa.Table  # "line" (int64) and string columns among FIELDS
    labels: dict[str, str]  # field → how a message names it
    official: bool = False
    period_kind: str = "official"  # official | quarter | month | period
    value_factor: int = 1
    value_unit: str = "euros"
    mass_factor: int = 1
    flow_fixed: str | None = None  # the flow of every row, from the file name or a wide column
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.data.num_rows


@dataclass(frozen=True)
class Options:
    unit: str | None = None  # "euros" / "milliers": values' unit when a header does not say


# --- Dispatch --------------------------------------------------------------------------------


def read_tables(source: Source, options: Options) -> list[RawTable]:
    """Every table of one file (already out of its archive), whatever its layout."""
    data = source.data
    lower = source.name.lower()
    if is_xlsx(data):
        return read_workbook(source, options, "XLSX")
    if data.startswith(OLE_MAGIC) or lower.endswith(".xls"):
        return read_workbook(source, options, "XLS")
    if lower.endswith((".xlsx", ".xlsm")):
        raise LoadError(f"{where(source.name)} : classeur XLSX illisible (pas un classeur Excel).")
    text, encoding = decode(source.name, data, check_control=False)
    if not text.strip():
        raise LoadError(f"{where(source.name)} : le fichier ne contient aucune ligne.")
    head = _first_lines(text, HEADER_SEARCH_ROWS)
    control = find_control(data, text)
    if looks_official(head):
        if control is not None:
            field = _field_at(text, control, ";", [f"champ {i + 1} ({t})" for i, t in enumerate(OFFICIAL_TITLES)])  # fmt: skip
            raise LoadError(control_message(source.name, text, control, field))
        return [read_official(source.name, text, encoding, data)]
    if control is not None:
        sep, _, header = sniff_separator(head, headers.trade_score)
        labels = [f"colonne « {shown(h, 40)} »" for h in header]
        field = _field_at(text, control, sep, labels) if sep else None
        raise LoadError(control_message(source.name, text, control, field))
    return [read_delimited(source.name, text, encoding, head, options)]


def _field_at(text: str, offset: int, sep: str, labels: list[str]) -> str | None:
    """How a message names the field holding ``offset`` (fields counted on its line)."""
    start = text.rfind("\n", 0, offset) + 1
    index = text.count(sep, start, offset)
    return labels[index] if index < len(labels) else f"champ {index + 1}"


def _first_lines(text: str, n: int) -> list[str]:
    return text[:1_000_000].splitlines()[:n]


_DEPT_SHAPE = re.compile(r"\d{2}|9[A-E]|2[AB]|97\d")


def looks_official(lines: list[str]) -> bool:
    """Most of the first non-blank lines have the published shape, and none is a header."""
    sample = [line for line in lines if line.strip()][:SNIFF_LINES]
    if not sample:
        return False
    try:
        first = next(csv.reader([sample[0]], delimiter=";"), [])
    except csv.Error:  # an over-long field: not a header
        first = []
    if headers.trade_score(first) >= 3:
        return False
    fitting = 0
    for line in sample:
        parts = [p.strip() for p in line.split(";")]
        if len(parts) < 8:
            continue
        checks = (
            parts[0] in ("E", "I"),
            parts[1] in ("1", "2", "3", "4"),
            bool(re.fullmatch(r"\d{4}", parts[2])),
            bool(_DEPT_SHAPE.fullmatch(parts[3])),
        )
        fitting += sum(checks) >= 3
    return fitting * 2 >= len(sample)


# --- The published layout --------------------------------------------------------------------


def _needs_exact_lines(data: bytes) -> bool:
    """Blank lines or lone carriage returns: pyarrow would count lines differently."""
    return (
        data.startswith((b"\n", b"\r"))
        or b"\n\n" in data
        or b"\n\r\n" in data
        or data.count(b"\r") != data.count(b"\r\n")
    )


def read_official(name: str, text: str, encoding: str, data: bytes) -> RawTable:
    if encoding != "UTF-8":
        data = text.encode("utf-8")  # no BOM, and Windows-1252 as UTF-8
    table = None if _needs_exact_lines(data) else _read_official_fast(data)
    if table is None:
        table = _read_official_exact(name, text)
    columns = {"line": table.column("line")}
    for i, fld in enumerate(OFFICIAL_FIELDS):
        if fld is not None:
            columns[fld] = table.column(f"f{i}")
    return RawTable(
        name=name,
        layout=f"{OFFICIAL_NAME}, {encoding}",
        data=pa.table(columns),
        labels=dict(OFFICIAL_LABELS),
        official=True,
    )


def _read_official_fast(data: bytes) -> pa.Table | None:
    """pyarrow's reader; None when a row has the wrong width (then lines are counted exactly)."""
    invalid: list[int] = []

    def handler(_row: object) -> str:
        invalid.append(1)
        return "skip"

    names = [f"f{i}" for i in range(10)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(
                delimiter=";", quote_char=False, ignore_empty_lines=False,
                invalid_row_handler=handler,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if invalid:
        return None
    return table.append_column("line", pa.array(range(1, table.num_rows + 1), pa.int64()))


def _read_official_exact(name: str, text: str) -> pa.Table:
    """Line by line (vectorised): exact line numbers, blank lines skipped, widths checked."""
    lines = pc.split_pattern_regex(pa.array([text], pa.large_string()), r"\r\n|\r|\n").flatten()
    if len(lines) and text.endswith(("\n", "\r")):
        lines = lines.slice(0, len(lines) - 1)
    numbers = pa.array(range(1, len(lines) + 1), pa.int64())
    blank = pc.equal(pc.utf8_trim_whitespace(lines), "")
    parts = pc.split_pattern(lines, ";")
    width = pc.list_value_length(parts)
    wrong = pc.and_(pc.invert(blank), pc.not_equal(width, 10))
    n_wrong = pc.sum(wrong).as_py() or 0
    if n_wrong:
        idx = pc.indices_nonzero(wrong).slice(0, 5).to_pylist()
        examples = []
        for i in idx:
            n = width[i].as_py()
            what = f"champ {n + 1} ({OFFICIAL_TITLES[n]}) absent" if n < 10 else "champ 11 en trop"
            examples.append(
                f"{where(name, i + 1, what)} : {n} champs au lieu de 10 dans la disposition "
                f"des fichiers régionaux (« {shown(lines[i].as_py())} »)."
            )
        raise LoadError(capped(examples, n_wrong, "lignes qui n'ont pas dix champs"))
    keep = pc.invert(blank)
    parts = parts.filter(keep)
    columns = {f"f{i}": pc.list_element(parts, i).cast(pa.string()) for i in range(10)}
    columns["line"] = numbers.filter(keep)
    return pa.table(columns)


# --- Files with a header row -----------------------------------------------------------------


def _find_header(rows: list[list[str]], score) -> tuple[int, int]:
    """(score, index) of the best-scoring row."""
    best = (0, 0)
    for idx, row in enumerate(rows):
        points = score(row)
        if points > best[0]:
            best = (points, idx)
    return best


def _unrecognised(name: str, first: str) -> LoadError:
    return LoadError(
        f"{where(name)} : format non reconnu : ni la disposition des fichiers régionaux de la "
        f"DGDDI (dix champs séparés par « ; », sans en-tête, comme « {OFFICIAL_EXAMPLE} »), ni "
        f"un en-tête de colonnes reconnu dans les {HEADER_SEARCH_ROWS} premières lignes "
        f"(première ligne : « {shown(first)} »)."
    )


def sniff_separator(head: list[str], score) -> tuple[str, int, list[str]]:
    """(separator, header index, header) of a delimited text, or ("", -1, []) if none."""
    best = (0, -1, ";", [])
    for sep in SEPARATORS:
        rows = []
        for text in head:
            try:
                rows.append(next(csv.reader([text], delimiter=sep), []))
            except csv.Error:  # an unterminated quote or an over-long field: not a header
                rows.append([])
        points, idx = _find_header(rows, score)
        if points > best[0]:
            best = (points, idx, sep, rows[idx])
    return (best[2], best[1], best[3]) if best[0] else ("", -1, [])


def delimited_rows(
    name: str, text: str, sep: str, header_idx: int, width: int, header: list[str]
) -> tuple[list[list[str]], list[int]]:
    """Rows below the header (padded to ``width``) and the physical line each one starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    previous_end = 0
    index = 0
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            index += 1
            if index <= header_idx + 1:
                continue
            if len(row) > width:
                extra = [c for c in row[width:] if c.strip()]
                if extra:
                    raise LoadError(
                        f"{where(name, start)} : {len(row)} champs pour {width} colonnes "
                        f"d'en-tête (valeur en trop : « {shown(extra[0])} »)."
                    )
                row = row[:width]
            elif len(row) < width:
                row = row + [""] * (width - len(row))
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        start = previous_end + 1
        column = _long_field_column(text, start, sep, header)
        raise LoadError(
            f"{where(name, start, column)} : guillemet jamais fermé ou mal placé, ou champ de "
            f"plus de {format_number(MAX_FIELD_CHARS)} caractères ; fichier endommagé ?"
        ) from exc
    return rows, lines


def _long_field_column(text: str, line: int, sep: str, header: list[str]) -> str | None:
    """The column of the over-long field that starts on ``line`` (best effort)."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    cells = text[start : start + 4 * MAX_FIELD_CHARS].split(sep)
    for i, cell in enumerate(cells):
        if len(cell) > MAX_FIELD_CHARS or '"' in cell and cell.count('"') % 2:
            return f"colonne « {shown(header[i], 40)} »" if i < len(header) else None
    return None


def read_delimited(
    name: str, text: str, encoding: str, head: list[str], options: Options
) -> RawTable:
    sep, header_idx, header = sniff_separator(head, headers.trade_score)
    if header_idx < 0:
        first = next((line for line in head if line.strip()), "")
        raise _unrecognised(name, first)
    header = [h.strip() for h in header]
    rows, lines = delimited_rows(name, text, sep, header_idx, len(header), header)
    sep_name = {"\t": "tabulation"}.get(sep, f"« {sep} »")
    layout = f"CSV avec en-tête, séparateur {sep_name}, {encoding}"
    return _header_table(name, layout, header, header_idx + 1, rows, lines, options)


# --- Spreadsheets ----------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would have typed (exact for numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # repr is the shortest text that reads back as the same float; Decimal drops exponents.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


_SHEET = re.compile(rb"<sheet\b[^>]*?\bname=\"([^\"]*)\"[^>]*?\br:id=\"([^\"]*)\"")
_REL = re.compile(rb"<Relationship\b[^>]*?\bId=\"([^\"]*)\"[^>]*?\bTarget=\"([^\"]*)\"")
_REL_ALT = re.compile(rb"<Relationship\b[^>]*?\bTarget=\"([^\"]*)\"[^>]*?\bId=\"([^\"]*)\"")
_FORMULA = re.compile(rb"<f[\s>/]")
_CACHED_VALUE = re.compile(rb"<v(?:\s[^>]*)?>[^<]")  # <v>2</v>, not <v /> nor <v></v>


def uncalculated_formulas(name: str, data: bytes) -> list[str]:
    """Cells holding a formula and no stored result, as French messages (an XLSX written by a
    program that never calculated it: its values would silently read as empty)."""
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    sheets: dict[str, str] = {}
    if "xl/workbook.xml" in names and "xl/_rels/workbook.xml.rels" in names:
        rels_xml = archive.read("xl/_rels/workbook.xml.rels")
        rels = {rid: target for rid, target in _REL.findall(rels_xml)}
        rels.update({rid: target for target, rid in _REL_ALT.findall(rels_xml)})
        for sheet_name, rid in _SHEET.findall(archive.read("xl/workbook.xml")):
            target = rels.get(rid, b"").decode("utf-8", "replace").lstrip("/")
            part = target if target.startswith("xl/") else f"xl/{target}"
            sheets[part] = html.unescape(sheet_name.decode("utf-8", "replace"))
    found: list[str] = []
    total = 0
    for part in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
        xml = archive.read(part)
        if not _FORMULA.search(xml):
            continue
        for match in _FORMULA.finditer(xml):
            start = xml.rfind(b"<c ", 0, match.start())
            end = xml.find(b"</c>", match.start())
            cell = xml[start:end] if start >= 0 and end >= 0 else b""
            if _CACHED_VALUE.search(cell):
                continue
            total += 1
            if len(found) < 5:
                ref = re.search(rb"\br=\"([A-Z]+\d+)\"", cell)
                label = sheets.get(part, part)
                found.append(
                    f"Fichier « {name} », feuille « {shown(label, 40)} », cellule "
                    f"{ref.group(1).decode() if ref else '?'} : formule sans valeur calculée ; "
                    "ouvrez le classeur dans un tableur et enregistrez-le (les formules seront "
                    "calculées), ou enregistrez-le en CSV."
                )
    return capped(found, total, "cellules de formule sans valeur calculée") if total else []


@dataclass
class HeaderRows:
    """A table found under a header row: cells as text, the line (or row) of each row."""

    name: str
    layout: str
    header: list[str]
    header_line: int
    rows: list[list[str]]
    lines: list[int]


def workbook_sheets(source: Source, kind: str, score) -> list[HeaderRows]:
    """The sheets of an XLS or XLSX workbook that have a recognised header row."""
    from python_calamine import CalamineWorkbook

    if kind == "XLSX":
        check_xlsx(source.name, source.data)
        problems = uncalculated_formulas(source.name, source.data)
        if problems:
            raise LoadError(problems)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(source.data))
        sheet_names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own errors and ValueError for junk
        raise LoadError(f"{where(source.name)} : classeur {kind} illisible ou endommagé.") from exc
    found: list[HeaderRows] = []
    for sheet_name in sheet_names:
        display = f"{source.name} [{sheet_name}]"
        try:
            rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as exc:  # a damaged sheet
            raise LoadError(f"{where(display)} : feuille illisible.") from exc
        texts = [[cell_text(v) for v in row] for row in rows]
        points, idx = _find_header(texts[:HEADER_SEARCH_ROWS], score)
        if not points:
            continue
        header = texts[idx]
        width = len(header)
        body = []
        for r_i, r in enumerate(texts[idx + 1 :]):
            extra = [c for c in r[width:] if c]
            if extra:
                raise LoadError(
                    f"{where(display, idx + r_i + 2)} : valeur hors des colonnes d'en-tête "
                    f"(« {shown(extra[0])} »)."
                )
            body.append((r + [""] * width)[:width])
        lines = list(range(idx + 2, idx + 2 + len(body)))
        found.append(HeaderRows(display, kind, header, idx + 1, body, lines))
    return found


def header_rows(source: Source, score, what: str) -> list[HeaderRows]:
    """Tables with a header row, from CSV, XLS or XLSX (for lists other than trade files)."""
    data = source.data
    if is_xlsx(data) or data.startswith(OLE_MAGIC) or source.name.lower().endswith(".xls"):
        kind = "XLSX" if is_xlsx(data) else "XLS"
        found = workbook_sheets(source, kind, score)
        if not found:
            raise LoadError(
                f"{where(source.name)} : aucune feuille n'a d'en-tête reconnu ({what})."
            )
        return found
    text, encoding = decode(source.name, data)
    head = _first_lines(text, HEADER_SEARCH_ROWS)
    sep, header_idx, header = sniff_separator(head, score)
    if header_idx < 0:
        first = next((line for line in head if line.strip()), "")
        raise LoadError(
            f"{where(source.name)} : aucun en-tête reconnu ({what}) dans les "
            f"{HEADER_SEARCH_ROWS} premières lignes (première ligne : « {shown(first)} »)."
        )
    header = [h.strip() for h in header]
    rows, lines = delimited_rows(source.name, text, sep, header_idx, len(header), header)
    return [HeaderRows(source.name, f"CSV, {encoding}", header, header_idx + 1, rows, lines)]


def read_workbook(source: Source, options: Options, kind: str) -> list[RawTable]:
    sheets = workbook_sheets(source, kind, headers.trade_score)
    if not sheets:
        raise LoadError(
            f"{where(source.name)} : aucune feuille n'a d'en-tête de colonnes reconnu (année, "
            "trimestre ou mois, flux, département, produit, pays, valeur)."
        )
    return [
        _header_table(s.name, kind, s.header, s.header_line, s.rows, s.lines, options)
        for s in sheets
    ]


# --- Header tables → RawTable ----------------------------------------------------------------

FIELD_NAMES = {
    "year": "année",
    "period": "trimestre ou mois",
    "flow": "flux",
    "dept": "département",
    "product": "produit (CPF4 ou A129)",
    "country": "pays partenaire",
    "value": "valeur",
}


def _header_table(
    name: str,
    layout: str,
    header: list[str],
    header_line: int,
    rows: list[list[str]],
    lines: list[int],
    options: Options,
) -> RawTable:
    found = headers.match_columns(header)
    notes: list[str] = []

    def label(col: int) -> str:
        return f"colonne « {shown(header[col], 50)} »"

    period_kind = next((k for k in ("quarter", "month", "period") if k in found), None)
    flow_fixed = None
    wide = "export" in found and "import" in found and "value" not in found
    if not wide and "flow" not in found and "value" in found:
        flow_fixed = codes.flow_of_file_name(name)
        if flow_fixed:
            notes.append(f"« {name} » : flux lu dans le nom du fichier ({flow_fixed}).")
    if "product" not in found and "a129" in found:
        found["product"] = found.pop("a129")
    missing = [FIELD_NAMES[f] for f in ("dept", "product", "country") if f not in found]
    if not wide and "value" not in found:
        missing.append("valeur (ou une colonne d'exportations et une d'importations)")
    if not wide and "flow" not in found and not flow_fixed:
        missing.append("flux")
    if "year" not in found and period_kind is None:
        missing.append("année")
    if missing:
        read = ", ".join(f"« {shown(h, 40)} »" for h in header if h)
        raise LoadError(
            f"{where(name, header_line)} : colonne(s) manquante(s) : {', '.join(missing)} "
            f"(en-têtes lus : {read})."
        )
    if period_kind is None:
        raise LoadError(
            f"{where(name, header_line)} : ni trimestre ni mois (colonne « {header[found['year']]} » "
            "seule) : les données sont trimestrielles, comme les fichiers de la DGDDI, et un "
            "total annuel ne peut pas être réparti par trimestre sans inventer des chiffres. "
            "Chargez les fichiers trimestriels (ou mensuels)."
        )

    def column(col: int) -> pa.Array:
        return pa.array([r[col] for r in rows], pa.string())

    base: dict[str, pa.Array] = {"line": pa.array(lines, pa.int64())}
    labels: dict[str, str] = {}
    for fld in ("year", "dept", "a129", "product", "country"):
        if fld in found:
            base[fld] = column(found[fld])
            labels[fld] = label(found[fld])
    base["period"] = column(found[period_kind])
    labels["period"] = label(found[period_kind])
    if "year" not in found:
        labels["year"] = label(found[period_kind])
    mass_factor = 1
    if "mass" in found and not wide:
        base["mass"] = column(found["mass"])
        labels["mass"] = label(found["mass"])
        mass_factor, mass_name = headers.mass_unit(header[found["mass"]])
        notes.append(f"« {name} » : masse en {mass_name} (colonne « {header[found['mass']]} »).")

    value_cols = (
        [("export", found["export"]), ("import", found["import"])]
        if wide
        else [(None, found["value"])]
    )
    factor, unit_name, unit_source = _value_unit(name, header_line, header, value_cols, options)
    notes.append(f"« {name} » : valeurs en {unit_name} ({unit_source}).")
    parts = []
    for flow, col in value_cols:
        part = dict(base)
        part["value"] = column(col)
        if flow is not None:
            part["flow"] = pa.array([flow] * len(rows), pa.string())
        elif flow_fixed is not None:
            part["flow"] = pa.array([flow_fixed] * len(rows), pa.string())
        else:
            part["flow"] = column(found["flow"])
            labels["flow"] = label(found["flow"])
        parts.append(pa.table(part))
    if wide:
        labels["value"] = (
            f"colonne « {shown(header[found['export']], 50)} » ou « {shown(header[found['import']], 50)} »"
        )
        labels["flow"] = "colonnes d'exportations et d'importations"
        notes.append(
            f"« {name} » : une colonne d'exportations et une d'importations ; chaque ligne "
            "porte deux valeurs, comptées chacune comme une ligne."
        )
    else:
        labels["value"] = label(found["value"])
        labels.setdefault("flow", "nom du fichier")
    table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
    keep = _non_blank(table)
    table = table.filter(keep)
    if table.num_rows == 0:
        raise LoadError(f"{where(name)} : aucune ligne de données sous l'en-tête.")
    kind_name = {"quarter": "trimestres", "month": "mois", "period": "périodes"}[period_kind]
    return RawTable(
        name=name,
        layout=f"{layout} ({kind_name})",
        data=table,
        labels=labels,
        period_kind=period_kind,
        value_factor=factor,
        value_unit=unit_name,
        mass_factor=mass_factor,
        flow_fixed=flow_fixed,
        notes=notes,
    )


def _non_blank(table: pa.Table) -> pa.Array:
    """Rows with at least one non-blank cell among the fields read."""
    keep = None
    for name in table.column_names:
        if name in ("line", "flow"):
            continue
        filled = pc.not_equal(pc.utf8_trim_whitespace(table.column(name)), "")
        keep = filled if keep is None else pc.or_(keep, filled)
    return keep if keep is not None else pa.array([True] * table.num_rows)


def _value_unit(
    name: str, header_line: int, header: list[str], cols: list[tuple[str | None, int]],
    options: Options,
) -> tuple[int, str, str]:  # fmt: skip
    said = {headers.value_unit(header[c]) for _, c in cols} - {None}
    option = {"euros": (1, "euros"), "milliers": (1000, "milliers d'euros")}.get(options.unit or "")
    if len(said) > 1:
        raise LoadError(
            f"{where(name, header_line)} : unités différentes dans les en-têtes de valeurs."
        )
    if said:
        factor, unit_name = said.pop()
        col = cols[0][1]
        if option and option[0] != factor:
            raise LoadError(
                f"{where(name, header_line, f'colonne « {shown(header[col], 50)} »')} : l'en-tête "
                f"indique des {unit_name} mais l'unité demandée est « {option[1]} » ; retirez "
                "l'option ou corrigez le fichier."
            )
        return factor, unit_name, f"indiquée par l'en-tête « {shown(header[col], 50)} »"
    if option:
        return option[0], option[1], "unité choisie au chargement"
    return 1, "euros", "supposée : l'en-tête ne la précise pas ; unité des fichiers de la DGDDI"
