"""Sources de données: where the figures come from, for everyone; loading files and rolling
back, for administrators only.

Everyone sees the provenance: the current source, its slices (year, quarter, flow) with rows,
values and the files they came from, and the load history. Loading and rolling back are off by
default; an administrator enables them by configuration (see ``admin_mode``): a token
(``COMEX_ADMIN_TOKEN`` or ``admin_token`` in ``.streamlit/secrets.toml``) asked on the page, or
Streamlit's ``st.login`` with an identity provider (``[auth]`` in the secrets) and an allow-list
``admin_emails``. The command line (``python -m core.load``) stays the administrator's tool.

Every text that comes from a file (names, labels, messages quoting values) is shown literally,
never as Markdown or HTML (``md``), or inside tables, which show text as text.
"""

from __future__ import annotations

import hmac
import os
import re

import pandas as pd
import streamlit as st

from core import cache, load, store, tables
from core.filters import Filters
from core.formatting import format_day, format_number, format_year_span
from pages import shared
from pages.tables import show_table

REPORT_KEY = "load_report"
ERRORS_KEY = "load_errors"
KIND_KEY = "load_kind"  # which section ("trade" or "territoires") started the last load
ADMIN_ENV = "COMEX_ADMIN_TOKEN"
UPLOAD_TYPES = ["zip", "txt", "csv", "tsv", "xls", "xlsx"]
UNIT_OPTIONS = {
    "auto": "Lue dans l'en-tête (euros si l'en-tête ne la dit pas)",
    "milliers": "Milliers d'euros",
    "euros": "Euros",
}
FLOW_FR = {"export": "Exportations", "import": "Importations"}
LIMIT_TEXT = (
    f"{load.MAX_FILE_MB}\u00a0Mo au plus par fichier ; une archive ZIP se décompresse en "
    f"{format_number(load.MAX_EXPANDED_BYTES / 2**30)}\u00a0Go au plus."
)

