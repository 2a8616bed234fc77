"""Reference tables: the customs' départements (Corse 20, overseas 9A…9E, Monaco 99), the 576
CPF4 products under the customs' A129, the partner codes with their labels by period, the
Territoires d'industrie; codes kept as text; agreement with the customs' label tables, the
INSEE tables and the seed fact sheets when they are at hand."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from core import reference
from core import territoires as ti

SHARED = Path(__file__).resolve().parents[2] / "shared"
OFFICIAL = SHARED / "reference"
DGDDI = reference.DGDDI_DIR

EXPECTED_REGIONS = {
    "01", "02", "03", "04", "06", "11", "24", "27", "28",
    "32", "44", "52", "53", "75", "76", "84", "93", "94",
}  # fmt: skip
OVERSEAS = {"971": "9A", "972": "9B", "973": "9C", "974": "9D", "976": "9E"}

# Territoires d'industrie as the seed fact sheets print them, by département.
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
def a129() -> pd.DataFrame:
    return reference.load_a129()


@pytest.fixture(scope="module")
def products() -> pd.DataFrame:
    return reference.load_products()


@pytest.fixture(scope="module")
def countries() -> pd.DataFrame:
    return reference.load_countries()


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return reference.country_labels()


@pytest.fixture(scope="module")
def territoires() -> pd.DataFrame:
    return reference.load_territoires_industrie()


def _all_text(df: pd.DataFrame, columns: list[str]) -> bool:
    return all(df[c].map(lambda v: isinstance(v, str)).all() for c in columns)


def _plain(text: str) -> str:
    """Lower case without accents or spaces: the customs write « Ile-de-France », « Côte-d'or »,
    « Bourgogne - Franche-Comté »."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ascii_text.lower().replace(" ", "")


def _customs_departements() -> list[list[str]]:
    """``Departement_region.txt``: customs code, name, customs région code, région name."""
    text = (DGDDI / "Departement_region.txt").read_bytes().decode("utf-8-sig")
    return [r for r in csv.reader(io.StringIO(text), delimiter=";") if r]


# --- Régions and départements ------------------------------------------------------------------
def test_regions_are_the_18_of_cog_2024(regions: pd.DataFrame) -> None:
    assert list(regions.columns) == ["code", "name"]
    assert len(regions) == 18
    assert set(regions["code"]) == EXPECTED_REGIONS
    names = dict(zip(regions["code"], regions["name"], strict=True))
    assert names["11"] == "Île-de-France"
    assert names["93"] == "Provence-Alpes-Côte d'Azur"
    assert names["94"] == "Corse"


def test_departements_are_the_101_the_customs_publish(depts: pd.DataFrame) -> None:
    assert list(depts.columns) == ["code", "name", "region", "customs_code", "chef_lieu"]
    assert len(depts) == 101
    assert depts["code"].is_unique and depts["customs_code"].is_unique
    assert depts["name"].is_unique
    assert _all_text(depts, list(depts.columns))
    codes = set(depts["code"])
    assert {"01", "02", "08", "20", "99", "971", "972", "973", "974", "976"} <= codes
    assert not {"2A", "2B", "975", "1", "2", "9A"} & codes
    assert codes == {f"{i:02d}" for i in range(1, 96)} | {"99", *OVERSEAS}


def test_every_departement_belongs_to_an_existing_region(depts, regions) -> None:
    assert set(depts["region"]) == set(regions["code"])  # and every région has one


def test_corse_monaco_and_the_overseas_departements(depts: pd.DataFrame) -> None:
    d = depts.set_index("code")
    assert d.loc["20"].tolist() == ["Corse", "94", "20", "Ajaccio"]
    assert d.loc["99"].tolist() == ["Principauté de Monaco", "93", "99", "Monaco"]
    assert d.loc["971"].tolist() == ["Guadeloupe", "01", "9A", "Basse-Terre"]
    assert d.loc["976"].tolist() == ["Mayotte", "06", "9E", "Mamoudzou"]
    assert {code: d.loc[code, "customs_code"] for code in OVERSEAS} == OVERSEAS
    others = d.drop(index=list(OVERSEAS))
    assert (others.index == others["customs_code"]).all()  # the customs write the others as is


