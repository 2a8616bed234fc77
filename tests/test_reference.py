"""Reference tables: counts, codes kept as text, hierarchy consistency, countries regeneration,
and agreement with the official INSEE tables and the seed fact sheets when they are at hand."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from core import reference

SHARED = Path(__file__).resolve().parents[2] / "shared"
OFFICIAL = SHARED / "reference"
SEEDS = SHARED / "seeds"

EXPECTED_REGIONS = {
    "01", "02", "03", "04", "06", "11", "24", "27", "28",
    "32", "44", "52", "53", "75", "76", "84", "93", "94",
}  # fmt: skip

# The A129 goods codes French customs publish: agriculture, extraction, manufacturing without
# C33Z (repair is a service), electricity, water, waste, publishing, films, photography, art.
_PRODUCT_CODES = (
    "A01Z A02Z A03Z B05Z B06Z B07Z B08Z "
    "C10A C10B C10C C10D C10E C10F C10G C10H C10K C11Z C12Z C13Z C14Z C15Z C16Z C17A C17B "
    "C18Z C19Z C20A C20B C20C C21Z C22A C22B C23A C23B C24A C24B C24C C25A C25B C25C C25D "
    "C25E C26A C26B C26C C26D C26E C26F C26G C27A C27B C28A C28B C28C C28D C29A C29B C30A "
    "C30B C30C C30D C30E C31Z C32A C32B C32C "
    "D35A E36Z E38Z J58Z J59Z M74Z R90Z R91Z"
)
EXPECTED_PRODUCTS = _PRODUCT_CODES.split()

SPECIAL = ["QP", "QQ", "QR", "QS", "QU", "QV", "QW", "QX", "QY", "QZ"]

# Territoires d'industrie exactly as the seed fact sheets print them, by département.
SEED_TERRITOIRES = {
    "93": {"Grand Roissy Le Bourget"},
    "95": {"Boucle Nord de Seine", "Cergy Ouest 95", "Grand Roissy Le Bourget"},
    "59": {"Aa – Dunkerque – Flandre", "Grand-Hainaut Douaisis Cambrésis", "SCOT Lille Métropole"},
    "02": {"Haute-Picardie", "Soissonnais – Valois", "Sud Aisne", "Thiérache et Pays de la Serre"},
    "08": {"Nord Ardennes"},
}


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    return reference.load_regions()


@pytest.fixture(scope="module")
def depts() -> pd.DataFrame:
    return reference.load_departements()


@pytest.fixture(scope="module")
def products() -> pd.DataFrame:
    return reference.load_products()


@pytest.fixture(scope="module")
def countries() -> pd.DataFrame:
    return reference.load_countries()


@pytest.fixture(scope="module")
def territoires() -> pd.DataFrame:
    return reference.load_territoires_industrie()


def _all_text(df: pd.DataFrame, columns: list[str]) -> bool:
    return all(df[c].map(lambda v: isinstance(v, str)).all() for c in columns)


# --- Régions and départements ------------------------------------------------------------------


def test_regions_are_the_18_of_cog_2024(regions: pd.DataFrame) -> None:
    assert list(regions.columns) == ["code", "name"]
    assert len(regions) == 18
    assert set(regions["code"]) == EXPECTED_REGIONS
    assert regions["code"].is_unique
    assert (regions["name"].str.len() > 0).all()
    names = dict(zip(regions["code"], regions["name"], strict=True))
    assert names["11"] == "Île-de-France"
    assert names["93"] == "Provence-Alpes-Côte d'Azur"


def test_departements_are_101_with_unique_codes(depts: pd.DataFrame) -> None:
    assert list(depts.columns) == ["code", "name", "region"]
    assert len(depts) == 101
    assert depts["code"].is_unique
    assert depts["name"].is_unique


def test_every_departement_belongs_to_an_existing_region(
    depts: pd.DataFrame, regions: pd.DataFrame
) -> None:
    assert set(depts["region"]) <= set(regions["code"])
    # and every région has at least one département
    assert set(regions["code"]) == set(depts["region"])


def test_codes_are_text_with_leading_zeros_and_corsica_letters(
    depts: pd.DataFrame, regions: pd.DataFrame
) -> None:
    assert _all_text(depts, ["code", "region"])
    assert _all_text(regions, ["code"])
    codes = set(depts["code"])
    assert {"01", "02", "08", "2A", "2B", "971", "976"} <= codes
    assert "20" not in codes and "975" not in codes
    assert "1" not in codes and "2" not in codes
    assert {"01", "04", "06"} <= set(regions["code"])
    row = depts.set_index("code").loc["971"]
    assert (row["name"], row["region"]) == ("Guadeloupe", "01")


def test_seed_departements_have_their_names_and_regions(depts: pd.DataFrame) -> None:
    d = depts.set_index("code")
    assert d.loc["93", "name"] == "Seine-Saint-Denis" and d.loc["93", "region"] == "11"
    assert d.loc["95", "name"] == "Val-d'Oise" and d.loc["95", "region"] == "11"
    assert d.loc["59", "name"] == "Nord" and d.loc["59", "region"] == "32"
    assert d.loc["02", "name"] == "Aisne" and d.loc["02", "region"] == "32"
    assert d.loc["08", "name"] == "Ardennes" and d.loc["08", "region"] == "44"


# --- Products ----------------------------------------------------------------------------------


def test_products_are_the_74_a129_goods_codes(products: pd.DataFrame) -> None:
    assert list(products.columns) == ["code", "label", "a38", "a38_label", "a17", "a17_label"]
    assert len(EXPECTED_PRODUCTS) == 74
    assert len(products) == 74
    assert products["code"].is_unique
    assert list(products["code"]) == EXPECTED_PRODUCTS
    assert "C33Z" not in set(products["code"])  # repair is a service, not a good


def test_products_have_labels_and_parents(products: pd.DataFrame) -> None:
    assert _all_text(products, list(products.columns))
    for col in products.columns:
        assert (products[col].str.strip() != "").all(), col
    assert products["label"].is_unique


def test_each_a38_maps_to_one_a17_and_one_label(products: pd.DataFrame) -> None:
    by_a38 = products.groupby("a38").agg({"a17": "nunique", "a38_label": "nunique"})
    assert (by_a38["a17"] == 1).all()
    assert (by_a38["a38_label"] == 1).all()
    by_a17 = products.groupby("a17")["a17_label"].nunique()
    assert (by_a17 == 1).all()
    assert products.groupby("a38_label")["a38"].nunique().max() == 1
    assert products.groupby("a17_label")["a17"].nunique().max() == 1


def test_products_use_product_wording(products: pd.DataFrame) -> None:
    labels = dict(zip(products["code"], products["label"], strict=True))
    assert labels["C21Z"] == "Produits pharmaceutiques de base et préparations pharmaceutiques"
    assert labels["C30C"] == "Produits de la construction aéronautique et spatiale"
    assert labels["C11Z"] == "Boissons"
    assert labels["C29A"] == "Produits de l'industrie automobile"
    assert labels["C19Z"] == "Produits du raffinage du pétrole"
    # no NAF activity wording ("Fabrication de…", "Industrie…") in product labels
    assert not products["label"].str.match(r"(Fabrication|Industrie|Construction) ").any()
    a17 = dict(zip(products["a17"], products["a17_label"], strict=False))
    assert a17["C1"] == "Produits des industries agroalimentaires"
    assert a17["C4"] == "Matériels de transport"
    assert a17["DE"].startswith("Hydrocarbures naturels")


# --- Countries ---------------------------------------------------------------------------------


def test_countries_table_size_and_eu27(countries: pd.DataFrame) -> None:
    assert list(countries.columns) == reference.COUNTRY_COLUMNS
    assert len(countries) >= 250
    assert countries["code"].is_unique
    assert countries["eu27"].dtype == bool
    assert int(countries["eu27"].sum()) == 27
    assert set(countries.loc[countries["eu27"], "code"]) == reference.EU27
    assert {"GB", "XI", "CH", "NO"}.isdisjoint(set(countries.loc[countries["eu27"], "code"]))


def test_countries_are_sorted_text_codes_with_known_zones(countries: pd.DataFrame) -> None:
    assert _all_text(countries, ["code", "name_fr", "iso3", "zone"])
    assert list(countries["code"]) == sorted(countries["code"])
    assert countries["code"].str.fullmatch(r"[A-Z]{2}").all()
    assert set(countries["zone"]) == set(reference.ZONES)
    # "Union européenne" means exactly the member states
    assert ((countries["zone"] == reference.ZONE_EU) == countries["eu27"]).all()
    assert (countries["name_fr"].str.strip() != "").all()


def test_countries_csv_equals_build_countries(countries: pd.DataFrame) -> None:
    built = reference.build_countries()
    pd.testing.assert_frame_equal(countries, built)
    on_disk = (reference.REFERENCE_DIR / "countries.csv").read_bytes()
    assert on_disk == reference.countries_csv_text(built).encode("utf-8")


def test_countries_regeneration_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "countries.csv"
    reference.write_countries(path)
    first = path.read_bytes()
    reference.write_countries(path)
    assert path.read_bytes() == first
    assert b"\r\n" not in first
    assert first.startswith(b"code,name_fr,iso3,eu27,zone\n")
    assert b",true," in first and b",false," in first
    reread = reference.load_countries(tmp_path)
    pd.testing.assert_frame_equal(reread, reference.build_countries())


def test_namibia_na_is_read_as_a_code(countries: pd.DataFrame) -> None:
    row = countries.set_index("code").loc["NA"]
    assert row["name_fr"] == "Namibie"
    assert row["iso3"] == "NAM"
    assert row["zone"] == "Afrique"
    assert not countries["code"].isna().any()


def test_special_codes_are_kept_as_non_determine(countries: pd.DataFrame) -> None:
    c = countries.set_index("code")
    for code in SPECIAL:
        assert code in c.index, code
        assert c.loc[code, "zone"] == "Non déterminé"
        assert not c.loc[code, "eu27"]
        assert c.loc[code, "iso3"] == ""
    assert c.loc["QP", "name_fr"] == "Haute mer"
    assert c.loc["QQ", "name_fr"] == "Avitaillement et soutage"
    assert c.loc["QU", "name_fr"] == "Pays et territoires non déterminés"
    assert set(countries.loc[countries["zone"] == "Non déterminé", "code"]) == set(SPECIAL)


def test_non_iso_geonomenclature_codes_are_present(countries: pd.DataFrame) -> None:
    c = countries.set_index("code")
    assert c.loc["XK", "name_fr"] == "Kosovo"
    assert c.loc["XC", "name_fr"] == "Ceuta"
    assert c.loc["XL", "name_fr"] == "Melilla"
    assert c.loc["XI", "name_fr"] == "Royaume-Uni (Irlande du Nord)"
    assert c.loc["XI", "zone"] == "Europe hors UE"
    assert c.loc["XC", "iso3"] == "" and c.loc["XI", "iso3"] == ""


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("DE", "Allemagne"),
        ("US", "États-Unis"),
        ("GB", "Royaume-Uni"),
        ("CN", "Chine"),
        ("BE", "Belgique"),
        ("IT", "Italie"),
        ("ES", "Espagne"),
        ("NL", "Pays-Bas"),
        ("CH", "Suisse"),
        ("KR", "Corée du Sud"),  # common_name translation preferred over the official form
    ],
)
def test_french_country_names(countries: pd.DataFrame, code: str, name: str) -> None:
    assert countries.set_index("code").loc[code, "name_fr"] == name


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("TR", "Europe hors UE"),
        ("RU", "Europe hors UE"),
        ("GB", "Europe hors UE"),
        ("CH", "Europe hors UE"),
        ("NO", "Europe hors UE"),
        ("SA", "Proche et Moyen-Orient"),
        ("AE", "Proche et Moyen-Orient"),
        ("IL", "Proche et Moyen-Orient"),
        ("IR", "Proche et Moyen-Orient"),
        ("MX", "Amérique latine et Caraïbes"),
        ("BR", "Amérique latine et Caraïbes"),
        ("US", "Amérique du Nord"),
        ("CA", "Amérique du Nord"),
        ("GL", "Amérique du Nord"),
        ("PM", "Amérique du Nord"),
        ("BM", "Amérique du Nord"),
        ("CN", "Asie"),
        ("JP", "Asie"),
        ("MA", "Afrique"),
        ("EG", "Afrique"),
        ("AU", "Océanie"),
        ("NC", "Océanie"),
        ("AQ", "Antarctique et autres"),
        ("DE", "Union européenne"),
        ("FR", "Union européenne"),
    ],
)
def test_country_zones(countries: pd.DataFrame, code: str, zone: str) -> None:
    assert countries.set_index("code").loc[code, "zone"] == zone


# --- Territoires d'industrie -------------------------------------------------------------------


def test_territoires_columns_and_types(territoires: pd.DataFrame, depts: pd.DataFrame) -> None:
    assert list(territoires.columns) == ["name", "dept", "n_communes"]
    assert _all_text(territoires, ["name", "dept"])
    assert pd.api.types.is_integer_dtype(territoires["n_communes"])
    assert (territoires["n_communes"] > 0).all()
    assert set(territoires["dept"]) <= set(depts["code"])
    assert not territoires.duplicated(["name", "dept"]).any()


def test_seed_territoires_are_present_for_their_departements(territoires: pd.DataFrame) -> None:
    for dept, names in SEED_TERRITOIRES.items():
        here = territoires[territoires["dept"] == dept]
        # the territories a seed lists are the principal ones: at least 5 communes there
        principal = set(here.loc[here["n_communes"] >= 5, "name"])
        assert principal == names, dept


def _seed_territoires() -> dict[str, set[str]]:
    """Territoires listed by each seed sheet, keyed by the département named in its title."""
    found: dict[str, set[str]] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        title = re.search(r"Territoires d'industrie - (.+)", text)
        assert title, path.name
        dept_name = title.group(1).strip()
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if "Industrie du département" in line)
        names: set[str] = set()
        for line in lines[start + 1 :]:
            item = re.match(r"\s*(?:-|■)\s+(.+)", line)
            if item:
                names.add(item.group(1).strip())
            elif names and line.strip():
                break
        found[dept_name] = names
    return found


def test_territoires_match_the_seed_sheets(territoires: pd.DataFrame, depts: pd.DataFrame) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed sheets not found at {SEEDS}")
    code_of = dict(zip(depts["name"], depts["code"], strict=True))
    seeds = _seed_territoires()
    assert len(seeds) == 5
    for dept_name, names in seeds.items():
        code = code_of[dept_name]
        here = territoires[territoires["dept"] == code]
        assert names <= set(here["name"]), dept_name
        assert names == set(here.loc[here["n_communes"] >= 5, "name"]), dept_name


# --- Agreement with the official tables (../shared/reference) ----------------------------------


def _official(name: str, **kwargs: object) -> pd.DataFrame:
    path = OFFICIAL / name
    if not path.exists():
        pytest.skip(f"official reference file not found: {path}")
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)


def test_departements_match_cog(depts: pd.DataFrame) -> None:
    cog = _official("departements.csv")
    ours = depts.set_index("code").sort_index()
    theirs = cog.set_index("DEP").sort_index()
    assert list(ours.index) == list(theirs.index)
    assert list(ours["name"]) == list(theirs["LIBELLE"])
    assert list(ours["region"]) == list(theirs["REG"])


def test_regions_match_cog(regions: pd.DataFrame) -> None:
    cog = _official("regions.csv")
    ours = regions.set_index("code").sort_index()
    theirs = cog.set_index("REG").sort_index()
    assert list(ours.index) == list(theirs.index)
    assert list(ours["name"]) == list(theirs["LIBELLE"])


def test_products_and_parents_match_insee_a129(products: pd.DataFrame) -> None:
    a129 = _official("a129_full_with_a17.csv", sep=";").set_index("A129")
    missing = set(products["code"]) - set(a129.index)
    assert not missing
    for row in products.itertuples(index=False):
        assert a129.loc[row.code, "A38"] == row.a38, row.code
        assert a129.loc[row.code, "A17"] == row.a17, row.code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("RU", "Fédération de Russie"),
        ("RE", "Île de la Réunion"),
        ("SB", "Îles Salomon"),
        ("FK", "Îles Malouines (Falkland)"),
        ("PS", "État de Palestine"),
        ("VI", "Îles Vierges des États-Unis"),
        ("GL", "Groenland"),
        ("BQ", "Bonaire, Saint-Eustache et Saba"),  # a list, not an inverted name
    ],
)
def test_inverted_iso_names_read_in_the_usual_order(code, expected):
    countries = reference.load_countries()
    names = dict(zip(countries["code"], countries["name_fr"], strict=True))
    assert names[code] == expected
