"""Download builders: the bytes of the CSV and XLSX files and the tables of the analysis pages."""

from __future__ import annotations

import io
import math

import openpyxl
import pandas as pd
import pytest

from core import queries, tables
from core.filters import Filters

F93 = Filters(territory="93", year=2024)


def sample() -> tables.Table:
    frame = pd.DataFrame(
        {
            "Pays": ['=HYPERLINK("x")', "+33 malin", "-1", "@SUM(A1)", "Allemagne", None],
            "Valeur (M€)": [1234.5678, -0.1, 2.0, 1e-7, 12148.6, float("nan")],
            "Valeur (€)": [1, 2, 3, 4, 12_148_600_000, 0],
            "Part": [0.086, 0.5, 1.0, 0.0, 0.0209, None],
        }
    )
    kinds = {"Valeur (M€)": "meur", "Valeur (€)": "eur", "Part": "pct1"}
    return tables.Table(frame, kinds, "partenaires", "Valeurs en millions d'euros.")


def test_csv_is_french_excel_with_bom_semicolon_decimal_comma_and_crlf():
    data = tables.to_csv(sample())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "Pays;Valeur (M€);Valeur (€);Part"
    assert lines[-1] == ""  # CRLF after the last row too
    assert "\n" not in text.replace("\r\n", "")
    fields = lines[5].split(";")
    assert fields == ["Allemagne", "12148,6", "12148600000", "0,0209"]  # raw, no thousands
    assert lines[2].split(";")[1] == "-0,1"
    assert lines[4].split(";")[1] == "0,0000001"  # never in scientific notation
    assert lines[6] == ";;0;"  # missing values are empty cells


def test_csv_neutralises_cells_that_a_spreadsheet_would_run_as_formulas():
    lines = tables.to_csv(sample())[3:].decode("utf-8").split("\r\n")
    first_cells = [line.split(";")[0] for line in lines[1:5]]
    assert lines[1].startswith('"\'=HYPERLINK(""x"")"')  # quoted because of the quotes
    assert first_cells[1:] == ["'+33 malin", "'-1", "'@SUM(A1)"]
    # Numbers are numbers, not text: a negative value is not "neutralised".
    assert lines[2].split(";")[1] == "-0,1"


def test_xlsx_reads_back_with_the_same_numbers_and_neutralised_text():
    table = sample()
    book = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(table)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Pays", "Valeur (M€)", "Valeur (€)", "Part")
    assert rows[1][0] == '\'=HYPERLINK("x")'
    assert [r[1] for r in rows[1:6]] == [1234.5678, -0.1, 2.0, 1e-7, 12148.6]
    assert [r[2] for r in rows[1:]] == [1, 2, 3, 4, 12_148_600_000, 0]
    assert rows[6] == (None, None, 0, None)
    assert sheet["B2"].number_format == "#,##0.0" and sheet["D2"].number_format == "0.0%"


def test_growth_reads_signed_on_screen_and_in_excel():
    frame = pd.DataFrame({"Évolution": [0.268, -0.072, 0.0, float("nan")]})
    table = tables.Table(frame, {"Évolution": "growth"}, "evolution")
    shown = [tables.display_value(v, "growth") for v in frame["Évolution"]]
    assert shown == ["+26,8\u202f%", "\u22127,2\u202f%", "0,0\u202f%", "–"]
    assert tables.styled(table).to_html().count("+26,8") == 1
    sheet = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(table))).active
    assert sheet["A2"].value == 0.268 and sheet["A2"].number_format == "+0.0%;-0.0%;0.0%"
    assert tables.to_csv(table)[3:].decode().split("\r\n")[1:3] == ["0,268", "-0,072"]


def test_a_table_written_in_parts_gives_the_same_bytes_as_in_one_piece(fixture_db):
    f = Filters("FR", 2024)
    whole = tables.rows_table(queries.trade_rows(fixture_db, f))
    parts = [tables.rows_table(b) for b in queries.trade_rows_batches(fixture_db, f, size=3)]
    assert [len(p.frame) for p in parts] == [3, 3, 3, 3, 3, 3, 1]  # the 19 rows of 2024
    assert tables.to_csv_parts(parts) == tables.to_csv(whole)
    read = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx_parts(parts))).active
    rows = list(read.iter_rows(values_only=True))
    assert rows[0] == tuple(whole.frame.columns)
    value = rows[0].index("Valeur (€)")
    assert [r[value] for r in rows[1:]] == whole.frame["Valeur (€)"].tolist()


