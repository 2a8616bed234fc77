"""The customs' published layout: the real rows to the euro, every special code, both editions,
revisions by slice in any order, refusals that name line and field and change nothing.

Expected figures are computed by hand or, for generated files, independently from the rows the
test writes (``load_fixtures.expected_totals``), never read back from the loader.
"""

from __future__ import annotations

import pytest

from core import store
from core.load import LoadError, Source, load_trade
from tests.load_fixtures import (
    PRODUCTS,
    REAL_ROWS,
    data_dir,  # noqa: F401 (fixture)
    expected_totals,
    line,
    publication,
    publication_lines,
    publication_zip,
    query,
    small_build,
    state,
    text_of,
    totals_in,
    zip_bytes,
)

Y23 = [(2023, q) for q in (1, 2, 3, 4)]
Y24 = [(2024, q) for q in (1, 2, 3, 4)]
LAST5 = [*Y24, (2025, 1)]


def test_the_four_real_rows_load_to_the_euro(data_dir):  # noqa: F811
    report = load_trade([Source("REGIONAL_CPF4PAYSE.txt", text_of(REAL_ROWS))])
    rows = query(
        "SELECT flow, year, quarter, dept, product, country, value_eur, mass_kg FROM trade "
        "ORDER BY flow, country"
    )
    assert rows == [
        ("export", 2018, 3, "01", "0111", "BE", 406_473, 1_210_935),
        ("export", 2018, 3, "01", "0111", "BR", 11_228, 250),
        ("import", 2018, 3, "01", "0111", "AR", 52, 11),
        ("import", 2018, 3, "01", "0111", "AT", 29_916, 20_815),
    ]
    assert report.count("added") == 2 and report.changed
    assert report.files[0].layout.startswith("fichier régional de la DGDDI")
    # Région from the département (Ain → Auvergne-Rhône-Alpes, 84), not field 5 (« 18 »).
    assert query("SELECT DISTINCT region FROM trade_region") == [("84",)]
    assert query("SELECT value_eur, rows FROM slices WHERE flow = 'export'") == [(417_701, 2)]


def test_lf_endings_a_bom_and_a_bare_txt_are_the_same_file(data_dir):  # noqa: F811
    data = b"\xef\xbb\xbf" + text_of(REAL_ROWS, crlf=False)
    load_trade([Source("real.txt", data)])
    assert sum(v for v in totals_in().values()) == 52 + 29_916 + 406_473 + 11_228


def test_every_special_code_loads_with_exact_totals(data_dir):  # noqa: F811
    rows = publication(Y24)
    report = load_trade([Source("annuel_2024.zip", publication_zip(rows, "2024"))])
    assert totals_in() == expected_totals(rows)
    depts = {r[0] for r in query("SELECT DISTINCT dept FROM trade")}
    assert depts == {"01", "20", "971", "972", "973", "974", "976", "99", "75", "93"}
    # Monaco is in Provence-Alpes-Côte d'Azur, Corse is one département of its région.
    assert query("SELECT region FROM departement WHERE code IN ('99', '20') ORDER BY code") == [
        ("94",),
        ("93",),
    ]
    # Unknown partner kept and listed with its rows and value; special codes kept as they are.
    zy = {k: v for k, v in rows.items() if k[5] == "ZY"}
    partners = report.unknown_partners.set_index("code")
    assert list(partners.index) == ["ZY"]
    assert int(partners.loc["ZY", "rows"]) == len(zy)
    assert int(partners.loc["ZY", "value_eur"]) == sum(v for v, _ in zy.values())
    assert query("SELECT name_fr, zone FROM country WHERE code = 'ZY'") == [
        ("ZY (non déterminé)", "Non déterminé")
    ]
    assert {r[0] for r in query("SELECT DISTINCT country FROM trade")} == {
        "DE",
        "US",
        "QU",
        "QS",
        "XK",
        "ZY",
    }
    # Unknown CPF4 kept under the file's A129, and listed.
    assert query("SELECT label, a129 FROM product WHERE code = '0999'") == [
        ("0999 (non référencé)", "A01Z")
    ]
    assert report.unknown_products[["code", "a129"]].values.tolist() == [["0999", "A01Z"]]
    # Mass to the kilogram.
    mass = sum(m for _, m in rows.values())
    assert query("SELECT sum(mass_kg) FROM trade") == [(mass,)]


def test_a_pairing_that_differs_from_the_reference_is_the_files_and_is_reported(data_dir):  # noqa: F811
    lines = [line("E", 1, 2024, "01", "A02Z", "0111", "DE", 10, 1)]  # 0111 is A01Z for us
    report = load_trade([Source("a.txt", text_of(lines))])
    assert query("SELECT a129, a129_label FROM product WHERE code = '0111'") == [
        ("A02Z", "Produits sylvicoles")
    ]
    assert report.pairings.values.tolist() == [["0111", "A01Z", "A02Z", 1]]
    assert any("0111 : A01Z → A02Z" in s for s in report.summary())


