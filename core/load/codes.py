"""Codes as files write them → codes as the data model stores them, one distinct value at a time.

A column of millions of rows holds few distinct codes (2 flows, 101 départements, 576 products,
some 250 partners), so ``core.load.validate`` asks these functions about each distinct value
once and joins the answers back in DuckDB. Each returns ``None`` for a value it cannot read;
the caller turns that into a French message naming file, line and field.

Département codes: the customs write ``9A``…``9E`` for the overseas départements (stored as
971, 972, 973, 974, 976), ``20`` for Corsica and ``99`` for Monaco; other files may write
``2A``/``2B`` (summed into ``20``, the only Corsica the customs publish), ``1`` for ``01`` or
« 93 - Seine-Saint-Denis ».
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

YEAR_MIN = 1990


def year_max() -> int:
    """No trade figure exists for a year after the next one."""
    return date.today().year + 1


def normalise(text: object) -> str:
    """« Code_Département » → « code departement » (for headers, words and names)."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


def _clean(raw: object) -> str:
    # A code typed in a spreadsheet number cell comes back as "1.0".
    text = str(raw).strip().upper()
    return re.sub(r"^(\d+)\.0+$", r"\1", text)


# --- Flow ------------------------------------------------------------------------------------

FLOW_WORDS = {
    "e": "export", "x": "export", "exp": "export", "export": "export", "exports": "export",
    "exportation": "export", "exportations": "export", "expedition": "export",
    "expeditions": "export",
    "i": "import", "m": "import", "imp": "import", "import": "import", "imports": "import",
    "importation": "import", "importations": "import", "introduction": "import",
    "introductions": "import",
}  # fmt: skip


def flow(raw: object, strict: bool = False) -> str | None:
    """``E``/``I`` (strict: the customs' layout), or the words other files use."""
    if strict:
        return {"E": "export", "I": "import"}.get(str(raw).strip())
    return FLOW_WORDS.get(normalise(raw))


def flow_of_file_name(name: str) -> str | None:
    """The flow a file name states: « exportations_2024.csv », « …CPF4PAYSE.txt »."""
    base = name.rsplit("/", 1)[-1]
    if re.search(r"PAYSE(?:\.|$|_)", base):
        return "export"
    if re.search(r"PAYSI(?:\.|$|_)", base):
        return "import"
    norm = normalise(base)
    has_e, has_i = "export" in norm, "import" in norm
    return "export" if has_e and not has_i else "import" if has_i and not has_e else None


# --- Year and period ---------------------------------------------------------------------------


def year(raw: object) -> int | None:
    """A four-digit year (``2024``, or ``2024.0`` from a spreadsheet); nothing else."""
    text = str(raw).strip()
    match = re.fullmatch(r"(\d{4})(?:\.0+)?", text)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Period:
    year: int | None  # when the period carries it (« 2024T1 », « 2024-03 »)
    quarter: int
    month: int  # 1–12, or 0 when the file is quarterly


MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "janv": 1, "fev": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_QUARTER = re.compile(
    r"(?:(\d{4})\s*[-/ ]?\s*)?(?:[TQ]\s*([1-4])|([1-4])\s*(?:ER|E|EME|ÈME)?\s*TRIM(?:ESTRE)?\.?)"
    r"(?:\s*[-/ ]?\s*(\d{4}))?"
)
_MONTH_NUM = re.compile(r"(?:(\d{4})\s*[-/.]?\s*)?M?(\d{1,2})(?:\s*[-/.]\s*(\d{4}))?")


