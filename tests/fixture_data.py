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

Products are CPF4 codes under the A129 codes the figures name: 1011 (C10A), 1102 (C11Z), 2120
(C21Z), 3030 (C30C). Each row is one quarter of the customs' files: the rows of a (year, flow)
take quarters 1, 2, 3, 4, 1… in the order written, so that every year has its four quarters and
the yearly figures above hold. Mass: one kilogram per 1 000 euros (``MASS_PER_EUR``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from core import build
from core.build import Reference

M = 1_000_000

MASS_PER_EUR = 1 / 1000
REGIONS = pd.DataFrame({"code": ["11", "32"], "name": ["Île-de-France", "Hauts-de-France"]})
DEPTS = pd.DataFrame(
    {
        "code": ["02", "59", "75", "93", "95"],
        "name": ["Aisne", "Nord", "Paris", "Seine-Saint-Denis", "Val-d'Oise"],
        "region": ["32", "32", "11", "11", "11"],
        "customs_code": ["02", "59", "75", "93", "95"],
        "chef_lieu": ["Laon", "Lille", "Paris", "Bobigny", "Pontoise"],
    }
)
CPF4 = {"C10A": "1011", "C11Z": "1102", "C21Z": "2120", "C30C": "3030"}  # A129 → its CPF4 here
PRODUCTS = pd.DataFrame(
    {
        "code": ["1011", "1102", "2120", "3030"],
        "label": [
            "Viandes de boucherie",
            "Vins de raisin",
            "Préparations pharmaceutiques",
            "Aéronefs et engins spatiaux",
        ],
        "a129": ["C10A", "C11Z", "C21Z", "C30C"],
        "a129_label": ["Viandes", "Boissons", "Produits pharmaceutiques", "Aéronautique et spatial"],
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
# Listed under a département with at least 5 communes or 20 % of its people there: Grand
# Roissy in 93 and 95; the small neighbour is left out of 93 (3 communes, 10 %).
TERRITOIRES = pd.DataFrame(
    {
        "id": ["ti-1", "ti-2", "ti-1"],
        "name": ["Grand Roissy Le Bourget", "Petit territoire voisin", "Grand Roissy Le Bourget"],
        "dept": ["93", "93", "95"],
        "n_communes": [8, 3, 17],
        "population": [300_000, 20_000, 200_000],
        "share": [0.6, 0.1, 0.4],
    }
)
COUNTRY_LABELS = pd.DataFrame(
    {
        "code": ["BE", "CN", "DE", "QU", "US"],
        "label": ["Belgique", "Chine", "Allemagne", "Pays non déterminés", "Etats-Unis"],
        "start_year": [1900] * 5,
        "end_year": [9999] * 5,
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


def quarterly(rows: list[tuple]) -> list[tuple]:
    """(year, flow, dept, A129, country, M€) rows → (year, quarter, flow, dept, CPF4, country,
    euros): the rows of each (year, flow) take quarters 1, 2, 3, 4, 1… in order."""
    seen: dict[tuple, int] = {}
    out = []
    for year, flow, dept, product, country, meur in rows:
        i = seen.get((year, flow), 0)
        seen[(year, flow)] = i + 1
        out.append((year, i % 4 + 1, flow, dept, CPF4.get(product, product), country, meur * M))
    return out


def write_fixture(
    path: Path, rows: list[tuple], name: str, territoires: pd.DataFrame | None = None
) -> Path:
    """A database of the fixture's reference tables and ``rows`` (year, flow, dept, A129,
    country, M€), spread over quarters by ``quarterly``."""
    return write_quarters(path, quarterly(rows), name, territoires)


def write_quarters(
    path: Path, rows: list[tuple], name: str, territoires: pd.DataFrame | None = None
) -> Path:
    """A database of the fixture's reference tables and quarterly ``rows`` (year, quarter,
    flow, dept, CPF4, country, euros); mass is ``MASS_PER_EUR`` kilogram per euro."""
    columns = list(zip(*rows, strict=True))
    trade = pa.table(
        {
            "year": pa.array(columns[0], pa.int16()),
            "quarter": pa.array(columns[1], pa.int8()),
            "flow": pa.array(columns[2]),
            "dept": pa.array(columns[3]),
            "product": pa.array(columns[4]),
            "country": pa.array(columns[5]),
            "value_eur": pa.array(columns[6], pa.int64()),
            "mass_kg": pa.array([round(v * MASS_PER_EUR) for v in columns[6]], pa.int64()),
        }
    )
    ti = TERRITOIRES if territoires is None else territoires
    ref = Reference(REGIONS, DEPTS, PRODUCTS, COUNTRIES, COUNTRY_LABELS, ti)
    build.write_build(path, ref, build.arrow_fill(trade, name), {"source": "test", "files": [name]})
    return path