def test_seed_departements_have_their_names_regions_and_chefs_lieux(depts: pd.DataFrame) -> None:
    d = depts.set_index("code")
    assert d.loc["93"].tolist() == ["Seine-Saint-Denis", "11", "93", "Bobigny"]
    assert d.loc["95"].tolist() == ["Val-d'Oise", "11", "95", "Pontoise"]
    assert d.loc["59"].tolist() == ["Nord", "32", "59", "Lille"]
    assert d.loc["02"].tolist() == ["Aisne", "32", "02", "Laon"]
    assert d.loc["08"].tolist() == ["Ardennes", "44", "08", "Charleville-Mézières"]


def test_departements_are_those_of_the_customs_table(depts: pd.DataFrame) -> None:
    rows = _customs_departements()
    assert len(rows) == 101
    ours = depts.set_index("customs_code")
    assert {r[0] for r in rows} == set(ours.index)
    region_names = dict(zip(reference.load_regions()["code"], reference.load_regions()["name"],
                            strict=True))  # fmt: skip
    for code, name, _, region_name in rows:
        if region_name != "DOM":  # the customs group the overseas départements
            assert _plain(region_names[ours.loc[code, "region"]]) == _plain(region_name), code
        assert _plain(name) in _plain(ours.loc[code, "name"]), code  # "Réunion" ⊂ "La Réunion"


def test_departements_agree_with_the_cog_where_it_applies(depts: pd.DataFrame) -> None:
    """Every COG département is ours with the same name and région, except Corse-du-Sud and
    Haute-Corse, which the customs publish together as 20 in the same région (94); Monaco (99)
    is the customs' addition. Chefs-lieux are the names of the COG's chef-lieu communes."""
    path = OFFICIAL / "departements.csv"
    if not path.exists():
        pytest.skip(f"official reference file not found: {path}")
    cog = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("DEP")
    ours = depts.set_index("code")
    assert set(cog.index) - set(ours.index) == {"2A", "2B"}
    assert set(ours.index) - set(cog.index) == {"20", "99"}
    common = sorted(set(cog.index) & set(ours.index))
    assert len(common) == 99
    assert ours.loc[common, "name"].tolist() == cog.loc[common, "LIBELLE"].tolist()
    assert ours.loc[common, "region"].tolist() == cog.loc[common, "REG"].tolist()
    assert set(cog.loc[["2A", "2B"], "REG"]) == {ours.loc["20", "region"]}
    communes = pd.read_csv(reference.REFERENCE_DIR / "communes.csv", dtype=str,
                           keep_default_na=False).set_index("code")["name"]  # fmt: skip
    for code in common:
        assert ours.loc[code, "chef_lieu"] == communes[cog.loc[code, "CHEFLIEU"]], code
    assert ours.loc["20", "chef_lieu"] == communes[cog.loc["2A", "CHEFLIEU"]]  # Ajaccio


def test_regions_match_cog(regions: pd.DataFrame) -> None:
    path = OFFICIAL / "regions.csv"
    if not path.exists():
        pytest.skip(f"official reference file not found: {path}")
    cog = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("REG").sort_index()
    ours = regions.set_index("code").sort_index()
    assert list(ours.index) == list(cog.index)
    assert list(ours["name"]) == list(cog["LIBELLE"])


# --- A129 and CPF4 -----------------------------------------------------------------------------
def test_goods_a129_codes_are_the_customs_76_with_their_labels(a129: pd.DataFrame) -> None:
    assert list(a129.columns) == ["code", "label", "a38", "a38_label", "a17", "a17_label", "goods"]
    assert a129["code"].is_unique
    customs = reference.read_dgddi("Libelle_A129.txt")
    assert len(customs) == 76
    goods = a129[a129["goods"]].set_index("code")
    assert sorted(goods.index) == sorted(customs["code"])
    assert goods.loc[customs["code"], "label"].tolist() == customs["label"].tolist()
    assert "C33Z" not in goods.index and "C25D" not in set(a129["code"])  # no C25D at customs
    labels = goods["label"].to_dict()
    assert labels["C21Z"] == "Produits pharmaceutiques"
    assert labels["B06Z"] == "Hydrocarbures naturels"


