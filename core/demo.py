"""Deterministic demonstration data, calibrated on published 2024 aggregates.

The official DGDDI files are not reachable from the machine that builds the project, so this
module generates trade of the official shape: one row per (year, flow, département, A129
product, partner), values in whole euros, sparse like real data (about 0.7 million rows a
year), for 2019–2024.

How it is made, for one flow:

1. Every département gets a 2024 total: the DESIGN calibration table fixes France, three régions
   and five départements exactly; the other départements share what remains in proportion to
   plausible sizes.
2. A dense expectation ``E[dept, product, country]`` multiplies the département total, a
   national product mix bent by département specialisations (aerospace in Haute-Garonne, cognac
   in Charente, refining at port départements…) and a partner mix bent by geography and
   product affinities (crude oil from Norway or Kazakhstan, wine to the United States…).
3. A cell is present with probability ``1 - exp(-E/s)``, ``s`` chosen for the target row count,
   so big flows always exist and small ones sometimes do; present values are ``E/p`` times a
   lognormal noise, which keeps the expectation.
4. 2024 is raked (iterative proportional fitting) to the exact département totals and to
   France's partner shares from the DESIGN, then rounded to euros with the rounding residue put
   on each département's largest cell, so département, région and France totals are exact to
   the euro.
5. Other years reuse the same cells, scaled so that France follows the published national
   trajectory relative to 2024, with a random walk per département, product shocks (aerospace
   in 2020, energy prices in 2022), partner shocks (Russia after 2022) and a little churn in
   which cells exist.

Everything flows from one seeded ``numpy`` generator in a fixed order: the same database
content on every build. ``python -m core.demo`` builds it and swaps it in (see ``core.store``).
"""

from __future__ import annotations

import argparse
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa

from core import build, reference, store
from core.build import Reference
from core.formatting import format_number

T = TypeVar("T")

SEED = 20_240_101
YEARS = tuple(range(2019, 2026))
CALIBRATION_YEAR = 2024
ROWS_PER_FLOW = 360_000  # present cells per flow in 2024 (≈ 0.72 M rows a year)
GENERATOR_VERSION = "1"

# --- Calibration (DESIGN, millions of euros, 2024) -------------------------------------------
FRANCE_TOTAL = {"export": 580_354.5, "import": 684_776.3}
REGION_TOTALS = {  # code: (exports, imports)
    "11": (141_666.3, 192_202.9),
    "32": (68_021.0, 85_786.3),
    "44": (67_665.4, 63_519.7),
}
DEPT_TOTALS = {
    "93": (12_148.6, 15_695.4),
    "95": (24_188.7, 25_441.3),
    "59": (28_822.9, 40_986.6),
    # Aisne's import total is not published in the seed; 2 874,3 M€ is a plausible choice
    # (an agricultural and agri-food exporter importing less than it exports).
    "02": (3_517.5, 2_874.3),
    "08": (2_211.8, 1_400.6),
}
# France's top partners, national basis (M€) and the national totals they are shares of.
NATIONAL_BASIS = {"export": 598_300.0, "import": 698_900.0}
TOP_PARTNERS = {
    "export": {"DE": 77_964, "US": 48_622, "IT": 48_095, "BE": 45_317, "ES": 43_919,
               "GB": 37_773, "CN": 24_277, "NL": 23_116, "CH": 19_846, "PL": 15_124},
    "import": {"DE": 86_342, "CN": 70_584, "US": 52_595, "BE": 52_453, "IT": 50_602,
               "ES": 47_139, "NL": 29_556, "GB": 26_831, "CH": 17_465, "PL": 16_155},
}  # fmt: skip

# --- Plausible sizes of other départements (M€, exports, imports) ---------------------------
DEPT_SIZES = {
    "75": (19_000, 27_000), "92": (23_000, 41_000), "94": (10_500, 17_500),
    "77": (14_000, 21_000), "78": (21_000, 25_000), "91": (14_500, 18_500),
    "60": (12_000, 14_000), "62": (16_000, 18_500), "80": (6_000, 8_000),
    "67": (18_000, 17_000), "68": (14_000, 13_000), "57": (12_000, 13_500),
    "51": (8_500, 5_000), "54": (4_500, 5_000), "88": (3_000, 2_800),
    "10": (2_500, 2_200), "52": (1_600, 1_200), "55": (1_500, 1_200),
    "31": (40_000, 22_000), "13": (19_000, 36_000), "69": (17_000, 21_000),
    "76": (16_000, 29_000), "33": (9_500, 8_000), "38": (10_500, 9_500),
    "44": (11_500, 16_000), "01": (6_000, 6_000), "74": (7_000, 5_000),
    "64": (4_800, 4_000), "35": (6_000, 7_500), "45": (7_000, 8_000),
    "37": (3_200, 3_000), "16": (4_800, 1_400), "17": (2_600, 3_000),
    "25": (6_200, 5_000), "21": (3_600, 3_000), "63": (5_200, 4_000),
    "42": (3_600, 3_600), "06": (4_000, 5_200), "83": (1_800, 3_200),
    "34": (3_000, 4_200), "30": (2_500, 2_800), "66": (2_000, 3_800),
    "29": (3_100, 2_600), "56": (2_000, 2_100), "22": (2_500, 2_100),
    "49": (4_000, 4_000), "72": (3_500, 3_000), "85": (3_200, 2_500),
    "27": (8_500, 8_500), "14": (3_500, 3_600), "50": (1_500, 1_500),
    "28": (4_200, 4_600), "26": (3_000, 3_000), "71": (3_500, 3_000),
    "65": (1_500, 1_000), "40": (1_500, 1_300), "86": (1_500, 1_500),
    "20": (170, 680), "99": (650, 900), "971": (300, 2_900), "972": (380, 2_950),
    "973": (1_100, 1_600), "974": (360, 5_300), "976": (25, 620),
}  # fmt: skip

