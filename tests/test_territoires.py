"""Territoires d'industrie resolved to communes: a hand-made fixture checked to the unit, the
loaders, the committed tables, the five ANCT fact sheets reproduced by the listing rule, and the
command line reproducing the committed CSV byte for byte."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core import territoires as ti

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OFFICIAL = SHARED / "reference"
SEEDS = SHARED / "seeds"

# What the five fact sheets list (names as they print them), and how many territories with
# communes in the département they leave out ("Les Territoires d'Industrie adjacents comptant
# moins de 5 communes dans le département ont été retirés").
SEED_LISTS = {
    "93": ["Grand Roissy Le Bourget"],
    "95": ["Boucle Nord de Seine", "Cergy Ouest 95", "Grand Roissy Le Bourget"],
    "59": ["Aa – Dunkerque – Flandre", "Grand-Hainaut Douaisis Cambrésis", "SCOT Lille Métropole"],
    "02": ["Haute-Picardie", "Soissonnais – Valois", "Sud Aisne", "Thiérache et Pays de la Serre"],
    "08": ["Nord Ardennes"],
}
SEED_HIDDEN = {"93": 0, "95": 1, "59": 1, "02": 0, "08": 0}
SEED_FILES = {  # seed file → département
    "000_8993fc5116be49cf.txt": "93",
    "001_de5a2db0388bf776.txt": "95",
    "002_92c17e20262a7b04.txt": "59",
    "003_b69eb326746af645.txt": "02",
    "004_2f5cedf7c0d15d89.txt": "08",
}


# --- Hand-made fixture --------------------------------------------------------------------------


def _mini() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three communes (two in Ain, one in Corse-du-Sud), two EPCI, two territories: Alpha lists
    both EPCI and, again, the Corsican commune by its SIREN; Beta lists one commune alone."""
    communes = pd.DataFrame(
        {
            "code": ["01001", "01002", "2A004"],
            "name": ["Un", "Deux", "Ajaccio"],
            "dept": ["01", "01", "2A"],
            "population": [100, 300, 600],
            "siren": ["210100001", "210100002", "212000046"],
        }
    )
    epci = pd.DataFrame({"siren": ["200000001", "200000001", "200000002"],
                         "code": ["01001", "01002", "2A004"]})  # fmt: skip
    ept = pd.DataFrame({"siren": pd.Series([], dtype=str), "code": pd.Series([], dtype=str)})
    members = pd.DataFrame(
        {
            "id_ti": ["ti-1", "ti-1", "ti-1", "ti-2"],
            "lib_ti": ["Alpha", "Alpha", "Alpha", "Beta"],
            "siren": ["200000001", "200000002", "212000046", "210100002"],
        }
    )
    return members, communes, epci, ept


def test_resolve_mini_fixture_to_the_unit() -> None:
    out = ti.resolve(*_mini())
    assert list(out.columns) == ti.COLUMNS
    got = [tuple(r) for r in out[["id", "name", "dept", "n_communes", "population"]].itertuples(index=False)]  # fmt: skip
    assert got == [
        ("ti-1", "Alpha", "01", 2, 400),
        ("ti-1", "Alpha", "20", 1, 600),  # 2A → 20, counted once though reached twice
        ("ti-2", "Beta", "01", 1, 300),  # a commune may belong to two territories
    ]
    assert out["share"].tolist() == pytest.approx([0.4, 0.6, 1.0], abs=1e-12)
    assert out["n_communes"].dtype == "int64" and out["population"].dtype == "int64"


def test_resolve_ept_and_arrondissements() -> None:
    members, communes, epci, _ = _mini()
    paris = {
        "code": "75056",
        "name": "Paris",
        "dept": "75",
        "population": 2000,
        "siren": "217500016",
    }
    communes = pd.concat([communes, pd.DataFrame([paris])], ignore_index=True)
    ept = pd.DataFrame({"siren": ["200000003", "200000003"], "code": ["75101", "75112"]})
    members = pd.DataFrame({"id_ti": ["ti-3", "ti-3"], "lib_ti": ["Gamma", "Gamma"],
                            "siren": ["200000003", "217500016"]})  # fmt: skip
    out = ti.resolve(members, communes, epci, ept)
    assert out[["dept", "n_communes", "population"]].values.tolist() == [["75", 1, 2000]]
    assert out["share"].tolist() == [1.0]