def test_each_a38_maps_to_one_a17_and_one_label(a129: pd.DataFrame) -> None:
    assert (a129.groupby("a38")["a17"].nunique() == 1).all()
    assert (a129.groupby("a38")["a38_label"].nunique() == 1).all()
    assert (a129.groupby("a17")["a17_label"].nunique() == 1).all()
    for column in ("label", "a38_label", "a17_label"):
        assert (a129[column].str.strip() != "").all(), column


def test_a129_parents_match_insee(a129: pd.DataFrame) -> None:
    path = OFFICIAL / "a129_full_with_a17.csv"
    if not path.exists():
        pytest.skip(f"official reference file not found: {path}")
    insee = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False).set_index("A129")
    assert set(a129["code"]) == set(insee.index) - {"C25D"}
    ours = a129.set_index("code")
    assert ours["a38"].to_dict() == insee.loc[ours.index, "A38"].to_dict()
    assert ours["a17"].to_dict() == insee.loc[ours.index, "A17"].to_dict()


def test_products_are_the_576_cpf4_codes_each_under_an_a129(products, a129) -> None:
    assert list(products.columns) == [
        "code", "label", "a129", "a129_label", "a38", "a38_label", "a17", "a17_label",
    ]  # fmt: skip
    assert len(products) == 576 and products["code"].is_unique
    assert _all_text(products, list(products.columns))
    assert products["code"].str.fullmatch(r"[0-9]{4}").all()  # leading zeros kept: "0111"
    assert set(products["a129"]) <= set(a129["code"])
    assert products.notna().all().all() and (products["a129_label"] != "").all()
    p = products.set_index("code")
    assert p.loc["0111", ["a129", "a38", "a17"]].tolist() == ["A01Z", "AZ", "AZ"]
    assert p.loc["2120", ["a129", "a38"]].tolist() == ["C21Z", "CF"]
    assert p.loc["3030", "a129"] == "C30C"
    assert p.loc["1102", ["a129", "a129_label"]].tolist() == ["C11Z", "Boissons"]
    # Every goods A129 has at least one CPF4 product.
    goods = set(a129.loc[a129["goods"], "code"])
    assert goods <= set(products["a129"])


def test_products_carry_the_customs_cpf4_labels(products) -> None:
    customs = reference.read_dgddi("Libelle_CPF4_rev2.1.txt")  # Windows-1252
    assert len(customs) == 576
    assert products.set_index("code")["label"].to_dict() == dict(
        zip(customs["code"], customs["label"], strict=True)
    )
    assert customs.set_index("code").loc["0111", "label"] == (
        "Céréales (à l'exclusion du riz), légumineuses et oléagineux"
    )
    assert (customs["end"] == reference.STILL_VALID).all()


@pytest.mark.parametrize(
    ("cpf4", "a129"),
    [
        ("0111", "A01Z"), ("1011", "C10A"), ("1102", "C11Z"), ("2016", "C20A"),
        ("2042", "C20B"), ("2059", "C20C"), ("2110", "C21Z"), ("2120", "C21Z"),
        ("2410", "C24A"), ("2442", "C24B"), ("2529", "C25B"), ("2751", "C27A"),
        ("2830", "C28B"), ("3030", "C30C"), ("3250", "C32B"), ("3511", "D35A"),
        ("3530", "D35B"), ("5811", "J58Z"),
    ],
)  # fmt: skip
def test_a129_of_a_cpf4_code(cpf4, a129) -> None:
    assert reference.a129_of_cpf4(cpf4) == a129
    assert reference.load_products().set_index("code").loc[cpf4, "a129"] == a129


def test_products_csv_equals_build_products() -> None:
    built = reference.build_products()
    on_disk = pd.read_csv(reference.REFERENCE_DIR / "products.csv", dtype=str,
                          keep_default_na=False)  # fmt: skip
    pd.testing.assert_frame_equal(on_disk, built)
    assert reference.a129_of_cpf4("ZZ99") is None


# --- Countries ---------------------------------------------------------------------------------
def test_countries_table_size_and_eu27(countries: pd.DataFrame) -> None:
    assert list(countries.columns) == reference.COUNTRY_COLUMNS
    assert len(countries) >= 280
    assert countries["code"].is_unique
    assert countries["eu27"].dtype == bool
    assert set(countries.loc[countries["eu27"], "code"]) >= reference.EU27
    # Beyond the 27: intra-EU special codes and the customs' former EU codes (Canaries, UEBL).
    assert set(countries.loc[countries["eu27"], "code"]) - reference.EU27 == {
        "EU", "QR", "QV", "QY", "XF", "XU"
    }  # fmt: skip
    assert {"GB", "XI", "CH", "NO"}.isdisjoint(set(countries.loc[countries["eu27"], "code"]))