# --- Product mix: national weights (% of exports, % of imports) ------------------------------
PRODUCT_MIX = {
    "A01Z": (2.5, 1.8), "A02Z": (0.15, 0.1), "A03Z": (0.1, 0.4), "B05Z": (0.01, 0.15),
    "B06Z": (0.3, 9.0), "B07Z": (0.1, 0.8), "B08Z": (0.3, 0.3), "C10A": (1.2, 1.2),
    "C10B": (0.3, 1.0), "C10C": (0.5, 1.3), "C10D": (0.6, 0.8), "C10E": (1.6, 1.3),
    "C10F": (0.6, 0.3), "C10G": (0.6, 0.6), "C10H": (0.8, 0.9), "C10K": (0.5, 0.3),
    "C11Z": (3.6, 0.8), "C12Z": (0.05, 0.4), "C13Z": (0.6, 0.8), "C14Z": (1.4, 3.4),
    "C15Z": (2.8, 1.6), "C16Z": (0.3, 0.6), "C17A": (0.5, 0.6), "C17B": (0.5, 0.6),
    "C18Z": (0.05, 0.05), "C19Z": (2.5, 4.2), "C20A": (4.0, 4.6), "C20B": (3.4, 1.2),
    "C20C": (2.2, 1.8), "C21Z": (6.0, 5.3), "C22A": (1.0, 0.8), "C22B": (1.5, 2.0),
    "C23A": (0.5, 0.5), "C23B": (0.8, 0.9), "C24A": (1.8, 2.3), "C24B": (0.3, 0.3),
    "C24C": (2.0, 2.7), "C25A": (0.3, 0.3), "C25B": (0.3, 0.3), "C25C": (0.6, 0.4),
    "C25E": (1.7, 2.1), "C26A": (1.2, 1.5), "C26B": (0.4, 1.6),
    "C26C": (0.6, 2.0), "C26D": (0.2, 0.7), "C26E": (1.5, 1.4), "C26F": (0.6, 0.6),
    "C26G": (0.1, 0.1), "C27A": (0.6, 1.2), "C27B": (2.7, 2.9), "C28A": (4.5, 4.4),
    "C28B": (0.5, 0.5), "C28C": (0.4, 0.5), "C28D": (1.7, 1.6), "C29A": (4.0, 6.5),
    "C29B": (2.7, 3.1), "C30A": (0.6, 0.4), "C30B": (0.5, 0.2), "C30C": (11.0, 6.0),
    "C30D": (0.3, 0.05), "C30E": (0.2, 0.6), "C31Z": (0.3, 1.0), "C32A": (1.0, 0.8),
    "C32B": (1.2, 1.6), "C32C": (1.0, 1.6), "D35A": (2.0, 0.8), "D35B": (0.01, 0.02),
    "E37Z": (0.01, 0.01), "E38Z": (0.6, 0.3), "J58Z": (0.25, 0.3), "J59Z": (0.05, 0.05),
    "M71Z": (0.01, 0.01), "M74Z": (0.02, 0.02), "R90Z": (0.6, 0.4), "R91Z": (0.1, 0.05),
    "S96Z": (0.005, 0.005),
}  # fmt: skip

# Département specialisations: multipliers on product weights (prefix match on the A129 code).
# Exports use them as given, imports their square root unless IMPORT_SPECIALISATIONS says more.
SPECIALISATIONS = {
    "31": {"C30C": 60}, "64": {"C30C": 8}, "65": {"C30C": 6}, "33": {"C11Z": 25, "C30C": 5},
    "13": {"C30C": 6, "C19Z": 8, "C24A": 4, "C20A": 3}, "44": {"C30C": 8, "C30A": 25},
    "16": {"C11Z": 90}, "17": {"C11Z": 15}, "51": {"C11Z": 70}, "21": {"C11Z": 18},
    "71": {"C11Z": 8}, "27": {"C21Z": 12}, "68": {"C21Z": 4, "C29A": 4}, "45": {"C20B": 7, "C21Z": 4},
    "92": {"C21Z": 5, "C26": 2.5}, "95": {"C21Z": 3, "C26": 3, "C32A": 3, "C15Z": 2, "C30C": 2},
    "28": {"C20B": 8, "C21Z": 3}, "37": {"C21Z": 4}, "60": {"C21Z": 2.5, "C20": 2},
    "78": {"C29A": 8}, "25": {"C29A": 8, "C26E": 8}, "39": {"C26E": 5}, "90": {"C27": 6},
    "59": {"C24A": 8, "C13Z": 4, "C29A": 3, "C10": 2, "C20A": 3},
    "57": {"C24A": 6, "C29": 3}, "62": {"C29": 3, "C23A": 3, "C10": 2}, "08": {"C24": 6, "C25": 5, "C29B": 4},
    "02": {"A01Z": 6, "C10": 4, "C23A": 5, "C20": 2}, "80": {"A01Z": 3, "C10": 3},
    "93": {"C20B": 5, "C26": 2, "C14Z": 2, "C30C": 2, "C32A": 2},
    "75": {"C15Z": 14, "C14Z": 6, "C32A": 12, "C20B": 4, "R9": 15},
    "38": {"C26": 5, "C27": 3, "C20": 2}, "69": {"C20": 4, "C21Z": 4},
    "63": {"C22A": 45}, "29": {"C10A": 8, "A03Z": 6, "C10B": 6}, "22": {"C10A": 8},
    "56": {"C10A": 6}, "35": {"C10A": 6, "C29A": 4}, "85": {"C30A": 15}, "06": {"C20B": 6},
    "76": {"C19Z": 10, "C20A": 4, "A01Z": 4}, "973": {"C30C": 25}, "974": {"C11Z": 6, "C10H": 6},
    "971": {"C11Z": 6, "A01Z": 4}, "972": {"C11Z": 6, "A01Z": 5}, "67": {"C28": 3, "C21Z": 3},
    "74": {"C25": 4, "C28": 3}, "01": {"C22B": 4}, "49": {"C11Z": 3, "C31Z": 4},
}  # fmt: skip
IMPORT_SPECIALISATIONS = {
    "13": {"B06Z": 18, "C19Z": 6}, "76": {"B06Z": 16, "C19Z": 8}, "59": {"B06Z": 6, "C19Z": 3},
    "44": {"B06Z": 8, "C19Z": 4}, "93": {"C14Z": 7, "C15Z": 3, "C26": 2.5},
    "66": {"A01Z": 9, "C10C": 4}, "94": {"A01Z": 4, "C10": 2},
    "971": {"C19Z": 6, "C10": 3, "C29A": 2}, "972": {"C19Z": 6, "C10": 3, "C29A": 2},
    "974": {"C19Z": 5, "C10": 3, "C29A": 2}, "973": {"C19Z": 5, "C10": 3}, "976": {"C10": 4, "C19Z": 4},
    "20": {"C19Z": 5, "C10": 3}, "95": {"C26": 4, "C14Z": 3}, "99": {"C19Z": 3, "C32A": 4},
}  # fmt: skip

