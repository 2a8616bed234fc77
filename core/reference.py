"""Reference tables: régions, départements, A129 products, partner countries, Territoires d'industrie.

The tables live as small CSV files under ``data/reference/`` (see ``data/README.md`` for their
sources and licences). Every loader returns a pandas DataFrame whose code columns are strings:
département codes keep their leading zeros ("01") and Corsica's letters ("2A"), and Namibia's
country code "NA" must never turn into a missing value, hence ``keep_default_na=False`` everywhere.

``countries.csv`` is the only generated table: ``python -m core.reference`` rebuilds it from
``pycountry`` (ISO 3166-1 codes and the French names of the Debian iso-codes translations) plus the
zone table and the DGDDI/Eurostat geonomenclature codes written below. The other files are
maintained by hand (codes and names are facts, checked by ``tests/test_reference.py``).

Pure pandas: no Streamlit here, so the build scripts and the tests can use it as is.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pandas as pd
import pycountry

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

COUNTRY_COLUMNS = ["code", "name_fr", "iso3", "eu27", "zone"]

# --- Zones ------------------------------------------------------------------------------------
# The only zone labels allowed, in display order.
ZONE_EU = "Union européenne"
ZONE_EUROPE = "Europe hors UE"
ZONE_AFRICA = "Afrique"
ZONE_NORTH_AMERICA = "Amérique du Nord"
ZONE_LATAM = "Amérique latine et Caraïbes"
ZONE_MIDDLE_EAST = "Proche et Moyen-Orient"
ZONE_ASIA = "Asie"
ZONE_OCEANIA = "Océanie"
ZONE_OTHER = "Antarctique et autres"
ZONE_UNKNOWN = "Non déterminé"

ZONES: tuple[str, ...] = (
    ZONE_EU,
    ZONE_EUROPE,
    ZONE_AFRICA,
    ZONE_NORTH_AMERICA,
    ZONE_LATAM,
    ZONE_MIDDLE_EAST,
    ZONE_ASIA,
    ZONE_OCEANIA,
    ZONE_OTHER,
    ZONE_UNKNOWN,
)

# The 27 member states of the European Union in 2024 (the United Kingdom left on 31 January 2020).
_EU27_CODES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU27: frozenset[str] = frozenset(_EU27_CODES.split())

# Zone of every other ISO 3166-1 code, close to the UN geoscheme but with the groupings French
# trade publications use: Turkey, Russia, the United Kingdom, Switzerland and Norway in non-EU
# Europe; the Gulf, the Levant, Iran and Iraq in the Middle East; Mexico in Latin America.
# "Union européenne" is kept for the 27 member states only, so that zone and eu27 always agree:
# territories that belong to a member state but carry their own ISO code (Åland, the French
# overseas départements, Saint-Martin…) are placed by geography. Customs declare them under
# the member state anyway, so their own codes rarely appear in trade files.
_ZONE_MEMBERS: dict[str, str] = {
    ZONE_EUROPE: ("AD AL AX BA BY CH FO GB GG GI IM IS JE LI MC MD ME MK NO RS RU SJ SM TR UA VA"),
    ZONE_AFRICA: (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW IO KE KM LR LS LY "
        "MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA "
        "ZM ZW"
    ),
    ZONE_NORTH_AMERICA: "BM CA GL PM US",
    ZONE_LATAM: (
        "AG AI AR AW BB BL BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GT GY HN HT JM KN "
        "KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    ZONE_MIDDLE_EAST: "AE BH IL IQ IR JO KW LB OM PS QA SA SY YE",
    ZONE_ASIA: (
        "AF AM AZ BD BN BT CN GE HK ID IN JP KG KH KP KR KZ LA LK MM MN MO MV MY NP PH PK SG TH "
        "TJ TL TM TW UZ VN"
    ),
    ZONE_OCEANIA: (
        "AS AU CC CK CX FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"
    ),
    # Uninhabited or scientific territories: Antarctica, Bouvet, Heard and McDonald, South
    # Georgia, the French Southern and Antarctic Lands.
    ZONE_OTHER: "AQ BV GS HM TF",
}
ISO_ZONES: dict[str, str] = {
    code: zone for zone, codes in _ZONE_MEMBERS.items() for code in codes.split()
}
ISO_ZONES.update({code: ZONE_EU for code in EU27})

# Geonomenclature codes (DGDDI, Eurostat GEONOM) that ISO 3166-1 does not assign.
# (code, French name, iso3, zone); Kosovo's "XKX" is the user-assigned code the EU and the
# World Bank use. Ceuta and Melilla are Spanish but outside the EU customs territory: customs
# publications list them with non-EU Europe.
NON_ISO_CODES: tuple[tuple[str, str, str, str], ...] = (
    ("XC", "Ceuta", "", ZONE_EUROPE),
    ("XI", "Royaume-Uni (Irlande du Nord)", "", ZONE_EUROPE),
    ("XK", "Kosovo", "XKX", ZONE_EUROPE),
    ("XL", "Melilla", "", ZONE_EUROPE),
)

# Special geonomenclature codes: flows whose partner is unknown, undisclosed or not a country.
# They carry real values in the official files and must be shown, never dropped.
SPECIAL_CODES: tuple[tuple[str, str], ...] = (
    ("QP", "Haute mer"),
    ("QQ", "Avitaillement et soutage"),
    ("QR", "Avitaillement et soutage (échanges intra-UE)"),
    ("QS", "Avitaillement et soutage (échanges extra-UE)"),
    ("QU", "Pays et territoires non déterminés"),
    ("QV", "Pays et territoires non déterminés (échanges intra-UE)"),
    ("QW", "Pays et territoires non déterminés (échanges extra-UE)"),
    ("QX", "Pays et territoires non désignés pour raisons commerciales ou militaires"),
    ("QY", "Pays non désignés pour raisons commerciales ou militaires (intra-UE)"),
    ("QZ", "Pays non désignés pour raisons commerciales ou militaires (extra-UE)"),
)


# --- Loaders ----------------------------------------------------------------------------------


def _read(name: str, directory: Path | None = None) -> pd.DataFrame:
    """Read one reference CSV with every column as text and no value taken for missing."""
    return pd.read_csv(
        (directory or REFERENCE_DIR) / name,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8",
    )


def load_regions() -> pd.DataFrame:
    """The 18 régions of COG 2024: ``code`` (two digits, text), ``name``."""
    return _read("regions.csv")


def load_departements() -> pd.DataFrame:
    """The 101 départements: ``code`` ("01"…"95", "2A", "2B", "971"…"976"), ``name``, ``region``."""
    return _read("departements.csv")


def load_products() -> pd.DataFrame:
    """The 74 A129 goods codes with product wording and their A38 and A17 parents."""
    return _read("products.csv")


def load_countries(directory: Path | None = None) -> pd.DataFrame:
    """Partner countries: ``code``, ``name_fr``, ``iso3`` ("" when none), ``eu27`` (bool), ``zone``."""
    df = _read("countries.csv", directory)
    # Strict parsing: anything but true/false is a broken file, not a silent False.
    df["eu27"] = df["eu27"].map({"true": True, "false": False})
    if df["eu27"].isna().any():
        raise ValueError("countries.csv: eu27 must be 'true' or 'false'")
    df["eu27"] = df["eu27"].astype(bool)
    return df


def load_territoires_industrie() -> pd.DataFrame:
    """Territoires d'industrie by département: ``name``, ``dept``, ``n_communes`` (int)."""
    df = _read("territoires_industrie.csv")
    df["n_communes"] = df["n_communes"].astype(int)
    return df


