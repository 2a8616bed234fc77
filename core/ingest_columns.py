"""Column names and codes of the official files: loose header matching, code normalisation,
CPF4 → A129 mapping and exact conversion of values to whole euros.

Headers are compared after ``normalise``: lower case, accents removed, anything that is not a
letter or a digit turned into one space ("Code_Département" → "code departement",
"Valeur (en milliers d'euros)" → "valeur en milliers d euros"). A header matches a field when it
equals one of the field's aliases (``ALIASES``, most specific first) or, for values and the
wide export/import columns, when it starts with one of ``PREFIXES``.

Everything here is vectorised over pandas string columns: a year of official data is about
1.4 million rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# --- Headers -----------------------------------------------------------------------------------

ALIASES: dict[str, tuple[str, ...]] = {
    "year": ("annee", "an", "year", "millesime", "annee de reference", "exercice"),
    "period": (
        "trimestre", "mois", "periode", "quarter", "month", "trim", "annee mois",
        "annee trimestre", "mois trimestre",
    ),
    "flow": (
        "flux", "code flux", "flow", "sens", "sens du flux", "type de flux", "type flux",
        "flux commercial", "import export", "export import",
    ),
    "dept": (
        "code departement", "code dep", "code dept", "code du departement", "departement code",
        "num departement", "numero departement", "numero de departement", "dep", "dept",
        "departement", "code departement de dedouanement",
    ),
    "product": (
        "code a129", "a129", "code produit a129", "produit a129", "na a129", "code na a129",
        "nomenclature a129", "code cpf4", "cpf4", "cpf 4", "code cpf 4", "produit cpf4",
        "code cpf", "cpf", "code produit", "produit",
    ),
    "country": (
        "code pays", "code pays partenaire", "code partenaire", "country code", "pays code",
        "pays partenaire", "partenaire", "pays", "country",
    ),
    "value": (
        "valeur", "value", "montant", "valeur en euros", "valeur euros",
        "valeur en milliers d euros", "valeur milliers d euros", "valeur k",
    ),
    "export": ("exportations", "export", "exports", "valeur des exportations", "exportations fab"),
    "import": ("importations", "import", "imports", "valeur des importations", "importations caf"),
}  # fmt: skip
PREFIXES: dict[str, tuple[str, ...]] = {
    "value": ("valeur", "montant", "value"),
    "export": ("export", "valeur des export", "valeur export"),
    "import": ("import", "valeur des import", "valeur import"),
}
REQUIRED = ("year", "dept", "product", "country")  # plus flow+value, or export+import columns

# Territoires d'industrie list (ANCT): commune code and territory name.
TI_ALIASES: dict[str, tuple[str, ...]] = {
    "commune": (
        "code commune", "code insee", "code commune insee", "insee com", "insee commune",
        "codgeo", "depcom", "com", "insee", "code com", "commune code",
    ),
    "name": (
        "nom territoire", "nom du territoire", "nom territoire d industrie", "territoire d industrie",
        "nom ti", "lib ti", "libelle ti", "libelle territoire", "libelle", "territoire", "ti",
        "nom",
    ),
}  # fmt: skip


def normalise(text: object) -> str:
    """ "Code_Département " → "code departement" (for matching headers and labels)."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


def match_columns(
    header: list[str],
    aliases: dict[str, tuple[str, ...]] = ALIASES,
    prefixes: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, int]:
    """Field → column index. Exact aliases win over prefixes; earlier aliases over later ones."""
    prefixes = PREFIXES if prefixes is None else prefixes
    norm = [normalise(h) for h in header]
    found: dict[str, tuple[int, int]] = {}  # field → (rank, column)
    taken: set[int] = set()
    for field, names in aliases.items():
        for col, name in enumerate(norm):
            if name in names and col not in taken:
                rank = names.index(name)
                if field not in found or rank < found[field][0]:
                    found[field] = (rank, col)
        if field in found:
            taken.add(found[field][1])
    for field, starts in prefixes.items():
        if field in found:
            continue
        for col, name in enumerate(norm):
            if col not in taken and name.startswith(starts):
                found[field] = (len(aliases.get(field, ())), col)
                taken.add(col)
                break
    return {field: col for field, (_, col) in found.items()}


