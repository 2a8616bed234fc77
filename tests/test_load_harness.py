"""The load harness (``python -m benchmarks.load``) end to end, kept short (≈ 35 s).

Two real servers run side by side for ~15 s each: three websocket sessions browsing the
embedded demonstration database (0 errors, page times of at least three pages, filters kept),
and four sessions while builds A and B of a small fixture database are swapped every 3 s
(every Vue d'ensemble shows one build's version with that build's figures), one of which
downloads the France-wide Données rows as CSV and XLSX over and over.

A third server (demonstration database) checks the websocket client's downloads step by step:
the Données page of Seine-Saint-Denis in 2025 (more rows than a one-click download holds)
offers « Préparer le fichier CSV / Excel », a click (``trigger_value``) runs the callback that
writes the file, the rerun shows the link « Télécharger (CSV, 2,1 Mo) », and the file behind
it is exactly the CSV the app writes (BOM, header line, every row of the filters) or an XLSX
workbook. Select with ``pytest -k load_harness``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks import load
from benchmarks.wsclient import DownloadResult, RunResult, StreamlitSession
from core import store
from tests.fixture_data import build_fixture

SECONDS = 15
TOKEN_PATH = r"/telechargements/[A-Za-z0-9_-]{20,64}"
# The header line of the Données rows (France: no département columns), as core.tables writes
# it: UTF-8 with BOM, « ; » separated, CRLF.
DEPT_ROWS_HEADER = (
    "\ufeffAnnée;Trimestre;Flux;Pays;Nom du pays;Produit (CPF4);Libellé du produit;"
    "Valeur (€);Masse (kg);Département;Nom du département;Produit (A129);Branche (A38);"
    "Secteur (A17)"
).encode()
ROWS_HEADER = (
    "\ufeffAnnée;Trimestre;Flux;Pays;Nom du pays;Produit (CPF4);Libellé du produit;"
    "Valeur (€);Masse (kg);Produit (A129);Branche (A38);Secteur (A17)"
).encode()


@pytest.fixture(scope="module")
def load_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, load.Report | None]:
    demo = store.db_path()
    fixture = build_fixture(tmp_path_factory.mktemp("load") / "fixture.duckdb")
    browse = load.Config(
        sessions=3, minutes=SECONDS / 60, downloads=0, seed=7, think=(0.2, 0.8),
        timeout=60, timeline_every=5, log=False, db=demo,
    )  # fmt: skip
    swap = load.Config(
        sessions=4, minutes=SECONDS / 60, downloads=1, swap_every=3, seed=11, think=(0.1, 0.5),
        timeout=60, timeline_every=5, log=False, db=fixture, overview_share=0.6,
        territories=("FR", "R11", "R32", "93", "95", "59", "02"),
    )  # fmt: skip
    with ThreadPoolExecutor(2) as pool:
        browsing = pool.submit(load.run, browse) if Path(demo).exists() else None
        swapping = pool.submit(load.run, swap)
        return {"browse": browsing.result() if browsing else None, "swap": swapping.result()}


def test_load_harness_sessions(load_reports: dict[str, load.Report | None]) -> None:
    report = load_reports["browse"]
    if report is None:
        pytest.skip("no demonstration database: run `make demo-db`")
    text = load.summary(report)
    assert not report.errors, text
    assert len(report.pages_timed()) >= 3, text
    assert report.filter_checks > 0 and not report.filter_mismatches, text
    assert report.memory, text


def test_load_harness_swap(load_reports: dict[str, load.Report | None]) -> None:
    report = load_reports["swap"]
    text = load.summary(report)
    assert len(report.swaps) >= 2, text
    assert not report.errors, text
    assert not report.swap_mismatches, text
    # Both builds were seen, each with its own figures: a mix could not go unnoticed.
    assert report.swap_checks["A"] > 0 and report.swap_checks["B"] > 0, text


def test_load_harness_downloads(load_reports: dict[str, load.Report | None]) -> None:
    """The downloading session fetched both files while builds were swapped, each checked by
    the harness (file name, CSV header, XLSX signature): any wrong file would be an error
    above. The fixture's France-wide table is small, so its files come with the page (plain
    download buttons, media URLs); the prepare-then-link path is checked step by step below
    on the demonstration database."""
    report = load_reports["swap"]
    text = load.summary(report)
    assert not report.errors, text
    done = {kind for _, kind, r in report.downloads if r.error is None}
    assert done == {"CSV", "XLSX"}, text
    for _, kind, r in report.downloads:
        assert r.fetch_s > 0 and r.size > 0, (kind, r)
        assert r.label == load.DIRECT[kind] and urlsplit(r.url).path.startswith("/media/"), r
    assert "Downloads : " in text and "fetched in p50" in text, text
    assert report.export_files[0] == 0, text  # nothing prepared on disk for small tables


def test_load_harness_detects_mixed_builds(tmp_path: Path) -> None:
    """The swap check is not vacuous: a banner of one build with the other's figure fails."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.Metric_pb2 import Metric

    from benchmarks.wsclient import Element, RunResult

    a, b, _ = load.prepare_builds(build_fixture(tmp_path / "f.duckdb"), tmp_path / "data")
    builds = {"A": load.Data(a, "A"), "B": load.Data(b, "B")}
    query = {"territoire": "93", "annee": "2024"}
    assert builds["A"].expected_exports(query) != builds["B"].expected_exports(query)
    checker = load.Load(load.Config(), load.Report(load.Config()), "", None, builds, None)

    def overview(banner_of: str, figure_of: str) -> RunResult:
        run = RunResult("open", "", 0.1, "ok", query_string="territoire=93&annee=2024")
        banner = f"Données de démonstration ; version du {builds[banner_of].moment}. Ce ne sont…"
        figure = builds[figure_of].expected_exports(query)
        run.elements = [
            Element("alert", Alert(body=banner, format=Alert.INFO), (0, 0)),
            Element("metric", Metric(label="Exportations", body=figure), (0, 1)),
        ]
        return run

    for banner_of, figure_of in (("A", "A"), ("B", "B"), ("A", "B"), ("B", "A")):
        asyncio.run(checker.check_build(overview(banner_of, figure_of), 0.0))
    assert dict(checker.report.swap_checks) == {"A": 1, "B": 1}
    assert len(checker.report.swap_mismatches) == 2


