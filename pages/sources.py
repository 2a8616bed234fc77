"""Sources de données: where the figures come from, loading official files, rolling back.

Four steps like every page: read what is current (the catalog's metadata), offer the uploads,
ask ``core.ingest`` to validate and publish, render its report. The last report stays in the
session so that it survives the rerun that follows a load.
"""

from __future__ import annotations

import os
import re

import streamlit as st

from core import cache, ingest, store
from core.filters import Filters
from core.formatting import format_day, format_number, format_year_span
from pages import shared
from pages.tables import show_table

REPORT_KEY = "ingest_report"
ERRORS_KEY = "ingest_errors"
KIND_KEY = "ingest_kind"  # which section ("trade" or "territoires") started the last load
UNIT_OPTIONS = {
    "auto": "Lire l'unité dans l'en-tête (sinon milliers d'euros)",
    "milliers": "Milliers d'euros",
    "euros": "Euros",
}
UPLOAD_TYPES = ["csv", "txt", "tsv", "xls", "xlsx", "zip"]


def md(text: object) -> str:
    """User-controlled text (file names, cell values) shown literally, never as Markdown.

    Links and images need "[", emphasis "*" or "_", code "`", HTML "<": escaping those (and
    a few more) is enough; "-", "." and parentheses only matter at a line start, which is
    always fixed French text here.
    """
    return re.sub(r"([\\`*_{}\[\]<>#|~$])", r"\\\1", str(text))


def current_source() -> None:
    """A clear statement of what the app shows now."""
    catalog = cache.catalog()
    meta = catalog.metadata
    years = format_year_span(catalog.years)
    rows = format_number(int(meta.get("rows", 0) or 0))
    built = format_day(meta.get("built_at"))
    if catalog.is_demo:
        st.markdown(
            f"**Source actuelle : données de démonstration**, générées par l'application "
            f"({years}, {rows} lignes, construites le {built}). Elles ne sont pas des "
            "statistiques officielles."
        )
    else:
        files = meta.get("files") or []
        st.markdown(
            f"**Source actuelle : données officielles DGDDI** ({years}, {rows} lignes, "
            f"chargées le {built})."
        )
        if files:
            st.markdown("Fichiers : " + ", ".join(f"« {md(f)} »" for f in files))
        for unit in meta.get("units") or []:
            st.caption(f"Unité : {md(unit)}")
    ti = meta.get("territoires_industrie")
    if isinstance(ti, dict):
        names = ", ".join(md(f) for f in ti.get("files", []))
        st.caption(
            f"Territoires d'industrie : liste ANCT chargée le {str(ti.get('loaded_at', ''))[:10]}"
            f" ({names} ; {ti.get('territoires', '?')} territoires, "
            f"{ti.get('communes', '?')} communes)."
        )
    else:
        st.caption("Territoires d'industrie : table de référence de l'application.")


def show_report(report: ingest.LoadReport) -> None:
    """The load report: summary sentences, then the full table with its downloads."""
    st.subheader("Rapport du dernier chargement")
    for line in report.summary():
        st.markdown(f"- {md(line)}")
    if not report.unknown_partners.empty:
        codes = ", ".join(md(c) for c in report.unknown_partners["code"])
        st.warning(
            f"Codes pays inconnus conservés comme « non déterminé » : {codes}.",
            icon=":material/help:",
        )
    if report.rows_rejected:
        st.warning(
            f"{format_number(report.rows_rejected)} lignes écartées : motifs détaillés dans le "
            "tableau ci-dessous.",
            icon=":material/filter_alt_off:",
        )
    show_table(report.table(), _filters(), "rapport", key="ingest_report_table")


def show_results(kind: str) -> None:
    """The last load's errors or report, under the button that started it."""
    if st.session_state.get(KIND_KEY) != kind:
        return
    if ERRORS_KEY in st.session_state:
        show_errors(st.session_state[ERRORS_KEY])
    if REPORT_KEY in st.session_state:
        report = st.session_state[REPORT_KEY]
        st.success(
            f"Données publiées : {md(report.build.rsplit('/', 1)[-1])}.", icon=":material/check:"
        )
        show_report(report)


def _filters() -> Filters:
    # Only the file names of the downloads use the filters; a page opened without Home.py
    # (see below) has none yet.
    if "filters" in st.session_state:
        return shared.current_filters()
    return Filters.defaults(cache.catalog())


