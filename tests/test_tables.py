"""Download builders: the bytes of the CSV (« as shown ») and the cells of the XLSX, and the
tables of the analysis pages built from the fixtures."""

from __future__ import annotations

import io
import math

import openpyxl
import pandas as pd
import pytest

from core import queries, tables
from core.filters import Filters
from core.periods import Period

M = 1_000_000
NN = "\u202f"
Y2024 = Period.of_year(2024)
H1_2025 = Period.of_year(2025, (1, 2))
F93 = Filters("93", Y2024)
BOM = b"\xef\xbb\xbf"


def sample() -> tables.Table:
    frame = pd.DataFrame(
        {
            "Pays": ['=HYPERLINK("x")', "+33 malin", "-1", "@SUM(A1)", "Allemagne", None],
            "Code": ["02", "0111", "93", "2A", "1E5", None],
            "Valeur (M€)": [1234.5678, -0.1, 2.0, 1.25e-2, 12148.6, float("nan")],
            "Valeur (€)": [1, 2, 3, 4, 12_148_600_000, 0],
            "Part": [0.086, 0.5, 1.0, 0.0, 0.0209, None],
            "Part France": [0.0209, 0.00204, 1.0, 0.0, 0.5, None],
            "Évolution": [0.268, -0.072, 0.05, 1.5, -0.5, None],
            "UE 27": [True, False, True, False, True, False],
        }
    )
    kinds = {
        "Code": "code",
        "Valeur (M€)": "meur",
        "Valeur (€)": "eur",
        "Part": "pct1",
        "Part France": "pct2",
        "Évolution": "growth",
    }
    return tables.Table(frame, kinds, "partenaires", "Valeurs en millions d'euros.")


def csv_lines(table: tables.Table) -> list[str]:
    data = tables.to_csv(table)
    assert data.startswith(BOM)
    return data[3:].decode("utf-8").split("\r\n")


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


# --- CSV: what the screen shows -------------------------------------------------------------
def test_csv_bytes_are_exactly_what_the_screen_shows():
    assert (
        tables.to_csv(sample())
        == BOM
        + (
            "Pays;Code;Valeur (M€);Valeur (€);Part;Part France;Évolution;UE 27\r\n"
            '"\'=HYPERLINK(""x"")";"=""02""";1234,6;1;8,6 %;2,09 %;+26,8 %;oui\r\n'
            '\'+33 malin;"=""0111""";-0,1;2;50,0 %;0,20 %;-7,2 %;non\r\n'
            "'-1;93;2,0;3;100,0 %;100,00 %;+5,0 %;oui\r\n"
            "'@SUM(A1);2A;0,0;4;0,0 %;0,00 %;+150,0 %;non\r\n"
            'Allemagne;"=""1E5""";12148,6;12148600000;2,1 %;50,00 %;-50,0 %;oui\r\n'
            ";;;0;;;;non\r\n"
        ).encode()
    )


def test_csv_numbers_have_no_thousands_separator_and_never_an_exponent():
    lines = csv_lines(sample())
    assert lines[-1] == ""  # CRLF after the last row too
    assert "\n" not in "".join(lines)
    assert all("e" not in line.split(";")[2] for line in lines[1:-1])
    assert lines[4].split(";")[2] == "0,0"  # 0,0125 M€: one decimal, no exponent
    assert NN not in "".join(lines) and "\u00a0" not in "".join(lines)


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("ratio", [0.774, 2.0], ["0,77", "2,00"]),
        ("index", [1.666_666, 0.0], ["1,67", "0,00"]),
        ("tonnes", [1234.56, 999.96, 0.04], ["1235", "1000,0", "0,0"]),
        ("per_kg", [1000.0, 5.5], ["1000,00", "5,50"]),
        ("int", [3, 12_000], ["3", "12000"]),
        ("eur", [12_148_600_000, -5], ["12148600000", "-5"]),
    ],
)
def test_csv_of_each_numeric_kind(kind, values, expected):
    frame = pd.DataFrame({"x": values})
    lines = csv_lines(tables.Table(frame, {"x": kind}))
    assert lines[1 : 1 + len(values)] == expected


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("meur", 0.35, "0,4"),  # 350 000 € in M€ (the float is 0,34999…)
        ("meur", 12.35, "12,4"),  # 12 350 000 €
        ("meur", 0.15, "0,2"),  # 150 000 €
        ("meur", -0.04, "0,0"),  # −40 000 €: shown as zero, without a sign
        ("pct1", 0.0035, "0,4 %"),
        ("growth", 0.0, "0,0 %"),  # no change: no sign
        ("growth", -0.0004, "0,0 %"),  # rounds to zero: no sign
        ("growth", 0.0004, "0,0 %"),
        ("growth", 0.0006, "+0,1 %"),
        ("tonnes", 0.25, "0,2"),  # 250 kg, half to even as on screen
    ],
)
def test_csv_cell_reads_like_the_screen(kind, value, expected):
    """A CSV cell is the screen's text in Excel's notation: same digits, same rounding, no
    sign on a value shown as zero; only the separators differ (no thousands separator, an
    ASCII minus, a plain space before « % »)."""
    shown = tables.display_value(value, kind)
    assert shown.replace(NN, " ").replace("\u2212", "-") == expected  # the screen
    line = csv_lines(tables.Table(pd.DataFrame({"x": [value]}), {"x": kind}))[1]
    assert line == expected  # the file