# --- countries.csv generation -----------------------------------------------------------------


def _french_names() -> gettext.NullTranslations:
    """pycountry's own French catalogue (Debian iso-codes), so the names need no network."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])


# ISO lists some names inverted for sorting ("Russie, Fédération de"); charts and tables read
# better in the usual order. Two names need more than the general rule below.
NAME_EXCEPTIONS = {
    "VI": "Îles Vierges des États-Unis",  # "Îles Vierges, États-Unis"
    "GL": "Groenland",  # the translation carries a misspelling ("Groënland")
}
_DESIGNATIONS = ("Île", "Îles", "Fédération", "État", "États", "République", "Royaume")


def readable_name(code: str, name: str) -> str:
    """`Russie, Fédération de` → `Fédération de Russie`; `Salomon, Îles` → `Îles Salomon`;
    `Malouines, Îles (Falkland)` → `Îles Malouines (Falkland)`; other names unchanged."""
    if code in NAME_EXCEPTIONS:
        return NAME_EXCEPTIONS[code]
    head, sep, tail = name.partition(", ")
    if not sep or not tail.startswith(_DESIGNATIONS):
        return name
    designation, _, note = tail.partition(" (")
    return f"{designation} {head}" + (f" ({note}" if note else "")


def build_countries() -> pd.DataFrame:
    """The partner-country table, sorted by code, from pycountry and the tables above.

    Raises ``KeyError`` if pycountry knows a code the zone table does not: a new ISO code must be
    placed in a zone deliberately rather than fall into a default.
    """
    fr = _french_names()
    rows: list[dict[str, object]] = []
    for country in pycountry.countries:
        # common_name is the short usual form ("Bolivia" rather than "Bolivia, Plurinational
        # State of"); its translation reads better in charts, so prefer it when it exists.
        english = getattr(country, "common_name", None) or country.name
        rows.append(
            {
                "code": country.alpha_2,
                "name_fr": readable_name(country.alpha_2, fr.gettext(english)),
                "iso3": country.alpha_3,
                "eu27": country.alpha_2 in EU27,
                "zone": ISO_ZONES[country.alpha_2],
            }
        )
    for code, name, iso3, zone in NON_ISO_CODES:
        rows.append({"code": code, "name_fr": name, "iso3": iso3, "eu27": False, "zone": zone})
    for code, name in SPECIAL_CODES:
        rows.append(
            {"code": code, "name_fr": name, "iso3": "", "eu27": False, "zone": ZONE_UNKNOWN}
        )
    df = pd.DataFrame(rows, columns=COUNTRY_COLUMNS)
    if df["code"].duplicated().any():
        dup = sorted(df.loc[df["code"].duplicated(), "code"])
        raise ValueError(f"duplicate country codes: {dup}")
    df = df.sort_values("code", ignore_index=True)
    df[["code", "name_fr", "iso3", "zone"]] = df[["code", "name_fr", "iso3", "zone"]].astype(str)
    df["eu27"] = df["eu27"].astype(bool)
    return df


def countries_csv_text(df: pd.DataFrame) -> str:
    """The exact text of countries.csv: UTF-8, ``,``, ``\\n`` line ends, booleans as true/false."""
    out = df.copy()
    # Lower-case booleans, as DuckDB and most CSV readers expect them.
    out["eu27"] = out["eu27"].map({True: "true", False: "false"})
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def write_countries(path: Path | None = None) -> Path:
    """Regenerate countries.csv (bytes written only from build_countries, so it is idempotent)."""
    path = path or REFERENCE_DIR / "countries.csv"
    path.write_text(countries_csv_text(build_countries()), encoding="utf-8", newline="")
    return path


def main() -> None:
    path = write_countries()
    print(f"wrote {path} ({len(build_countries())} rows)")


if __name__ == "__main__":
    main()
