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
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core import reference, store
from core.formatting import format_number

SEED = 20_240_101
YEARS = tuple(range(2019, 2025))
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
    "2A": (80, 320), "2B": (90, 360), "971": (300, 2_900), "972": (380, 2_950),
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
    "C18Z": (0.05, 0.05), "C19Z": (2.5, 4.2), "C20A": (4.0, 4.6), "C20B": (2.2, 1.8),
    "C20C": (3.4, 1.2), "C21Z": (6.0, 5.3), "C22A": (1.0, 0.8), "C22B": (1.5, 2.0),
    "C23A": (0.5, 0.5), "C23B": (0.8, 0.9), "C24A": (1.8, 2.3), "C24B": (0.3, 0.3),
    "C24C": (2.0, 2.7), "C25A": (0.3, 0.3), "C25B": (0.3, 0.3), "C25C": (0.6, 0.4),
    "C25D": (0.1, 0.1), "C25E": (1.6, 2.0), "C26A": (1.2, 1.5), "C26B": (0.4, 1.6),
    "C26C": (0.6, 2.0), "C26D": (0.2, 0.7), "C26E": (1.5, 1.4), "C26F": (0.6, 0.6),
    "C26G": (0.1, 0.1), "C27A": (2.0, 2.2), "C27B": (1.3, 1.9), "C28A": (2.5, 2.2),
    "C28B": (2.0, 2.2), "C28C": (0.4, 0.4), "C28D": (2.2, 2.2), "C29A": (4.0, 6.5),
    "C29B": (2.7, 3.1), "C30A": (0.6, 0.4), "C30B": (0.5, 0.2), "C30C": (11.0, 6.0),
    "C30D": (0.3, 0.05), "C30E": (0.2, 0.6), "C31Z": (0.3, 1.0), "C32A": (1.2, 1.3),
    "C32B": (0.2, 0.7), "C32C": (1.8, 2.0), "D35A": (2.0, 0.8), "E36Z": (0.01, 0.01),
    "E38Z": (0.6, 0.3), "J58Z": (0.25, 0.3), "J59Z": (0.05, 0.05), "M74Z": (0.02, 0.02),
    "R90Z": (0.6, 0.4), "R91Z": (0.1, 0.05),
}  # fmt: skip

# Département specialisations: multipliers on product weights (prefix match on the A129 code).
# Exports use them as given, imports their square root unless IMPORT_SPECIALISATIONS says more.
SPECIALISATIONS = {
    "31": {"C30C": 60}, "64": {"C30C": 8}, "65": {"C30C": 6}, "33": {"C11Z": 25, "C30C": 5},
    "13": {"C30C": 6, "C19Z": 8, "C24A": 4, "C20A": 3}, "44": {"C30C": 8, "C30A": 25},
    "16": {"C11Z": 90}, "17": {"C11Z": 15}, "51": {"C11Z": 70}, "21": {"C11Z": 18},
    "71": {"C11Z": 8}, "27": {"C21Z": 12}, "68": {"C21Z": 4, "C29A": 4}, "45": {"C20C": 7, "C21Z": 4},
    "92": {"C21Z": 5, "C26": 2.5}, "95": {"C21Z": 3, "C26": 3, "C32A": 3, "C15Z": 2, "C30C": 2},
    "28": {"C20C": 8, "C21Z": 3}, "37": {"C21Z": 4}, "60": {"C21Z": 2.5, "C20": 2},
    "78": {"C29A": 8}, "25": {"C29A": 8, "C26E": 8}, "39": {"C26E": 5}, "90": {"C27": 6},
    "59": {"C24A": 8, "C13Z": 4, "C29A": 3, "C10": 2, "C20A": 3},
    "57": {"C24A": 6, "C29": 3}, "62": {"C29": 3, "C23A": 3, "C10": 2}, "08": {"C24": 6, "C25": 5, "C29B": 4},
    "02": {"A01Z": 6, "C10": 4, "C23A": 5, "C20": 2}, "80": {"A01Z": 3, "C10": 3},
    "93": {"C20C": 5, "C26": 2, "C14Z": 2, "C30C": 2, "C32A": 2},
    "75": {"C15Z": 14, "C14Z": 6, "C32A": 12, "C20C": 4, "R9": 15},
    "38": {"C26": 5, "C27": 3, "C20": 2}, "69": {"C20": 4, "C21Z": 4},
    "63": {"C22A": 45}, "29": {"C10A": 8, "A03Z": 6, "C10B": 6}, "22": {"C10A": 8},
    "56": {"C10A": 6}, "35": {"C10A": 6, "C29A": 4}, "85": {"C30A": 15}, "06": {"C20C": 6},
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
    "2A": {"C19Z": 5, "C10": 3}, "2B": {"C19Z": 5, "C10": 3}, "95": {"C26": 4, "C14Z": 3},
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
    "CY": (500, 100), "MT": (600, 150), "UA": (1_200, 1_000), "RS": (700, 500),
    "IQ": (500, 2_000), "AZ": (300, 2_500), "KW": (800, 300), "OM": (500, 300),
    "IR": (200, 100), "LB": (600, 100), "JO": (400, 100), "PK": (400, 800), "PH": (500, 700),
    "NZ": (500, 400), "CM": (700, 500), "GA": (500, 700), "MG": (500, 700), "MU": (500, 400),
    "NC": (900, 100), "PF": (800, 100), "MC": (1_200, 200), "AD": (800, 100), "IS": (300, 200),
    "PE": (300, 400), "CO": (500, 600), "AO": (400, 900), "CG": (400, 800), "KM": (50, 20),
    "SR": (40, 20), "XK": (40, 10), "XI": (300, 150), "QS": (1_800, 0), "QR": (700, 0),
    "QQ": (300, 0), "QU": (400, 600), "QV": (300, 400), "QW": (200, 300), "QX": (250, 150),
    "QY": (150, 100), "QZ": (100, 80), "QP": (20, 20),
}  # fmt: skip
# Where customs record ship and aircraft supplies (avitaillement): ports and airports.
SUPPLY_CODES = ("QQ", "QR", "QS")
SUPPLY_DEPTS = {"13": 6, "76": 5, "59": 4, "44": 3, "33": 2, "29": 2, "95": 6, "93": 3,
                "94": 3, "06": 2, "31": 1.5, "974": 1, "971": 1, "972": 1}  # fmt: skip