def test_countries_are_sorted_text_codes_with_known_zones(countries: pd.DataFrame) -> None:
    assert _all_text(countries, ["code", "name_fr", "iso3", "zone"])
    assert list(countries["code"]) == sorted(countries["code"])
    assert countries["code"].str.fullmatch(r"[A-Z]{2}").all()
    assert set(countries["zone"]) == set(reference.ZONES)
    assert ((countries["zone"] == reference.ZONE_EU) == countries["eu27"]).all()
    assert (countries["name_fr"].str.strip() != "").all()


def test_every_code_of_the_customs_table_is_a_country(countries, labels) -> None:
    assert set(labels["code"]) <= set(countries["code"])
    c = countries.set_index("code")
    assert c.loc["XS", ["name_fr", "iso3", "zone"]].tolist() == ["Serbie", "SRB", "Europe hors UE"]
    assert c.loc["XK", ["name_fr", "iso3"]].tolist() == ["Kosovo", "XKX"]
    assert c.loc["YU", "zone"] == "Europe hors UE"


@pytest.mark.parametrize(
    ("code", "name", "zone", "eu27"),
    [
        ("QP", "Haute mer", "Non déterminé", False),
        ("QQ", "Autocorrections", "Non déterminé", False),
        ("QR", "Avitaillement et soutage (échanges intra-UE)", "Union européenne", True),
        ("QS", "Avitaillement et soutage (échanges avec les pays tiers)", "Non déterminé", False),
        ("QU", "Pays et territoires non déterminés", "Non déterminé", False),
        ("QV", "Pays et territoires non déterminés (échanges intra-UE)", "Union européenne", True),
        ("QW", "Pays et territoires non déterminés (échanges avec les pays tiers)",
         "Non déterminé", False),
        ("EU", "Union européenne (pays non précisé)", "Union européenne", True),
    ],
)  # fmt: skip
def test_special_codes_are_kept_with_their_names(countries, code, name, zone, eu27) -> None:
    row = countries.set_index("code").loc[code]
    assert (row["name_fr"], row["zone"], bool(row["eu27"]), row["iso3"]) == (name, zone, eu27, "")


def test_non_iso_geonomenclature_codes_are_present(countries: pd.DataFrame) -> None:
    c = countries.set_index("code")
    assert c.loc["XC", "name_fr"] == "Ceuta"
    assert c.loc["XL", "name_fr"] == "Melilla"
    assert c.loc["XI", "name_fr"] == "Royaume-Uni (Irlande du Nord)"
    assert c.loc["XI", "zone"] == "Europe hors UE"
    assert c.loc["XC", "iso3"] == "" and c.loc["XI", "iso3"] == ""


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
    reread = reference.load_countries(tmp_path)
    pd.testing.assert_frame_equal(reread, reference.build_countries())


def test_namibia_na_is_read_as_a_code(countries: pd.DataFrame) -> None:
    row = countries.set_index("code").loc["NA"]
    assert (row["name_fr"], row["iso3"], row["zone"]) == ("Namibie", "NAM", "Afrique")
    assert not countries["code"].isna().any()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("DE", "Allemagne"), ("US", "États-Unis"), ("GB", "Royaume-Uni"), ("CN", "Chine"),
        ("BE", "Belgique"), ("IT", "Italie"), ("KR", "Corée du Sud"), ("RU", "Fédération de Russie"),
        ("SB", "Îles Salomon"), ("VI", "Îles Vierges des États-Unis"), ("GL", "Groenland"),
        ("BQ", "Bonaire, Saint-Eustache et Saba"),
    ],
)  # fmt: skip
def test_french_country_names(countries: pd.DataFrame, code: str, name: str) -> None:
    assert countries.set_index("code").loc[code, "name_fr"] == name


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("TR", "Europe hors UE"), ("GB", "Europe hors UE"), ("CH", "Europe hors UE"),
        ("SA", "Proche et Moyen-Orient"), ("IR", "Proche et Moyen-Orient"),
        ("MX", "Amérique latine et Caraïbes"), ("US", "Amérique du Nord"), ("CA", "Amérique du Nord"),
        ("CN", "Asie"), ("MA", "Afrique"), ("AU", "Océanie"), ("AQ", "Antarctique et autres"),
        ("DE", "Union européenne"), ("FR", "Union européenne"), ("SU", "Europe hors UE"),
        ("AN", "Amérique latine et Caraïbes"),
    ],
)  # fmt: skip
def test_country_zones(countries: pd.DataFrame, code: str, zone: str) -> None:
    assert countries.set_index("code").loc[code, "zone"] == zone


