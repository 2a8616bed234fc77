"""Files with a header row (CSV, XLS, XLSX): loose headers, units, months and quarters, CPF4 or
A129 products, wide export/import columns, Corsica as 2A/2B; refusals with file, line and field.

Hand-computed figures:

| line | year | period | flow   | dept | product | partner | value (k€)  | euros      |
|------|------|--------|--------|------|---------|---------|-------------|------------|
| 2    | 2024 | T1     | export | 1    | 2110    | DE      | 1 234,567   | 1 234 567  |
| 3    | 2024 | T1     | export | 93   | 3030    | US      | 0,5         | 500        |
| 4    | 2024 | T2     | import | 2A   | 0111    | BE      | 12          | 12 000     |
| 5    | 2024 | T2     | import | 2B   | 0111    | BE      | 1 000,001   | 1 000 001  |
"""

from __future__ import annotations

import io

import pytest

from core.load import LoadError, Source, codes, load_trade
from tests.load_fixtures import data_dir, query, zip_bytes  # noqa: F401 (fixture)

HEADER = ["Année", "Trimestre", "Flux", "Code département", "Code CPF4", "Code pays",
          "Valeur (en milliers d'euros)"]  # fmt: skip
ROWS = [
    ["2024", "T1", "E", "1", "2110", "DE", "1\u00a0234,567"],
    ["2024", "T1", "E", "93", "3030", "US", "0,5"],
    ["2024", "T2", "I", "2A", "0111", "BE", "12"],
    ["2024", "T2", "I", "2B", "0111", "BE", "1\u00a0000,001"],
]
EXPECTED = {
    (2024, 1, "export", "01", "2110", "DE"): 1_234_567,
    (2024, 1, "export", "93", "3030", "US"): 500,
    (2024, 2, "import", "20", "0111", "BE"): 1_012_001,  # 2A + 2B, summed into Corse (20)
}