def test_resolve_rejects_unknown_siren_and_commune() -> None:
    members, communes, epci, ept = _mini()
    bad = pd.concat([members, pd.DataFrame({"id_ti": ["ti-9"], "lib_ti": ["Zêta"],
                                            "siren": ["999999999"]})])  # fmt: skip
    with pytest.raises(ti.ResolutionError, match="999999999"):
        ti.resolve(bad, communes, epci, ept)
    lost = pd.concat([epci, pd.DataFrame({"siren": ["200000002"], "code": ["2B033"]})])
    with pytest.raises(ti.ResolutionError, match="2B033"):
        ti.resolve(members, communes, lost, ept)


def test_principal_rule_and_order() -> None:
    rows = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "name": ["Zèbre", "Éclat", "avant", "Bord", "Cinq"],
            "dept": ["01"] * 5,
            "n_communes": [1, 4, 5, 4, 1],
            "population": [1, 1, 1, 1, 1],
            "share": [0.20, 0.199, 0.01, 0.07, 0.0],
        }
    )
    listed, hidden = ti.principal(rows)
    assert listed["name"].tolist() == ["avant", "Zèbre"]  # 5 communes; exactly 20 %
    assert hidden == 3
    rows.loc[1, "share"] = 0.2
    listed, hidden = ti.principal(rows)
    assert listed["name"].tolist() == ["avant", "Éclat", "Zèbre"]  # accents do not count
    assert hidden == 2
    assert (ti.MIN_COMMUNES, ti.MIN_SHARE) == (5, 0.20)


def test_load_anct_separators_bom_and_spaces(tmp_path: Path) -> None:
    comma = "id_ti,lib_ti,siren_epci,lib_epci\nti-1,Pays de Châlons\u00a0,200000001,CA X\n"
    semi = "\ufeffID_TI;LIB_TI;SIREN_EPCI;LIB_EPCI\r\nti-1;Pays de Châlons\u00a0;200000001;CA X\r\n\r\n"
    (tmp_path / "a.csv").write_text(comma, encoding="utf-8")
    (tmp_path / "b.csv").write_bytes(semi.encode("utf-8"))
    a, b = ti.load_anct(tmp_path / "a.csv"), ti.load_anct(tmp_path / "b.csv")
    pd.testing.assert_frame_equal(a, b)
    assert a.to_dict("records") == [
        {"id_ti": "ti-1", "lib_ti": "Pays de Châlons", "siren": "200000001", "lib_epci": "CA X"}
    ]


def test_compact_tables_round_trip(tmp_path: Path) -> None:
    members, communes, epci, ept = _mini()
    ept = pd.DataFrame({"siren": ["200000009"], "code": ["01001"]})
    communes = communes.assign(dept=communes["dept"].map(ti.customs_dept))
    ti.write_compact(tmp_path, communes, epci, ept, members.assign(lib_epci=""))
    c2, e2, t2 = ti.load_sources(tmp_path)
    assert c2.to_dict("records") == communes.to_dict("records")
    assert e2.values.tolist() == epci.values.tolist()
    assert t2.values.tolist() == [["200000009", "01001"]]
    assert ti.load_anct(tmp_path / ti.MEMBERS_FILE)["siren"].tolist() == members["siren"].tolist()


# --- The committed tables -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def resolved() -> pd.DataFrame:
    return ti.load_resolved()


def test_committed_table_shape(resolved: pd.DataFrame) -> None:
    assert list(resolved.columns) == ti.COLUMNS
    assert resolved["id"].nunique() == 183
    assert resolved.groupby("id")["name"].nunique().eq(1).all()
    assert resolved["name"].nunique() == 183
    assert not resolved.duplicated(["id", "dept"]).any()
    assert set(resolved["dept"]) <= ti.CUSTOMS_DEPTS
    assert (resolved["n_communes"] > 0).all() and (resolved["population"] > 0).all()
    sums = resolved.groupby("id")["share"].sum()
    assert ((sums - 1).abs() <= 1e-9).all()
    assert resolved["share"].between(0, 1).all()
    # names come trimmed (the ANCT file ends a few with a no-break space)
    assert resolved["name"].map(ti.clean_text).eq(resolved["name"]).all()


