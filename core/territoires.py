"""Territoires d'industrie: the ANCT list of member groupings resolved to communes and départements.

The ANCT publishes the 183 Territoires d'industrie of the 2023–2027 programme as a list of member
groupings (``id_ti, lib_ti, siren_epci, lib_epci``): an EPCI, an EPT of the Métropole du Grand
Paris, or a single commune, each given by its SIREN. ``resolve`` turns that list into one row per
(territory, département) with the number of the territory's communes in that département, their
population and the share of the territory's population living there, from the members of every
EPCI/EPT and the list of communes of ``@etalab/decoupage-administratif``.

Two forms of those sources are read (``load_sources``):

- the package's own files, as kept in ``shared/reference/etalab/``: ``epci.json``, ``ept.json``
  and ``communes.csv`` (``code,nom,departement,region,siren,population``);
- the compact tables the project ships in ``data/reference/`` (the default): ``communes.csv``
  (``code,name,dept,population,siren``) and ``epci_membres.csv`` (``siren,kind,code``), written
  from the former by ``write_compact`` so that a newer ANCT list resolves without them.

Départements are the customs' ones: Corsica is one ``20`` (communes ``2A…``/``2B…``), the
overseas départements keep their three-digit codes (971…974, 976); communes of the overseas
collectivities (975, 977, 978, 98x), which no customs département covers, are left out.

``principal`` applies the rule the ANCT fact sheets follow to list a département's territories:
at least ``MIN_COMMUNES`` communes there, or at least ``MIN_SHARE`` of the territory's
population living there; the others are counted as hidden.

``python -m core.territoires`` rebuilds ``data/reference/territoires_industrie.csv``.
No Streamlit here: the build scripts and the tests use it as is.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
OUTPUT = REFERENCE_DIR / "territoires_industrie.csv"
MEMBERS_FILE = "territoires_industrie_membres.csv"  # the ANCT list, as shipped
COMMUNES_FILE = "communes.csv"
GROUPINGS_FILE = "epci_membres.csv"

MIN_COMMUNES = 5
MIN_SHARE = 0.20

COLUMNS = ["id", "name", "dept", "n_communes", "population", "share"]
ANCT_COLUMNS = ["id_ti", "lib_ti", "siren_epci", "lib_epci"]
COMMUNE_COLUMNS = ["code", "name", "dept", "population", "siren"]
GROUPING_COLUMNS = ["siren", "kind", "code"]
SHARE_FORMAT = "%.10f"  # enough for the shares of a territory to sum to 1 within 1e-9

# Customs départements: 01…95 with Corsica as one 20, and the five overseas départements.
CUSTOMS_DEPTS = frozenset([f"{n:02d}" for n in range(1, 96)] + ["971", "972", "973", "974", "976"])

# Municipal arrondissements of Paris, Lyon and Marseille → their commune.
_ARRONDISSEMENTS = (
    (re.compile(r"751(0[1-9]|1\d|20)"), "75056"),
    (re.compile(r"6938[1-9]"), "69123"),
    (re.compile(r"132(0[1-9]|1[0-6])"), "13055"),
)


class ResolutionError(ValueError):
    """A member of the ANCT list, or a commune of a grouping, that the sources do not know."""


# --- Small helpers ----------------------------------------------------------------------------


def clean_text(value: object) -> str:
    """Trim a label, no-break spaces included, and collapse inner runs of spaces."""
    text = unicodedata.normalize("NFC", str(value)).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def customs_dept(dept: str) -> str:
    """The customs' code of an INSEE département: ``2A``/``2B`` → ``20``, others unchanged."""
    dept = str(dept).strip().upper()
    return "20" if dept in ("2A", "2B") else dept


def commune_of(code: str) -> str:
    """The commune of a municipal arrondissement (``75112`` → ``75056``), else the code itself."""
    code = str(code).strip().upper()
    for pattern, commune in _ARRONDISSEMENTS:
        if pattern.fullmatch(code):
            return commune
    return code