def header_score(header: list[str]) -> int:
    """How much a row looks like a trade header (number of fields recognised)."""
    return len(match_columns(header)) if any(h.strip() for h in header) else 0


def ti_header_score(header: list[str]) -> int:
    return len(match_columns(header, TI_ALIASES, {})) if any(h.strip() for h in header) else 0


def unit_of_header(text: str) -> str | None:
    """ "milliers" when a value header says thousands of euros, "euros" when it says euros."""
    raw = str(text).lower().replace("\u202f", " ").replace("\xa0", " ")
    norm = normalise(text)
    if "millier" in norm or re.search(r"\bk ?(€|eur)", raw) or re.search(r"\bkeur", norm):
        return "milliers"
    if "€" in raw or re.search(r"\beur(o|os)?\b", norm):
        return "euros"
    return None


# --- Codes -------------------------------------------------------------------------------------

FLOW_CODES = {
    "e": "export", "x": "export", "exp": "export", "export": "export", "exports": "export",
    "exportation": "export", "exportations": "export", "expedition": "export",
    "expeditions": "export",
    "i": "import", "m": "import", "imp": "import", "import": "import", "imports": "import",
    "importation": "import", "importations": "import", "introduction": "import",
    "introductions": "import",
}  # fmt: skip
TOTAL_WORDS = re.compile(r"^(total|sous total|ensemble|tous|toutes|all)\b")


