"""Reference tables: régions, départements, products (CPF4 → A129 → A38 → A17), partner
countries with the customs' labels by period, Territoires d'industrie.

The tables live under ``data/reference/`` (see ``data/README.md`` for their sources and
licences): small CSV files of the project, and the customs' own label tables as published in
``data/reference/dgddi/``. Every loader returns a pandas DataFrame whose code columns are
strings: département codes keep their leading zeros ("01"), and Namibia's country code "NA"
must never turn into a missing value, hence ``keep_default_na=False`` everywhere.

Départements are those the customs publish: ``01``…``95`` with Corsica as one ``20``, the
overseas départements under their INSEE codes ``971``…``976`` (the customs write ``9A``…``9E``,
see ``customs_code``) and ``99`` Principauté de Monaco, counted in Provence-Alpes-Côte d'Azur.

Two tables are generated: ``python -m core.reference`` rebuilds ``countries.csv`` (ISO 3166-1
codes and French names from ``pycountry``, the customs' geonomenclature codes and zones written
below) and ``products.csv`` (the customs' CPF4 labels with their A129 parent from the rules
below). The other files are maintained by hand (codes and names are facts, checked by
``tests/test_reference.py``).

Pure pandas: no Streamlit here, so the build scripts and the tests can use it as is.
"""

from __future__ import annotations

import csv
import gettext
import io
from pathlib import Path

import pandas as pd
import pycountry

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
DGDDI_DIR = REFERENCE_DIR / "dgddi"
STILL_VALID = 999912  # the customs' "valid until" for a label still in force

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

# Geonomenclature codes (DGDDI, Eurostat GEONOM) that ISO 3166-1 does not assign, in force in
# the customs' table: (code, French name, iso3, zone). The customs write Serbia ``XS`` (``RS`` is
# not used) and Kosovo ``XK``; ``XKX`` is the user-assigned code the EU and the World Bank use.
# Ceuta and Melilla are Spanish but outside the EU customs territory: customs publications list
# them with non-EU Europe. ``XI`` (Northern Ireland under the Windsor framework) is not in the
# customs' label table but appears in Eurostat's geonomenclature since 2021.
NON_ISO_CODES: tuple[tuple[str, str, str, str], ...] = (
    ("XC", "Ceuta", "", ZONE_EUROPE),
    ("XI", "Royaume-Uni (Irlande du Nord)", "", ZONE_EUROPE),
    ("XK", "Kosovo", "XKX", ZONE_EUROPE),
    ("XL", "Melilla", "", ZONE_EUROPE),
    ("XS", "Serbie", "SRB", ZONE_EUROPE),
)

# Special geonomenclature codes: flows whose partner is unknown, undisclosed or not a country.
# They carry real values in the official files and must be shown, never dropped. Names are the
# customs' own, in sentence case; codes no longer in force keep their last label (see
# ``country_labels`` for the label of each period).
SPECIAL_CODES: tuple[tuple[str, str], ...] = (
    ("QP", "Haute mer"),
    ("QQ", "Autocorrections"),
    ("QR", "Avitaillement et soutage (échanges intra-UE)"),
    ("QS", "Avitaillement et soutage (échanges avec les pays tiers)"),
    ("QU", "Pays et territoires non déterminés"),
    ("QV", "Pays et territoires non déterminés (échanges intra-UE)"),
    ("QW", "Pays et territoires non déterminés (échanges avec les pays tiers)"),
    ("QY", "Pays non déterminés (échanges intra-UE, Eurostat)"),
    ("QZ", "Pays non déterminés (échanges extra-UE, Eurostat)"),
    ("EU", "Union européenne (pays non précisé)"),
)
SPECIAL_EU = frozenset({"QR", "QV", "QY", "EU"})  # intra-EU by definition

# Codes the customs no longer use (their last label is in ``Libelle_PAYS.txt``): the zone of
# what they designated, so that old files still place them on the right continent.
HISTORICAL_ZONES: dict[str, str] = {
    "AN": ZONE_LATAM, "CS": ZONE_EUROPE, "DD": ZONE_EUROPE, "FA": ZONE_EUROPE,
    "QT": ZONE_UNKNOWN, "SU": ZONE_EUROPE, "TP": ZONE_ASIA, "XA": ZONE_OCEANIA,
    "XB": ZONE_LATAM, "XD": ZONE_EUROPE, "XE": ZONE_LATAM, "XF": ZONE_EU, "XG": ZONE_EUROPE,
    "XH": ZONE_EUROPE, "XJ": ZONE_EUROPE, "XM": ZONE_EUROPE, "XN": ZONE_LATAM,
    "XO": ZONE_OCEANIA, "XP": ZONE_MIDDLE_EAST, "XQ": ZONE_AFRICA, "XR": ZONE_OTHER,
    "XT": ZONE_LATAM, "XU": ZONE_EU, "XV": ZONE_LATAM, "XW": ZONE_LATAM, "XX": ZONE_OCEANIA,
    "XY": ZONE_MIDDLE_EAST, "XZ": ZONE_OCEANIA, "YD": ZONE_MIDDLE_EAST, "YU": ZONE_EUROPE,
}  # fmt: skip