def show_errors(messages: list[str]) -> None:
    st.error(
        "**Chargement refusé : aucune donnée n'a été modifiée.**\n\n"
        + "\n".join(f"- {md(m)}" for m in messages),
        icon=":material/error:",
    )


def _sources(files: list) -> list[ingest.Source]:
    return [ingest.Source(f.name, f.getvalue()) for f in files]


def _run(kind: str, load, *args: object) -> None:
    """Run a load with a progress bar; keep its report or its errors for after the rerun."""
    bar = st.progress(0.0, text="Préparation du chargement…")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{message[:1].upper()}{message[1:]}…")

    st.session_state.pop(REPORT_KEY, None)
    st.session_state.pop(ERRORS_KEY, None)
    st.session_state[KIND_KEY] = kind
    try:
        st.session_state[REPORT_KEY] = load(*args, progress=progress)
    except ingest.IngestError as exc:
        st.session_state[ERRORS_KEY] = exc.messages
        bar.empty()
        return
    # Run again so that the banner at the top of the page names the new source.
    st.rerun()


# A direct link to /sources can run this script without Home.py: Streamlit's automatic
# discovery of pages/ matches the file name before st.navigation takes over. Say where the
# figures come from anyway.
if "filters" not in st.session_state:
    with shared.guard():
        shared.provenance_banner(cache.catalog())

st.title("Sources de données")
with shared.guard():
    current_source()
    if os.environ.get("COMEX_DB"):
        st.warning(
            f"La variable COMEX_DB fixe la base lue ({os.environ['COMEX_DB']}) : un chargement "
            f"est publié dans {store.data_dir()} et ne changera pas ce que l'application affiche.",
            icon=":material/warning:",
        )

    st.header("Charger les fichiers officiels")
    st.markdown(
        "Fichiers de la DGDDI par département, pays et produit : CSV (séparateur point-virgule, "
        "virgule ou tabulation ; UTF-8 ou Windows-1252), XLS, XLSX, ou une archive ZIP de ces fichiers. "
        "Colonnes attendues : année (ou période), flux, département, produit (A129 ou CPF4), "
        "pays, valeur ; ou une colonne d'exportations et une d'importations. Les valeurs des "
        "fichiers régionaux sont en milliers d'euros ; elles sont enregistrées en euros. Les "
        "mois et trimestres sont cumulés par année. Un fichier en erreur ne modifie rien."
    )
    uploads = st.file_uploader(
        "Fichiers à charger", type=UPLOAD_TYPES, accept_multiple_files=True, key="ingest_files"
    )
    c1, c2 = st.columns(2)
    unit = c1.radio("Unité des valeurs", list(UNIT_OPTIONS), format_func=UNIT_OPTIONS.get,
                    key="ingest_unit")  # fmt: skip
    merge = c2.checkbox(
        "Compléter les données officielles en place",
        key="ingest_merge",
        help="Garde les départements, années et flux absents des nouveaux fichiers "
        "(pour charger un département à la fois).",
    )
    if st.button("Charger", type="primary", disabled=not uploads, key="ingest_go",
                 icon=":material/upload:"):  # fmt: skip
        _run("trade", ingest.load_trade, _sources(uploads), None if unit == "auto" else unit, merge)
    show_results("trade")

    st.header("Territoires d'industrie")
    st.markdown(
        "Liste ANCT des communes des Territoires d'industrie (CSV : code commune INSEE et nom "
        "du territoire). Le nombre de communes est compté par territoire et par département ; "
        "un territoire qui compte moins de 5 communes dans un département n'y est pas présenté "
        "comme principal."
    )
    ti_uploads = st.file_uploader(
        "Liste des communes", type=UPLOAD_TYPES, accept_multiple_files=True, key="ti_files"
    )
    if st.button("Charger la liste", disabled=not ti_uploads, key="ti_go",
                 icon=":material/upload:"):  # fmt: skip
        _run("territoires", ingest.load_territoires, _sources(ti_uploads))
    show_results("territoires")

    st.header("Revenir à la version précédente")
    previous = store.data_dir() / store.PREVIOUS_NAME
    if previous.exists():
        st.markdown(f"Version précédente disponible : {md(previous.resolve().name)}.")
        if st.button("Rétablir la version précédente", key="rollback", icon=":material/undo:"):
            try:
                ingest.rollback()
                st.session_state.pop(REPORT_KEY, None)
                st.rerun()
            except ingest.IngestError as exc:
                show_errors(exc.messages)
    else:
        st.markdown("Aucune version précédente n'est conservée.")
