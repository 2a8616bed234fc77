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

The quarters this gives: 2024 exports 93 C21Z→DE T1, C21Z→US T2, C30C→US T3, C11Z→CN T4;
95 C30C→DE T1, C11Z→BE T2; 75 T3; 59 C21Z→BE T4, C10A→DE T1, C11Z→QU T2; 02 T3. 2024 imports
93 C21Z←CN T1, C30C←US T2, C10A←BE T3; 95 T4; 75 T1; 59 C10A←BE T2, C21Z←DE T3; 02 T4. 2023
(both flows): 93 T1, 95 T2, 75 T3, 59 T4, 02 T1.

Two more fixtures live here: ``build_quarters_fixture`` (quarter by quarter, a partial 2025,
Corse, Guadeloupe and Monaco) and ``build_labels_fixture`` (partner codes whose meaning
changed: XK, XS).
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
        "a129_label": [
            "Viandes",
            "Boissons",
            "Produits pharmaceutiques",
            "Aéronautique et spatial",
        ],
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
    path: Path,
    rows: list[tuple],
    name: str,
    territoires: pd.DataFrame | None = None,
    *,
    regions: pd.DataFrame | None = None,
    depts: pd.DataFrame | None = None,
    countries: pd.DataFrame | None = None,
    country_labels: pd.DataFrame | None = None,
) -> Path:
    """A database of the fixture's reference tables (or the ones given) and quarterly ``rows``
    (year, quarter, flow, dept, CPF4, country, euros[, kilograms]); without a mass, a row
    weighs ``MASS_PER_EUR`` kilogram per euro."""
    rows = [r if len(r) == 8 else (*r, round(r[6] * MASS_PER_EUR)) for r in rows]
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
            "mass_kg": pa.array(columns[7], pa.int64()),
        }
    )
    ref = Reference(
        REGIONS if regions is None else regions,
        DEPTS if depts is None else depts,
        PRODUCTS,
        COUNTRIES if countries is None else countries,
        COUNTRY_LABELS if country_labels is None else country_labels,
        TERRITOIRES if territoires is None else territoires,
    )
    build.write_build(path, ref, build.arrow_fill(trade, name), {"source": "test", "files": [name]})
    return path


# --- Quarters, a partial year and « 12 derniers mois » ---------------------------------------
# A second fixture, quarter by quarter, with the customs' special départements: Corse (20),
# Guadeloupe (971, written 9A by the customs) and Monaco (99, counted in Provence-Alpes-Côte
# d'Azur). 2023 and 2024 are whole years; 2025 holds T1 and T2 only (partial), so the periods
# are 12m (T3 2024 – T2 2025), 2025 (T1–T2), 2024, 2023. M€ per quarter:
#
# | flow   | dept | product, partner | 2023 T1–T4  | 2024 T1–T4      | 2025 T1–T2 |
# |--------|------|------------------|-------------|-----------------|------------|
# | export | 93   | 2120 → DE        | 10 20 30 40 | 20 30 40 50     | 25 55      |
# | export | 95   | 3030 → US        | 50 50 50 50 | 60 60 60 60     | 30 30      |
# | export | 59   | 1011 → BE        | 5 5 5 5     | 10 10 10 10     | 20 –       |
# | export | 20   | 1102 → BE        | –           | – – 4 –         | – 2        |
# | export | 971  | 1011 → US        | –           | 1 – – –         | 3 –        |
# | export | 99   | 3030 → DE        | – – – 8     | – 6 – –         | – 9        |
# | import | 93   | 2120 ← CN        | 20 20 20 20 | 10 15 35 40     | 15 5       |
# | import | 95   | 3030 ← US        | 25 25 25 25 | 25 25 25 25     | 30 30      |
# | import | 971  | 1011 ← BE        | 5 5 5 5     | 5 5 5 5         | 6 6        |
#
# Exports: 2023 = 93 100, 95 200, 59 20, 99 8 (328); 2024 = 93 140, 95 240, 59 40, 20 4,
# 971 1, 99 6 (431), of which T1–T2: 93 50, 95 120, 59 20, 971 1, 99 6 (197); 2025 T1–T2 =
# 93 80, 95 60, 59 20, 20 2, 971 3, 99 9 (174). Imports: 2023 = 93 80, 95 100, 971 20 (200);
# 2024 = 93 100, 95 100, 971 20 (220), of which T1–T2: 93 25, 95 50, 971 10 (85); 2025 T1–T2 =
# 93 20, 95 60, 971 12 (92).
#
# Mass by product (``QUARTER_KG_PER_EUR``): 1011 meat 0,2 kg per euro (5 €/kg), 1102 wine
# 0,1 kg (10 €/kg), 2120 pharmaceuticals 0,01 kg (100 €/kg), 3030 aircraft 0,001 kg
# (1 000 €/kg); Corse's wine is published without mass (0 kg, like electricity).
QUARTER_REGIONS = pd.DataFrame(
    {
        "code": ["01", "11", "32", "93", "94"],
        "name": [
            "Guadeloupe",
            "Île-de-France",
            "Hauts-de-France",
            "Provence-Alpes-Côte d'Azur",
            "Corse",
        ],
    }
)
QUARTER_DEPTS = pd.DataFrame(
    {
        "code": ["20", "59", "93", "95", "971", "99"],
        "name": [
            "Corse",
            "Nord",
            "Seine-Saint-Denis",
            "Val-d'Oise",
            "Guadeloupe",
            "Principauté de Monaco",
        ],
        "region": ["94", "32", "11", "11", "01", "93"],
        "customs_code": ["20", "59", "93", "95", "9A", "99"],
        "chef_lieu": ["Ajaccio", "Lille", "Bobigny", "Pontoise", "Basse-Terre", "Monaco"],
    }
)
# Région rule: « Roissy » has 3 communes (15 % of its people) in each of 93 and 95, so neither
# département lists it, but Île-de-France does (6 communes, 30 %). « Boucle » has one commune
# in 95 holding 25 % of its people: listed by share. « Seine Aval » has one commune in 95 (4 %):
# left out everywhere.
QUARTER_TERRITOIRES = pd.DataFrame(
    {
        "id": ["ti-r", "ti-r", "ti-b", "ti-s"],
        "name": ["Roissy", "Roissy", "Boucle", "Seine Aval"],
        "dept": ["93", "95", "95", "95"],
        "n_communes": [3, 3, 1, 1],
        "population": [15_000, 15_000, 100_000, 4_000],
        "share": [0.15, 0.15, 0.25, 0.04],
    }
)
_QUARTER_SERIES = [
    # flow, dept, CPF4, partner, {year: M€ per quarter T1…T4 (None: no row)}
    ("export", "93", "2120", "DE", {2023: (10, 20, 30, 40), 2024: (20, 30, 40, 50), 2025: (25, 55)}),
    ("export", "95", "3030", "US", {2023: (50, 50, 50, 50), 2024: (60, 60, 60, 60), 2025: (30, 30)}),
    ("export", "59", "1011", "BE", {2023: (5, 5, 5, 5), 2024: (10, 10, 10, 10), 2025: (20, None)}),
    ("export", "20", "1102", "BE", {2024: (None, None, 4, None), 2025: (None, 2)}),
    ("export", "971", "1011", "US", {2024: (1, None, None, None), 2025: (3, None)}),
    ("export", "99", "3030", "DE", {2023: (None, None, None, 8), 2024: (None, 6, None, None),
                                    2025: (None, 9)}),
    ("import", "93", "2120", "CN", {2023: (20, 20, 20, 20), 2024: (10, 15, 35, 40), 2025: (15, 5)}),
    ("import", "95", "3030", "US", {2023: (25, 25, 25, 25), 2024: (25, 25, 25, 25), 2025: (30, 30)}),
    ("import", "971", "1011", "BE", {2023: (5, 5, 5, 5), 2024: (5, 5, 5, 5), 2025: (6, 6)}),
]  # fmt: skip