def test_csv_neutralises_cells_that_a_spreadsheet_would_run_as_formulas():
    lines = csv_lines(sample())
    first_cells = [line.split(";")[0] for line in lines[1:5]]
    assert lines[1].startswith('"\'=HYPERLINK(""x"")"')  # quoted because of the quotes
    assert first_cells[1:] == ["'+33 malin", "'-1", "'@SUM(A1)"]
    # Numbers are numbers, not text: a negative value is not "neutralised".
    assert lines[2].split(";")[2] == "-0,1"
    frame = pd.DataFrame({"=SUM(A1)": ["\tx", "\rx", "ok"]})
    assert csv_lines(tables.Table(frame))[:4] == ["'=SUM(A1)", "'\tx", '"\'\rx"', "ok"]


def test_codes_stay_text_in_the_csv():
    frame = pd.DataFrame({"Code": ["01", "0111", "971", "2A", "9A", "20", "5E3"]})
    lines = csv_lines(tables.Table(frame, {"Code": "code"}))
    assert lines[1:8] == ['"=""01"""', '"=""0111"""', "971", "2A", "9A", "20", '"=""5E3"""']


def test_a_table_written_in_parts_gives_the_same_bytes_as_in_one_piece(fixture_db):
    f = Filters("FR", Y2024)
    whole = tables.rows_table(queries.trade_rows(fixture_db, f))
    parts = [tables.rows_table(b) for b in queries.trade_rows_batches(fixture_db, f, size=3)]
    assert [len(p.frame) for p in parts] == [3, 3, 3, 1]  # France's 10 export rows of 2024
    assert tables.to_csv_parts(parts) == tables.to_csv(whole)
    sheet = read_xlsx(tables.to_xlsx_parts(parts))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(whole.frame.columns)
    value = rows[0].index("Valeur (€)")
    assert [r[value] for r in rows[1:]] == whole.frame["Valeur (€)"].tolist()


# --- XLSX ------------------------------------------------------------------------------------
def test_xlsx_reads_back_with_raw_numbers_formats_and_text_codes():
    sheet = read_xlsx(tables.to_xlsx(sample()))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Pays", "Code", "Valeur (M€)", "Valeur (€)", "Part", "Part France", "Évolution", "UE 27"
    )  # fmt: skip
    assert rows[1][0] == '\'=HYPERLINK("x")'
    assert [r[0] for r in rows[2:5]] == ["'+33 malin", "'-1", "'@SUM(A1)"]
    assert [r[1] for r in rows[1:6]] == ["02", "0111", "93", "2A", "1E5"]  # text, not numbers
    assert [r[2] for r in rows[1:6]] == [1234.5678, -0.1, 2.0, 1.25e-2, 12148.6]  # unrounded
    assert [r[3] for r in rows[1:]] == [1, 2, 3, 4, 12_148_600_000, 0]
    assert [r[4] for r in rows[1:6]] == [0.086, 0.5, 1.0, 0.0, 0.0209]  # fractions
    assert [r[7] for r in rows[1:3]] == ["oui", "non"]
    assert rows[6] == (None, None, None, 0, None, None, None, "non")
    formats = {cell.column_letter: cell.number_format for cell in sheet[2]}
    assert formats == {
        "A": "General", "B": "General", "C": "#,##0.0", "D": "#,##0", "E": "0.0%",
        "F": "0.00%", "G": "+0.0%;-0.0%;0.0%", "H": "General",
    }  # fmt: skip
    assert sheet["B2"].data_type == "s" and sheet["D6"].data_type == "n"
    assert sheet.title == "Données" and sheet.freeze_panes == "A2"


