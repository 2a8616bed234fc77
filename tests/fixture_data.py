"""A tiny hand-made database whose every figure can be computed by hand.

Values are whole millions of euros (×1 000 000 when written). 2024, exports:

| dept (région) | rows                                              | total |
|---------------|---------------------------------------------------|-------|
| 93 (11)       | C21Z→DE 100, C21Z→US 50, C30C→US 30, C11Z→CN 20   | 200   |
| 95 (11)       | C30C→DE 300, C11Z→BE 100                          | 400   |
| 75 (11)       | C10A→BE 100                                       | 100   |
| 59 (32)       | C21Z→BE 250, C10A→DE 50, C11Z→QU 10               | 310   |
| 02 (32)       | C10A→BE 90                                        | 90    |

Région 11 exports 700, France 1 100. 2024 imports: 93 250 (C21Z←CN 120, C30C←US 80,
C10A←BE 50), 95 200 (C30C←US), 75 50 (C11Z←DE), 59 160 (C10A←BE 100, C21Z←DE 60), 02 10
(C10A←BE). 2023 exports: 93 160, 95 400, 75 100, 59 300, 02 100 (75 and 02 tie); 2023 imports:
93 200, 95 250, 75 50, 59 150, 02 10. The partner code ZZ is not in the country table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from core.demo import Reference, write_database

M = 1_000_000

REGIONS = pd.DataFrame({"code": ["11", "32"], "name": ["Île-de-France", "Hauts-de-France"]})
DEPTS = pd.DataFrame(
    {
        "code": ["02", "59", "75", "93", "95"],
        "name": ["Aisne", "Nord", "Paris", "Seine-Saint-Denis", "Val-d'Oise"],
        "region": ["32", "32", "11", "11", "11"],
    }
)
PRODUCTS = pd.DataFrame(
    {
        "code": ["C10A", "C11Z", "C21Z", "C30C"],
        "label": ["Viandes", "Boissons", "Produits pharmaceutiques", "Aéronautique et spatial"],
        "a38": ["CA", "CA", "CF", "CL"],
        "a38_label": ["Agroalimentaire", "Agroalimentaire", "Pharmacie", "Transport"],
        "a17": ["C1", "C1", "C5", "C4"],
        "a17_label": ["IAA", "IAA", "Autres industries", "Matériels de transport"],
    }
)
COUNTRIES = pd.DataFrame(
    {
        "code": ["BE", "CN", "DE", "QU", "US"],
        "name_fr": ["Belgique", "Chine", "Allemagne", "Pays non déterminés", "États-Unis"],
        "iso3": ["BEL", "CHN", "DEU", "", "USA"],
        "eu27": [True, False, True, False, False],
        "zone": [
            "Union européenne",
            "Asie",
            "Union européenne",
            "Non déterminé",
            "Amérique du Nord",
        ],
    }
)
TERRITOIRES = pd.DataFrame(
    {
        "name": ["Grand Roissy Le Bourget", "Petit territoire voisin", "Grand Roissy Le Bourget"],
        "dept": ["93", "93", "95"],
        "n_communes": [8, 3, 17],
    }
)

ROWS = [
    # year, flow, dept, product, country, M€
    (2024, "export", "93", "C21Z", "DE", 100),
    (2024, "export", "93", "C21Z", "US", 50),
    (2024, "export", "93", "C30C", "US", 30),
    (2024, "export", "93", "C11Z", "CN", 20),
    (2024, "export", "95", "C30C", "DE", 300),
    (2024, "export", "95", "C11Z", "BE", 100),
    (2024, "export", "75", "C10A", "BE", 100),
    (2024, "export", "59", "C21Z", "BE", 250),
    (2024, "export", "59", "C10A", "DE", 50),
    (2024, "export", "59", "C11Z", "QU", 10),
    (2024, "export", "02", "C10A", "BE", 90),
    (2024, "import", "93", "C21Z", "CN", 120),
    (2024, "import", "93", "C30C", "US", 80),
    (2024, "import", "93", "C10A", "BE", 50),
    (2024, "import", "95", "C30C", "US", 200),
    (2024, "import", "75", "C11Z", "DE", 50),
    (2024, "import", "59", "C10A", "BE", 100),
    (2024, "import", "59", "C21Z", "DE", 60),
    (2024, "import", "02", "C10A", "BE", 10),
    (2023, "export", "93", "C21Z", "DE", 160),
    (2023, "export", "95", "C30C", "DE", 400),
    (2023, "export", "75", "C10A", "BE", 100),
    (2023, "export", "59", "C21Z", "ZZ", 300),
    (2023, "export", "02", "C10A", "BE", 100),
    (2023, "import", "93", "C21Z", "CN", 200),
    (2023, "import", "95", "C30C", "US", 250),
    (2023, "import", "75", "C11Z", "DE", 50),
    (2023, "import", "59", "C10A", "BE", 150),
    (2023, "import", "02", "C10A", "BE", 10),
]


def build_fixture(path: Path) -> Path:
    return write_fixture(path, ROWS, "fixture")


def write_fixture(
    path: Path, rows: list[tuple], name: str, territoires: pd.DataFrame | None = None
) -> Path:
    """A database of the fixture's reference tables and ``rows`` (values in M€)."""
    columns = list(zip(*rows, strict=True))
    trade = pa.table(
        {
            "year": pa.array(columns[0], pa.int16()),
            "flow": pa.array(columns[1]),
            "dept": pa.array(columns[2]),
            "product": pa.array(columns[3]),
            "country": pa.array(columns[4]),
            "value_eur": pa.array([v * M for v in columns[5]], pa.int64()),
        }
    )
    ti = TERRITOIRES if territoires is None else territoires
    ref = Reference(DEPTS, REGIONS, PRODUCTS, COUNTRIES, ti)
    write_database(path, ref, trade, {"source": "test", "files": [name]})
    return path