def test_file_names_say_view_territory_and_year():
    assert tables.file_name("partenaires", "93", "Seine-Saint-Denis", 2024, "csv") == (
        "partenaires_93-seine-saint-denis_2024.csv"
    )
    assert tables.file_name("flux-export", "R11", "Île-de-France", 2023, "xlsx") == (
        "flux-export_r11-ile-de-france_2023.xlsx"
    )


def test_partner_table_has_french_columns_and_exact_values(fixture_db):
    table = tables.partner_table(queries.partner_balance(fixture_db, F93))
    frame = table.frame.set_index("Pays")
    assert list(table.frame.columns[:7]) == [
        "Pays", "Code", "Zone", "UE 27", "Importations (M€)", "Exportations (M€)", "Solde (M€)",
    ]  # fmt: skip
    assert frame.loc["Chine", "Solde (M€)"] == -100
    assert math.isnan(frame.loc["Allemagne", "Taux de couverture"])  # no imports from DE
    assert frame.loc["États-Unis", "Taux de couverture"] == 1
    assert frame.loc["Chine", "Part des importations"] == pytest.approx(120 / 250)
    assert (
        tables.display_value(frame.loc["Chine", "Part des importations"], "pct1") == "48,0\u202f%"
    )
    assert "millions d'euros" in table.caption


def test_product_table_per_level_keeps_totals(fixture_db):
    for level, first in (("A17", "Code A17"), ("A38", "Code A38"), ("A129", "Code A129")):
        breakdown = queries.product_breakdown(fixture_db, F93, level)
        table = tables.product_table(breakdown)
        assert table.frame.columns[0] == first
        assert table.frame["Exportations (M€)"].sum() == pytest.approx(200)
        assert table.frame["Importations (M€)"].sum() == pytest.approx(250)
        assert table.view == f"produits-{level}"
    assert (
        "Branche A38"
        in tables.product_table(queries.product_breakdown(fixture_db, F93, "A129")).frame.columns
    )


def test_flow_table_lists_the_links_and_flags_the_five_largest(fixture_db):
    flows = queries.sankey_flows(fixture_db, F93)
    table = tables.flow_table(flows)
    assert table.frame["Valeur (M€)"].sum() == pytest.approx(200)
    assert table.frame["Part du total"].sum() == pytest.approx(1)
    assert (table.frame["Parmi les 5 principaux flux"] == "oui").sum() == int(
        flows.links["top"].sum()
    )
    assert list(table.frame.columns[:2]) == ["Produit", "Pays de destination"]


def test_rows_and_grouped_rows_add_up_to_the_same_totals(fixture_db):
    rows = queries.trade_rows(fixture_db, F93)
    detail = tables.rows_table(rows)
    assert set(detail.frame["Flux"]) == {"Exportations", "Importations"}
    assert detail.frame["Valeur (€)"].sum() == 450_000_000
    by_country = tables.grouped_rows_table(rows, "pays")
    assert by_country.frame["Exportations (€)"].sum() == 200_000_000
    assert by_country.frame["Importations (€)"].sum() == 250_000_000
    assert by_country.frame["Nombre de lignes"].sum() == len(rows)
    china = by_country.frame.set_index("Pays").loc["CN"]
    assert china["Solde (€)"] == 20_000_000 - 120_000_000
    by_product = tables.grouped_rows_table(rows, "produits")
    assert by_product.frame["Solde (€)"].sum() == -50_000_000
    empty = tables.grouped_rows_table(rows.iloc[0:0], "pays")
    assert empty.frame.empty
    with pytest.raises(KeyError):
        tables.grouped_rows_table(rows, "dept; DROP TABLE trade")
    csv_lines = tables.to_csv(detail)[3:].decode().split("\r\n")
    assert len(csv_lines) == len(rows) + 2  # header, rows, final empty string