def test_every_member_territory_has_rows(resolved: pd.DataFrame) -> None:
    members = ti.load_anct(ti.REFERENCE_DIR / ti.MEMBERS_FILE)
    assert members["id_ti"].nunique() == 183
    assert set(members["id_ti"]) == set(resolved["id"])


def test_committed_table_is_resolved_from_the_compact_tables(resolved: pd.DataFrame) -> None:
    communes, epci, ept = ti.load_sources()
    assert set(communes["dept"]) <= ti.CUSTOMS_DEPTS
    assert communes["code"].is_unique
    assert communes.loc[communes["code"].str.startswith(("2A", "2B")), "dept"].eq("20").all()
    members = ti.load_anct(ti.REFERENCE_DIR / ti.MEMBERS_FILE)
    again = ti.resolve(members, communes, epci, ept)
    pd.testing.assert_frame_equal(
        again.drop(columns="share"), resolved.drop(columns="share"), check_dtype=False
    )
    assert (again["share"] - resolved["share"]).abs().max() < 1e-10
    assert ti.to_csv_text(again) == (ti.REFERENCE_DIR / "territoires_industrie.csv").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("dept", list(SEED_LISTS))
def test_seed_sheets_reproduced(resolved: pd.DataFrame, dept: str) -> None:
    listed, hidden = ti.principal(resolved[resolved["dept"] == dept])
    assert listed["name"].tolist() == SEED_LISTS[dept]
    assert hidden == SEED_HIDDEN[dept]


def test_seed_hidden_territories(resolved: pd.DataFrame) -> None:
    by = resolved.set_index(["dept", "name"])
    seine_aval = by.loc[("95", "Seine Aval")]
    assert seine_aval["n_communes"] == 1 and 0.03 < seine_aval["share"] < 0.05
    bethune = by.loc[("59", "Béthune-Bruay et Flandre-Lys")]
    assert bethune["n_communes"] == 4 and 0.06 < bethune["share"] < 0.08
    boucle = by.loc[("95", "Boucle Nord de Seine")]  # Argenteuil alone, 23 % of the territory
    assert boucle["n_communes"] == 1 and boucle["share"] >= ti.MIN_SHARE


def test_other_departements(resolved: pd.DataFrame) -> None:
    oise, _ = ti.principal(resolved[resolved["dept"] == "60"])
    assert len(oise) >= 1
    corse = resolved[resolved["dept"] == "20"]
    assert set(corse["name"]) == {"Grand Bastia – Marana-Golo", "Pays Ajaccien"}
    assert {"971", "972", "973", "974", "976"} <= set(resolved["dept"])


def _seed_lists() -> dict[str, tuple[list[str], bool]]:
    """Names each seed sheet lists, and whether it says some territories were left out."""
    found = {}
    for file, dept in SEED_FILES.items():
        text = (SEEDS / file).read_text(encoding="utf-8")
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if "Industrie du département" in line)
        names: list[str] = []
        for line in lines[start + 1 :]:
            item = re.match(r"\s*(?:-|■)\s+(.+)", line)
            if item:
                names.append(item.group(1).strip())
            elif names and line.strip():
                break
        found[dept] = (names, "ont été retirés" in text)
    return found


def test_seed_files_say_the_same() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed sheets not found at {SEEDS}")
    for dept, (names, left_out) in _seed_lists().items():
        assert names == SEED_LISTS[dept], dept
        assert left_out == (SEED_HIDDEN[dept] > 0), dept