def _month(m: int, y: int | None) -> Period | None:
    return Period(y, (m - 1) // 3 + 1, m) if 1 <= m <= 12 else None


def period(raw: object, kind: str) -> Period | None:
    """Quarter (and month) of a period cell.

    ``kind``: ``official`` (the customs' quarter, ``1``…``4``), ``quarter`` (a quarter column:
    ``1``, ``T1``, ``Q1``, ``1er trimestre``, ``2024T1``), ``month`` (a month column: ``3``,
    ``03``, ``M03``, ``2024-03``, ``202403``, ``03/2024``, ``mars``) or ``period`` (either: a
    quarter needs its ``T``/``Q`` marker or the word « trimestre », a plain number is a month).
    """
    text = _clean(raw)
    if kind == "official":
        return Period(None, int(text), 0) if re.fullmatch(r"[1-4]", text) else None
    if kind == "quarter" and re.fullmatch(r"[1-4]", text):
        return Period(None, int(text), 0)
    if kind in ("quarter", "period"):
        match = _QUARTER.fullmatch(text)
        if match:
            y = match.group(1) or match.group(4)
            q = match.group(2) or match.group(3)
            return Period(int(y) if y else None, int(q), 0)
        if kind == "quarter":
            return None
    # Months (kind "month" or "period").
    compact = re.fullmatch(r"(\d{4})(\d{2})", text)
    if compact:
        return _month(int(compact.group(2)), int(compact.group(1)))
    match = _MONTH_NUM.fullmatch(text)
    if match:
        y = match.group(1) or match.group(3)
        return _month(int(match.group(2)), int(y) if y else None)
    words = normalise(raw).split()
    if words and words[0] in MONTHS and len(words) <= 2:
        y = int(words[1]) if len(words) == 2 and re.fullmatch(r"\d{4}", words[1]) else None
        if len(words) == 2 and y is None:
            return None
        return _month(MONTHS[words[0]], y)
    return None


# --- Territories, partners, products ---------------------------------------------------------


def dept(raw: object, known: dict[str, str]) -> tuple[str | None, str | None]:
    """(département code stored, code at the file's grain) or (None, None) when unknown.

    ``known``: every accepted spelling → stored code (INSEE codes and the customs' ``9A``…).
    The grain code keeps ``2A``/``2B`` apart so that two Corsican rows are not taken for a
    duplicate before they are summed into ``20``.
    """
    text = _clean(raw)
    match = re.match(r"(2[AB]|9[A-E]|\d{1,3})(?![0-9A-Z])", text)
    if not match:
        return None, None
    code = match.group(1)
    if code in ("2A", "2B"):
        return ("20", code) if "20" in known.values() else (None, None)
    if len(code) == 1:
        code = "0" + code
    stored = known.get(code)
    return (stored, stored) if stored else (None, None)


def country(raw: object, names: dict[str, str]) -> str | None:
    """A partner code (``DE``, « DE - Allemagne »), or a reference French name → its code."""
    text = _clean(raw)
    match = re.fullmatch(r"([A-Z][A-Z0-9])(?:\s*[-–:(]\s*.*|\s+.*)?", text)
    if match:
        return match.group(1)
    return names.get(normalise(raw))


def country_strict(raw: object) -> str | None:
    text = str(raw).strip().upper()
    return text if re.fullmatch(r"[A-Z][A-Z0-9]", text) else None


def product(raw: object) -> tuple[str | None, str]:
    """(code, kind): a CPF4 code (``0111``, ``01.11``, ``111`` whose zero a spreadsheet ate) or
    an A129 code (``C21Z``); (None, "") when neither."""
    text = re.sub(r"^CPF\s*", "", _clean(raw))
    if re.fullmatch(r"\d{4}", text):
        return text, "cpf"
    if re.fullmatch(r"\d{2}\.\d{2}", text):
        return text.replace(".", ""), "cpf"
    if re.fullmatch(r"\d{3}", text):
        return "0" + text, "cpf"
    if re.fullmatch(r"[A-Z]\d{2}[A-Z]", text):
        return text, "a129"
    return None, ""


def product_strict(raw: object) -> str | None:
    text = str(raw).strip()
    return text if re.fullmatch(r"\d{4}", text) else None


def a129(raw: object) -> str | None:
    text = str(raw).strip().upper()
    return text if re.fullmatch(r"[A-Z]\d{2}[A-Z]", text) else None