def _mo(size: int) -> str:
    """A size as the link's label writes it: « 12,3 » (Mo, one decimal, decimal comma)."""
    return f"{size / 1e6:.1f}".replace(".", ",")


def _labels(run: RunResult, kind: str) -> list[str]:
    return [e.proto.label for e in run.elements if e.kind == kind]


async def _downloads_scenario(base: str, query: dict[str, str]) -> dict[str, object]:
    """One tab: the Données page, prepare the CSV, then the XLSX, each link followed; then an
    expired link, a small table's direct download and the fiche's deferred one."""
    got: dict[str, object] = {}
    async with StreamlitSession(base, timeout=120) as tab:
        opened = await tab.open("donnees", query)
        got["open"] = (opened.ok, opened.errors, _labels(opened, "button"),
                       _labels(opened, "link_button"))  # fmt: skip
        for kind, (button, link) in load.DOWNLOADS.items():
            run, result = await tab.prepare_download(button, link)
            got[kind] = (run, result, _labels(run, "button"), _labels(run, "link_button"))
            with urllib.request.urlopen(result.url, timeout=60) as resp:  # noqa: S310 (loopback)
                got[f"{kind} body"] = resp.read()
        missing = await tab.follow_link(r"Télécharger \(PDF.*")
        got["no link"] = missing.error
        # An unknown token: the server's French 404, reported as an error by the client.
        expired = await tab.get(f"/telechargements/{'x' * 32}")
        got["expired"] = (expired.status, expired.error)
        small = await tab.open("classements", {"territoire": "93", "annee": "2024"})
        got["small"] = (small.ok, await tab.download("Télécharger (CSV)"))
        fiche = await tab.open("fiche", {"territoire": "93", "annee": "2024"})
        got["fiche"] = (fiche.ok, await tab.download("Télécharger la fiche (HTML)"))
    return got