def sort_key(name: str) -> str:
    """Alphabetical order the French way: accents and case do not count."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _read_text(path: Path) -> str:
    """A text file in UTF-8, with or without a byte-order mark."""
    return Path(path).read_bytes().decode("utf-8-sig")


def _read_csv_text(text: str) -> pd.DataFrame:
    """CSV whose separator is ``;`` or ``,`` (guessed from the header), every value as text."""
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


# --- Loaders ----------------------------------------------------------------------------------


def load_anct(path: Path | str) -> pd.DataFrame:
    """The ANCT list (``id_ti, lib_ti, siren_epci, lib_epci``; ``;`` or ``,``; UTF-8 with or
    without BOM) as ``id_ti, lib_ti, siren, lib_epci``: labels trimmed (the 2023 file ends some
    names with a no-break space), SIREN as nine digits, blank lines dropped."""
    df = _read_csv_text(_read_text(Path(path)))
    df.columns = [clean_text(c).lower() for c in df.columns]
    missing = [c for c in ANCT_COLUMNS[:3] if c not in df.columns]
    if missing:
        raise ResolutionError(f"colonnes absentes de la liste ANCT : {', '.join(missing)}")
    if "lib_epci" not in df.columns:
        df["lib_epci"] = ""
    df = df[ANCT_COLUMNS].map(clean_text)
    df = df[df["id_ti"].ne("") | df["siren_epci"].ne("")]
    df["siren_epci"] = df["siren_epci"].str.replace(r"\.0+$", "", regex=True).str.zfill(9)
    return df.rename(columns={"siren_epci": "siren"}).reset_index(drop=True)


def _load_etalab(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The package's files: communes.csv (code, nom, departement, …), epci.json, ept.json."""
    raw = _read_csv_text(_read_text(directory / COMMUNES_FILE))
    communes = pd.DataFrame(
        {
            "code": raw["code"].str.strip(),
            "name": raw["nom"].map(clean_text),
            "dept": raw["departement"].map(customs_dept),
            "population": raw["population"].str.strip(),
            "siren": raw["siren"].str.strip(),
        }
    )
    groupings = []
    for name in ("epci.json", "ept.json"):
        for grouping in json.loads(_read_text(directory / name)):
            kind = "EPT" if grouping.get("type") == "EPT" else "EPCI"
            for member in grouping["membres"]:
                groupings.append((str(grouping["code"]), kind, str(member["code"])))
    members = pd.DataFrame(groupings, columns=GROUPING_COLUMNS)
    return _finish(communes, members)


