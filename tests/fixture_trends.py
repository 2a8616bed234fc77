"""A hand-made database over three years for trends, rankings, specialisation and comparison.

Values in millions of euros (×1 000 000 when written). Régions: 11 = {93, 95, 75},
32 = {59, 02}. Products C21Z (A38 CF), C30C (CL), C11Z and C10A (both CA).

Exports:

| dept | 2022                   | 2023                   | 2024                    |
|------|------------------------|------------------------|-------------------------|
| 93   | C21Z→DE 100      = 100 | C21Z→DE 100, C30C→US 60 = 160 | C21Z→DE 150, C30C→US 50 = 200 |
| 95   | C30C→US 300      = 300 | C30C→US 250      = 250 | C30C→US 200       = 200 |
| 75   | C11Z→BE 100      = 100 | C11Z→BE 100      = 100 | C11Z→BE 100       = 100 |
| 59   | C21Z→DE 200, C10A→BE 50 = 250 | C21Z→DE 200, C10A→BE 100 = 300 | C21Z→DE 300, C10A→BE 100 = 400 |
| 02   | C10A→BE 100      = 100 | C10A→BE 80       = 80  | C10A→BE 100       = 100 |

Imports:

| dept | 2022            | 2023                          | 2024                           |
|------|-----------------|-------------------------------|--------------------------------|
| 93   | C21Z←CN 80 = 80 | C21Z←CN 100, C10A←BE 60 = 160 | C21Z←CN 100, C10A←BE 100 = 200 |
| 95   | C30C←US 100     | C30C←US 100                   | C30C←US 100                    |
| 75   | C11Z←DE 40      | C11Z←DE 40                    | C11Z←DE 50                     |
| 59   | C10A←BE 150     | C10A←BE 200                   | C10A←BE 200                    |
| 02   | C10A←BE 40      | C10A←BE 50                    | C10A←BE 50                     |

2024 has ties on purpose: exports 93 = 95 = 200 and 75 = 02 = 100; imports 59 = 93 = 200.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.fixture_data import write_fixture

TERRITOIRES = pd.DataFrame(
    {
        "id": ["ti-1"],
        "name": ["Grand Roissy"],
        "dept": ["93"],
        "n_communes": [8],
        "population": [300_000],
        "share": [1.0],
    }
)

ROWS = [
    # year, flow, dept, product, country, M€
    (2022, "export", "93", "C21Z", "DE", 100),
    (2022, "export", "95", "C30C", "US", 300),
    (2022, "export", "75", "C11Z", "BE", 100),
    (2022, "export", "59", "C21Z", "DE", 200),
    (2022, "export", "59", "C10A", "BE", 50),
    (2022, "export", "02", "C10A", "BE", 100),
    (2023, "export", "93", "C21Z", "DE", 100),
    (2023, "export", "93", "C30C", "US", 60),
    (2023, "export", "95", "C30C", "US", 250),
    (2023, "export", "75", "C11Z", "BE", 100),
    (2023, "export", "59", "C21Z", "DE", 200),
    (2023, "export", "59", "C10A", "BE", 100),
    (2023, "export", "02", "C10A", "BE", 80),
    (2024, "export", "93", "C21Z", "DE", 150),
    (2024, "export", "93", "C30C", "US", 50),
    (2024, "export", "95", "C30C", "US", 200),
    (2024, "export", "75", "C11Z", "BE", 100),
    (2024, "export", "59", "C21Z", "DE", 300),
    (2024, "export", "59", "C10A", "BE", 100),
    (2024, "export", "02", "C10A", "BE", 100),
    (2022, "import", "93", "C21Z", "CN", 80),
    (2022, "import", "95", "C30C", "US", 100),
    (2022, "import", "75", "C11Z", "DE", 40),
    (2022, "import", "59", "C10A", "BE", 150),
    (2022, "import", "02", "C10A", "BE", 40),
    (2023, "import", "93", "C21Z", "CN", 100),
    (2023, "import", "93", "C10A", "BE", 60),
    (2023, "import", "95", "C30C", "US", 100),
    (2023, "import", "75", "C11Z", "DE", 40),
    (2023, "import", "59", "C10A", "BE", 200),
    (2023, "import", "02", "C10A", "BE", 50),
    (2024, "import", "93", "C21Z", "CN", 100),
    (2024, "import", "93", "C10A", "BE", 100),
    (2024, "import", "95", "C30C", "US", 100),
    (2024, "import", "75", "C11Z", "DE", 50),
    (2024, "import", "59", "C10A", "BE", 200),
    (2024, "import", "02", "C10A", "BE", 50),
]


def build_trends_fixture(path: Path) -> Path:
    return write_fixture(path, ROWS, "fixture_trends", TERRITOIRES)