def test_load_harness_prepare_and_fetch(tmp_path: Path) -> None:
    """The client clicks « Préparer… », follows the link its rerun shows and gets exactly the
    file the app writes; its other downloads (small table, deferred fiche) still work."""
    from core.db import Build
    from core.filters import Filters
    from core.queries import trade_rows_summary

    # More rows than a one-click download holds (the fixture's tables are downloaded at once).
    path = store.db_path().resolve()
    if not path.exists():
        pytest.skip("no demonstration database: run `make demo-db`")
    data = load.Data(path)
    query = {"territoire": "93", "annee": "2025", "flux": "export", "vue": "lignes"}
    filters, _ = Filters.from_query_params(query, data.catalog)
    summary = trade_rows_summary(Build(str(path)), filters)
    assert summary.rows > 0 and summary.exports > 0
    env = {"COMEX_DB": str(path), "COMEX_EXPORT_DIR": str(tmp_path / "exports")}
    with load.app_server(env, 0, tmp_path / "server.log") as server:
        got = asyncio.run(_downloads_scenario(server.base, query))
    log = (tmp_path / "server.log").read_text()

    ok, errors, buttons, links = got["open"]
    assert ok, errors
    assert buttons == ["Préparer le fichier CSV", "Préparer le fichier Excel"]
    assert links == []

    # CSV: the click's rerun shows its link (and still the Excel button); the file behind it.
    run, csv_file, buttons, links = got["CSV"]
    assert run.ok and run.action == "click", run.errors
    assert csv_file.error is None, csv_file.error
    assert buttons == ["Préparer le fichier Excel"]
    assert links == [csv_file.label]
    assert re.fullmatch(rf"Télécharger \(CSV, {_mo(csv_file.size)}\sMo\)", csv_file.label)
    assert re.fullmatch(TOKEN_PATH, urlsplit(csv_file.url).path), csv_file.url
    assert csv_file.prepare_s == run.elapsed > 0
    assert (csv_file.status, csv_file.filename) == (
        200,
        "donnees_93-seine-saint-denis_2025-T1-T2.csv",
    )
    assert csv_file.content_type == "text/csv; charset=utf-8"
    assert csv_file.first_line == DEPT_ROWS_HEADER
    body = got["CSV body"]
    assert len(body) == csv_file.size and body.startswith(csv_file.head)
    assert body.startswith(DEPT_ROWS_HEADER + b"\r\n")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, rows = rows[0], rows[1:]
    assert len(rows) == summary.rows
    assert {r[header.index("Flux")] for r in rows} == {"Exportations"}
    assert sum(int(r[header.index("Valeur (€)")]) for r in rows) == summary.exports
    assert load.check_file("CSV", csv_file, data, query) is None

    # XLSX: both links now, no button left; a workbook whose sheet has the same columns.
    run, xlsx_file, buttons, links = got["XLSX"]
    assert run.ok, run.errors
    assert xlsx_file.error is None, xlsx_file.error
    assert buttons == []
    assert links == [csv_file.label, xlsx_file.label]
    assert re.fullmatch(rf"Télécharger \(Excel, {_mo(xlsx_file.size)}\sMo\)", xlsx_file.label)
    assert (xlsx_file.status, xlsx_file.filename) == (
        200,
        "donnees_93-seine-saint-denis_2025-T1-T2.xlsx",
    )
    assert xlsx_file.head.startswith(b"PK\x03\x04")
    body = got["XLSX body"]
    assert len(body) == xlsx_file.size
    assert "xl/worksheets/sheet1.xml" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    table = list(sheet.iter_rows(values_only=True))
    assert ";".join(table[0]).encode() == DEPT_ROWS_HEADER.removeprefix("\ufeff".encode())
    assert len(table) == summary.rows + 1
    assert load.check_file("XLSX", xlsx_file, data, query) is None

    assert got["no link"].startswith("no link button matching")
    status, error = got["expired"]
    assert status == 404 and "Ce lien de téléchargement a expiré" in error

    # A small table's st.download_button (bytes made with the page: a media URL).
    ok, small = got["small"]
    assert ok and small.error is None, small.error
    assert small.filename == "classement-exportations_93-seine-saint-denis_2024.csv"
    assert small.head.startswith("\ufeffRang;".encode()) and small.generate_s == 0
    # The fiche's deferred st.download_button (backend_operation_request, then the media URL).
    ok, fiche = got["fiche"]
    assert ok and fiche.error is None, fiche.error
    assert fiche.generate_s > 0 and fiche.head.startswith(b"<!DOCTYPE html>")
    assert "Traceback" not in log, log[-3000:]


def test_load_harness_check_file_rejects(tmp_path: Path) -> None:
    """``check_file`` is not vacuous: a wrong header, name, size or signature is reported."""
    data = load.Data(build_fixture(tmp_path / "f.duckdb"))
    query = {"territoire": "FR", "annee": "2024", "flux": "export"}
    head = ROWS_HEADER + b"\r\n2024;1;Exportations;DE\r\n"
    good = DownloadResult(
        "Télécharger (CSV, 1\u00a0ko)", status=200, filename="donnees_fr-france_2024.csv",
        size=len(head), head=head,
    )  # fmt: skip
    assert load.check_file("CSV", good, data, query) is None
    bad = {
        "header": DownloadResult(**{**vars(good), "head": head.replace(b"Flux;", b"")}),
        "BOM": DownloadResult(**{**vars(good), "head": head[3:]}),
        "name": DownloadResult(**{**vars(good), "filename": "donnees.csv"}),
        "size": DownloadResult(**{**vars(good), "label": "Télécharger (CSV, 1,2 Mo)"}),
        "size in ko": DownloadResult(**{**vars(good), "label": "Télécharger (CSV, 3\u00a0ko)"}),
        "status": DownloadResult(**{**vars(good), "status": 404}),
    }
    for what, result in bad.items():
        assert load.check_file("CSV", result, data, query) is not None, what
    xlsx = DownloadResult(
        "Télécharger (Excel, 1\u00a0ko)", status=200, filename="donnees_fr-france_2024.xlsx",
        size=100, head=b"PK\x03\x04rest",
    )  # fmt: skip
    assert load.check_file("XLSX", xlsx, data, query) is None
    not_zip = DownloadResult(**{**vars(xlsx), "head": head})
    assert "not an XLSX" in load.check_file("XLSX", not_zip, data, query)