BROKEN = [
    ("nine fields", "E;1;2024;01;18;A01Z;0111;DE;10", "champ 10 (masse en kg) absent", "9 champs"),
    ("letter in value", "E;1;2024;01;18;A01Z;0111;DE;1O0;1", "champ 9 (valeur en euros)", "« 1O0 »"),
    ("quarter 5", "E;5;2024;01;18;A01Z;0111;DE;10;1", "champ 2 (trimestre)", "« 5 »"),
    ("unknown flow", "X;1;2024;01;18;A01Z;0111;DE;10;1", "champ 1 (flux)", "« X »"),
    ("unknown département", "E;1;2024;9F;18;A01Z;0111;DE;10;1", "champ 4 (code département)", "« 9F »"),
    ("year with letters", "E;1;2024abc;01;18;A01Z;0111;DE;10;1", "champ 3 (année)", "« 2024abc »"),
    ("two signs", "E;1;2024;01;18;A01Z;0111;DE;+-9;1", "champ 9 (valeur en euros)", "« +-9 »"),
    ("overflow", "E;1;2024;01;18;A01Z;0111;DE;99999999999999999999999;1", "champ 9 (valeur en euros)", "invraisemblable"),
    ("absurd value", "E;1;2024;01;18;A01Z;0111;DE;20000000000000;1", "champ 9 (valeur en euros)", "invraisemblable"),
    ("negative", "E;1;2024;01;18;A01Z;0111;DE;-5;1", "champ 9 (valeur en euros)", "valeur négative"),
    ("year too old", "E;1;1989;01;18;A01Z;0111;DE;10;1", "champ 3 (année)", "hors des limites"),
    ("bad mass", "E;1;2024;01;18;A01Z;0111;DE;10;1,5", "champ 10 (masse en kg)", "« 1,5 »"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "bad", "field", "detail"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_line_is_refused_with_line_and_field_and_changes_nothing(
    data_dir,  # noqa: F811
    case,
    bad,
    field,
    detail,  # noqa: F811
):
    store.publish(small_build("first", 1_000))
    before = state(data_dir)
    good = [line("E", 1, 2024, "01", "A01Z", "0111", c, 10, 1) for c in ("DE", "US", "IT")]
    data = zip_bytes({"2024_CPF4PAYSE.txt": text_of([*good[:2], bad, good[2]])})
    with pytest.raises(LoadError) as err:
        load_trade([Source("annuel.zip", data)])
    message = "\n".join(err.value.messages)
    assert f"Fichier « annuel.zip/2024_CPF4PAYSE.txt », ligne 3, {field}" in message, message
    assert detail in message
    assert state(data_dir) == before


def test_a_broken_first_line_is_still_read_as_the_published_layout(data_dir):  # noqa: F811
    lines = ["E;1;2024;01;18;A01Z;0111;DE;10", *REAL_ROWS]
    with pytest.raises(LoadError) as err:
        load_trade([Source("a.txt", text_of(lines))])
    assert "Fichier « a.txt », ligne 1, champ 10 (masse en kg) absent" in str(err.value)


def test_line_numbers_count_blank_lines(data_dir):  # noqa: F811
    data = text_of([REAL_ROWS[0], "", REAL_ROWS[1], "E;7;2024;01;18;A01Z;0111;DE;10;1"])
    with pytest.raises(LoadError) as err:
        load_trade([Source("a.txt", data)])
    assert "Fichier « a.txt », ligne 4, champ 2 (trimestre)" in str(err.value)


def test_many_broken_lines_give_a_short_message(data_dir):  # noqa: F811
    lines = [line("E", 1, 2024, "01", "A01Z", "0111", "DE", f"{i}x", 1) for i in range(20_000)]
    with pytest.raises(LoadError) as err:
        load_trade([Source("a.txt", text_of(lines))])
    text = str(err.value)
    assert len(text) < 2_000
    assert "… et 19\u202f995 autres lignes de « a.txt » à la valeur non numérique." in text


def test_duplicate_keys_are_refused_listing_a_few_and_counting_the_rest(data_dir):  # noqa: F811
    lines = [line("E", 1, 2024, "01", "A01Z", "0111", f"A{c}", 10, 1)
             for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]  # fmt: skip
    data = text_of(lines + lines)
    with pytest.raises(LoadError) as err:
        load_trade([Source("a.txt", data)])
    text = str(err.value)
    assert "Clé en double (« a.txt » ligne 1 et « a.txt » ligne 27) : 2024 T1" in text
    assert "… et 21 autres clés en double." in text
    assert len(text) < 4_000


def test_two_editions_given_together_are_refused_as_duplicates(data_dir):  # noqa: F811
    annual = publication_zip(publication(Y24), "2024")
    latest = publication_zip(publication(LAST5, revision=1), "REGIONAL")
    with pytest.raises(LoadError) as err:
        load_trade([Source("a.zip", annual), Source("b.zip", latest)])
    assert "l'une après l'autre" in str(err.value)


def _final(order: list[tuple[str, dict]]) -> tuple[dict, list]:
    reports = [load_trade([Source(name, publication_zip(rows, name[:-4]))]) for name, rows in order]
    return totals_in(), reports


def test_revisions_replace_slices_whatever_the_order_of_the_annual_files(
    data_dir,  # noqa: F811
    monkeypatch,
    tmp_path,
):
    a23, a24 = publication(Y23), publication(Y24)
    last5 = publication(LAST5, revision=1)
    expected = expected_totals(a23) | expected_totals(last5)  # 2024 entirely from the revision
    got, reports = _final([("a2023.zip", a23), ("a2024.zip", a24), ("last5.zip", last5)])
    assert got == expected
    first, second, third = reports
    assert (first.count("added"), first.count("kept")) == (8, 0)
    assert (second.count("added"), second.count("kept")) == (8, 8)
    assert (third.count("added"), third.count("replaced"), third.count("kept")) == (2, 8, 8)
    replaced = third.slices[third.slices["status"] == "replaced"].iloc[0]
    old = sum(v for k, (v, _) in a24.items() if k[1:3] == (2024, 1) and k[0] == "E")
    new = sum(v for k, (v, _) in last5.items() if k[1:3] == (2024, 1) and k[0] == "E")
    assert (int(replaced["value_old"]), int(replaced["value_new"])) == (old, new)
    assert old != new
    # The other order, in a fresh data directory: the same figures.
    monkeypatch.setenv("COMEX_DATA_DIR", str(tmp_path / "other"))
    got2, reports2 = _final([("a2024.zip", a24), ("a2023.zip", a23), ("last5.zip", last5)])
    assert got2 == expected
    # An annual file loaded after the five last quarters replaces its own year only.
    monkeypatch.setenv("COMEX_DATA_DIR", str(tmp_path / "third"))
    got3, _ = _final([("last5.zip", last5), ("a2023.zip", a23)])
    assert got3 == expected


def test_loading_the_same_file_twice_changes_nothing(data_dir):  # noqa: F811
    data = publication_zip(publication(Y24), "2024")
    first = load_trade([Source("a.zip", data)])
    builds = sorted((data_dir / "builds").iterdir())
    before = state(data_dir)
    again = load_trade([Source("a.zip", data)])
    assert not again.changed and again.build == ""
    assert again.count("unchanged") == 8 and again.count("added") == 0
    assert any(line.startswith("Aucun changement") for line in again.summary())
    assert sorted((data_dir / "builds").iterdir()) == builds
    assert state(data_dir) == before
    assert first.changed


def test_an_official_load_on_demonstration_data_starts_from_empty(data_dir):  # noqa: F811
    store.publish(small_build("demo", 5, {"source": "demo", "label": "Démo", "files": []}))
    report = load_trade([Source("a.txt", text_of(REAL_ROWS))])
    assert report.count("kept") == 0 and report.count("added") == 2
    assert any("repart de zéro" in note for note in report.notes)
    assert query("SELECT count(*) FROM trade") == [(4,)]
    assert query("SELECT value FROM metadata WHERE key = 'source'") == [("official",)]


def test_files_of_both_flows_apart_or_together(data_dir):  # noqa: F811
    rows = publication(Y24)
    exports = text_of(publication_lines(rows, "E"))
    imports = text_of(publication_lines(rows, "I"))
    load_trade([Source("2024_CPF4PAYSE.txt", exports)])
    load_trade([Source("2024_CPF4PAYSI.txt", imports)])
    assert totals_in() == expected_totals(rows)
    sources = dict(
        ((y, q, f), s) for y, q, f, s in query("SELECT year, quarter, flow, source FROM slices")
    )
    assert sources[(2024, 1, "export")] == "2024_CPF4PAYSE.txt"
    assert sources[(2024, 1, "import")] == "2024_CPF4PAYSI.txt"


def test_products_of_the_files_stay_with_their_kept_slices(data_dir):  # noqa: F811
    load_trade([Source("a.txt", text_of([line("E", 1, 2023, "01", "A01Z", "0999", "DE", 5, 1)]))])
    load_trade([Source("b.txt", text_of([line("E", 1, 2024, "01", "A01Z", "0111", "DE", 7, 1)]))])
    assert query("SELECT label FROM product WHERE code = '0999'") == [("0999 (non référencé)",)]
    assert query("SELECT count(*) FROM trade") == [(2,)]
    assert set(PRODUCTS)  # the generated products are the ones this module knows