# --- Partner mix: national weights beyond the calibrated top 10 (M€, exports, imports) -------
PARTNER_WEIGHTS = {
    "JP": (7_500, 8_000), "SE": (6_000, 5_500), "PT": (7_000, 7_000), "TR": (6_500, 9_000),
    "SG": (7_000, 2_500), "AE": (6_000, 2_000), "KR": (5_500, 6_000), "IN": (6_000, 7_000),
    "AT": (5_000, 5_000), "CZ": (5_000, 8_000), "IE": (4_000, 12_000), "DK": (3_500, 3_000),
    "HK": (5_000, 800), "SA": (4_000, 3_000), "MA": (6_000, 7_000), "DZ": (4_500, 6_000),
    "RO": (3_800, 4_500), "HU": (3_500, 4_000), "GR": (3_000, 1_200), "CA": (4_500, 4_000),
    "BR": (4_000, 4_000), "MX": (3_000, 1_800), "AU": (3_500, 1_200), "TN": (3_500, 5_000),
    "NO": (2_500, 9_000), "FI": (2_000, 1_800), "LU": (2_500, 2_000), "SK": (2_500, 4_000),
    "IL": (2_000, 1_200), "QA": (3_000, 2_500), "VN": (1_000, 8_000), "BD": (300, 4_000),
    "TW": (2_000, 5_000), "TH": (1_500, 4_000), "KZ": (600, 4_000), "NG": (1_200, 3_000),
    "LY": (400, 3_000), "RU": (1_500, 2_500), "MY": (1_200, 3_000), "ZA": (1_500, 1_000),
    "EG": (2_000, 1_000), "SN": (1_200, 300), "CI": (1_500, 1_200), "ID": (800, 2_000),
    "AR": (800, 800), "CL": (900, 700), "BG": (1_200, 1_000), "HR": (1_000, 400),
    "SI": (1_500, 2_000), "LT": (800, 700), "LV": (400, 300), "EE": (400, 300),
    "CY": (500, 100), "MT": (600, 150), "UA": (1_200, 1_000),
    "IQ": (500, 2_000), "AZ": (300, 2_500), "KW": (800, 300), "OM": (500, 300),
    "IR": (200, 100), "LB": (600, 100), "JO": (400, 100), "PK": (400, 800), "PH": (500, 700),
    "NZ": (500, 400), "CM": (700, 500), "GA": (500, 700), "MG": (500, 700), "MU": (500, 400),
    "NC": (900, 100), "PF": (800, 100), "AD": (800, 100), "IS": (300, 200),
    "PE": (300, 400), "CO": (500, 600), "AO": (400, 900), "CG": (400, 800), "KM": (50, 20),
    "SR": (40, 20), "XK": (40, 10), "XI": (300, 150), "QS": (2_100, 0), "QR": (700, 0),
    "QU": (400, 600), "QV": (300, 400), "QQ": (60, 40), "QP": (20, 20), "XS": (700, 500),
}  # fmt: skip
# Where customs record ship and aircraft supplies (avitaillement): ports and airports.
SUPPLY_CODES = ("QR", "QS")
SUPPLY_DEPTS = {"13": 6, "76": 5, "59": 4, "44": 3, "33": 2, "29": 2, "95": 6, "93": 3,
                "94": 3, "06": 2, "31": 1.5, "974": 1, "971": 1, "972": 1}  # fmt: skip

GEOGRAPHY = {  # département: {partner: multiplier}
    "59": {"BE": 3, "NL": 1.5, "GB": 1.5}, "62": {"BE": 2, "GB": 2.5}, "02": {"BE": 2.5},
    "08": {"BE": 4, "LU": 2}, "80": {"BE": 1.5, "GB": 1.5}, "57": {"DE": 2.2, "LU": 4},
    "54": {"LU": 3, "DE": 1.5, "BE": 1.5}, "55": {"BE": 2, "LU": 2},
    "67": {"DE": 2.5, "CH": 2}, "68": {"DE": 2.5, "CH": 3.5}, "90": {"CH": 2.5, "DE": 1.5},
    "25": {"CH": 3.5}, "39": {"CH": 2.5}, "01": {"CH": 2.5}, "74": {"CH": 3.5, "IT": 1.5},
    "73": {"IT": 2.5, "CH": 1.5}, "06": {"IT": 2.5, "CH": 1.5}, "05": {"IT": 2},
    "64": {"ES": 3}, "65": {"ES": 2}, "66": {"ES": 4}, "31": {"ES": 2}, "09": {"ES": 2.5, "AD": 20},
    "20": {"IT": 3}, "99": {"IT": 3, "CH": 2},
    "974": {"MU": 40, "MG": 40, "ZA": 8, "SG": 4, "CN": 2, "IN": 2},
    "976": {"KM": 200, "MG": 60, "MU": 20, "ZA": 10},
    "973": {"BR": 15, "SR": 80, "US": 1.5}, "971": {"US": 2.5, "DO": 10, "TT": 15},
    "972": {"US": 2.5, "TT": 15, "CO": 4},
}  # fmt: skip
# Partner affinities by flow and product prefix.
AFFINITIES = {
    "import": {
        "B06Z": {"NO": 15, "US": 3, "DZ": 12, "NG": 15, "LY": 18, "KZ": 22, "SA": 10,
                 "IQ": 12, "AZ": 14, "QA": 8, "RU": 4, "GB": 2, "DE": 0.05, "IT": 0.2},
        "C19Z": {"BE": 2, "NL": 3, "US": 2, "IN": 3, "SA": 4, "KW": 4, "AE": 3},
        "C26": {"CN": 4, "VN": 4, "TW": 5, "KR": 2, "MY": 4, "TH": 2.5},
        "C14Z": {"CN": 4, "BD": 18, "TR": 4, "IN": 3, "VN": 4, "MA": 5, "TN": 5, "PK": 5},
        "C15Z": {"CN": 3, "IT": 3, "VN": 6, "IN": 3, "TN": 2},
        "A01Z": {"ES": 3, "MA": 5, "NL": 2, "CI": 8, "BR": 2, "SN": 3},
        "C10": {"ES": 1.5, "NL": 1.5, "BR": 2, "IE": 2},
        "C29A": {"ES": 2, "SK": 3, "TR": 2, "SI": 3, "MA": 4, "RO": 2.5, "CZ": 2, "JP": 2},
        "C21Z": {"US": 2, "CH": 2.5, "IE": 5, "DE": 1.3, "BE": 1.5},
        "C24": {"CN": 2, "IN": 2, "BR": 2, "ZA": 2, "RU": 2},
        "C30C": {"US": 2.5, "GB": 2, "DE": 2, "CA": 2},
    },
    "export": {
        "C11Z": {"US": 3, "GB": 3, "CN": 3, "SG": 6, "JP": 3, "HK": 6, "CH": 2},
        "C30C": {"DE": 2, "CN": 2.5, "AE": 5, "SA": 3, "IN": 3, "QA": 5, "SG": 3, "US": 1.5},
        "C21Z": {"US": 2, "BE": 1.5, "CH": 2, "CN": 1.5, "JP": 1.5},
        "C29A": {"ES": 2, "TR": 2, "MA": 3, "DZ": 2},
        "C20B": {"US": 2, "CN": 2.5, "HK": 3, "AE": 3, "SA": 2},
        "C15Z": {"US": 2, "CN": 2.5, "HK": 4, "JP": 2.5, "KR": 2.5, "SG": 2},
        "C32A": {"CH": 5, "HK": 4, "US": 2, "AE": 3},
        "A01Z": {"DZ": 6, "MA": 3, "EG": 4, "IT": 2, "BE": 1.5, "CN": 1.5},
        "C10": {"BE": 1.5, "DE": 1.2, "DZ": 2},
        "D35A": {"DE": 6, "BE": 6, "IT": 6, "ES": 5, "CH": 8, "GB": 6},
        "R9": {"US": 4, "GB": 3, "CH": 3, "HK": 3},
    },
}  # fmt: skip

