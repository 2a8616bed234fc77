"""Reading and validating official files: every accepted shape, every refusal's exact message.

Values are hand-computed (see ``tests/test_ingest_helpers.py``). These tests call
``ingest.read_trade`` (no database is written); builds are tested in ``test_ingest_build.py``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core import ingest, ingest_columns, reference
from core.ingest import IngestError, Source
from core.ingest_read import MAX_EXPANDED_BYTES
from tests.test_ingest_helpers import (
    EXPECTED,
    HEADER_FR,
    as_dict,
    csv_bytes,
    sample_rows,
    xlsx_bytes,
    zip_bytes,
)


def read(*sources: Source, unit: str | None = None):
    return ingest.read_trade(list(sources), unit)


def refused(*sources: Source, unit: str | None = None) -> list[str]:
    with pytest.raises(IngestError) as info:
        read(*sources, unit=unit)
    return info.value.messages


# --- Accepted shapes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sep", "encoding", "decimal", "thousands"),
    [
        (";", "cp1252", ",", "\u00a0"),  # the official shape: Windows-1252, ';', 1 234,567
        (";", "utf-8", ",", " "),
        (";", "utf-8-sig", ",", "\u202f"),  # narrow no-break space
        (",", "utf-8", ".", ","),  # 1,234.567 (quoted cells)
        ("\t", "cp1252", ".", ""),
        ("\t", "utf-8-sig", ",", "."),  # 1.234,567
    ],
)
def test_csv_shapes_give_the_hand_computed_euros(sep, encoding, decimal, thousands):
    rows = sample_rows(decimal=decimal, thousands=thousands)
    data = csv_bytes(rows, sep=sep, encoding=encoding, preamble="Commerce extérieur 2024\r\n\r\n")
    trade, report = read(Source("dgddi.csv", data))
    assert as_dict(trade) == EXPECTED
    assert report.rows_read == 4 and report.rows_kept == 4 and report.rows_rejected == 0
    assert report.files[0].unit == "milliers d'euros"
    assert report.files[0].unit_source.startswith("détectée dans l'en-tête")


def test_xlsx_with_title_row_and_numeric_cells():
    rows = [
        [2024, "Export", 1, "C21Z", "DE", 1234.567],
        [2024, "exportations", 93, "C30C", "US", 0.5],
        [2024, "Importations", "2A", "C10A", "BE", 12],
        [2023, "IMPORT", 971, "C11Z", "QU", 1000000.001],
    ]
    trade, report = read(Source("dgddi.xlsx", xlsx_bytes(rows, title="Titre du tableau")))
    assert as_dict(trade) == EXPECTED
    assert report.files[0].layout == "XLSX"
    assert report.files[0].name == "dgddi.xlsx [Sheet]"


def test_zip_of_csv_and_xlsx_members_is_read_member_by_member():
    rows = sample_rows()
    archive = zip_bytes(
        {
            "exp/part1.csv": csv_bytes(rows[:2]),
            "part2.xlsx": xlsx_bytes(
                [[2024, "I", "2A", "C10A", "BE", 12], [2023, "I", "971", "C11Z", "QU", 1000000.001]]
            ),  # fmt: skip
            "__MACOSX/._part1.csv": b"junk",
        }
    )
    trade, report = read(Source("dgddi.zip", archive))
    assert as_dict(trade) == EXPECTED
    assert [f.name for f in report.files] == ["dgddi.zip/exp/part1.csv", "dgddi.zip/part2.xlsx [Sheet]"]  # fmt: skip


def test_loose_headers_and_unit_option_in_euros():
    header = ["ANNEE", "sens_du_flux", "Dep", "produit", "PAYS", "Montant"]
    rows = [
        ["2024", "E", "01", "C21Z", "DE", "1234567"],
        ["2024", "I", "2a", "C10A", "BE", "12000"],
    ]
    trade, report = read(Source("f.csv", csv_bytes(rows, header)), unit="euros")
    assert as_dict(trade) == {
        (2024, "export", "01", "C21Z", "DE"): 1_234_567,
        (2024, "import", "2A", "C10A", "BE"): 12_000,
    }
    assert report.files[0].unit_source == "fixée par l'option d'unité"


def test_unit_is_assumed_thousands_when_nothing_says_it():
    header = ["Année", "Flux", "Département", "A129", "Pays", "Valeur"]
    trade, report = read(Source("f.csv", csv_bytes([["2024", "E", "93", "C21Z", "DE", "2,5"]], header)))  # fmt: skip
    assert int(trade["value_eur"].iloc[0]) == 2_500
    assert report.files[0].unit_source.startswith("supposée")


def test_euro_header_is_detected():
    header = ["Année", "Flux", "Département", "A129", "Pays", "Valeur en €"]
    trade, report = read(Source("f.csv", csv_bytes([["2024", "E", "93", "C21Z", "DE", "2,5"]], header)))  # fmt: skip
    assert int(trade["value_eur"].iloc[0]) == 3  # 2,5 € rounds half up to 3 €
    assert report.files[0].unit == "euros"


def test_quarterly_cpf4_rows_are_summed_to_years_and_a129():
    header = ["Année", "Trimestre", "Flux", "Département", "Code CPF4", "Pays", "Valeur k€"]
    rows = [
        ["2024", "T1", "E", "59", "21.10", "BE", "1,001"],
        ["2024", "T2", "E", "59", "21.20", "BE", "2,002"],
        ["2024", "T1", "E", "59", "2120", "BE", "0,003"],  # CPF4 without the dot
        ["2024", "T1", "E", "59", "10.51", "BE", "5"],  # 10.5 → C10E
        ["2024", "T1", "E", "59", "3030", "BE", "7"],  # 30.3 → C30C
        ["2024", "T1", "E", "59", "111", "BE", "1"],  # "0111" lost its zero → A01Z
    ]
    trade, report = read(Source("f.csv", csv_bytes(rows, header)))
    assert as_dict(trade) == {
        (2024, "export", "59", "C21Z", "BE"): 3_006,
        (2024, "export", "59", "C10E", "BE"): 5_000,
        (2024, "export", "59", "C30C", "BE"): 7_000,
        (2024, "export", "59", "A01Z", "BE"): 1_000,
    }
    assert report.rows_stored == 0  # set by load_trade only
    assert report.rows_kept == 6


def test_wide_layout_with_export_and_import_columns():
    header = ["Année", "Département", "Produit", "Pays", "Exportations (k€)", "Importations (k€)"]
    rows = [["2024", "93", "C21Z", "DE", "1,5", "2"]]
    trade, _ = read(Source("f.csv", csv_bytes(rows, header)))
    assert as_dict(trade) == {
        (2024, "export", "93", "C21Z", "DE"): 1_500,
        (2024, "import", "93", "C21Z", "DE"): 2_000,
    }


def test_flow_from_file_name_and_partner_by_french_name():
    header = ["Année", "Département", "Produit", "Pays", "Valeur"]
    rows = [
        ["2024", "93", "C21Z", "Allemagne", "1"],
        ["2024", "93", "C21Z", "US - États-Unis", "2"],
    ]
    trade, report = read(Source("exportations-93.csv", csv_bytes(rows, header)))
    assert as_dict(trade) == {
        (2024, "export", "93", "C21Z", "DE"): 1_000,
        (2024, "export", "93", "C21Z", "US"): 2_000,
    }
    assert any("flux déduit du nom du fichier" in n for n in report.notes)


def test_totals_unknown_codes_and_notes_are_set_aside_with_counts_and_values():
    rows = sample_rows() + [
        ["2024", "E", "99", "C21Z", "DE", "1"],
        ["2024", "E", "99", "C30C", "DE", "2"],
        ["2024", "E", "93", "C33Z", "DE", "4"],
        ["2024", "E", "93", "C21Z", "ZZ", "8"],
        ["Total", "", "", "", "", "999"],
        ["2024", "E", "93", "C21Z", "GB", ""],
        ["Source : DGDDI", "", "", "", "", ""],
    ]
    trade, report = read(Source("f.csv", csv_bytes(rows)))
    assert as_dict(trade) == {**EXPECTED, (2024, "export", "93", "C21Z", "ZZ"): 8_000}
    rejected = {(r.reason, r.code): (r.rows, r.value_eur) for r in report.rejected.itertuples()}
    assert rejected == {
        (ingest.REASONS["dept"], "99"): (2, 3_000),
        (ingest.REASONS["product"], "C33Z"): (1, 4_000),
        (ingest.REASONS["total"], ""): (1, 999_000),
        (ingest.REASONS["empty_value"], ""): (1, 0),
        (ingest.REASONS["empty_row"], ""): (1, 0),
    }
    assert report.rows_read == 11 and report.rows_kept == 5 and report.rows_rejected == 6
    unknown = report.unknown_partners
    assert unknown.to_dict("records") == [{"code": "ZZ", "rows": 1, "value_eur": 8_000}]


# --- Values and codes, exactly -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "unit", "euros"),
    [
        ("1 234,567", "milliers", 1_234_567),
        ("1\u202f234,567", "milliers", 1_234_567),
        ("0,001", "milliers", 1),
        ("0,0005", "milliers", 1),  # half a euro rounds up
        ("0,0004", "milliers", 0),
        ("999999999,999", "milliers", 999_999_999_999),
        ("12", "milliers", 12_000),
        ("12,49", "euros", 12),
        ("12,5", "euros", 13),
    ],
)
def test_values_convert_to_whole_euros_without_float_error(raw, unit, euros):
    value, invalid, negative = ingest_columns.parse_values(pd.Series([raw]), unit)
    assert int(value.iloc[0]) == euros and not invalid.iloc[0] and not negative.iloc[0]


def test_every_a129_code_with_a_letter_suffix_has_its_cpf_groups():
    codes = set(reference.load_products()["code"])
    split = {c for c in codes if not c.endswith("Z")}
    assert split <= set(ingest_columns.A129_GROUPS)
    groups = [g for gs in ingest_columns.A129_GROUPS.values() for g in gs]
    assert len(groups) == len(set(groups))  # no CPF group maps to two A129 codes


@pytest.mark.parametrize(
    ("raw", "code"),
    [("1", "01"), ("01", "01"), ("2a", "2A"), ("2B", "2B"), ("971", "971"),
     ("93 - Seine-Saint-Denis", "93"), ("5.0", "05")],
)  # fmt: skip
def test_departement_codes_are_normalised(raw, code):
    assert ingest_columns.departements(pd.Series([raw])).iloc[0] == code


# --- Refusals: exact French messages -----------------------------------------------------------


def test_missing_columns_name_file_line_and_headers():
    header = ["Année", "Flux", "Département", "Pays", "Valeur"]
    messages = refused(Source("f.csv", csv_bytes([["2024", "E", "93", "DE", "1"]], header)))
    assert messages == [
        "Fichier « f.csv », ligne 1 : colonne(s) manquante(s) : produit (A129 ou CPF4) "
        "(en-têtes lus : « Année », « Flux », « Département », « Pays », « Valeur »). "
        "Noms acceptés : voir la liste des alias."
    ]


def test_non_numeric_value_names_file_line_column_value():
    rows = sample_rows() + [["2024", "E", "93", "C21Z", "DE", "12a"]]
    assert refused(Source("f.csv", csv_bytes(rows))) == [
        "Fichier « f.csv », ligne 6, colonne « Valeur (en milliers d'euros) » : valeur non "
        "numérique (« 12a »)."
    ]


def test_negative_value_is_refused():
    rows = [["2024", "E", "93", "C21Z", "DE", "-3,5"]]
    assert refused(Source("f.csv", csv_bytes(rows))) == [
        "Fichier « f.csv », ligne 2, colonne « Valeur (en milliers d'euros) » : valeur "
        "négative (« -3,5 »)."
    ]


def test_unknown_flow_and_bad_year_are_refused():
    rows = [["2024", "X2", "93", "C21Z", "DE", "1"], ["24", "E", "93", "C21Z", "DE", "1"]]
    assert refused(Source("f.csv", csv_bytes(rows))) == [
        "Fichier « f.csv », ligne 3, colonne « Année » : année invalide (quatre chiffres "
        "attendus) (« 24 »).",
        "Fichier « f.csv », ligne 2, colonne « Flux » : code de flux inconnu (E, I, export, "
        "import… attendus) (« X2 »).",
    ]


def test_unreadable_encoding_names_line_and_byte():
    data = csv_bytes(sample_rows(), encoding="utf-8") + "2024;E;93;C21Z;DE;1\x81\r\n".encode("latin-1")  # fmt: skip
    assert refused(Source("f.csv", data)) == [
        "Fichier « f.csv », ligne 6 : encodage illisible (octet 0x81, ni UTF-8 ni Windows-1252)."
    ]


def test_utf16_is_refused_as_unreadable():
    data = "Année;Flux\r\n".encode("utf-16")
    assert refused(Source("f.csv", data)) == [
        "Fichier « f.csv » : encodage illisible (octets nuls : fichier binaire ou UTF-16 ?) ; "
        "enregistrez-le en CSV UTF-8 ou Windows-1252."
    ]


def test_duplicated_key_is_refused_naming_both_lines():
    rows = sample_rows()
    first = Source("a.csv", csv_bytes(rows))
    again = Source("b.csv", csv_bytes(rows[:1]))
    assert refused(first, again) == [
        "Clé en double (fichier « a.csv », ligne 2 et fichier « b.csv », ligne 2) : 2024, "
        "export, département 01, produit C21Z, pays DE. Une même ligne chargée deux fois "
        "serait comptée deux fois : retirez le doublon (fichier chargé deux fois ?)."
    ]


def test_mixed_a129_and_cpf4_codes_are_refused():
    rows = [["2024", "E", "93", "C21Z", "DE", "1"], ["2024", "E", "93", "21.10", "US", "1"]]
    assert refused(Source("f.csv", csv_bytes(rows))) == [
        "Fichier « f.csv » : codes A129 (ligne 2 : « C21Z ») et CPF4 (ligne 3 : « 21.10 ») "
        "mélangés ; un fichier qui porte les deux niveaux compterait deux fois les mêmes "
        "échanges."
    ]


def test_empty_file_and_header_only_file_are_refused():
    assert refused(Source("vide.csv", b"")) == ["Fichier « vide.csv » : le fichier est vide."]
    assert refused(Source("entete.csv", csv_bytes([]))) == [
        "Fichier « entete.csv » : aucune ligne de données sous l'en-tête."
    ]


def test_file_over_the_size_limit_is_refused():
    from core import ingest_read

    with pytest.raises(IngestError) as info:
        ingest_read.expand(Source("gros.csv", b"x" * 2_000_000), max_bytes=1_000_000)
    assert info.value.messages == [
        "Fichier « gros.csv » : 2.0 Mo, au-delà de la limite de 1 Mo par fichier."
    ]


def test_zip_bomb_is_refused_while_expanding():
    from core import ingest_read

    bomb = zip_bytes({"a.csv": b"0" * 5_000_000, "b.csv": b"0" * 5_000_000})
    with pytest.raises(IngestError) as info:
        ingest_read.expand(Source("bombe.zip", bomb), max_expanded=8_000_000)
    assert info.value.messages == [
        "Fichier « bombe.zip » : l'archive se décompresse en 10 Mo, au-delà de la limite de 8 Mo."
    ]
    assert MAX_EXPANDED_BYTES >= 1024**3


def test_zip_with_forged_sizes_is_refused_as_corrupt(monkeypatch):
    from core import ingest_read

    bomb = zip_bytes({"a.csv": b"0" * 3_000_000})
    real_infolist = ingest_read.zipfile.ZipFile.infolist

    def lying(self):
        infos = real_infolist(self)
        for info in infos:
            info.file_size = 10  # the header lies; reading must still stop at the limit
        return infos

    monkeypatch.setattr(ingest_read.zipfile.ZipFile, "infolist", lying)
    with pytest.raises(IngestError) as info:
        ingest_read.expand(Source("bombe.zip", bomb), max_expanded=1_000_000)
    # zipfile stops at the declared size, then the CRC check fails: refused as corrupt.
    assert info.value.messages == [
        "Fichier « bombe.zip/a.csv » : archive ZIP corrompue (Bad CRC-32 for file 'a.csv')."
    ]


def test_unit_conflict_between_header_and_option_is_refused():
    messages = refused(Source("f.csv", csv_bytes(sample_rows())), unit="euros")
    assert messages == [
        "Fichier « f.csv », ligne 1, colonne « Valeur (en milliers d'euros) » : l'en-tête "
        "indique des milliers d'euros mais l'unité demandée est « euros » ; retirez l'option "
        "ou corrigez le fichier."
    ]


def test_header_constant_is_the_official_shape():
    assert HEADER_FR[-1] == "Valeur (en milliers d'euros)"


# --- XLS: real BIFF workbooks written by xlwt (a test-only dependency) ----------------------


def xls_bytes(rows: list[list[object]], sheet: str = "Feuil1") -> bytes:
    import io

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_broken_xls_is_refused():
    data = b"\xd0\xcf\x11\xe0" + b"\x00" * 600
    assert refused(Source("f.xls", data)) == ["Fichier « f.xls » : classeur XLS illisible."]


def test_xls_workbook_with_a_title_row_and_numeric_codes_is_read():
    rows = [
        ["Tableau DGDDI", "", "", "", "", ""],
        HEADER_FR,
        [2024, "E", 1, "C21Z", "DE", 1234.567],  # département 1 stored as a number: 01
        [2024, "E", 93, "C30C", "US", 0.5],
        [2024, "I", "2A", "C10A", "BE", 12],
        [2023, "I", 971, "C11Z", "QU", 1000000.001],
    ]
    trade, report = read(Source("f.xls", xls_bytes(rows)))
    assert as_dict(trade) == EXPECTED
    assert report.files[0].name == "f.xls [Feuil1]" and report.files[0].layout == "XLS"
    assert report.files[0].unit == "milliers d'euros"


def test_xls_inside_a_zip_with_a_negative_value_names_the_member_and_the_line():
    rows = [HEADER_FR, [2024, "E", 93, "C21Z", "DE", -5]]
    archive = zip_bytes({"dgddi/2024.xls": xls_bytes(rows)})
    (message,) = refused(Source("envoi.zip", archive))
    assert "envoi.zip" in message and "2024.xls" in message
    assert "ligne 2" in message and "valeur négative" in message


def test_trailing_separator_on_data_lines_is_accepted():
    data = csv_bytes([[*row, ""] for row in sample_rows()])  # "…;1 234,567;"
    assert data.split(b"\r\n")[1].endswith(b";") and not data.split(b"\r\n")[0].endswith(b";")
    trade, _ = read(Source("f.csv", data))
    assert as_dict(trade) == EXPECTED


def test_extra_non_empty_field_is_refused_with_its_line():
    data = csv_bytes(sample_rows()) + b"2024;E;93;C21Z;DE;1;surplus\r\n"
    assert refused(Source("f.csv", data)) == [
        "Fichier « f.csv », ligne 6 : plus de champs que de colonnes d'en-tête (6 colonnes)."
    ]
