"""Shared helpers of the loader tests: files in the customs' layout and in header layouts, a
private data directory, and what « the data was left as it was » means.

No tests here. Every test that loads runs in ``data_dir`` (``COMEX_DATA_DIR`` under pytest's
tmp_path): /work/main/data is never written.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pytest

from core import build, store

# The four rows quoted by the DGDDI in its description of the regional files.
REAL_ROWS = [
    "I;3;2018;01;18;A01Z;0111;AR;52;11",
    "I;3;2018;01;18;A01Z;0111;AT;29916;20815",
    "E;3;2018;01;18;A01Z;0111;BE;406473;1210935",
    "E;3;2018;01;18;A01Z;0111;BR;11228;250",
]

# Customs département code → stored code.
CUSTOMS_DEPTS = {"01": "01", "20": "20", "9A": "971", "9B": "972", "9C": "973", "9D": "974",
                 "9E": "976", "99": "99", "75": "75", "93": "93"}  # fmt: skip
# (CPF4, A129) pairs of the generated files: known products, and one unknown CPF4 (0999,
# filed under A01Z by the file).
PRODUCTS = [("0111", "A01Z"), ("2110", "C21Z"), ("3030", "C30C"), ("0999", "A01Z")]
PARTNERS = ["DE", "US", "QU", "QS", "XK", "ZY"]  # ZY: not in the customs' table


def text_of(lines: Iterable[str], crlf: bool = True) -> bytes:
    end = "\r\n" if crlf else "\n"
    return (end.join(lines) + end).encode("utf-8")


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def line(flow: str, quarter: int, year: int, dept: str, a129: str, cpf4: str, country: str,
         value: int, mass: int | str) -> str:  # fmt: skip
    return f"{flow};{quarter};{year};{dept};18;{a129};{cpf4};{country};{value};{mass}"


def publication(
    quarters: Iterable[tuple[int, int]], revision: int = 0
) -> dict[tuple[str, int, int, str, str, str], tuple[int, int]]:
    """Rows of a generated publication: (flow, year, quarter, customs dept, cpf4, partner) →
    (value, mass). ``revision`` changes every value, as a later publication revises figures."""
    rows = {}
    for year, quarter in quarters:
        for f_i, flow in enumerate("EI"):
            for d_i, dept in enumerate(CUSTOMS_DEPTS):
                for p_i, (cpf4, _) in enumerate(PRODUCTS):
                    for c_i, country in enumerate(PARTNERS):
                        if (d_i + p_i + c_i + quarter) % 3 == 0:
                            continue  # sparse, as real files are
                        value = (year - 2000) * 1_000_003 + quarter * 10_007 + f_i * 5_003 \
                            + d_i * 701 + p_i * 97 + c_i * 13 + revision * 11  # fmt: skip
                        rows[(flow, year, quarter, dept, cpf4, country)] = (value, value // 7 + 1)
    return rows


def publication_lines(rows: dict, flow: str | None = None) -> list[str]:
    a129 = dict(PRODUCTS)
    return [
        line(f, q, y, d, a129[p], p, c, v, m)
        for (f, y, q, d, p, c), (v, m) in sorted(rows.items())
        if flow is None or f == flow
    ]


def publication_zip(rows: dict, stem: str) -> bytes:
    """A ZIP holding ``<stem>_CPF4PAYSE.txt`` and ``<stem>_CPF4PAYSI.txt``, CRLF."""
    return zip_bytes(
        {
            f"{stem}_CPF4PAYSE.txt": text_of(publication_lines(rows, "E")),
            f"{stem}_CPF4PAYSI.txt": text_of(publication_lines(rows, "I")),
        }
    )


def expected_totals(rows: dict) -> dict[tuple[int, int, str, str], int]:
    """(year, quarter, flow, stored dept) → value, computed from the generated rows."""
    out: dict[tuple[int, int, str, str], int] = {}
    for (flow, year, quarter, dept, _, _), (value, _) in rows.items():
        key = (year, quarter, "export" if flow == "E" else "import", CUSTOMS_DEPTS[dept])
        out[key] = out.get(key, 0) + value
    return out


def totals_in(path: Path | None = None) -> dict[tuple[int, int, str, str], int]:
    con = duckdb.connect(str(path or store.db_path()), read_only=True)
    try:
        rows = con.execute(
            "SELECT year, quarter, flow, dept, sum(value_eur) FROM trade GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    return {(int(y), int(q), f, d): int(v) for y, q, f, d, v in rows}


def query(sql: str, params: list | None = None, path: Path | None = None) -> list[tuple]:
    con = duckdb.connect(str(path or store.db_path()), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def state(data: Path) -> tuple:
    """What must not change when a load is refused: the current build, its bytes, the files."""
    current = store.current_build()
    digest = hashlib.sha256(current.read_bytes()).hexdigest() if current else None
    # The lock file is the store's own, kept between loads by design (see store.load_lock).
    files = (
        sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.name != ".load.lock")
        if data.exists()
        else []
    )
    return current, digest, files


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory: loads never touch /work/main/data."""
    path = tmp_path / "data"
    monkeypatch.setenv("COMEX_DATA_DIR", str(path))
    monkeypatch.delenv("COMEX_DB", raising=False)
    return path


def small_build(kind: str, value: int, metadata: dict | None = None) -> Path:
    """A complete database with two trade rows (value and 2×value), not yet published."""
    import pyarrow as pa

    rows = pa.table(
        {
            "year": pa.array([2024, 2024], pa.int16()),
            "quarter": pa.array([1, 1], pa.int8()),
            "flow": ["export", "import"],
            "dept": ["93", "95"],
            "product": ["2110", "3030"],
            "country": ["DE", "US"],
            "value_eur": pa.array([value, 2 * value], pa.int64()),
            "mass_kg": pa.array([1, 2], pa.int64()),
        }
    )
    path = store.new_build_path(kind)
    meta = metadata or {"source": "official", "label": "test", "files": [f"{kind}.txt"]}
    build.write_build(path, build.Reference.load(), build.arrow_fill(rows, f"{kind}.txt"), meta)
    return path