# --- Trajectories (relative to 2024) ----------------------------------------------------------
# French totals, national basis (Md€): exports 508,5 428,0 500,4 594,5 607,5 598,3;
# imports 567,4 493,1 585,4 757,3 706,6 698,9 (2019 → 2024).
# 2025 is the partial current year (the first two quarters are kept), a little up on 2024.
NATIONAL_INDEX = {
    "export": {2019: 0.850, 2020: 0.715, 2021: 0.836, 2022: 0.994, 2023: 1.015, 2024: 1.0,
               2025: 1.018},
    "import": {2019: 0.812, 2020: 0.706, 2021: 0.838, 2022: 1.084, 2023: 1.011, 2024: 1.0,
               2025: 0.992},
}  # fmt: skip
PRODUCT_SHOCKS = {  # (flow or "both", prefix): {year: multiplier on top of the national index}
    ("both", "C30C"): {2019: 1.25, 2020: 0.75, 2021: 0.78, 2022: 0.88, 2023: 0.96},
    ("import", "B06Z"): {2019: 0.75, 2020: 0.5, 2021: 0.75, 2022: 1.5, 2023: 1.1},
    ("import", "C19Z"): {2019: 0.8, 2020: 0.55, 2021: 0.75, 2022: 1.4, 2023: 1.1},
    ("export", "D35A"): {2019: 0.9, 2020: 0.8, 2021: 0.9, 2022: 0.35, 2023: 0.7},
    ("import", "D35A"): {2019: 0.7, 2020: 0.6, 2021: 0.9, 2022: 3.0, 2023: 1.3},
    ("both", "C21Z"): {2019: 0.95, 2020: 1.1, 2021: 1.05, 2022: 0.98, 2023: 0.99},
    ("both", "C29A"): {2020: 0.9, 2021: 0.92},
    ("export", "C11Z"): {2020: 0.9, 2022: 1.03, 2023: 1.02},
}
PARTNER_SHOCKS = {
    "RU": {2019: 4.0, 2020: 4.0, 2021: 4.0, 2022: 2.2, 2023: 1.2},
    "UA": {2019: 1.3, 2020: 1.3, 2021: 1.4, 2022: 0.8, 2023: 0.9},
    "CN": {2019: 0.9, 2020: 0.95, 2021: 0.95},
    "US": {2019: 0.95, 2020: 0.9},
}


# --- CPF4 products, quarters and mass -------------------------------------------------------
# Relative weights of some CPF4 products within their A129 parent (others draw their weight at
# random), and département tilts that make local specialities recognisable at the finest level.
CPF4_WEIGHTS = {
    "0610": 6, "0620": 3, "1101": 3, "1102": 5, "1105": 1, "1107": 1.2, "2110": 1, "2120": 4,
    "2211": 4, "2219": 1, "2910": 1, "3030": 1, "1920": 5, "1910": 0.2, "2016": 3, "2042": 3,
    "2041": 1.5, "3212": 3, "3511": 1, "1051": 3, "0111": 3, "2651": 2,
}  # fmt: skip
DEPT_CPF4 = {
    "16": {"1101": 40}, "17": {"1101": 8}, "51": {"1102": 12}, "33": {"1102": 12},
    "21": {"1102": 8}, "71": {"1102": 6}, "63": {"2211": 25}, "13": {"0610": 3},
    "76": {"0610": 3}, "31": {"3030": 1}, "27": {"2120": 3}, "28": {"2042": 4},
    "45": {"2042": 4}, "75": {"3212": 3}, "50": {"1051": 4}, "14": {"1051": 3},
}  # fmt: skip
# Value per kilogram (euros) by A129 product, before product and row noise; electricity has no
# mass (the customs write 0).
PRICE_PER_KG = {
    "A01Z": 0.6, "A02Z": 0.2, "A03Z": 4, "B05Z": 0.15, "B06Z": 0.5, "B07Z": 0.3, "B08Z": 0.1,
    "C10A": 4, "C10B": 8, "C10C": 2, "C10D": 1.5, "C10E": 4, "C10F": 0.8, "C10G": 4,
    "C10H": 5, "C10K": 1, "C11Z": 6, "C12Z": 30, "C13Z": 8, "C14Z": 30, "C15Z": 40,
    "C16Z": 1, "C17A": 0.8, "C17B": 2.5, "C18Z": 20, "C19Z": 0.8, "C20A": 1.5, "C20B": 15,
    "C20C": 5, "C21Z": 80, "C22A": 5, "C22B": 4, "C23A": 2, "C23B": 0.6, "C24A": 1.2,
    "C24B": 6, "C24C": 4, "C25A": 3, "C25B": 6, "C25C": 60, "C25E": 12, "C26A": 300,
    "C26B": 100, "C26C": 250, "C26D": 60, "C26E": 150, "C26F": 200, "C26G": 80, "C27A": 8,
    "C27B": 20, "C28A": 20, "C28B": 8, "C28C": 30, "C28D": 25, "C29A": 12, "C29B": 12,
    "C30A": 15, "C30B": 12, "C30C": 800, "C30D": 60, "C30E": 20, "C31Z": 6, "C32A": 600,
    "C32B": 80, "C32C": 20, "D35A": 0, "D35B": 0.5, "E37Z": 0.1, "E38Z": 0.3, "J58Z": 15,
    "J59Z": 40, "M71Z": 100, "M74Z": 40, "R90Z": 500, "R91Z": 300, "S96Z": 50,
}  # fmt: skip
SEASONS = np.array([0.245, 0.255, 0.235, 0.265])  # share of a year in each quarter
PARTIAL_YEAR = 2025
PARTIAL_QUARTERS = (1, 2)
# Annual cells spread over more CPF4 products and quarters the larger they are (euros).
CHILD_STEPS = (40_000, 400_000, 4_000_000, 40_000_000)
QUARTER_STEPS = (15_000, 60_000, 200_000)


@dataclass(frozen=True)
class Shape:
    """The codes the generator draws from, with the index arrays that link them."""

    depts: np.ndarray  # département codes
    regions: np.ndarray  # their région codes
    a129: np.ndarray  # A129 goods codes (the customs' 76)
    countries: np.ndarray  # partner codes in force
    eu27: np.ndarray  # bool per partner
    cpf4: np.ndarray  # CPF4 codes of goods
    cpf4_parent: np.ndarray  # index into a129 of each CPF4 code
    customs: dict[str, str]  # département code → customs code (971 → 9A)
    a129_of: dict[str, str]  # CPF4 → A129

    @classmethod
    def of(cls, ref: Reference) -> Shape:
        a129 = reference.load_a129()
        goods = a129.loc[a129["goods"], "code"].to_numpy().astype(str)
        products = ref.products[ref.products["a129"].isin(goods)]
        labels = reference.country_labels()
        in_force = set(labels.loc[labels["end_year"] == 9999, "code"]) | {"XI"}
        countries = ref.countries[ref.countries["code"].isin(in_force)]
        countries = countries[countries["code"] != "EU"].reset_index(drop=True)
        index = {code: i for i, code in enumerate(goods)}
        return cls(
            depts=ref.depts["code"].to_numpy().astype(str),
            regions=ref.depts["region"].to_numpy().astype(str),
            a129=goods,
            countries=countries["code"].to_numpy().astype(str),
            eu27=countries["eu27"].to_numpy().astype(bool),
            cpf4=products["code"].to_numpy().astype(str),
            cpf4_parent=np.array([index[a] for a in products["a129"]]),
            customs=dict(zip(ref.depts["code"], ref.depts["customs_code"], strict=True)),
            a129_of=dict(zip(ref.products["code"], ref.products["a129"], strict=True)),
        )