def test_official_sources_give_the_committed_table() -> None:
    """The compact tables lose nothing: the package's own files resolve to the same table."""
    if not (OFFICIAL / "etalab" / "epci.json").exists():
        pytest.skip(f"official sources not found at {OFFICIAL}")
    communes, epci, ept = ti.load_sources(OFFICIAL)
    members = ti.load_anct(OFFICIAL / "anct" / "territoires_industrie_epci_2023.csv")
    text = ti.to_csv_text(ti.resolve(members, communes, epci, ept))
    assert text == (ti.REFERENCE_DIR / "territoires_industrie.csv").read_text(encoding="utf-8")
    compact = ti.load_sources()
    for ours, theirs in zip(compact, (communes, epci, ept), strict=True):
        pd.testing.assert_frame_equal(ours, theirs)


def test_cli_reproduces_the_committed_csv(tmp_path: Path) -> None:
    out = tmp_path / "ti.csv"
    done = subprocess.run(
        [sys.executable, "-m", "core.territoires", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.read_bytes() == (ti.REFERENCE_DIR / "territoires_industrie.csv").read_bytes()
    n_rows = len(ti.load_resolved())
    assert "183 territoires d'industrie" in done.stdout
    assert f"{n_rows} lignes" in done.stdout


# --- Outlines (data/geo, built by core.geo_ti) --------------------------------------------------


def _points(geometry: dict) -> list[list[float]]:
    if geometry["type"] == "Point":
        return [geometry["coordinates"]]
    return [pt for polygon in geometry["coordinates"] for ring in polygon for pt in ring]


def test_outline_files(resolved: pd.DataFrame) -> None:
    from core import geo_ti

    for path in (geo_ti.TI_PATH, geo_ti.DEPT_PATH):
        assert path.stat().st_size < 1_500_000, path
    territories = geo_ti.load_territoires()["features"]
    names = resolved.drop_duplicates("id").set_index("id")["name"].to_dict()
    depts = resolved.groupby("id")["dept"].apply(sorted).to_dict()
    assert [f["id"] for f in territories] == sorted(names)
    for f in territories:
        assert f["properties"]["name"] == names[f["id"]]
        assert f["properties"]["depts"] == depts[f["id"]]
        assert f["geometry"]["type"] == "MultiPolygon" and f["geometry"]["coordinates"]
    departements = {f["id"]: f for f in geo_ti.load_departements()["features"]}
    assert set(departements) == ti.CUSTOMS_DEPTS | {"99"}
    assert departements["20"]["properties"]["name"] == "Corse"
    assert departements["20"]["geometry"]["type"] == "MultiPolygon"
    assert departements["99"]["geometry"]["type"] == "Point"
    for code, f in departements.items():
        lon, lat = zip(*_points(f["geometry"]), strict=True)
        inside = -5.3 < min(lon) <= max(lon) < 9.7 and 41.3 < min(lat) <= max(lat) < 51.2
        # metropolitan France and Monaco in their box, the overseas départements far from it
        assert inside == (code not in ("971", "972", "973", "974", "976")), code


def test_dissolve_squares() -> None:
    """A 3 × 3 grid of 0.1° communes: columns 0–1 in one département, column 2 in another, the
    middle column a territory whose centre commune has no outline; its incomplete neighbour
    gets the hole back, so the territory and the départements are whole rectangles."""
    shapely = pytest.importorskip("shapely", minversion="2.2")
    from core import geo_ti

    shapes, rows = {}, []
    for i in range(3):
        for j in range(3):
            code = f"c{i}{j}"
            rows.append((code, "01" if i < 2 else "02"))
            if code != "c11":
                shapes[code] = shapely.box(i / 10, j / 10, (i + 1) / 10, (j + 1) / 10)
    communes = pd.DataFrame(rows, columns=["code", "dept"])
    members = pd.DataFrame({"id": ["t1"] * 3, "code": ["c10", "c11", "c12"]})
    territories, departements, missing = geo_ti.dissolve(shapes, communes, members, {"c10"})
    assert missing == ["c11"]
    assert list(territories) == ["t1"] and sorted(departements) == ["01", "02"]
    assert territories["t1"].equals(shapely.box(0.1, 0, 0.2, 0.3).normalize())
    assert departements["01"].area == pytest.approx(0.06)
    assert departements["02"].area == pytest.approx(0.03)
    assert len(departements["01"].geoms[0].interiors) == 0
    geometry = geo_ti.geometry_json(territories["t1"])
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) == 1