@pytest.mark.parametrize(
    ("kind", "number_format"),
    [("ratio", "0.00"), ("index", "0.00"), ("tonnes", "#,##0.0"), ("per_kg", "#,##0.00"),
     ("int", "0")],
)  # fmt: skip
def test_xlsx_number_format_of_each_kind(kind, number_format):
    sheet = read_xlsx(tables.to_xlsx(tables.Table(pd.DataFrame({"x": [1.5]}), {"x": kind})))
    assert sheet["A2"].number_format == number_format
    assert sheet["A2"].value == (1 if kind == "int" else 1.5)  # int kinds are whole numbers


def test_xlsx_sheet_name_is_cut_to_excel_s_limit():
    data = tables.to_xlsx(tables.Table(pd.DataFrame({"x": [1]})), sheet="S" * 40)
    assert read_xlsx(data).title == "S" * 31


def test_growth_reads_signed_on_screen_and_in_excel():
    frame = pd.DataFrame({"Évolution": [0.268, -0.072, 0.0, float("nan")]})
    table = tables.Table(frame, {"Évolution": "growth"}, "evolution")
    shown = [tables.display_value(v, "growth") for v in frame["Évolution"]]
    assert shown == [f"+26,8{NN}%", f"\u22127,2{NN}%", f"0,0{NN}%", "–"]
    assert tables.styled(table).to_html().count("+26,8") == 1
    sheet = read_xlsx(tables.to_xlsx(table))
    assert sheet["A2"].value == 0.268 and sheet["A2"].number_format == "+0.0%;-0.0%;0.0%"
    assert csv_lines(table)[1:3] == ["+26,8 %", "-7,2 %"]


def test_display_values_on_screen():
    assert tables.display_value(12148.6, "meur") == f"12{NN}148,6"
    assert tables.display_value(12_148_600_000, "eur") == f"12{NN}148{NN}600{NN}000\u00a0€"
    assert tables.display_value(0.0857, "pct1") == f"8,6{NN}%"
    assert tables.display_value(0.0209, "pct2") == f"2,09{NN}%"
    # Tonnes: whole from 1 000 t, one decimal below.
    assert tables.display_value(1234.56, "tonnes") == f"1{NN}235"
    assert tables.display_value(234.56, "tonnes") == "234,6"
    assert tables.display_value(5.5, "per_kg") == "5,50"
    assert tables.display_value(None, "meur") == "–"
    assert tables.display_value(float("nan"), "per_kg") == "–"
    assert tables.display_value("02", "code") == "02"


# --- File names ------------------------------------------------------------------------------
def test_file_names_say_view_territory_and_period():
    assert tables.file_name("partenaires", "93", "Seine-Saint-Denis", Y2024, "csv") == (
        "partenaires_93-seine-saint-denis_2024.csv"
    )
    assert tables.file_name("flux-export", "R11", "Île-de-France", 2023, "xlsx") == (
        "flux-export_r11-ile-de-france_2023.xlsx"
    )
    assert tables.file_name("produits-CPF4", "971", "Guadeloupe", H1_2025, "csv") == (
        "produits-cpf4_971-guadeloupe_2025-T1-T2.csv"
    )
    assert tables.file_name("donnees", "FR", "France", Period.last_four(2025, 2), "xlsx") == (
        "donnees_fr-france_12m-2024T3-2025T2.xlsx"
    )