# --- CPF4 → A129 ----------------------------------------------------------------------------
# The A129 code of a CPF4 product is the first rule whose prefix starts the CPF4 code (rules
# are tried longest first). The customs' A129 differs from INSEE's in a few letters (C20B is
# perfumes and cleaning products, C27A household appliances, C28B agricultural machines, C32B
# medical instruments; there is no C25D), so the rules follow the customs' labels. The official
# files carry both codes on every row: a load keeps the file's pairing where it differs.
A129_OF_CPF: dict[str, str] = {
    "01": "A01Z", "02": "A02Z", "03": "A03Z", "05": "B05Z", "06": "B06Z", "07": "B07Z",
    "08": "B08Z", "09": "B09Z",
    "101": "C10A", "102": "C10B", "103": "C10C", "104": "C10D", "105": "C10E", "106": "C10F",
    "107": "C10G", "108": "C10H", "109": "C10K", "11": "C11Z", "12": "C12Z", "13": "C13Z",
    "14": "C14Z", "15": "C15Z", "16": "C16Z", "171": "C17A", "172": "C17B", "18": "C18Z",
    "19": "C19Z", "201": "C20A", "204": "C20B", "20": "C20C", "21": "C21Z", "221": "C22A",
    "222": "C22B", "231": "C23A", "23": "C23B", "244": "C24B", "245": "C24C", "24": "C24A",
    "251": "C25A", "252": "C25B", "253": "C25B", "254": "C25C", "25": "C25E", "261": "C26A",
    "262": "C26B", "263": "C26C", "264": "C26D", "265": "C26E", "266": "C26F", "267": "C26G",
    "268": "C26G", "275": "C27A", "27": "C27B", "281": "C28A", "282": "C28A", "283": "C28B",
    "284": "C28C", "289": "C28D", "291": "C29A", "29": "C29B", "301": "C30A", "302": "C30B",
    "303": "C30C", "304": "C30D", "309": "C30E", "31": "C31Z", "321": "C32A", "322": "C32A",
    "325": "C32B", "32": "C32C", "352": "D35B", "353": "D35B", "35": "D35A", "36": "E36Z",
    "37": "E37Z", "38": "E38Z", "39": "E39Z", "58": "J58Z", "59": "J59Z", "71": "M71Z",
    "74": "M74Z", "90": "R90Z", "91": "R91Z", "96": "S96Z", "97": "T97Z", "98": "T98Z",
    "99": "U99Z",
    # Services (no goods trade; listed because the customs' CPF4 table lists every class).
    "33": "C33Z", "411": "F41A", "41": "F41B", "42": "F42Z", "43": "F43Z", "45": "G45Z",
    "46": "G46Z", "47": "G47Z", "491": "H49A", "492": "H49A", "493": "H49B", "49": "H49C",
    "50": "H50Z", "51": "H51Z", "52": "H52Z", "53": "H53Z", "55": "I55Z", "56": "I56Z",
    "60": "J60Z", "61": "J61Z", "62": "J62Z", "63": "J63Z", "64": "K64Z", "65": "K65Z",
    "66": "K66Z", "682": "L68B", "68": "L68A", "69": "M69Z", "70": "M70Z", "72": "M72Z",
    "73": "M73Z", "75": "M75Z", "77": "N77Z", "78": "N78Z", "79": "N79Z", "80": "N80Z",
    "81": "N81Z", "82": "N82Z", "84": "O84Z", "85": "P85Z", "86": "Q86Z", "87": "Q87Z",
    "88": "Q88Z", "92": "R92Z", "93": "R93Z", "94": "S94Z", "95": "S95Z",
}  # fmt: skip
_CPF_RULES = sorted(A129_OF_CPF.items(), key=lambda kv: -len(kv[0]))


def a129_of_cpf4(code: str) -> str | None:
    """The A129 parent of a CPF4 code (``2110`` → ``C21Z``), None when no rule applies."""
    for prefix, a129 in _CPF_RULES:
        if code.startswith(prefix):
            return a129
    return None


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
    """The 101 territories the customs publish: ``code`` ("01"…"95" with Corsica as "20",
    "971"…"976", "99" Monaco), ``name``, ``region``, ``customs_code`` (as the files write it:
    "9A" for "971") and ``chef_lieu`` (name of the prefecture)."""
    return _read("departements.csv")