QUARTER_KG_PER_EUR = {"1011": 0.2, "1102": 0.1, "2120": 0.01, "3030": 0.001}


def quarter_rows(last: tuple[int, int] = (2025, 2)) -> list[tuple]:
    """The rows of the quarters fixture up to the quarter ``last`` (year, quarter), as
    ``write_quarters`` takes them (with their mass)."""
    out = []
    for flow, dept, product, country, years in _QUARTER_SERIES:
        for year, values in years.items():
            for quarter, meur in enumerate(values, start=1):
                if meur is not None and (year, quarter) <= last:
                    kg = 0 if dept == "20" else round(meur * M * QUARTER_KG_PER_EUR[product])
                    out.append((year, quarter, flow, dept, product, country, meur * M, kg))
    return out


def build_quarters_fixture(path: Path, last: tuple[int, int] = (2025, 2)) -> Path:
    """The quarters fixture; ``last=(2025, 1)`` stops at 2025 T1 (« 2025 (T1) »)."""
    return write_quarters(
        path,
        quarter_rows(last),
        "fixture_quarters",
        QUARTER_TERRITOIRES,
        regions=QUARTER_REGIONS,
        depts=QUARTER_DEPTS,
    )


# --- Partner codes that changed meaning ------------------------------------------------------
# XK was Yugoslavia in 1992 and is Kosovo since 2005; XS was Saba until 2005, then Serbia (the
# customs' Libelle_PAYS.txt). Seine-Saint-Denis exports 2120 to XK 10 M€ a quarter in 1992 and
# 20 M€ a quarter in 2024, and to XS 5 M€ (1992 T1) and 7 M€ (2024 T1); it imports 1011 from
# XK 3 M€ in 1992 T1.
LABEL_COUNTRIES = pd.concat(
    [
        COUNTRIES,
        pd.DataFrame(
            {
                "code": ["XK", "XS"],
                "name_fr": ["Kosovo", "Serbie"],
                "iso3": ["XKX", "SRB"],
                "eu27": [False, False],
                "zone": ["Europe hors UE", "Europe hors UE"],
            }
        ),
    ],
    ignore_index=True,
)
LABEL_COUNTRY_LABELS = pd.concat(
    [
        COUNTRY_LABELS,
        pd.DataFrame(
            {
                "code": ["XK", "XK", "XS", "XS"],
                "label": ["Yougoslavie", "Kosovo", "Saba", "Serbie"],
                "start_year": [1992, 2005, 1900, 2005],
                "end_year": [1992, 9999, 2005, 9999],
            }
        ),
    ],
    ignore_index=True,
)
LABEL_ROWS = [
    *((1992, q, "export", "93", "2120", "XK", 10 * M) for q in (1, 2, 3, 4)),
    (1992, 1, "export", "93", "2120", "XS", 5 * M),
    (1992, 1, "import", "93", "1011", "XK", 3 * M),
    *((2024, q, "export", "93", "2120", "XK", 20 * M) for q in (1, 2, 3, 4)),
    (2024, 1, "export", "93", "2120", "XS", 7 * M),
]


def build_labels_fixture(path: Path) -> Path:
    return write_quarters(
        path,
        LABEL_ROWS,
        "fixture_labels",
        countries=LABEL_COUNTRIES,
        country_labels=LABEL_COUNTRY_LABELS,
    )