def _load_compact(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The project's compact tables: communes.csv (code, name, dept, …) and epci_membres.csv."""
    communes = _read_csv_text(_read_text(directory / COMMUNES_FILE))[COMMUNE_COLUMNS]
    members = _read_csv_text(_read_text(directory / GROUPINGS_FILE))[GROUPING_COLUMNS]
    return _finish(communes, members)


def _finish(
    communes: pd.DataFrame, members: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Keep the customs départements' communes; split the groupings into EPCI and EPT."""
    communes = communes[communes["dept"].isin(CUSTOMS_DEPTS)].copy()
    communes["population"] = pd.to_numeric(communes["population"]).astype("int64")
    communes = communes.sort_values("code", ignore_index=True)
    members = members.assign(code=members["code"].map(commune_of)).drop_duplicates()
    members = members.sort_values(["siren", "code"], ignore_index=True)
    epci = members.loc[members["kind"].eq("EPCI"), ["siren", "code"]].reset_index(drop=True)
    ept = members.loc[members["kind"].eq("EPT"), ["siren", "code"]].reset_index(drop=True)
    return communes, epci, ept


def load_sources(
    directory: Path | str = REFERENCE_DIR,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(communes, epci, ept)`` from a directory holding either the package's files
    (``epci.json``, ``ept.json``, ``communes.csv``; also found in an ``etalab/`` subfolder) or
    the compact tables (``communes.csv``, ``epci_membres.csv``); default ``data/reference/``.

    ``communes``: ``code, name, dept`` (customs code), ``population`` (int), ``siren``;
    ``epci`` and ``ept``: ``siren`` of the grouping, ``code`` of a member commune."""
    directory = Path(directory)
    if not (directory / "epci.json").exists() and (directory / "etalab" / "epci.json").exists():
        directory = directory / "etalab"
    if (directory / "epci.json").exists():
        return _load_etalab(directory)
    if (directory / GROUPINGS_FILE).exists():
        return _load_compact(directory)
    raise FileNotFoundError(
        f"{directory} : ni epci.json/ept.json/communes.csv, ni {GROUPINGS_FILE}/{COMMUNES_FILE}"
    )


def find_anct(directory: Path | str) -> Path:
    """The ANCT list beside the sources: ``territoires_industrie_membres.csv`` (the shipped
    copy), else the newest ``anct/territoires_industrie_epci_*.csv``."""
    directory = Path(directory)
    if (directory / MEMBERS_FILE).exists():
        return directory / MEMBERS_FILE
    found = sorted((directory / "anct").glob("territoires_industrie_epci_*.csv"))
    if found:
        return found[-1]
    return REFERENCE_DIR / MEMBERS_FILE


# --- Resolution -------------------------------------------------------------------------------


def commune_members(
    members: pd.DataFrame, communes: pd.DataFrame, epci: pd.DataFrame, ept: pd.DataFrame
) -> pd.DataFrame:
    """One row per (territory, commune): ``id, name, code, dept, population``.

    ``members``: ``id_ti, lib_ti, siren`` (``load_anct``); a SIREN is looked up among the EPCI,
    then the EPT, then the communes (a territory may list a single commune). A commune reached
    twice within a territory (an EPT and the métropole holding it, an EPCI and one of its
    communes) appears once; a commune may belong to several territories and appears in each.
    Raises ``ResolutionError`` for a SIREN or a member commune the sources do not know."""
    members = members[["id_ti", "lib_ti", "siren"]].astype(str)
    names = members.drop_duplicates(["id_ti", "lib_ti"])
    twice = names[names["id_ti"].duplicated(keep=False)]
    if not twice.empty:
        raise ResolutionError(
            "identifiant porté par plusieurs noms : " + ", ".join(sorted(set(twice["id_ti"])))
        )
    groupings = pd.concat([epci, ept], ignore_index=True)[["siren", "code"]].astype(str)
    single = communes[["siren", "code"]].astype(str)
    single = single[single["siren"].ne("") & ~single["siren"].isin(groupings["siren"])]
    known = pd.concat([groupings, single], ignore_index=True)
    unknown = members[~members["siren"].isin(known["siren"])]
    if not unknown.empty:
        listed = ", ".join(f"{r.siren} ({r.id_ti})" for r in unknown.itertuples())
        raise ResolutionError(f"SIREN introuvable(s) parmi les EPCI, EPT et communes : {listed}")
    pairs = members.merge(known, on="siren")[["id_ti", "lib_ti", "code"]]
    pairs = pairs.assign(code=pairs["code"].map(commune_of)).drop_duplicates(["id_ti", "code"])
    info = communes[["code", "dept", "population"]].assign(code=communes["code"].astype(str))
    rows = pairs.merge(info, on="code", how="left")
    lost = rows[rows["dept"].isna()]
    if not lost.empty:
        listed = ", ".join(sorted(set(lost["code"])))
        raise ResolutionError(
            f"commune(s) membre(s) absente(s) de la liste des communes : {listed}"
        )
    rows["dept"] = rows["dept"].map(customs_dept)
    rows = rows.rename(columns={"id_ti": "id", "lib_ti": "name"})
    return rows.sort_values(["id", "code"], ignore_index=True)[
        ["id", "name", "code", "dept", "population"]
    ]


def resolve(
    members: pd.DataFrame, communes: pd.DataFrame, epci: pd.DataFrame, ept: pd.DataFrame
) -> pd.DataFrame:
    """One row per (territory, département): ``id, name, dept, n_communes, population, share``.

    Communes as ``commune_members`` finds them (each counted once per territory, and in every
    territory it belongs to); ``share`` is the share of the territory's population living in
    the département (by commune count when the territory has no population at all). Sorted by
    id, then département. Raises ``ResolutionError`` for a SIREN or a member commune the
    sources do not know."""
    rows = commune_members(members, communes, epci, ept)
    out = rows.groupby(["id", "name", "dept"], as_index=False).agg(
        n_communes=("code", "nunique"), population=("population", "sum")
    )
    out["n_communes"] = out["n_communes"].astype("int64")
    out["population"] = out["population"].astype("int64")
    total = out.groupby("id")["population"].transform("sum")
    count = out.groupby("id")["n_communes"].transform("sum")
    out["share"] = (out["population"] / total).where(total > 0, out["n_communes"] / count)
    out["share"] = out["share"].astype("float64")
    return out.sort_values(["id", "dept"], ignore_index=True)[COLUMNS]


def is_listed(rows: pd.DataFrame) -> pd.Series:
    """Which ``rows`` (a territory in a département or a région: communes, population share)
    the fact sheets list: at least ``MIN_COMMUNES`` communes or ``MIN_SHARE`` of its people."""
    return rows["n_communes"].ge(MIN_COMMUNES) | rows["share"].ge(MIN_SHARE)


def principal(rows: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The territories a département lists, sorted by name, and how many it leaves out.

    ``rows``: the ``resolve`` rows of one département. A territory is listed when it has at
    least ``MIN_COMMUNES`` communes there or at least ``MIN_SHARE`` of its population lives
    there (the rule that reproduces the ANCT fact sheets)."""
    keep = is_listed(rows)
    shown = rows[keep]
    shown = shown.iloc[sorted(range(len(shown)), key=lambda i: sort_key(shown["name"].iat[i]))]
    return shown.reset_index(drop=True), int((~keep).sum())


def load_resolved(path: Path | str = OUTPUT) -> pd.DataFrame:
    """``territoires_industrie.csv`` with its types: codes as text, counts as int, share float."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    df["n_communes"] = df["n_communes"].astype("int64")
    df["population"] = df["population"].astype("int64")
    df["share"] = df["share"].astype("float64")
    return df[COLUMNS]


# --- Writers ----------------------------------------------------------------------------------


def to_csv_text(resolved: pd.DataFrame) -> str:
    """The resolved table as the project writes it: UTF-8, ``,``, ``\\n``, fixed decimals."""
    return resolved[COLUMNS].to_csv(index=False, lineterminator="\n", float_format=SHARE_FORMAT)


def _write(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        frame.to_csv(f, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def write_compact(
    directory: Path | str,
    communes: pd.DataFrame,
    epci: pd.DataFrame,
    ept: pd.DataFrame,
    members: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the compact tables (``communes.csv``, ``epci_membres.csv`` and, when given, the
    ANCT list as ``territoires_industrie_membres.csv``) that ``load_sources`` reads back."""
    directory = Path(directory)
    groupings = pd.concat([epci.assign(kind="EPCI"), ept.assign(kind="EPT")], ignore_index=True)
    groupings = groupings.sort_values(["kind", "siren", "code"], ignore_index=True)
    written = [directory / COMMUNES_FILE, directory / GROUPINGS_FILE]
    _write(written[0], communes[COMMUNE_COLUMNS])
    _write(written[1], groupings[GROUPING_COLUMNS])
    if members is not None:
        anct = members.rename(columns={"siren": "siren_epci"})[ANCT_COLUMNS]
        written.append(directory / MEMBERS_FILE)
        _write(written[2], anct)
    return written


# --- Command line -----------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n:_} {word}{'s' if n > 1 else ''}".replace("_", "\u202f")


def summary(resolved: pd.DataFrame) -> list[str]:
    """A few French lines on a resolved table, for the command line."""
    n_ti = resolved["id"].nunique()
    depts = resolved["dept"].nunique()
    multi = int((resolved.groupby("id")["dept"].nunique() > 1).sum())
    listed = hidden = 0
    for _, rows in resolved.groupby("dept"):
        shown, n_hidden = principal(rows)
        listed += len(shown)
        hidden += n_hidden
    return [
        f"{_plural(n_ti, 'territoire')} d'industrie, {_plural(len(resolved), 'ligne')} "
        f"(territoire × département), {_plural(depts, 'département')} concerné"
        f"{'s' if depts > 1 else ''}.",
        f"{_plural(int(resolved['n_communes'].sum()), 'commune')}, "
        f"{_plural(int(resolved['population'].sum()), 'habitant')}.",
        f"{_plural(multi, 'territoire')} sur plusieurs départements ; {listed} mentions "
        f"principales, {hidden} écartées (moins de {MIN_COMMUNES} communes et moins de "
        f"{round(MIN_SHARE * 100)} % de la population du territoire).",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.territoires",
        description="Rebuild data/reference/territoires_industrie.csv from the ANCT list.",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=REFERENCE_DIR,
        help="directory of the EPCI/EPT/commune sources: the package's files (epci.json, "
        "ept.json, communes.csv, or an etalab/ subfolder) or the compact tables "
        "(default: data/reference/)",
    )
    parser.add_argument(
        "--anct",
        type=Path,
        help="the ANCT list (id_ti,lib_ti,siren_epci,lib_epci); default: "
        "territoires_industrie_membres.csv or anct/territoires_industrie_epci_*.csv "
        "in --source, else data/reference/territoires_industrie_membres.csv",
    )
    parser.add_argument("--out", type=Path, default=OUTPUT, help="output CSV")
    parser.add_argument(
        "--compact",
        type=Path,
        help="also write the compact tables (communes.csv, epci_membres.csv, "
        "territoires_industrie_membres.csv) to this directory",
    )
    args = parser.parse_args(argv)
    try:
        communes, epci, ept = load_sources(args.source)
        members = load_anct(args.anct or find_anct(args.source))
        resolved = resolve(members, communes, epci, ept)
    except (OSError, ResolutionError, KeyError) as exc:
        print(f"Échec : {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_csv_text(resolved), encoding="utf-8", newline="")
    print(f"Écrit : {args.out}")
    for line in summary(resolved):
        print(line)
    if args.compact:
        for path in write_compact(args.compact, communes, epci, ept, members):
            print(f"Écrit : {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