# --- The tables of the analysis pages --------------------------------------------------------
def test_partner_table_has_french_columns_exact_values_and_mass(fixture_db):
    table = tables.partner_table(queries.partner_balance(fixture_db, F93))
    assert list(table.frame.columns) == [
        "Pays", "Code", "Zone", "UE 27", "Importations (M€)", "Exportations (M€)", "Solde (M€)",
        "Taux de couverture", "Part des importations", "Part des exportations",
        "Importations (t)", "Exportations (t)", "Importations (€/kg)", "Exportations (€/kg)",
    ]  # fmt: skip
    frame = table.frame.set_index("Pays")
    assert frame.loc["Chine", "Solde (M€)"] == -100
    assert math.isnan(frame.loc["Allemagne", "Taux de couverture"])  # no imports from DE
    assert frame.loc["États-Unis", "Taux de couverture"] == 1
    assert frame.loc["Chine", "Part des importations"] == pytest.approx(120 / 250)
    assert frame.loc["Chine", ["Importations (t)", "Exportations (t)"]].tolist() == [120, 20]
    assert frame.loc["Chine", "Importations (€/kg)"] == pytest.approx(1_000)
    assert frame.loc["Allemagne", "UE 27"] == "oui"
    assert "millions d'euros" in table.caption and "tonnes" in table.caption
    lines = csv_lines(table)
    china = next(line for line in lines if line.startswith("Chine;"))
    assert (
        china
        == "Chine;CN;Asie;non;120,0;20,0;-100,0;16,7 %;48,0 %;10,0 %;120,0;20,0;1000,00;1000,00"
    )
    germany = next(line for line in lines if line.startswith("Allemagne;"))
    assert germany.split(";")[7] == "" and germany.split(";")[12] == ""  # no imports: empty


def test_product_table_per_level_keeps_totals_and_parents(fixture_db):
    parents = {
        "A17": [],
        "A38": ["Secteur A17"],
        "A129": ["Branche A38", "Secteur A17"],
        "CPF4": ["Produit A129", "Branche A38", "Secteur A17"],
    }
    for level, after in parents.items():
        table = tables.product_table(queries.product_breakdown(fixture_db, F93, level))
        columns = list(table.frame.columns)
        assert columns[:2] == [f"Code {level}", "Produit"]
        assert columns[2:] == [
            "Importations (M€)", "Exportations (M€)", "Solde (M€)", "Part des importations",
            "Part des exportations", "Importations (t)", "Exportations (t)",
            "Importations (€/kg)", "Exportations (€/kg)", *after,
        ]  # fmt: skip
        assert table.frame["Exportations (M€)"].sum() == pytest.approx(200)
        assert table.frame["Importations (M€)"].sum() == pytest.approx(250)
        assert table.view == f"produits-{level}"
        assert table.kind(f"Code {level}") == "code"
    cpf4 = tables.product_table(queries.product_breakdown(fixture_db, F93, "CPF4")).frame
    row = cpf4.set_index("Code CPF4").loc["2120"]
    assert row["Produit A129"] == "C21Z – Produits pharmaceutiques"
    assert row["Secteur A17"] == "C5 – Autres industries"
    assert row["Exportations (t)"] == 150


def test_flow_table_lists_the_links_and_flags_the_five_largest(fixture_db):
    flows = queries.sankey_flows(fixture_db, F93)
    table = tables.flow_table(flows)
    assert table.frame["Valeur (M€)"].sum() == pytest.approx(200)
    assert table.frame["Part du total"].sum() == pytest.approx(1)
    assert (table.frame["Parmi les 5 principaux flux"] == "oui").sum() == int(
        flows.links["top"].sum()
    )
    assert list(table.frame.columns[:2]) == ["Produit", "Pays de destination"]
    imports = tables.flow_table(queries.sankey_flows(fixture_db, F93.with_(flow="import")))
    assert list(imports.frame.columns[:2]) == ["Pays d'origine", "Produit"]
    assert imports.view == "flux-import"