def _meur(value: float) -> int:
    """M€ with one decimal → whole euros, exactly (no binary rounding surprises)."""
    return int(round(value * 10)) * 100_000


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights; parts add up exactly (largest remainder)."""
    raw = weights / weights.sum() * total
    parts = np.floor(raw).astype(np.int64)
    short = total - parts.sum()
    order = np.argsort(-(raw - parts), kind="stable")
    parts[order[:short]] += 1
    return parts


def _starts(groups: np.ndarray) -> np.ndarray:
    """First position of each run of a non-decreasing group array."""
    return np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])


def _largest_per_group(groups: np.ndarray, key: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Mask of the ``k[group]`` largest keys of each group; ``groups`` is non-decreasing and
    keys are distinct within a group. One pass per rank (k is small), no sort of the array."""
    if len(groups) == 0:
        return np.zeros(0, dtype=bool)
    starts = _starts(groups)
    owner = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(groups)]))
    want = k[groups[starts]]
    key = key.astype(float)  # a copy, consumed below
    kept = np.zeros(len(groups), dtype=bool)
    for rank in range(int(want.max())):
        best = np.maximum.reduceat(key, starts)
        hit = (key == best[owner]) & (want[owner] > rank) & np.isfinite(key)
        kept |= hit
        key[hit] = -np.inf
    return kept


