"""Shared helpers of the ingestion tests: sample files in every accepted shape, small builds.

No tests here. The sample holds four rows whose euro values are computed by hand:

| year | flow   | dept | product | partner | value (k€)      | euros          |
|------|--------|------|---------|---------|-----------------|----------------|
| 2024 | export | 01   | C21Z    | DE      | 1 234,567       | 1 234 567      |
| 2024 | export | 93   | C30C    | US      | 0,5             | 500            |
| 2024 | import | 2A   | C10A    | BE      | 12              | 12 000         |
| 2023 | import | 971  | C11Z    | QU      | 1 000 000,001   | 1 000 000 001  |
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from core import store
from core.demo import Reference, write_database

EXPECTED = {
    (2024, "export", "01", "C21Z", "DE"): 1_234_567,
    (2024, "export", "93", "C30C", "US"): 500,
    (2024, "import", "2A", "C10A", "BE"): 12_000,
    (2023, "import", "971", "C11Z", "QU"): 1_000_000_001,
}
HEADER_FR = ["Année", "Flux", "Code département", "Code A129", "Code pays",
             "Valeur (en milliers d'euros)"]  # fmt: skip


def sample_rows(
    decimal: str = ",", thousands: str = "\u00a0", flows: tuple[str, str] = ("E", "I")
) -> list[list[str]]:
    def v(text: str) -> str:
        return text.replace(",", "\0").replace(" ", thousands).replace("\0", decimal)

    e, i = flows
    return [
        ["2024", e, "1", "C21Z", "DE", v("1 234,567")],
        ["2024", e, "93", "C30C", "US", v("0,5")],
        ["2024", i, "2A", "C10A", "BE", v("12")],
        ["2023", i, "971", "C11Z", "QU", v("1 000 000,001")],
    ]


def csv_bytes(
    rows: list[list[str]],
    header: list[str] = HEADER_FR,
    sep: str = ";",
    encoding: str = "cp1252",
    preamble: str = "",
) -> bytes:
    def quote(cell: str) -> str:
        return f'"{cell}"' if sep in cell else cell

    lines = [sep.join(quote(c) for c in header)] + [sep.join(quote(c) for c in r) for r in rows]
    return (preamble + "\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER_FR, title: str = "") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def as_dict(trade: pd.DataFrame) -> dict[tuple, int]:
    return {
        (int(r.year), r.flow, r.dept, r.product, r.country): int(r.value_eur)
        for r in trade.itertuples(index=False)
    }


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory: loads never touch /work/main/data."""
    path = tmp_path / "data"
    monkeypatch.setenv("COMEX_DATA_DIR", str(path))
    monkeypatch.delenv("COMEX_DB", raising=False)
    return path


def small_build(kind: str, value: int, metadata: dict | None = None) -> Path:
    """A complete database with two trade rows (value and 2×value), not yet published."""
    trade = pa.table(
        {
            "year": pa.array([2024, 2024], pa.int16()),
            "flow": ["export", "import"],
            "dept": ["93", "95"],
            "product": ["C21Z", "C30C"],
            "country": ["DE", "US"],
            "value_eur": pa.array([value, 2 * value], pa.int64()),
        }
    )
    path = store.new_build_path(kind)
    meta = metadata or {"source": "official", "label": "test", "files": [f"{kind}.csv"]}
    write_database(path, Reference.load(), trade, meta)
    return path