# Streamlit's uploader speaks English (« Upload », « 300MB per file • ZIP, TXT… », « Drag and
# drop files here »): static CSS hides those words and writes French ones instead. No user
# text ever goes into this HTML.
UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button * { display: none; }
[data-testid="stFileUploaderDropzone"] button::after {
  content: "Choisir des fichiers"; font-size: 0.875rem;
}
[data-testid="stFileUploaderDropzone"] > input + div:has(+ div + [data-testid="stFileUploaderDropzoneInstructions"]) {
  font-size: 0;
}
[data-testid="stFileUploaderDropzone"] > input + div:has(+ div + [data-testid="stFileUploaderDropzoneInstructions"])::after {
  content: "Déposez les fichiers ici"; font-size: 1rem;
}
[data-testid="stFileUploaderDropzone"]::after {
  content: "ou déposez-les ici"; font-size: 0.875rem; opacity: 0.7; margin-left: 0.75rem;
}
</style>"""


def md(text: object) -> str:
    """User-controlled text (file names, cell values, messages quoting them) shown literally,
    never as Markdown: every character Markdown, Streamlit's directives (``:red[…]``,
    ``:material/…:``) or HTML could act on is escaped; long texts are cut."""
    value = str(text)
    if len(value) > 2_000:
        value = value[:2_000] + "…"
    return re.sub(r"([\\`*_{}\[\]()<>#|~$:!+\-.=&])", r"\\\1", value)


# --- Administrator ---------------------------------------------------------------------------


def _secret(name: str) -> object | None:
    try:
        return st.secrets.get(name)
    except Exception:  # no secrets.toml, or one that does not parse: no secret
        return None


def admin_mode() -> str | None:
    """« token », « login » or None (loading disabled) from the configuration."""
    if os.environ.get(ADMIN_ENV) or _secret("admin_token"):
        return "token"
    if _secret("auth") and _secret("admin_emails"):
        return "login"
    return None


def _token_admin() -> bool:
    expected = os.environ.get(ADMIN_ENV) or str(_secret("admin_token") or "")
    given = st.text_input(
        "Jeton d'administrateur",
        type="password",
        key="admin_token",
        help="Le jeton fixé par la variable d'environnement COMEX_ADMIN_TOKEN ou par "
        "admin_token dans .streamlit/secrets.toml.",
    )
    if not given:
        st.caption("Saisissez le jeton d'administrateur pour charger des fichiers.")
        return False
    if hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        return True
    st.error("Jeton incorrect : le chargement et le retour en arrière restent désactivés.",
             icon=":material/lock:")  # fmt: skip
    return False


def _login_admin() -> bool:
    allowed = _secret("admin_emails") or []
    allowed = {
        str(e).strip().lower() for e in (allowed if isinstance(allowed, list) else [allowed])
    }
    provider = _secret("admin_auth_provider")
    if not st.user.is_logged_in:
        if st.button("Se connecter", key="admin_login", icon=":material/login:"):
            st.login(str(provider) if provider else None)
        return False
    email = str(st.user.get("email") or "")
    if email.lower() in allowed:
        st.caption(f"Connecté en administrateur : {md(email)}")
        if st.button("Se déconnecter", key="admin_logout"):
            st.logout()
        return True
    st.error(
        f"Le compte « {md(email)} » n'est pas administrateur : le chargement et le retour en "
        "arrière restent désactivés.",
        icon=":material/lock:",
    )
    if st.button("Se déconnecter", key="admin_logout"):
        st.logout()
    return False


def is_admin() -> bool:
    mode = admin_mode()
    if mode is None:
        st.info(
            "Le chargement de fichiers et le retour à la version précédente sont réservés aux "
            "administrateurs et désactivés sur ce serveur. Pour les activer : la variable "
            "d'environnement COMEX\\_ADMIN\\_TOKEN ou admin\\_token dans "
            ".streamlit/secrets.toml (un jeton demandé ici), ou une connexion par un "
            "fournisseur d'identité (section \\[auth\\] et liste admin\\_emails). En ligne de "
            "commande : python -m core.load FICHIER…",
            icon=":material/lock:",
        )
        return False
    return _token_admin() if mode == "token" else _login_admin()


# --- Provenance (everyone) -------------------------------------------------------------------


def current_source() -> None:
    """A clear statement of what the app shows now, its slices and its load history."""
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
        st.markdown(
            f"**Source actuelle : données officielles DGDDI** ({years}, {rows} lignes, "
            f"chargées le {built})."
        )
        files = meta.get("files") or []
        if files:
            st.markdown("Fichiers : " + ", ".join(f"« {md(f)} »" for f in files))
    ti = meta.get("territoires_industrie")
    if isinstance(ti, dict):
        names = ", ".join(md(f) for f in ti.get("files", []))
        st.caption(
            f"Territoires d'industrie : liste chargée le {format_day(ti.get('loaded_at'))} "
            f"({names} ; {md(ti.get('territoires', '?'))} territoires)."
        )
    else:
        st.caption("Territoires d'industrie : liste ANCT 2023–2027 fournie avec l'application.")
    show_slices()
    show_history(meta)


def _slices() -> pd.DataFrame:
    try:
        return cache.database().frame(
            """SELECT year, quarter, flow, rows, value_eur, source FROM slices
            ORDER BY year DESC, quarter DESC, flow"""
        )
    except Exception:  # a build from before slices: nothing to list
        return pd.DataFrame()


def show_slices() -> None:
    frame = _slices()
    if frame.empty:
        return
    st.subheader("Trimestres en place")
    table = tables.Table(
        pd.DataFrame(
            {
                "Année": frame["year"].astype(int),
                "Trimestre": "T" + frame["quarter"].astype(int).astype(str),
                "Flux": frame["flow"].map(FLOW_FR),
                "Lignes": frame["rows"].astype("int64"),
                "Valeur (€)": frame["value_eur"].astype("int64"),
                "Fichier": frame["source"].astype(str),
            }
        ),
        kinds={"Lignes": "int", "Valeur (€)": "eur"},
        view="trimestres-en-place",
        caption="Une tranche (année, trimestre, flux) par ligne ; une nouvelle publication "
        "remplace les tranches qu'elle contient et garde les autres.",
    )
    show_table(table, _filters(), "sources", key="slices_table", height=300)


def show_history(meta: dict) -> None:
    history = meta.get("history") or []
    if not isinstance(history, list) or not history:
        return
    st.subheader("Historique des chargements")
    frame = pd.DataFrame(
        [
            {
                "Date": format_day(h.get("loaded_at")),
                "Fichiers": ", ".join(str(f) for f in h.get("files") or []),
                "Ajoutées": int(h.get("added", 0) or 0),
                "Remplacées": int(h.get("replaced", 0) or 0),
                "Inchangées": int(h.get("unchanged", 0) or 0),
                "Conservées": int(h.get("kept", 0) or 0),
            }
            for h in reversed(history)
            if isinstance(h, dict)
        ]
    )
    table = tables.Table(
        frame,
        kinds={k: "int" for k in ("Ajoutées", "Remplacées", "Inchangées", "Conservées")},
        view="historique-chargements",
        caption="Tranches (année, trimestre, flux) de chaque chargement, du plus récent au plus ancien.",
    )
    show_table(table, _filters(), "sources", key="history_table")


# --- Loading (administrators) ----------------------------------------------------------------


def _filters() -> Filters:
    # Only the file names of the downloads use the filters; a page opened without Home.py
    # (see below) has none yet.
    if "filters" in st.session_state:
        return shared.current_filters()
    return Filters.defaults(cache.catalog())


def show_errors(messages: list[str]) -> None:
    """The refusal: a fixed French title, then the messages as plain text (they quote values
    read from the files, which must never be rendered as Markdown or HTML)."""
    st.error("**Chargement refusé : aucune donnée n'a été modifiée.**", icon=":material/error:")
    st.text("\n".join(f"– {m}" for m in messages))


def show_report(report: load.LoadReport) -> None:
    """The load report: summary sentences as plain text, then the table with its downloads."""
    st.subheader("Rapport du dernier chargement")
    st.text("\n".join(f"– {line}" for line in report.summary()))
    show_table(report.table(), _filters(), "rapport", key="load_report_table")


def show_results(kind: str) -> None:
    """The last load's errors or report, under the button that started it."""
    if st.session_state.get(KIND_KEY) != kind:
        return
    if ERRORS_KEY in st.session_state:
        show_errors(st.session_state[ERRORS_KEY])
    if REPORT_KEY in st.session_state:
        report = st.session_state[REPORT_KEY]
        if report.build:
            st.success(f"Données publiées : {md(report.build.rsplit('/', 1)[-1])}.",
                       icon=":material/check:")  # fmt: skip
        else:
            st.info("Aucun changement : aucune nouvelle version n'a été publiée.",
                    icon=":material/info:")  # fmt: skip
        show_report(report)