def split_exact(totals: np.ndarray, parent: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each ``totals[g]`` among the children ``parent == g`` in proportion to ``weights``,
    in whole units that add up exactly (largest remainder, in integer arithmetic). ``parent``
    must be non-decreasing (children of a parent are contiguous)."""
    w = np.maximum(np.rint(weights / _group_max(weights, parent, len(totals))[parent] * 1e6), 1)
    w = w.astype(np.int64)
    wsum = np.bincount(parent, w, minlength=len(totals)).astype(np.int64)
    num = w * totals[parent]  # < 2**63: totals < 1e12 euros, weights ≤ 1e6
    base = num // wsum[parent]
    rest = num % wsum[parent]
    short = totals - np.bincount(parent, base, minlength=len(totals)).astype(np.int64)
    # Ties between equal remainders go to the first child: the key is made unique.
    position = np.arange(len(parent)) - np.repeat(
        _starts(parent), np.diff(np.r_[_starts(parent), len(parent)])
    )
    key = rest.astype(float) * 64 + (63 - position)
    base[_largest_per_group(parent, key, short)] += 1
    return base


def _split_rows(totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``split_exact`` for a fixed number of children per parent: row ``i`` of ``weights``
    (zeros for absent children) shares ``totals[i]``; returns an int64 matrix."""
    w = np.rint(weights / weights.max(axis=1, keepdims=True) * 1e6).astype(np.int64)
    w[(weights > 0) & (w == 0)] = 1
    wsum = w.sum(axis=1, keepdims=True)
    num = w * totals[:, None]
    base, rest = np.divmod(num, wsum)
    short = totals - base.sum(axis=1)
    # Largest remainders first; among equals, the first column (stable sort).
    order = np.argsort(-rest, axis=1, kind="stable")
    rank = np.argsort(order, axis=1, kind="stable")
    base += (rank < short[:, None]) & (w > 0)
    return base


def _group_max(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    np.maximum.at(out, group, values)
    return out


def dept_targets(shape: Shape, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """2024 totals per département (euros), exact on every calibrated figure."""
    codes, regions = shape.depts, shape.regions
    n = len(codes)
    base = {"export": rng.lognormal(np.log(1_400), 0.55, n)}
    base["import"] = base["export"] * rng.lognormal(0.1, 0.3, n)
    for i, code in enumerate(codes):
        if code in DEPT_SIZES:
            base["export"][i], base["import"][i] = DEPT_SIZES[code]
    targets = {}
    for k, flow in enumerate(("export", "import")):
        out = np.zeros(n, dtype=np.int64)
        fixed = np.array([c in DEPT_TOTALS for c in codes])
        for i, code in enumerate(codes):
            if fixed[i]:
                out[i] = _meur(DEPT_TOTALS[code][k])
        calibrated_regions = np.isin(regions, list(REGION_TOTALS))
        for reg, totals in REGION_TOTALS.items():
            free = (regions == reg) & ~fixed
            remaining = _meur(totals[k]) - out[(regions == reg) & fixed].sum()
            out[free] = _apportion(remaining, base[flow][free])
        free = ~calibrated_regions & ~fixed
        remaining = _meur(FRANCE_TOTAL[flow]) - out[~free].sum()
        out[free] = _apportion(remaining, base[flow][free])
        targets[flow] = out
    return targets


def _prefix_multipliers(
    keys: np.ndarray, table: dict[str, float], default: float = 1.0
) -> np.ndarray:
    out = np.full(len(keys), default, dtype=float)
    for prefix, mult in table.items():
        out[np.char.startswith(keys.astype(str), prefix)] *= mult
    return out


def _product_profile(shape: Shape, flow: str, rng: np.random.Generator) -> np.ndarray:
    """p[dept, product]: each département's A129 mix (rows sum to 1)."""
    products = shape.a129
    k = 0 if flow == "export" else 1
    mix = np.array([PRODUCT_MIX.get(c, (0.05, 0.05))[k] for c in products])
    out = np.empty((len(shape.depts), len(products)))
    for i, code in enumerate(shape.depts):
        spec = _prefix_multipliers(products, SPECIALISATIONS.get(code, {}))
        if flow == "import":
            spec = np.sqrt(spec) * _prefix_multipliers(
                products, IMPORT_SPECIALISATIONS.get(code, {})
            )
        row = mix * spec * rng.lognormal(0, 0.45, len(products))
        out[i] = row / row.sum()
    return out


def _partner_base(shape: Shape, flow: str) -> np.ndarray:
    k = 0 if flow == "export" else 1
    weights = np.empty(len(shape.countries))
    for i, (code, eu27) in enumerate(zip(shape.countries, shape.eu27, strict=True)):
        if code in TOP_PARTNERS[flow]:
            weights[i] = TOP_PARTNERS[flow][code]
        elif code in PARTNER_WEIGHTS:
            weights[i] = PARTNER_WEIGHTS[code][k]
        else:
            weights[i] = 900.0 if eu27 else 45.0
    return weights


def _expectation(
    shape: Shape, flow: str, totals: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """E[dept, product, country] in euros; sums over (product, country) to the totals."""
    products, countries = shape.a129, shape.countries
    p = _product_profile(shape, flow, rng)
    base = _partner_base(shape, flow)
    affinity = np.ones((len(products), len(countries)))
    for prefix, mults in AFFINITIES[flow].items():
        rows = np.char.startswith(products.astype(str), prefix)
        for code, mult in mults.items():
            affinity[rows, countries == code] *= mult
    if flow == "import":  # electricity only crosses land borders
        affinity[products == "D35A"] *= np.isin(countries, ["DE", "BE", "IT", "ES", "CH", "GB"])
    supply = np.isin(countries, SUPPLY_CODES)
    out = np.empty((len(shape.depts), len(products), len(countries)))
    for i, code in enumerate(shape.depts):
        geo = _prefix_multipliers(countries, GEOGRAPHY.get(code, {}))
        geo[supply] *= SUPPLY_DEPTS.get(code, 0.05)
        q = base * geo * rng.lognormal(0, 0.5, len(countries))
        q = affinity * q[None, :] * rng.lognormal(0, 0.35, affinity.shape)
        q /= q.sum(axis=1, keepdims=True)
        out[i] = totals[i] * p[i][:, None] * q
    return out


def _scale_for_rows(expect: np.ndarray, rows: int) -> float:
    """``s`` such that the expected number of present cells, sum(1 - exp(-E/s)), is ``rows``."""
    flat = expect.ravel()
    lo, hi = np.log(1.0), np.log(flat.sum())
    for _ in range(50):
        mid = (lo + hi) / 2
        count = (-np.expm1(-flat / np.exp(mid))).sum()
        lo, hi = (mid, hi) if count > rows else (lo, mid)
    return float(np.exp((lo + hi) / 2))


def _rake(
    values: np.ndarray,
    dept_idx: np.ndarray,
    country_idx: np.ndarray,
    dept_totals: np.ndarray,
    country_targets: dict[int, float],
    n_countries: int,
    iterations: int = 60,
) -> np.ndarray:
    """IPF on present cells: exact département totals, France's top-partner totals."""
    values = values.copy()
    fixed = np.array(sorted(country_targets))
    fixed_target = np.array([country_targets[i] for i in fixed])
    is_fixed = np.zeros(n_countries, dtype=bool)
    is_fixed[fixed] = True
    grand = dept_totals.sum()
    for _ in range(iterations):
        csum = np.bincount(country_idx, values, minlength=n_countries)
        factor = np.ones(n_countries)
        factor[fixed] = fixed_target / csum[fixed]
        rest = grand - fixed_target.sum()
        factor[~is_fixed] = rest / csum[~is_fixed].sum()
        values *= factor[country_idx]
        dsum = np.bincount(dept_idx, values, minlength=len(dept_totals))
        values *= (dept_totals / dsum)[dept_idx]
    return values


def _to_euros(values: np.ndarray, dept_idx: np.ndarray, dept_totals: np.ndarray) -> np.ndarray:
    """Round to whole euros; each département's residue goes on its largest cell."""
    euros = np.maximum(np.rint(values).astype(np.int64), 1)
    residue = dept_totals - np.bincount(dept_idx, euros, minlength=len(dept_totals)).astype(
        np.int64
    )
    order = np.lexsort((-euros, dept_idx))  # by département, largest value first
    first = order[np.r_[True, dept_idx[order][1:] != dept_idx[order][:-1]]]
    euros[first] += residue[dept_idx[first]]
    return euros


@dataclass(frozen=True)
class Cells:
    """Annual cells of one flow and year at (département, A129, partner) level."""

    year: int
    flow: str
    dept: np.ndarray
    a129: np.ndarray
    country: np.ndarray
    euros: np.ndarray


def annual_cells(shape: Shape, rng: np.random.Generator) -> Iterator[Cells]:
    """Every (year, flow)'s annual A129 cells, 2024 exact on the calibration."""
    targets = dept_targets(shape, rng)
    n_d, n_p, n_c = len(shape.depts), len(shape.a129), len(shape.countries)
    # Trajectories shared by both flows: a random walk per département from 2024.
    walk = {CALIBRATION_YEAR: np.ones(n_d)}
    for year in sorted((y for y in YEARS if y < CALIBRATION_YEAR), reverse=True):
        walk[year] = walk[year + 1] * rng.lognormal(0, 0.05, n_d)
    for year in (y for y in YEARS if y > CALIBRATION_YEAR):
        walk[year] = walk[year - 1] * rng.lognormal(0, 0.03, n_d)

    for flow in ("export", "import"):
        totals = targets[flow]
        expect = _expectation(shape, flow, totals.astype(float), rng)
        scale = _scale_for_rows(expect, ROWS_PER_FLOW)
        prob = -np.expm1(-expect / scale)
        draw = rng.random(expect.shape)
        noise = rng.lognormal(-0.18, 0.6, expect.shape)  # mean ≈ 1
        raw = np.divide(expect, prob, out=np.zeros_like(expect), where=prob > 0) * noise

        present = draw < prob
        d_idx, p_idx, c_idx = np.nonzero(present)
        share = {int(np.flatnonzero(shape.countries == c)[0]): v / NATIONAL_BASIS[flow]
                 for c, v in TOP_PARTNERS[flow].items()}  # fmt: skip
        france = totals.sum()
        raked = _rake(
            raw[present], d_idx, c_idx, totals.astype(float),
            {i: s * france for i, s in share.items()}, n_c,
        )  # fmt: skip
        # The raking factors, applied to every year so that cells keep their proportions.
        dept_factor = np.bincount(d_idx, raked, minlength=n_d) / np.bincount(
            d_idx, raw[present], minlength=n_d
        )
        country_factor = np.ones(n_c)
        csum_raw = np.bincount(c_idx, raw[present], minlength=n_c)
        csum_raked = np.bincount(c_idx, raked, minlength=n_c)
        np.divide(csum_raked, csum_raw, out=country_factor, where=csum_raw > 0)

        for year in YEARS:
            if year == CALIBRATION_YEAR:
                yield Cells(year, flow, d_idx, p_idx, c_idx, _to_euros(raked, d_idx, totals))
                continue
            churn = rng.uniform(0.9, 1.08)
            keep = draw < prob * churn
            d_y, p_y, c_y = np.nonzero(keep)
            prod_mult = np.ones(n_p)
            for (which, prefix), shocks in PRODUCT_SHOCKS.items():
                if which in (flow, "both") and year in shocks:
                    prod_mult[np.char.startswith(shape.a129, prefix)] *= shocks[year]
            ctry_mult = np.ones(n_c)
            for code, shocks in PARTNER_SHOCKS.items():
                if year in shocks:
                    ctry_mult[shape.countries == code] *= shocks[year]
            value = (
                raw[keep]
                * dept_factor[d_y] * country_factor[c_y]
                * walk[year][d_y] * prod_mult[p_y] * ctry_mult[c_y]
                * rng.lognormal(-0.011, 0.15, len(d_y))
            )  # fmt: skip
            # Shocks move weight between products, partners and départements; France's
            # total follows the published national trajectory.
            value *= NATIONAL_INDEX[flow][year] * totals.sum() / value.sum()
            yield Cells(year, flow, d_y, p_y, c_y, np.maximum(np.rint(value).astype(np.int64), 1))


@dataclass(frozen=True)
class Finer:
    """Fixed CPF4 weights: within each A129 parent, and per département."""

    weight: np.ndarray  # per CPF4 code
    by_parent: np.ndarray  # CPF4 indices ordered by A129 parent
    first: np.ndarray  # position in by_parent of each A129's first child
    count: np.ndarray  # children of each A129
    dept_tilt: dict[tuple[int, int], float]  # (dept index, CPF4 index) → multiplier
    price: np.ndarray  # €/kg per CPF4 code (0: no mass)

    @classmethod
    def draw(cls, shape: Shape, rng: np.random.Generator) -> Finer:
        weight = rng.gamma(0.8, 1.0, len(shape.cpf4)) + 0.02
        index = {code: i for i, code in enumerate(shape.cpf4)}
        for code, w in CPF4_WEIGHTS.items():
            if code in index:
                weight[index[code]] = (
                    w * weight[shape.cpf4_parent == shape.cpf4_parent[index[code]]].mean()
                )
        by_parent = np.argsort(shape.cpf4_parent, kind="stable")
        count = np.bincount(shape.cpf4_parent, minlength=len(shape.a129))
        first = np.cumsum(count) - count
        dept_index = {code: i for i, code in enumerate(shape.depts)}
        tilt = {
            (dept_index[d], index[c]): m
            for d, mults in DEPT_CPF4.items()
            for c, m in mults.items()
            if d in dept_index and c in index
        }
        base = np.array([PRICE_PER_KG[shape.a129[p]] for p in shape.cpf4_parent])
        price = base * rng.lognormal(0, 0.35, len(shape.cpf4))
        return cls(weight, by_parent, first, count, tilt, price)


def detail(cells: Cells, shape: Shape, finer: Finer, rng: np.random.Generator) -> pa.Table:
    """Annual A129 cells → rows per (quarter, CPF4 product), exact to the euro, with mass."""
    n = len(cells.euros)
    # 1. CPF4 children: every (cell, child) pair, the k largest Gumbel keys kept.
    n_children = finer.count[cells.a129]
    cell_of_pair = np.repeat(np.arange(n), n_children)
    child = finer.by_parent[
        np.repeat(finer.first[cells.a129], n_children)
        + (np.arange(len(cell_of_pair)) - np.repeat(np.cumsum(n_children) - n_children, n_children))
    ]
    w = finer.weight[child].copy()
    if finer.dept_tilt:
        for (d, c), m in finer.dept_tilt.items():
            w[(cells.dept[cell_of_pair] == d) & (child == c)] *= m
    k = 1 + np.searchsorted(CHILD_STEPS, cells.euros, side="right")
    key = np.log(w) + rng.gumbel(size=len(w))
    kept = _largest_per_group(cell_of_pair, key, k)
    cell_of_pair, child, w = cell_of_pair[kept], child[kept], w[kept]
    value = split_exact(cells.euros, cell_of_pair, w * rng.lognormal(0, 0.4, len(w)))
    nonzero = value > 0
    cell_of_pair, child, value = cell_of_pair[nonzero], child[nonzero], value[nonzero]

    # 2. Quarters: small flows happen in one or two quarters, large ones in all four. Every
    # pair has exactly four candidate quarters, so this works on (pairs, 4) matrices.
    m = len(value)
    kq = 1 + np.searchsorted(QUARTER_STEPS, value, side="right")
    season = SEASONS[None, :] * np.exp(0.25 * rng.standard_normal((m, 4), dtype=np.float32))
    gumbel = -np.log(-np.log(rng.random((m, 4), dtype=np.float32) * 0.999_999 + 5e-7))
    rank = np.argsort(np.argsort(-(np.log(season) + gumbel), axis=1), axis=1)
    weight = np.where(rank < kq[:, None], season, 0.0)
    q_value = _split_rows(value, weight)
    pair_of_q, quarter = np.nonzero(q_value)  # row-major: grouped by pair, quarters in order
    q_value = q_value[pair_of_q, quarter]
    if cells.year == PARTIAL_YEAR:
        keep = np.isin(quarter + 1, PARTIAL_QUARTERS)
        pair_of_q, quarter, q_value = pair_of_q[keep], quarter[keep], q_value[keep]

    cell = cell_of_pair[pair_of_q]
    product = child[pair_of_q]
    price = finer.price[product] * rng.lognormal(0, 0.15, len(q_value))
    mass = np.where(price > 0, np.maximum(np.rint(q_value / np.where(price > 0, price, 1)), 1), 0)
    rows = len(q_value)
    return pa.table(
        {
            "year": pa.array(np.full(rows, cells.year, dtype=np.int16)),
            "quarter": pa.array((quarter + 1).astype(np.int8)),
            "flow": pa.DictionaryArray.from_arrays(
                np.zeros(rows, dtype=np.int8), pa.array([cells.flow])
            ),
            "dept": pa.DictionaryArray.from_arrays(
                cells.dept[cell].astype(np.int16), pa.array(shape.depts)
            ),
            "product": pa.DictionaryArray.from_arrays(
                product.astype(np.int16), pa.array(shape.cpf4)
            ),
            "country": pa.DictionaryArray.from_arrays(
                cells.country[cell].astype(np.int16), pa.array(shape.countries)
            ),
            "value_eur": pa.array(q_value.astype(np.int64)),
            "mass_kg": pa.array(mass.astype(np.int64)),
        }
    )


def generate_chunks(ref: Reference) -> Iterator[pa.Table]:
    """Every trade row, one Arrow table per (flow, year), deterministic for a reference."""
    rng = np.random.default_rng(SEED)
    shape = Shape.of(ref)
    finer = Finer.draw(shape, rng)
    for cells in annual_cells(shape, rng):
        yield detail(cells, shape, finer, rng)


def generate(ref: Reference) -> pa.Table:
    """All trade rows in one Arrow table (strings decoded)."""
    return pa.concat_tables([c.cast(build.TRADE_SCHEMA) for c in generate_chunks(ref)])


# Calibration figures the seeds do not publish: the demo chooses a value, and every page that
# shows it says so (Catalog.unpublished).
UNPUBLISHED = [
    {
        "territory": "02",
        "flow": "import",
        "year": CALIBRATION_YEAR,
        "note": (
            "Total des importations de l'Aisne en 2024 non publié dans la fiche ANCT : valeur "
            "choisie pour la démonstration (2 874,3 M€)."
        ),
    }
]
DEMO_METADATA = {
    "source": "demo",
    "label": "Données de démonstration",
    "generator_version": GENERATOR_VERSION,
    "seed": SEED,
    "files": [],
    "unpublished": UNPUBLISHED,
}
DEMO_SOURCE = "démonstration"


def _one_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` in order, the next one generated in a thread while the caller inserts this
    one (DuckDB's insert and numpy's random draws let go of the GIL): 2 cores busy instead of
    one. Errors of the generator are raised here."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-chunks") as ahead:
        pending = ahead.submit(next, items, None)
        while (item := pending.result()) is not None:
            pending = ahead.submit(next, items, None)
            yield item


def by_quarter(
    chunks: Iterable[pa.Table], depts: np.ndarray, dept_regions: np.ndarray
) -> Iterator[tuple[int, str, list]]:
    """Each (flow, year) of ``generate_chunks`` as (year, flow, its four quarters' tables),
    each sorted as ``trade`` is (région, then département, in their codes' order, as DuckDB
    sorts text) and given its rows' région (``build.SortedFill``); a quarter without rows is
    an empty table. ``depts`` are the codes the chunks' ``dept`` indices point to (``Shape``),
    ``dept_regions`` their régions."""
    regions = np.array(sorted(set(dept_regions)))
    region_of = np.searchsorted(regions, dept_regions).astype(np.int16)  # per département
    by_code = np.argsort(depts, kind="stable")  # départements in their codes' order
    dept_rank = np.empty(len(by_code), dtype=np.int64)
    dept_rank[by_code] = np.arange(len(by_code))
    place = region_of.astype(np.int64) * len(depts) + dept_rank  # per département
    places = int(place.max()) + 1
    region_names = pa.array(regions)
    for chunk in chunks:
        dept = chunk.column("dept").combine_chunks().indices.to_numpy()
        quarter = chunk.column("quarter").to_numpy()
        order = np.argsort(quarter.astype(np.int64) * places + place[dept], kind="stable")
        chunk = chunk.take(order).append_column(
            "region", pa.DictionaryArray.from_arrays(region_of[dept[order]], region_names)
        )
        ends = np.searchsorted(quarter[order], [1, 2, 3, 4, 5])
        yield (
            int(chunk.column("year")[0].as_py()),
            str(chunk.column("flow")[0].as_py()),
            [chunk.slice(a, b - a) for a, b in zip(ends[:-1], ends[1:], strict=True)],
        )


def in_trade_order(
    parts: Iterable[tuple[int, str, list]], years: Iterable[int] = YEARS
) -> Iterator[pa.Table]:
    """``by_quarter``'s tables in ``trade``'s order: (year, quarter, flow), over ``years``.
    The generator gives every year's exports first: each (flow, year) is held until both
    flows of the earliest year not yet given are in."""
    waiting: dict[tuple[int, str], list[pa.Table]] = {}
    to_give = iter(sorted(years))
    year = next(to_give, None)
    for part_year, flow, quarters in parts:
        waiting[(part_year, flow)] = quarters
        while year is not None and (year, "export") in waiting and (year, "import") in waiting:
            exports, imports = waiting.pop((year, "export")), waiting.pop((year, "import"))
            for pair in zip(exports, imports, strict=True):  # quarter by quarter
                yield from (rows for rows in pair if rows.num_rows)
            year = next(to_give, None)
    if waiting or year is not None:
        # A year or a flow missing, or one the years do not list: the rows would be left out.
        raise RuntimeError(f"generated rows not given in order: {sorted(waiting)}, {year}")


def write_demo(path: Path | str, ref: Reference | None = None) -> int:
    """Generate and write the demonstration database at ``path``; returns its row count."""
    ref = ref or Reference.load()
    shape = Shape.of(ref)

    def insert(con) -> None:
        # The next (flow, year) generated and sorted in a thread while DuckDB writes.
        parts = by_quarter(generate_chunks(ref), shape.depts, shape.regions)
        for rows in in_trade_order(_one_ahead(parts)):
            con.register("f_rows", rows)
            con.execute(
                """INSERT INTO trade SELECT year, quarter, flow, dept, product, country,
                value_eur, mass_kg, region FROM f_rows"""
            )
            con.unregister("f_rows")

    fill = build.SortedFill(insert, DEMO_SOURCE)
    return build.write_build(path, ref, fill, DEMO_METADATA).rows


def build_demo(publish: bool = True, quiet: bool = False) -> str:
    """Generate, write a new versioned build and (by default) swap it in. Returns its path."""
    started = time.perf_counter()
    path = store.new_build_path("demo")
    try:
        rows = write_demo(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if publish:
        store.publish(path)
    if not quiet:
        print(
            f"Données de démonstration : {format_number(rows)} lignes, "
            f"{len(YEARS)} années ({PARTIAL_YEAR} partielle : T{PARTIAL_QUARTERS[0]}–"
            f"T{PARTIAL_QUARTERS[-1]}), construites en "
            f"{format_number(time.perf_counter() - started, 1)} s → {path}"
        )
    return str(path)


# --- The official layout ---------------------------------------------------------------------
FLOW_LETTERS = {"export": "E", "import": "I"}
# DGDDI's own région numbering (field 5): not INSEE's; written as the customs do, read by no one.
CUSTOMS_REGION = {
    "32": "01", "11": "03", "24": "04", "28": "05", "53": "07", "52": "08", "75": "09",
    "76": "12", "44": "13", "27": "16", "84": "18", "93": "21", "94": "22",
    "01": "24", "02": "24", "03": "24", "04": "24", "06": "24",
}  # fmt: skip


def official_lines(table: pa.Table, shape: Shape, ref: Reference) -> Iterator[str]:
    """Rows in the customs' headerless ten-field layout (``E;3;2018;01;18;A01Z;0111;BE;…``)."""
    region_of = dict(zip(ref.depts["code"], ref.depts["region"], strict=True))
    frame = table.to_pandas()
    for row in frame.itertuples(index=False):
        dept = str(row.dept)
        yield (
            f"{FLOW_LETTERS[str(row.flow)]};{row.quarter};{row.year};{shape.customs[dept]};"
            f"{CUSTOMS_REGION[region_of[dept]]};{shape.a129_of[str(row.product)]};{row.product};"
            f"{row.country};{row.value_eur};{row.mass_kg}"
        )


def write_official(
    out_dir: Path, years: Iterable[int] | None = None, crlf: bool = True
) -> list[Path]:
    """Write the demonstration data in the customs' layout: one ZIP per year holding
    ``<year>_CPF4PAYSE.txt`` (exports) and ``<year>_CPF4PAYSI.txt`` (imports)."""
    ref = Reference.load()
    shape = Shape.of(ref)
    wanted = set(years) if years is not None else set(YEARS)
    out_dir.mkdir(parents=True, exist_ok=True)
    end = "\r\n" if crlf else "\n"
    texts: dict[tuple[int, str], list[str]] = {}
    for chunk in generate_chunks(ref):
        year = int(chunk["year"][0].as_py()) if chunk.num_rows else None
        if year not in wanted:
            continue
        flow = str(chunk["flow"][0].as_py())
        texts.setdefault((year, flow), []).extend(official_lines(chunk, shape, ref))
    paths = []
    for year in sorted({y for y, _ in texts}):
        path = out_dir / f"demo_regional_{year}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for flow, letter in FLOW_LETTERS.items():
                lines = texts.get((year, flow), [])
                archive.writestr(f"{year}_CPF4PAYS{letter}.txt", end.join(lines) + end)
        paths.append(path)
    return paths


def _outdated_demo(path: Path) -> bool:
    """Whether ``path`` is a demonstration build of an earlier layout (official data loaded
    by an administrator is never rebuilt from here: the app says what to do)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return bool(build.outdated(con)) and build.read_metadata(con).get("source") == "demo"
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.demo", description="Build the demonstration database."
    )
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when a database is already in place"
    )
    parser.add_argument(
        "--official",
        metavar="DIR",
        type=Path,
        help="write the demonstration data in the customs' layout (one ZIP per year) to DIR",
    )
    parser.add_argument("--years", type=int, nargs="*", help="with --official: these years only")
    args = parser.parse_args(argv)
    if args.official:
        for path in write_official(args.official, args.years):
            print(path)
        return 0
    if args.if_missing and store.db_path().exists():
        if not _outdated_demo(store.db_path()):
            print(f"Base de données présente : {store.db_path()} (rien à construire).")
            return 0
        print("Base de démonstration d'une version antérieure : reconstruction.")
    build_demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