def map_unique(raw: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """``raw.map(fn)`` calling ``fn`` once per distinct value (a column has few of them)."""
    uniques = raw.unique()
    return raw.map(dict(zip(uniques, (fn(u) for u in uniques), strict=True)))


def by_unique(raw: pd.Series, vector_fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``vector_fn(raw)`` computed on the distinct values only, then spread back."""
    uniques = pd.Series(raw.unique(), dtype=raw.dtype)
    result = vector_fn(uniques)
    return raw.map(dict(zip(uniques, result, strict=True)))


def flows(raw: pd.Series) -> pd.Series:
    """E/I, X/M, Export(ations)/Import(ations) in any case → "export"/"import" (else NaN)."""
    return map_unique(raw, lambda v: FLOW_CODES.get(normalise(v)))


def _strip_float_zero(raw: pd.Series) -> pd.Series:
    # A code typed in a spreadsheet number cell comes back as "1.0".
    return raw.str.strip().str.upper().str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def departements(raw: pd.Series) -> pd.Series:
    """ "1" → "01", "2a" → "2A", "93 - Seine-Saint-Denis" → "93", "971" kept."""
    code = _strip_float_zero(raw).str.extract(r"^(2[AB]|\d{1,3})(?![0-9A-Z])", expand=False)
    return code.where(code.str.len() != 1, "0" + code)


def countries(raw: pd.Series, names: dict[str, str]) -> pd.Series:
    """Partner code (2 letters, "DE - Allemagne" → "DE"), or a known French name → its code."""
    return by_unique(raw, lambda u: _countries(u, names))


def _countries(raw: pd.Series, names: dict[str, str]) -> pd.Series:
    clean = raw.str.strip().str.upper()
    code = clean.str.extract(r"^([A-Z][A-Z0-9])(?:$|\s*[-–:(]\s*|\s+)", expand=False)
    by_name = map_unique(raw, lambda v: names.get(normalise(v)))
    return code.fillna(by_name).fillna(clean)


def is_total(raw: pd.Series) -> pd.Series:
    return map_unique(raw, lambda v: bool(TOTAL_WORDS.match(normalise(v)))).astype(bool)


# CPF rév. 2 groups of the A129 codes that split a division (INSEE, NA 2008 aggregation
# levels). Every other A129 code ends in "Z" and covers its whole division: "C21Z" ← 21.xx.
A129_GROUPS: dict[str, tuple[str, ...]] = {
    "C10A": ("10.1",), "C10B": ("10.2",), "C10C": ("10.3",), "C10D": ("10.4",),
    "C10E": ("10.5",), "C10F": ("10.6",), "C10G": ("10.7",), "C10H": ("10.8",),
    "C10K": ("10.9",),
    "C17A": ("17.1",), "C17B": ("17.2",),
    "C20A": ("20.1",), "C20B": ("20.4",), "C20C": ("20.2", "20.3", "20.5", "20.6"),
    "C22A": ("22.1",), "C22B": ("22.2",),
    "C23A": ("23.1",), "C23B": ("23.2", "23.3", "23.4", "23.5", "23.6", "23.7", "23.9"),
    "C24A": ("24.1", "24.2", "24.3"), "C24B": ("24.4",), "C24C": ("24.5",),
    "C25A": ("25.1",), "C25B": ("25.2", "25.3"), "C25C": ("25.4",), "C25D": ("25.5", "25.6"),
    "C25E": ("25.7", "25.9"),
    "C26A": ("26.1",), "C26B": ("26.2",), "C26C": ("26.3",), "C26D": ("26.4",),
    "C26E": ("26.5",), "C26F": ("26.6",), "C26G": ("26.7", "26.8"),
    "C27A": ("27.5",), "C27B": ("27.1", "27.2", "27.3", "27.4", "27.9"),
    "C28A": ("28.1", "28.2"), "C28B": ("28.3",), "C28C": ("28.4",), "C28D": ("28.9",),
    "C29A": ("29.1", "29.2"), "C29B": ("29.3",),
    "C30A": ("30.1",), "C30B": ("30.2",), "C30C": ("30.3",), "C30D": ("30.4",),
    "C30E": ("30.9",),
    "C32A": ("32.1", "32.2"), "C32B": ("32.5",), "C32C": ("32.3", "32.4", "32.9"),
    # Gas and steam (D35B) are not goods in the customs list, but map them so that the report
    # names the right A129 code when a file carries them.
    "D35A": ("35.1",), "D35B": ("35.2", "35.3"),
}  # fmt: skip


def cpf_mapping(a129_codes: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(division → A129, group → A129), built from the A129 codes of the product table.

    A code ending in "Z" (``C21Z``) covers its whole division (CPF 21.xx); the others cover the
    groups of ``A129_GROUPS``.
    """
    divisions = {c[1:3]: c for c in a129_codes if c.endswith("Z")}
    groups = {g: code for code, gs in A129_GROUPS.items() for g in gs}
    return divisions, groups


def products(raw: pd.Series, a129_codes: Iterable[str]) -> tuple[pd.Series, pd.Series]:
    """(A129 code or the raw code when it cannot be mapped, kind "a129"/"cpf"/"")."""
    a129 = set(a129_codes)
    uniques = pd.Series(raw.unique(), dtype=raw.dtype)
    mapped = _products(uniques, a129)
    code = raw.map(dict(zip(uniques, mapped["code"], strict=True)))
    kind = raw.map(dict(zip(uniques, mapped["kind"], strict=True)))
    return code, kind


def _products(raw: pd.Series, a129_codes: Iterable[str]) -> pd.DataFrame:
    a129 = set(a129_codes)
    divisions, groups = cpf_mapping(a129)
    clean = _strip_float_zero(raw).str.replace(r"^CPF\s*", "", regex=True)
    first = clean.str.extract(r"^([0-9A-Z.]+)", expand=False).fillna("")
    # CPF4 "21.10" or "2110"; a spreadsheet may have eaten the zero of "01.11" (→ "111").
    padded = first.where(~first.str.fullmatch(r"\d{3}"), "0" + first)
    cpf = padded.str.extract(r"^(\d{2})\.?(\d)(\d)?$")
    division, group = cpf[0], cpf[0] + "." + cpf[1]
    mapped = group.map(groups).fillna(division.map(divisions))
    is_a129 = first.isin(a129)
    is_cpf = cpf[0].notna()
    code = first.where(is_a129, mapped.where(is_cpf & mapped.notna(), first))
    kind = pd.Series(np.where(is_a129, "a129", np.where(is_cpf, "cpf", "")), index=raw.index)
    return pd.DataFrame({"code": code.fillna(""), "kind": kind})


# --- Values ------------------------------------------------------------------------------------

_SPACES = "[\\s\u00a0\u202f\u2009']"
NUMBER = re.compile(r"^\d+(\.\d+)?$")


def decimal_mark(raw: pd.Series) -> str:
    """The decimal mark of a value column: "," or ".".

    A value with both marks decides (the last one is decimal); a mark repeated within one value
    is a thousands separator; otherwise the single mark found is decimal, so "1,234" reads
    1,234: French files use the decimal comma, and the regional files carry three decimals.
    """
    sample = raw[raw.str.contains(r"[.,]", regex=True)]
    if sample.empty:
        return ","
    both = sample[sample.str.contains(",") & sample.str.contains(r"\.")]
    if not both.empty:
        text = both.iloc[0]
        return "," if text.rfind(",") > text.rfind(".") else "."
    for mark in (",", "."):
        esc = re.escape(mark)
        with_mark = sample[sample.str.contains(esc)]
        if with_mark.empty:
            continue
        if with_mark.str.count(esc).gt(1).any():
            return "." if mark == "," else ","  # repeated: a thousands separator
        return mark
    return ","


def parse_values(raw: pd.Series, unit: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(whole euros as int64, invalid mask, negative mask), exactly, with no float in between.

    ``unit`` is "milliers" (thousands of euros: 1 234,567 → 1 234 567 €) or "euros". Digits
    beyond the euro are rounded half up with integer arithmetic. Arrow kernels: a year of data
    is over a million mostly distinct values.
    """
    arr = pa.array(raw.to_numpy(dtype=object), pa.string())
    text = pc.replace_substring_regex(pc.utf8_trim_whitespace(arr), _SPACES, "")
    negative = pc.and_(pc.starts_with(text, "-"), pc.greater(pc.utf8_length(text), 1))
    text = pc.utf8_ltrim(text, characters="+-")
    mark = decimal_mark(pd.Series(text.to_numpy(zero_copy_only=False), dtype=str))
    other = "." if mark == "," else ","
    text = pc.replace_substring(text, other, "")
    if mark == ",":
        text = pc.replace_substring(text, ",", ".")
    valid = pc.match_substring_regex(text, NUMBER.pattern)
    invalid = pc.and_(pc.invert(valid), pc.not_equal(text, ""))
    text = pc.if_else(valid, text, "0")
    whole = pc.replace_substring_regex(text, r"\..*$", "")
    too_big = pc.greater(pc.utf8_length(whole), 15)  # 10^15 k€ is not trade: refused
    whole = pc.if_else(too_big, "0", whole)
    frac = pc.replace_substring_regex(text, r"^[^.]*\.?", "")
    frac = pc.utf8_rpad(pc.utf8_slice_codeunits(frac, 0, 9), 9, "0")
    integer = pc.cast(whole, pa.int64()).to_numpy()
    frac_n = pc.cast(frac, pa.int64()).to_numpy()
    if unit == "milliers":
        euros = integer * 1000 + frac_n // 1_000_000 + (frac_n % 1_000_000 >= 500_000)
    else:
        euros = integer + (frac_n >= 500_000_000)
    index = raw.index
    bad = pc.or_(invalid, pc.and_(too_big, valid)).to_numpy(zero_copy_only=False)
    return (
        pd.Series(euros.astype("int64"), index=index),
        pd.Series(bad, index=index),
        pd.Series(pc.and_(negative, valid).to_numpy(zero_copy_only=False), index=index),
    )