# --- Labels by period --------------------------------------------------------------------------
def test_country_labels_have_their_validity_in_years(labels: pd.DataFrame) -> None:
    assert list(labels.columns) == ["code", "label", "start_year", "end_year"]
    assert len(labels) == len(reference.read_dgddi("Libelle_PAYS.txt")) == 289
    assert (labels["start_year"] <= labels["end_year"]).all()
    assert labels["start_year"].between(1900, 2030).all()
    assert (labels["end_year"].between(1900, 2030) | (labels["end_year"] == 9999)).all()
    by = {(r.code, r.start_year): (r.label, r.end_year) for r in labels.itertuples()}
    assert by[("XK", 1992)] == ("Yougoslavie", 1992)
    assert by[("XK", 2005)] == ("Kosovo", 9999)
    assert by[("XS", 1900)] == ("Saba", 2005)
    assert by[("XS", 2005)] == ("Serbie", 9999)
    assert by[("QU", 1900)] == ("Pays NDA", 1999)
    assert by[("QU", 2012)] == ("Pays et territoires non déterminés", 9999)
    assert by[("DD", 1900)] == ("Allemagne de l'Est", 1990)


def test_read_dgddi_reads_the_published_bytes(tmp_path: Path) -> None:
    text = 'AA;Libellé simple;190001;999912\r\nBB;"Avec ; point-virgule";200506;201212\r\n\r\n'
    (tmp_path / "utf8.txt").write_bytes("\ufeff".encode() + text.encode("utf-8"))
    (tmp_path / "cp1252.txt").write_bytes(text.encode("cp1252"))
    for name in ("utf8.txt", "cp1252.txt"):
        df = reference.read_dgddi(name, tmp_path)
        assert df.values.tolist() == [
            ["AA", "Libellé simple", 190001, 999912],
            ["BB", "Avec ; point-virgule", 200506, 201212],
        ]


def test_the_customs_tables_are_shipped_as_published() -> None:
    shared = OFFICIAL / "dgddi"
    if not shared.is_dir():
        pytest.skip(f"customs reference not found: {shared}")
    for path in shared.iterdir():
        assert (DGDDI / path.name).read_bytes() == path.read_bytes(), path.name
    readme = (reference.REFERENCE_DIR.parent / "README.md").read_text(encoding="utf-8")
    assert "Licence Ouverte" in readme and "DGDDI" in readme


# --- Territoires d'industrie -------------------------------------------------------------------
def test_territoires_columns_and_types(territoires: pd.DataFrame, depts: pd.DataFrame) -> None:
    assert list(territoires.columns) == ["id", "name", "dept", "n_communes", "population", "share"]
    assert _all_text(territoires, ["id", "name", "dept"])
    assert pd.api.types.is_integer_dtype(territoires["n_communes"])
    assert (territoires["n_communes"] > 0).all()
    assert territoires["share"].between(0, 1).all()
    assert set(territoires["dept"]) <= set(depts["code"])
    assert not territoires.duplicated(["id", "dept"]).any()
    assert territoires["id"].nunique() == 183
    assert not {"2A", "2B"} & set(territoires["dept"])  # Corse as the customs write it
    # Each territory's shares add up to one over its départements.
    assert territoires.groupby("id")["share"].sum().round(6).eq(1).all()


def test_the_listing_rule_reproduces_the_seed_sheets(territoires: pd.DataFrame) -> None:
    for dept, names in SEED_TERRITOIRES.items():
        listed, _ = ti.principal(territoires[territoires["dept"] == dept])
        assert set(listed["name"]) == names, dept