def csv_bytes(rows, header=HEADER, sep=";", encoding="cp1252") -> bytes:
    def cell(c: str) -> str:
        return f'"{c}"' if sep in c or "\n" in c else c

    lines = [sep.join(cell(c) for c in header)] + [sep.join(cell(c) for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def stored() -> dict:
    return {
        tuple(r[:6]): r[6]
        for r in query(
            "SELECT year, quarter, flow, dept, product, country, value_eur FROM trade ORDER BY ALL"
        )
    }


def test_header_csv_in_thousands_of_euros_with_corsica_split(data_dir):  # noqa: F811
    report = load_trade([Source("regional.csv", csv_bytes(ROWS))])
    assert stored() == EXPECTED
    assert report.files[0].layout == "CSV avec en-tête, séparateur « ; », Windows-1252 (trimestres)"
    assert any("valeurs en milliers d'euros (indiquée par l'en-tête" in n for n in report.notes)
    assert any("Corse (20)" in n for n in report.notes)
    assert query("SELECT count(*) FROM trade WHERE mass_kg IS NULL") == [(3,)]


@pytest.mark.parametrize(
    ("sep", "encoding", "decimal"),
    [(";", "cp1252", ","), (",", "utf-8", "."), ("\t", "utf-8-sig", ",")],
)
def test_separators_encodings_and_decimal_marks(data_dir, sep, encoding, decimal):  # noqa: F811
    rows = [[c.replace(",", decimal).replace("\u00a0", "") for c in r] for r in ROWS]
    load_trade([Source("f.csv", csv_bytes(rows, sep=sep, encoding=encoding))])
    assert stored() == EXPECTED


def test_months_are_summed_into_quarters_and_euros_assumed(data_dir):  # noqa: F811
    header = ["annee", "mois", "flux", "dep", "cpf4", "pays", "valeur", "masse (t)"]
    rows = [
        ["2024", "01", "export", "75", "2110", "DE", "100", "2"],
        ["2024", "02", "export", "75", "2110", "DE", "250", "1"],
        ["2024", "04", "export", "75", "2110", "DE", "7", "0,5"],
    ]
    report = load_trade([Source("mensuel.csv", csv_bytes(rows, header))])
    assert query("SELECT quarter, value_eur, mass_kg FROM trade ORDER BY quarter") == [
        (1, 350, 3_000),
        (2, 7, 500),
    ]
    assert any("supposée" in n for n in report.notes)
    assert any("lignes mensuelles cumulées par trimestre" in n for n in report.notes)


def test_period_column_carrying_the_year(data_dir):  # noqa: F811
    header = ["Période", "Flux", "Département", "Produit", "Pays", "Valeur (€)"]
    rows = [["2024-T3", "I", "9A", "2110", "DE", "5"], ["2024-11", "I", "9A", "2110", "DE", "6"]]
    load_trade([Source("p.csv", csv_bytes(rows, header))])
    assert query("SELECT year, quarter, dept, value_eur FROM trade") == [(2024, 3, "971", 5),
                                                                        (2024, 4, "971", 6)]  # fmt: skip


def test_a_yearly_file_is_refused_with_a_reason(data_dir):  # noqa: F811
    header = ["Année", "Flux", "Département", "Code CPF4", "Pays", "Valeur"]
    with pytest.raises(LoadError) as err:
        load_trade(
            [Source("annuel.csv", csv_bytes([["2024", "E", "93", "2110", "DE", "5"]], header))]
        )
    assert "Fichier « annuel.csv », ligne 1 : ni trimestre ni mois" in str(err.value)
    assert "sans inventer des chiffres" in str(err.value)


def test_a129_only_files_become_a129_level_products(data_dir):  # noqa: F811
    header = ["Année", "Trimestre", "Flux", "Département", "Code A129", "Pays", "Valeur (€)"]
    report = load_trade(
        [Source("a129.csv", csv_bytes([["2024", "1", "E", "93", "C21Z", "DE", "9"]], header))]
    )
    assert query("SELECT product, value_eur FROM trade") == [("C21Z", 9)]
    assert query("SELECT label, a129 FROM product WHERE code = 'C21Z'") == [
        ("Produits pharmaceutiques (niveau A129, sans détail CPF4)", "C21Z")
    ]
    assert any("niveau A129" in n for n in report.notes)


def test_mixed_cpf4_and_a129_codes_are_refused(data_dir):  # noqa: F811
    rows = [ROWS[0], ["2024", "T1", "E", "93", "C30C", "US", "1"]]
    with pytest.raises(LoadError) as err:
        load_trade([Source("m.csv", csv_bytes(rows))])
    assert ("Fichier « m.csv », ligne 3, colonne « Code CPF4 » : code A129 « C30C » dans un "
            "fichier de codes CPF4 (ligne 2 : « 2110 »)") in str(err.value)  # fmt: skip


def test_wide_layout_and_total_rows_set_aside(data_dir):  # noqa: F811
    header = [
        "Année",
        "Trimestre",
        "Département",
        "CPF4",
        "Pays",
        "Exportations (k€)",
        "Importations (k€)",
    ]
    rows = [
        ["2024", "1", "93", "2110", "DE", "1", "2"],
        ["2024", "1", "93", "3030", "DE", "3", ""],
        ["Total", "", "", "", "", "4", "2"],
    ]
    report = load_trade([Source("large.csv", csv_bytes(rows, header))])
    assert stored() == {
        (2024, 1, "export", "93", "2110", "DE"): 1_000,
        (2024, 1, "export", "93", "3030", "DE"): 3_000,
        (2024, 1, "import", "93", "2110", "DE"): 2_000,
    }
    text = "\n".join(report.summary())
    assert "lignes de total ou de sous-total écartées" in text
    assert "lignes sans valeur écartées" in text


def test_partner_by_french_name_and_refusal_of_an_unknown_name(data_dir):  # noqa: F811
    header = ["Année", "Trimestre", "Flux", "Département", "CPF4", "Pays", "Valeur (€)"]
    load_trade(
        [Source("n.csv", csv_bytes([["2024", "1", "E", "93", "2110", "Allemagne", "5"]], header))]
    )
    assert query("SELECT country FROM trade") == [("DE",)]
    garbled = [["2024", "1", "E", "93", "2110", "CÃ´TE D'IVOIRE", "5"]]
    with pytest.raises(LoadError) as err:
        load_trade([Source("g.csv", csv_bytes(garbled, header, encoding="utf-8"))])
    assert "Fichier « g.csv », ligne 2, colonne « Pays » : code pays invalide" in str(err.value)


def test_errors_name_file_line_column_and_value(data_dir):  # noqa: F811
    rows = [
        ROWS[0],
        ["2024", "T1", "E", "93", "3030", "US", "*douze*"],
        ["2024", "T9", "E", "93", "3030", "US", "1"],
    ]
    with pytest.raises(LoadError) as err:
        load_trade([Source("casse.csv", csv_bytes(rows))])
    messages = err.value.messages
    assert ("Fichier « casse.csv », ligne 3, colonne « Valeur (en milliers d'euros) » : valeur "
            "non numérique (« *douze* »).") in messages  # fmt: skip
    assert any(m.startswith("Fichier « casse.csv », ligne 4, colonne « Trimestre » : trimestre illisible") for m in messages)  # fmt: skip


def test_two_signs_and_trailing_letters_are_refused(data_dir):  # noqa: F811
    rows = [
        ["2024abc", "T1", "E", "93", "3030", "US", "1"],
        ["2024", "T1", "E", "93", "3030", "DE", "+-9"],
    ]
    with pytest.raises(LoadError) as err:
        load_trade([Source("s.csv", csv_bytes(rows))])
    text = str(err.value)
    assert (
        "ligne 2, colonne « Année » : année invalide (quatre chiffres attendus) (« 2024abc »)"
        in text
    )
    assert (
        "ligne 3, colonne « Valeur (en milliers d'euros) » : valeur non numérique (« +-9 »)" in text
    )


def test_line_numbers_stay_right_after_a_quoted_line_break(data_dir):  # noqa: F811
    header = [*HEADER, "Commentaire"]
    rows = [[*ROWS[0], "sur deux\nlignes"], ["2024", "T1", "E", "93", "3030", "US", "x", ""]]
    with pytest.raises(LoadError) as err:
        load_trade([Source("q.csv", csv_bytes(rows, header))])
    assert "Fichier « q.csv », ligne 4, colonne « Valeur (en milliers d'euros) »" in str(err.value)


def test_a_field_over_131072_characters_is_refused_without_traceback(data_dir):  # noqa: F811
    rows = [ROWS[0], ["2024", "T1", "E", "93", "3030", "US", '"' + "x" * 200_000]]
    data = csv_bytes(rows).replace(b'""', b'"')
    with pytest.raises(LoadError) as err:
        load_trade([Source("long.csv", data)])
    assert "Fichier « long.csv », ligne 3" in str(err.value)
    assert "131\u202f072 caractères" in str(err.value)


def test_mixed_encodings_are_refused_naming_the_line(data_dir):  # noqa: F811
    utf8 = csv_bytes([ROWS[0]], encoding="utf-8").replace(b"DE", "Côte d'Ivoire".encode())
    data = utf8 + "2024;T1;E;93;3030;Côte d'Ivoire;1\r\n".encode("cp1252")
    with pytest.raises(LoadError) as err:
        load_trade([Source("mixte.csv", data)])
    assert "Fichier « mixte.csv », ligne 3 : encodage mélangé" in str(err.value)


def test_windows_1252_names_are_decoded_not_garbled(data_dir):  # noqa: F811
    header = ["Année", "Trimestre", "Flux", "Département", "CPF4", "Pays", "Valeur (€)"]
    data = csv_bytes(
        [["2024", "1", "E", "93", "2110", "Côte d'Ivoire", "5"]], header, encoding="cp1252"
    )
    load_trade([Source("ci.csv", data)])
    assert query("SELECT country FROM trade") == [("CI",)]


def xlsx_bytes(rows, header=HEADER, title: str = "") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Données"
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_a_title_row_and_numeric_cells(data_dir):  # noqa: F811
    rows = [[2024, "T1", "E", 1, "2110", "DE", 1234.567], [2024, "T1", "E", 93, "3030", "US", 0.5],
            [2024, "T2", "I", "2A", "0111", "BE", 12], [2024, "T2", "I", "2B", "0111", "BE", 1000.001]]  # fmt: skip
    report = load_trade([Source("classeur.xlsx", xlsx_bytes(rows, title="Commerce extérieur"))])
    assert stored() == EXPECTED
    assert report.files[0].name == "classeur.xlsx [Données]"


def test_xls_workbook_inside_a_zip_names_member_sheet_and_row(data_dir):  # noqa: F811
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Feuil1")
    for c, h in enumerate(HEADER):
        sheet.write(0, c, h)
    for r, row in enumerate([ROWS[0][:6] + [1234.567], ROWS[1][:6] + [-3]], start=1):
        for c, v in enumerate(row):
            sheet.write(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(LoadError) as err:
        load_trade([Source("envoi.zip", zip_bytes({"dgddi.xls": buf.getvalue()}))])
    assert ("Fichier « envoi.zip/dgddi.xls [Feuil1] », ligne 3, colonne « Valeur (en milliers "
            "d'euros) » : valeur négative (« -3 »).") in err.value.messages  # fmt: skip


def test_xlsx_formulas_without_cached_values_are_refused_naming_the_cell(data_dir):  # noqa: F811
    data = xlsx_bytes([[2024, "T1", "E", 93, "2110", "DE", "=1+1"]])  # openpyxl stores no value
    with pytest.raises(LoadError) as err:
        load_trade([Source("formules.xlsx", data)])
    assert ("Fichier « formules.xlsx », feuille « Données », cellule G2 : formule sans valeur "
            "calculée") in str(err.value)  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "kind", "quarter", "month", "year"),
    [("T1", "quarter", 1, 0, None), ("2024-Q3", "quarter", 3, 0, 2024), ("2e trimestre", "quarter", 2, 0, None),
     ("03", "month", 1, 3, None), ("2024-11", "month", 4, 11, 2024), ("202406", "period", 2, 6, 2024),
     ("mars 2024", "month", 1, 3, 2024), ("T4 2023", "period", 4, 0, 2023)],
)  # fmt: skip
def test_periods(raw, kind, quarter, month, year):
    p = codes.period(raw, kind)
    assert (p.quarter, p.month, p.year) == (quarter, month, year)


@pytest.mark.parametrize("raw", ["5", "T5", "13", "2024", "Q0", "2024abc"])
def test_bad_periods(raw):
    assert codes.period(raw, "quarter") is None or raw == "2024"
    assert codes.period(raw, "official") is None


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("9A", "971"), ("9E", "976"), ("976", "976"), ("20", "20"), ("2A", "20"), ("2b", "20"),
     ("99", "99"), ("1", "01"), ("1.0", "01"), ("93 - Seine-Saint-Denis", "93"), ("9F", None),
     ("975", None), ("00", None), ("", None)],
)  # fmt: skip
def test_departement_codes(raw, stored):
    from core.build import Reference
    from core.load.validate import Context

    assert codes.dept(raw, Context.of(Reference.load()).dept_spellings)[0] == stored