def _sources(files: list) -> list[load.Source]:
    return [load.Source(f.name, f.getvalue()) for f in files]


def _run(kind: str, fn, *args: object, **kwargs: object) -> None:
    """Run a load with a progress bar; keep its report or its errors for after the rerun."""
    bar = st.progress(0.0, text="Préparation du chargement…")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{message[:1].upper()}{message[1:]}…")

    st.session_state.pop(REPORT_KEY, None)
    st.session_state.pop(ERRORS_KEY, None)
    st.session_state[KIND_KEY] = kind
    try:
        st.session_state[REPORT_KEY] = fn(*args, progress=progress, **kwargs)
    except load.LoadError as exc:
        st.session_state[ERRORS_KEY] = exc.messages
        bar.empty()
        return
    except Exception as exc:  # a defect, not a refusal: say it in French, change nothing
        st.session_state[ERRORS_KEY] = [
            f"Erreur inattendue pendant le chargement ({exc.__class__.__name__})."
        ]
        bar.empty()
        return
    # Run again so that the statement at the top of the page names the new source.
    st.rerun()


def admin_sections() -> None:
    st.html(UPLOADER_CSS)
    st.header("Charger les fichiers officiels")
    st.markdown(
        "Fichiers régionaux de la DGDDI tels que publiés : archive ZIP ou fichier TXT, "
        "annuel ou « dernière publication » (cinq derniers trimestres), exportations et "
        "importations ensemble ou séparément. Ils sont reconnus sans option. Chaque tranche "
        "(année, trimestre, flux) des fichiers remplace la même tranche des données en place ; "
        "les autres sont gardées. Sont aussi acceptés des fichiers CSV, XLS ou XLSX avec une "
        "ligne d'en-tête (trimestres ou mois, CPF4 ou A129, valeurs en euros ou en milliers "
        "d'euros). Un fichier en erreur ne modifie rien."
    )
    uploads = st.file_uploader(
        "Fichiers à charger",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key="load_files",
        max_upload_size=load.MAX_FILE_MB,
        help=LIMIT_TEXT,
    )
    st.caption(f"Formats : ZIP, TXT, CSV, TSV, XLS, XLSX. Limite : {LIMIT_TEXT}")
    unit = st.radio(
        "Unité des valeurs des fichiers avec en-tête",
        list(UNIT_OPTIONS),
        format_func=UNIT_OPTIONS.get,
        key="load_unit",
        horizontal=True,
    )
    if st.button("Charger", type="primary", disabled=not uploads, key="load_go",
                 icon=":material/upload:"):  # fmt: skip
        _run("trade", load.load_trade, _sources(uploads), unit=None if unit == "auto" else unit)
    show_results("trade")

    st.header("Territoires d'industrie")
    st.markdown(
        "Liste de l'ANCT (colonnes id\\_ti, lib\\_ti, siren\\_epci, lib\\_epci), résolue en "
        "communes et départements avec les tables de communes de l'application ; ou une "
        "liste par commune (code commune INSEE et nom du territoire). Un territoire est "
        "présenté dans un département s'il y compte au moins 5 communes ou 20 % de sa "
        "population."
    )
    ti_uploads = st.file_uploader(
        "Liste des Territoires d'industrie",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key="ti_files",
        max_upload_size=load.MAX_FILE_MB,
        help=LIMIT_TEXT,
    )
    if st.button("Charger la liste", disabled=not ti_uploads, key="ti_go",
                 icon=":material/upload:"):  # fmt: skip
        _run("territoires", load.load_territoires, _sources(ti_uploads))
    show_results("territoires")

    st.header("Revenir à la version précédente")
    previous = store.data_dir() / store.PREVIOUS_NAME
    if previous.exists():
        st.markdown(f"Version précédente disponible : {md(previous.resolve().name)}.")
        if st.button("Rétablir la version précédente", key="rollback", icon=":material/undo:"):
            try:
                load.rollback()
                st.session_state.pop(REPORT_KEY, None)
                st.rerun()
            except load.LoadError as exc:
                show_errors(exc.messages)
    else:
        st.markdown("Aucune version précédente n'est conservée.")


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
            f"La variable COMEX\\_DB fixe la base lue ({md(os.environ['COMEX_DB'])}) : un "
            f"chargement est publié dans {md(store.data_dir())} et ne changera pas ce que "
            "l'application affiche.",
            icon=":material/warning:",
        )
    st.header("Administration")
    if is_admin():
        admin_sections()