def test_rows_table_of_a_departement_and_of_france(fixture_db):
    rows = queries.trade_rows(fixture_db, F93)
    detail = tables.rows_table(rows)
    assert list(detail.frame.columns) == [
        "Année", "Trimestre", "Flux", "Pays", "Nom du pays", "Produit (CPF4)",
        "Libellé du produit", "Valeur (€)", "Masse (kg)", "Département", "Nom du département",
        "Produit (A129)", "Branche (A38)", "Secteur (A17)",
    ]  # fmt: skip
    assert set(detail.frame["Flux"]) == {"Exportations"}
    assert detail.frame["Valeur (€)"].sum() == 200 * M
    assert detail.frame["Trimestre"].tolist() == [1, 2, 3, 4]
    assert "département, produit CPF4" in detail.caption
    assert csv_lines(detail)[1].startswith("2024;1;Exportations;DE;Allemagne;2120;")
    france = tables.rows_table(queries.trade_rows(fixture_db, Filters("FR", Y2024)))
    assert "Département" not in france.frame.columns
    assert "(France entière : départements sommés)" in france.caption
    sheet = read_xlsx(tables.to_xlsx(detail))
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("Produit (CPF4)") + 1).value == "2120"
    assert sheet.cell(2, header.index("Département") + 1).value == "93"


def test_grouped_rows_add_up_to_the_same_totals(fixture_db):
    rows = queries.trade_rows(fixture_db, F93.with_(flow="import"))
    by_country = tables.grouped_rows_table(rows, "pays")
    assert by_country.frame["Importations (€)"].sum() == 250 * M
    assert by_country.frame["Exportations (€)"].sum() == 0
    assert by_country.frame["Nombre de lignes"].sum() == len(rows) == 3
    china = by_country.frame.set_index("Pays").loc["CN"]
    assert (china["Solde (€)"], china["Importations (t)"]) == (-120 * M, 120)
    by_product = tables.grouped_rows_table(rows, "produits")
    assert by_product.frame["Solde (€)"].sum() == -250 * M
    empty = tables.grouped_rows_table(rows.iloc[0:0], "pays")
    assert empty.frame.empty
    with pytest.raises(KeyError):
        tables.grouped_rows_table(rows, "dept; DROP TABLE trade")
    assert len(csv_lines(tables.rows_table(rows))) == len(rows) + 2  # header, rows, final ""


def test_kpi_columns_in_millions_and_ratios():
    frame = pd.DataFrame(
        {"exports": [200 * M], "imports": [250 * M], "balance": [-50 * M], "coverage": [0.8],
         "growth_exports": [0.25]}
    )  # fmt: skip
    columns = tables.kpi_columns(frame)
    assert list(columns) == [
        "Exportations (M€)", "Importations (M€)", "Solde (M€)", "Taux de couverture",
        "Évolution des exportations",
    ]  # fmt: skip
    assert columns["Solde (M€)"].tolist() == [-50.0]
    table = tables.Table(pd.DataFrame(columns), tables.KPI_KINDS)
    assert csv_lines(table)[1] == "200,0;250,0;-50,0;80,0 %;+25,0 %"


# --- Nothing to show -------------------------------------------------------------------------
def empty_table() -> tables.Table:
    frame = pd.DataFrame(
        {
            "Pays": pd.Series([], dtype=object),
            "Valeur (M€)": pd.Series([], dtype="float64"),
            "Part": pd.Series([], dtype="float64"),
            "Évolution": pd.Series([], dtype="float64"),
        }
    )
    return tables.Table(frame, {"Valeur (M€)": "meur", "Part": "pct1", "Évolution": "growth"})


def test_an_empty_table_downloads_as_its_header_alone_in_csv():
    assert tables.to_csv(empty_table()) == BOM + "Pays;Valeur (M€);Part;Évolution\r\n".encode()


def test_an_empty_table_downloads_as_its_header_alone_in_xlsx():
    rows = list(read_xlsx(tables.to_xlsx(empty_table())).iter_rows(values_only=True))
    assert rows == [("Pays", "Valeur (M€)", "Part", "Évolution")]


@pytest.mark.parametrize("level", ["A17", "A38", "A129", "CPF4"])
def test_product_table_of_a_selection_with_no_trade_is_empty(fixture_db, level):
    # Seine-Saint-Denis trades nothing with QU (« pays non déterminés ») in 2024.
    breakdown = queries.product_breakdown(fixture_db, F93.with_(partners=("QU",)), level)
    assert breakdown.table.empty and (breakdown.total_exports, breakdown.total_imports) == (0, 0)
    table = tables.product_table(breakdown)
    assert table.frame.empty
    assert list(table.frame.columns[:2]) == [f"Code {level}", "Produit"]
