"""Revisions: each (year, quarter, flow) slice of the new files replaces the same slice of the
current official build; every other slice is kept as it is.

The customs revise earlier quarters at every publication: the "dernière publication" file
(the last five quarters) replaces the quarters an annual file gave before, and an annual file
loaded later replaces only its own year. Because a slice is replaced whole, never added to,
annual files for 2019–2023 and then the latest five-quarter file give the same figures in
whatever order the annual files come.

Slices are compared by fingerprint (``slices.checksum``, computed by ``core.build`` over every
row of the slice, order-independent): a slice whose rows are the same is « inchangée », and a
load that changes no slice publishes nothing.

When the current build holds the demonstration data (or a build from before quarters), an
official load starts from empty: demonstration figures are never mixed with official ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core import reference, store
from core.build import Reference, read_metadata
from core.formatting import format_number
from core.load.publish import open_build

SLICE_KEY = ["year", "quarter", "flow"]
UNKNOWN_A129 = "ZZZZ"
UNKNOWN_PARENT = ("ZZ", "Non référencé")
FLOW_FR = {"export": "exportations", "import": "importations"}


@dataclass
class Current:
    """What a load needs of the build in place."""

    path: Path
    metadata: dict[str, object]
    slices: pd.DataFrame  # year, quarter, flow, rows, value_eur, checksum, source
    products: pd.DataFrame
    territoires: pd.DataFrame | None
    official: bool  # False: demonstration data (or an older layout): not merged with
    reason: str = ""  # why the current data is not merged with, in French

    @classmethod
    def read(cls) -> Current | None:
        path = store.current_build()
        if path is None:
            return None
        con = open_build(path)
        try:
            tables = {
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'cur'"
                ).fetchall()
            }
            metadata = read_metadata(con) if "metadata" in tables else {}
            columns = {
                r[0]
                for r in con.execute(
                    """SELECT column_name FROM duckdb_columns()
                    WHERE database_name = 'cur' AND table_name = 'trade'"""
                ).fetchall()
            }
            modern = {"slices", "trade", "product"} <= tables and "quarter" in columns
            territoires = None
            if "territoire_industrie" in tables:
                try:
                    territoires = Reference.read(con).territoires
                except duckdb.Error:
                    territoires = None
            if not modern:
                return cls(path, metadata, _no_slices(), pd.DataFrame(), territoires, False,
                           "les données en place ont une structure antérieure aux trimestres")  # fmt: skip
            slices = con.sql(
                "SELECT year, quarter, flow, rows, value_eur, checksum, source FROM slices"
            ).df()
            products = con.sql("SELECT * FROM product ORDER BY code").df()
        finally:
            con.close()
        if metadata.get("source") != "official":
            return cls(path, metadata, slices, products, territoires, False,
                       "les données en place sont des données de démonstration")  # fmt: skip
        return cls(path, metadata, slices, products, territoires, True)

    def products_used(self, keep: pd.DataFrame, codes: list[str]) -> set[str]:
        """Which of ``codes`` the kept slices use (one scan of the current trade)."""
        if not codes or keep.empty:
            return set()
        con = open_build(self.path)
        try:
            con.register("keep_slices", keep[SLICE_KEY])
            con.register("wanted", pd.DataFrame({"code": codes}))
            rows = con.execute(
                """SELECT DISTINCT t.product FROM trade t
                SEMI JOIN keep_slices k USING (year, quarter, flow)
                SEMI JOIN wanted w ON w.code = t.product"""
            ).fetchall()
        finally:
            con.close()
        return {r[0] for r in rows}


def _no_slices() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["year", "quarter", "flow", "rows", "value_eur", "checksum", "source"]
    )


@dataclass
class Plan:
    slices: pd.DataFrame  # report.SLICE_COLUMNS
    keep: pd.DataFrame  # year, quarter, flow of the current slices copied as they are
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.slices["status"].isin(["added", "replaced"]).any())


def compare(new: pd.DataFrame, current: Current | None) -> Plan:
    """Status of every slice: added, replaced, unchanged (new files) or kept (current build)."""
    notes: list[str] = []
    old = current.slices if current is not None and current.official else _no_slices()
    if current is not None and not current.official:
        notes.append(
            f"Le chargement repart de zéro ({current.reason}) : seules les tranches des fichiers "
            "chargés sont publiées."
        )
    new = new.astype({"year": "int64", "quarter": "int64"})
    old = old.astype({"year": "int64", "quarter": "int64"})
    merged = new.merge(old, on=SLICE_KEY, how="outer", suffixes=("_new", "_old"), indicator=True)
    same = (
        (merged["checksum_new"] == merged["checksum_old"])
        & (merged["rows_new"] == merged["rows_old"])
        & (merged["value_eur_new"] == merged["value_eur_old"])
    )
    merged["status"] = "kept"
    merged.loc[merged["_merge"] == "left_only", "status"] = "added"
    both = merged["_merge"] == "both"
    merged.loc[both & same, "status"] = "unchanged"
    merged.loc[both & ~same, "status"] = "replaced"
    merged["source"] = merged["source_new"].where(
        merged["_merge"] != "right_only", merged["source_old"]
    )
    slices = pd.DataFrame(
        {
            "year": merged["year"],
            "quarter": merged["quarter"],
            "flow": merged["flow"],
            "status": merged["status"],
            "rows_old": merged["rows_old"].astype("Int64"),
            "value_old": merged["value_eur_old"].astype("Int64"),
            "rows_new": merged["rows_new"].astype("Int64"),
            "value_new": merged["value_eur_new"].astype("Int64"),
            "source": merged["source"].fillna(""),
        }
    ).sort_values(SLICE_KEY, ignore_index=True)
    keep = slices.loc[slices["status"] == "kept", SLICE_KEY].reset_index(drop=True)
    notes += _coverage_notes(new, old)
    return Plan(slices, keep, notes)


def _coverage_notes(new: pd.DataFrame, old: pd.DataFrame) -> list[str]:
    """Say when a replaced slice is much smaller than before (a file covering one
    département replaces the whole quarter)."""
    out = []
    both = new.merge(old, on=SLICE_KEY, suffixes=("_new", "_old"))
    shrunk = both[both["rows_new"] * 2 < both["rows_old"]]
    for r in shrunk.head(5).itertuples(index=False):
        out.append(
            f"Attention : la tranche {r.year} T{r.quarter} ({FLOW_FR.get(r.flow, r.flow)}) "
            f"passe de {format_number(r.rows_old)} à {format_number(r.rows_new)} lignes : une "
            "tranche est remplacée en entier par celle des nouveaux fichiers."
        )
    return out


# --- Products ----------------------------------------------------------------------------------


def _a129_rows() -> dict[str, dict[str, str]]:
    a129 = reference.load_a129()
    return {
        r.code: {
            "a129_label": r.label,
            "a38": r.a38,
            "a38_label": r.a38_label,
            "a17": r.a17,
            "a17_label": r.a17_label,
        }  # fmt: skip
        for r in a129.itertuples(index=False)
    }


def _parents(a129: str, table: dict[str, dict[str, str]]) -> dict[str, str]:
    if a129 in table:
        return {"a129": a129, **table[a129]}
    code, label = UNKNOWN_PARENT
    return {"a129": a129, "a129_label": f"{a129} (non référencé)", "a38": code,
            "a38_label": label, "a17": code, "a17_label": label}  # fmt: skip


def products(
    base: pd.DataFrame,
    current: Current | None,
    keep: pd.DataFrame,
    files: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """(product table of the new build, unknown CPF4 codes, pairings that differ, notes).

    ``base``: the application's products; ``files``: the loaded files' products (code, kind,
    a129 or None, rows, value_eur). Products an earlier load added or re-paired are kept when
    the kept slices still use them; the new files' pairing wins over both.
    """
    a129 = _a129_rows()
    table = {r["code"]: dict(r) for r in base.to_dict("records")}
    notes: list[str] = []
    if current is not None and current.official and not current.products.empty:
        earlier = {
            r["code"]: dict(r)
            for r in current.products.to_dict("records")
            if r["code"] not in table or r["a129"] != table[r["code"]]["a129"]
        }
        used = current.products_used(keep, sorted(earlier))
        table.update({c: earlier[c] for c in used})
    unknown, pairings = [], []
    a129_level = []
    base_a129 = dict(zip(base["code"], base["a129"], strict=True))
    for r in files.itertuples(index=False):
        code = r.code
        file_a129 = r.a129 if isinstance(r.a129, str) and r.a129 else None
        if r.kind == "a129":
            parents = _parents(code, a129)
            table[code] = {"code": code, "label": f"{parents['a129_label']} (niveau A129, sans détail CPF4)", **parents}  # fmt: skip
            a129_level.append(code)
        elif code in base_a129:
            ref_a129 = base_a129[code]
            if file_a129 and file_a129 != ref_a129:
                table[code] = {**table[code], **_parents(file_a129, a129)}
                pairings.append((code, ref_a129, file_a129, int(r.rows)))
            elif file_a129:
                table[code] = {**table[code], **_parents(file_a129, a129)}
        elif code in table and not file_a129:
            continue  # an earlier load's product, re-used as it was
        else:
            parent = file_a129 or reference.a129_of_cpf4(code) or UNKNOWN_A129
            table[code] = {
                "code": code,
                "label": f"{code} (non référencé)",
                **_parents(parent, a129),
            }
            unknown.append((code, parent, int(r.rows), int(r.value_eur)))
    if a129_level:
        notes.append(
            f"{len(a129_level)} codes A129 sans détail CPF4 ({', '.join(a129_level[:10])}"
            f"{'…' if len(a129_level) > 10 else ''}) enregistrés comme produits de niveau A129."
        )
    frame = pd.DataFrame(list(table.values()))[list(base.columns)].sort_values(
        "code", ignore_index=True
    )
    return (
        frame,
        pd.DataFrame(unknown, columns=["code", "a129", "rows", "value_eur"]),
        pd.DataFrame(pairings, columns=["code", "a129_reference", "a129_file", "rows"]),
        notes,
    )