def load_a129() -> pd.DataFrame:
    """The A129 codes with their A38 and A17 parents and labels: ``code``, ``label``, ``a38``,
    ``a38_label``, ``a17``, ``a17_label``, ``goods`` (bool: the customs' 76 goods codes with
    their labels; the others are INSEE's service codes, which carry no trade in goods)."""
    df = _read("a129.csv")
    df["goods"] = df["goods"].map({"true": True, "false": False}).astype(bool)
    return df


def load_products() -> pd.DataFrame:
    """The 576 CPF4 products with their A129, A38 and A17 parents: ``code``, ``label``,
    ``a129``, ``a129_label``, ``a38``, ``a38_label``, ``a17``, ``a17_label``."""
    a129 = load_a129().drop(columns="goods").rename(columns={"code": "a129", "label": "a129_label"})
    return _read("products.csv").merge(a129, on="a129", how="left", validate="many_to_one")


def read_dgddi(name: str, directory: Path | None = None) -> pd.DataFrame:
    """One of the customs' label tables as published (``code;libellé;début;fin``, no header,
    quotes around labels holding ``;``): ``code``, ``label``, ``start``, ``end`` (AAAAMM ints).

    ``Libelle_CPF4_rev2.1.txt`` is Windows-1252, the others UTF-8 (some with a BOM).
    """
    raw = ((directory or DGDDI_DIR) / name).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=";") if r and r[0].strip()]
    df = pd.DataFrame(
        [(r[0].strip(), r[1].strip(), int(r[2]), int(r[3])) for r in rows],
        columns=["code", "label", "start", "end"],
    )
    return df


def country_labels(directory: Path | None = None) -> pd.DataFrame:
    """Every customs label of every partner code with its validity in years: ``code``,
    ``label``, ``start_year``, ``end_year`` (9999 while in force). ``XK`` was Yugoslavia in
    1992 and is Kosovo since 2005; ``XS`` was Saba, then Serbia: pick the label of the year."""
    df = read_dgddi("Libelle_PAYS.txt", directory)
    return pd.DataFrame(
        {
            "code": df["code"],
            "label": df["label"],
            "start_year": df["start"] // 100,
            "end_year": (df["end"] // 100).where(df["end"] != STILL_VALID, 9999),
        }
    )


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
    """Territoires d'industrie by département: ``id``, ``name``, ``dept``, ``n_communes`` (int),
    ``population`` (int), ``share`` (share of the territory's population living there)."""
    df = _read("territoires_industrie.csv")
    df["n_communes"] = df["n_communes"].astype(int)
    df["population"] = df["population"].astype("int64")
    df["share"] = df["share"].astype(float)
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
    """The partner-country table, sorted by code: ISO codes from pycountry, the customs'
    geonomenclature codes (``NON_ISO_CODES``, ``SPECIAL_CODES``) and every other code of the
    customs' label table under its last label.

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
        eu = code in SPECIAL_EU
        zone = ZONE_EU if eu else ZONE_UNKNOWN
        rows.append({"code": code, "name_fr": name, "iso3": "", "eu27": eu, "zone": zone})
    # Codes of the customs' table no longer in force, under their last label.
    done = {row["code"] for row in rows}
    last = country_labels().drop_duplicates("code", keep="last")
    for code, label in zip(last["code"], last["label"], strict=True):
        if code not in done:
            zone = HISTORICAL_ZONES[code]  # KeyError: place a new code deliberately
            rows.append(
                {"code": code, "name_fr": label, "iso3": "", "eu27": zone == ZONE_EU, "zone": zone}
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


# --- products.csv generation ------------------------------------------------------------------


def build_products() -> pd.DataFrame:
    """CPF4 products from the customs' label table with their A129 parent: ``code``,
    ``label``, ``a129``. Raises ``KeyError`` for a CPF4 code no rule places."""
    labels = read_dgddi("Libelle_CPF4_rev2.1.txt").drop_duplicates("code", keep="last")
    known = set(load_a129()["code"])
    parents = []
    for code in labels["code"]:
        a129 = a129_of_cpf4(code)
        if a129 not in known:
            raise KeyError(f"CPF4 {code}: no A129 parent ({a129})")
        parents.append(a129)
    out = pd.DataFrame({"code": labels["code"], "label": labels["label"], "a129": parents})
    return out.sort_values("code", ignore_index=True)


def write_products(path: Path | None = None) -> Path:
    path = path or REFERENCE_DIR / "products.csv"
    buf = io.StringIO()
    build_products().to_csv(buf, index=False, lineterminator="\n")
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return path


def main() -> None:
    path = write_countries()
    print(f"{path} : {len(build_countries())} pays")
    path = write_products()
    print(f"{path} : {len(build_products())} produits CPF4")


if __name__ == "__main__":
    main()