GEOGRAPHY = {  # département: {partner: multiplier}
    "59": {"BE": 3, "NL": 1.5, "GB": 1.5}, "62": {"BE": 2, "GB": 2.5}, "02": {"BE": 2.5},
    "08": {"BE": 4, "LU": 2}, "80": {"BE": 1.5, "GB": 1.5}, "57": {"DE": 2.2, "LU": 4},
    "54": {"LU": 3, "DE": 1.5, "BE": 1.5}, "55": {"BE": 2, "LU": 2},
    "67": {"DE": 2.5, "CH": 2}, "68": {"DE": 2.5, "CH": 3.5}, "90": {"CH": 2.5, "DE": 1.5},
    "25": {"CH": 3.5}, "39": {"CH": 2.5}, "01": {"CH": 2.5}, "74": {"CH": 3.5, "IT": 1.5},
    "73": {"IT": 2.5, "CH": 1.5}, "06": {"IT": 2.5, "MC": 15}, "05": {"IT": 2},
    "64": {"ES": 3}, "65": {"ES": 2}, "66": {"ES": 4}, "31": {"ES": 2}, "09": {"ES": 2.5, "AD": 20},
    "2A": {"IT": 3}, "2B": {"IT": 3},
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
        "C20C": {"US": 2, "CN": 2.5, "HK": 3, "AE": 3, "SA": 2},
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
NATIONAL_INDEX = {
    "export": {2019: 0.850, 2020: 0.715, 2021: 0.836, 2022: 0.994, 2023: 1.015, 2024: 1.0},
    "import": {2019: 0.812, 2020: 0.706, 2021: 0.838, 2022: 1.084, 2023: 1.011, 2024: 1.0},
}
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


@dataclass(frozen=True)
class Reference:
    depts: pd.DataFrame
    regions: pd.DataFrame
    products: pd.DataFrame
    countries: pd.DataFrame
    territoires: pd.DataFrame

    @classmethod
    def load(cls) -> Reference:
        return cls(
            depts=reference.load_departements(),
            regions=reference.load_regions(),
            products=reference.load_products(),
            countries=reference.load_countries(),
            territoires=reference.load_territoires_industrie(),
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


def dept_targets(ref: Reference, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """2024 totals per département (euros), exact on every calibrated figure."""
    codes = ref.depts["code"].to_numpy()
    regions = ref.depts["region"].to_numpy()
    n = len(codes)
    base = {
        "export": rng.lognormal(np.log(1_400), 0.55, n),
        "import": np.empty(n),
    }
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


def _product_profile(ref: Reference, flow: str, rng: np.random.Generator) -> np.ndarray:
    """p[dept, product]: each département's product mix (rows sum to 1)."""
    products = ref.products["code"].to_numpy()
    k = 0 if flow == "export" else 1
    mix = np.array([PRODUCT_MIX.get(c, (0.05, 0.05))[k] for c in products])
    out = np.empty((len(ref.depts), len(products)))
    for i, code in enumerate(ref.depts["code"]):
        spec = _prefix_multipliers(products, SPECIALISATIONS.get(code, {}))
        if flow == "import":
            spec = np.sqrt(spec) * _prefix_multipliers(
                products, IMPORT_SPECIALISATIONS.get(code, {})
            )
        row = mix * spec * rng.lognormal(0, 0.45, len(products))
        out[i] = row / row.sum()
    return out


def _partner_base(ref: Reference, flow: str) -> np.ndarray:
    codes = ref.countries["code"].to_numpy()
    k = 0 if flow == "export" else 1
    weights = np.empty(len(codes))
    for i, (code, eu27) in enumerate(zip(codes, ref.countries["eu27"], strict=True)):
        if code in TOP_PARTNERS[flow]:
            weights[i] = TOP_PARTNERS[flow][code]
        elif code in PARTNER_WEIGHTS:
            weights[i] = PARTNER_WEIGHTS[code][k]
        else:
            weights[i] = 900.0 if eu27 else 45.0
    return weights


def _expectation(
    ref: Reference, flow: str, totals: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """E[dept, product, country] in euros; sums over (product, country) to the totals."""
    products = ref.products["code"].to_numpy()
    countries = ref.countries["code"].to_numpy()
    p = _product_profile(ref, flow, rng)
    base = _partner_base(ref, flow)
    affinity = np.ones((len(products), len(countries)))
    for prefix, mults in AFFINITIES[flow].items():
        rows = np.char.startswith(products.astype(str), prefix)
        for code, mult in mults.items():
            affinity[rows, countries == code] *= mult
    if flow == "import":  # electricity only crosses land borders
        affinity[products == "D35A"] *= np.isin(countries, ["DE", "BE", "IT", "ES", "CH", "GB"])
    supply = np.isin(countries, SUPPLY_CODES)
    out = np.empty((len(ref.depts), len(products), len(countries)))
    for i, code in enumerate(ref.depts["code"]):
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


def generate(ref: Reference, years: tuple[int, ...] = YEARS) -> pa.Table:
    """All trade rows as an Arrow table, deterministic for a given reference."""
    rng = np.random.default_rng(SEED)
    targets = dept_targets(ref, rng)
    dept_codes = ref.depts["code"].to_numpy()
    product_codes = ref.products["code"].to_numpy()
    country_codes = ref.countries["code"].to_numpy()
    n_d, n_p, n_c = len(dept_codes), len(product_codes), len(country_codes)
    # Trajectories shared by both flows: a random walk per département, backwards from 2024.
    walk = {CALIBRATION_YEAR: np.ones(n_d)}
    for year in sorted((y for y in YEARS if y != CALIBRATION_YEAR), reverse=True):
        walk[year] = walk[year + 1] * rng.lognormal(0, 0.05, n_d)

    chunks = []
    for flow in ("export", "import"):
        totals = targets[flow]
        expect = _expectation(ref, flow, totals.astype(float), rng)
        scale = _scale_for_rows(expect, ROWS_PER_FLOW)
        prob = -np.expm1(-expect / scale)
        draw = rng.random(expect.shape)
        noise = rng.lognormal(-0.18, 0.6, expect.shape)  # mean ≈ 1
        raw = np.divide(expect, prob, out=np.zeros_like(expect), where=prob > 0) * noise

        present = draw < prob
        d_idx, p_idx, c_idx = np.nonzero(present)
        share = {country_codes.tolist().index(c): v / NATIONAL_BASIS[flow]
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

        for year in years:
            if year == CALIBRATION_YEAR:
                euros = _to_euros(raked, d_idx, totals)
                idx = (d_idx, p_idx, c_idx)
            else:
                churn = rng.uniform(0.9, 1.08)
                keep = draw < prob * churn
                d_y, p_y, c_y = np.nonzero(keep)
                prod_mult = np.ones(n_p)
                for (which, prefix), shocks in PRODUCT_SHOCKS.items():
                    if which in (flow, "both") and year in shocks:
                        prod_mult[np.char.startswith(product_codes.astype(str), prefix)] *= shocks[
                            year
                        ]
                ctry_mult = np.ones(n_c)
                for code, shocks in PARTNER_SHOCKS.items():
                    if year in shocks:
                        ctry_mult[country_codes == code] *= shocks[year]
                value = (
                    raw[keep]
                    * dept_factor[d_y] * country_factor[c_y]
                    * walk[year][d_y] * prod_mult[p_y] * ctry_mult[c_y]
                    * rng.lognormal(-0.011, 0.15, len(d_y))
                )  # fmt: skip
                # Shocks move weight between products, partners and départements; France's
                # total follows the published national trajectory.
                value *= NATIONAL_INDEX[flow][year] * totals.sum() / value.sum()
                euros = np.maximum(np.rint(value).astype(np.int64), 1)
                idx = (d_y, p_y, c_y)
            chunks.append(
                pa.table(
                    {
                        "year": pa.array(np.full(len(euros), year, dtype=np.int16)),
                        "flow": pa.array([flow] * len(euros), pa.string()),
                        "dept": pa.array(dept_codes[idx[0]].astype(str)),
                        "product": pa.array(product_codes[idx[1]].astype(str)),
                        "country": pa.array(country_codes[idx[2]].astype(str)),
                        "value_eur": pa.array(euros),
                    }
                )
            )
    return pa.concat_tables(chunks)


DEMO_METADATA = {
    "source": "demo",
    "label": "Données de démonstration",
    "generator_version": GENERATOR_VERSION,
    "seed": SEED,
    "files": [],
}


def write_database(
    path: Path | str, ref: Reference, trade: pa.Table, metadata: dict[str, object]
) -> None:
    """Write reference tables, ``trade`` (sorted) and the derived tables into a new file."""
    con = duckdb.connect(str(path))
    try:
        store.create_schema(con)
        con.register("r_region", ref.regions)
        con.register("r_dept", ref.depts)
        con.register("r_product", ref.products)
        con.register("r_country", ref.countries)
        con.register("r_ti", ref.territoires)
        con.execute("INSERT INTO region SELECT code, name FROM r_region")
        con.execute("INSERT INTO departement SELECT code, name, region FROM r_dept")
        con.execute(
            "INSERT INTO product SELECT code, label, a38, a38_label, a17, a17_label FROM r_product"
        )
        con.execute(
            "INSERT INTO country SELECT code, name_fr, nullif(iso3, ''), eu27, zone FROM r_country"
        )
        con.execute("INSERT INTO territoire_industrie SELECT name, dept, n_communes FROM r_ti")
        con.register("r_trade", trade)
        # Sorted on (year, flow, dept) so that DuckDB's zone maps skip other years' blocks.
        con.execute(
            """
            CREATE TABLE trade AS
            SELECT year::SMALLINT AS year, flow, dept, product, country, value_eur::BIGINT AS value_eur
            FROM r_trade ORDER BY year, flow, dept, product, country
            """
        )
        store.finalize(con, metadata)
    finally:
        con.close()


def build(publish: bool = True, quiet: bool = False) -> str:
    """Generate, write a new versioned build and (by default) swap it in. Returns its path."""
    started = time.perf_counter()
    ref = Reference.load()
    trade = generate(ref)
    path = store.new_build_path("demo")
    try:
        write_database(path, ref, trade, DEMO_METADATA)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if publish:
        store.publish(path)
    if not quiet:
        print(
            f"Données de démonstration : {format_number(trade.num_rows)} lignes, "
            f"{len(YEARS)} années, construites en "
            f"{format_number(time.perf_counter() - started, 1)} s → {path}"
        )
    return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.demo", description="Build the demonstration database."
    )
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when a database is already in place"
    )
    args = parser.parse_args(argv)
    if args.if_missing and store.db_path().exists():
        print(f"Base de données présente : {store.db_path()} (rien à construire).")
        return 0
    build()
    return 0


if __name__ == "__main__":
    sys.exit(main())
