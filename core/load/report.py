"""The load report: what was read, what each (year, quarter, flow) slice became, what was kept
under an unknown code, in French sentences (``summary``) and as one table (``table``) that the
page shows and the CLI writes as CSV for French Excel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from core.formatting import format_eur, format_number
from core.load.validate import FileReport

STATUS_FR = {
    "added": "ajoutée",
    "replaced": "remplacée",
    "unchanged": "inchangée",
    "kept": "conservée",
}
SLICE_COLUMNS = ["year", "quarter", "flow", "status", "rows_old", "value_old", "rows_new",
                 "value_new", "source"]  # fmt: skip
FLOW_FR = {"export": "exportations", "import": "importations"}


def slice_label(year: int, quarter: int, flow: str) -> str:
    return f"{year} T{quarter} · {FLOW_FR.get(flow, flow)}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{format_number(n)} {one if n < 2 else many}"


@dataclass
class LoadReport:
    """What a load read, checked, replaced and kept; rendered by the page and the CLI."""

    kind: str  # "trade" or "territoires"
    files: list[FileReport] = field(default_factory=list)
    slices: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SLICE_COLUMNS))
    unknown_partners: pd.DataFrame = field(default_factory=pd.DataFrame)  # code, rows, value_eur
    unknown_products: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # code, a129, rows, value_eur
    pairings: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # code, a129_reference, a129_file, rows
    territoires: pd.DataFrame = field(default_factory=pd.DataFrame)  # id, name, dept, n_communes…
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # archive members not read
    changed: bool = True
    build: str = ""  # the published build ("" when nothing was published)
    rows_read: int = 0
    rows_stored: int = 0
    seconds: float = 0.0

    # --- counts ----------------------------------------------------------------------------

    def count(self, status: str) -> int:
        return int((self.slices["status"] == status).sum()) if not self.slices.empty else 0

    @property
    def rows_set_aside(self) -> int:
        return sum(f.rows_read - f.rows_kept for f in self.files)

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    # --- sentences ---------------------------------------------------------------------------

    def summary(self) -> list[str]:
        n = format_number
        lines: list[str] = []
        if self.kind == "territoires":
            ti = self.territoires
            lines.append(
                f"{_plural(len(self.files), 'fichier lu', 'fichiers lus')} : "
                f"{_plural(self.rows_read, 'ligne', 'lignes')} ; "
                f"{_plural(int(ti['id'].nunique()) if not ti.empty else 0, 'territoire', 'territoires')}"
                f" répartis en {_plural(len(ti), 'couple', 'couples')} (territoire, département)."
            )
        else:
            lines.append(
                f"{_plural(len(self.files), 'fichier lu', 'fichiers lus')} : "
                f"{_plural(self.rows_read, 'ligne', 'lignes')}, "
                f"{n(sum(f.rows_kept for f in self.files))} retenues."
            )
            for f in self.files:
                lines.append(f"« {f.name} » : {f.layout}.")
            if not self.slices.empty:
                lines.append(
                    "Tranches (année, trimestre, flux) : "
                    f"{_plural(self.count('added'), 'ajoutée', 'ajoutées')}, "
                    f"{_plural(self.count('replaced'), 'remplacée', 'remplacées')}, "
                    f"{_plural(self.count('unchanged'), 'inchangée', 'inchangées')}, "
                    f"{_plural(self.count('kept'), 'conservée', 'conservées')} telles quelles."
                )
            if self.changed:
                lines.append(f"{_plural(self.rows_stored, 'ligne enregistrée', 'lignes enregistrées')} dans la nouvelle version.")  # fmt: skip
            else:
                lines.append(
                    "Aucun changement : les fichiers donnent exactement les chiffres déjà en "
                    "place ; aucune nouvelle version n'est publiée."
                )
            if not self.unknown_partners.empty:
                lines.append(
                    "Codes pays inconnus conservés comme « non déterminé » : "
                    + ", ".join(
                        f"{r.code} ({_plural(int(r.rows), 'ligne', 'lignes')}, {format_eur(int(r.value_eur))})"
                        for r in self.unknown_partners.itertuples(index=False)
                    )
                    + "."
                )
            if not self.unknown_products.empty:
                lines.append(
                    "Codes CPF4 absents de la table des produits, conservés comme « non "
                    "référencé » : "
                    + ", ".join(
                        f"{r.code} sous {r.a129} ({_plural(int(r.rows), 'ligne', 'lignes')})"
                        for r in self.unknown_products.itertuples(index=False)
                    )
                    + "."
                )
            if not self.pairings.empty:
                lines.append(
                    "Rattachements CPF4 → A129 du fichier différents de la table de "
                    "l'application (celui du fichier est retenu) : "
                    + ", ".join(
                        f"{r.code} : {r.a129_reference} → {r.a129_file}"
                        for r in self.pairings.itertuples(index=False)
                    )
                    + "."
                )
        for f in self.files:
            lines.extend(f.set_aside)
        lines.extend(self.skipped)
        lines.extend(self.notes)
        seconds = format_number(self.seconds, 1)
        lines.append(
            f"Durée : {seconds} s, soit {n(round(self.rows_per_second))} lignes par seconde."
        )
        return lines

    # --- one table ---------------------------------------------------------------------------

    def frame(self) -> pd.DataFrame:
        rows: list[tuple] = []
        for f in self.files:
            value = f.value_eur if self.kind == "trade" else None
            rows.append(("Fichier lu", f.name, f.layout, f.rows_read, value, None))
        for r in self.slices.itertuples(index=False):
            status = STATUS_FR[r.status]
            detail = slice_label(int(r.year), int(r.quarter), r.flow)
            new_rows = None if pd.isna(r.rows_new) else int(r.rows_new)
            new_value = None if pd.isna(r.value_new) else int(r.value_new)
            old_value = None if pd.isna(r.value_old) else int(r.value_old)
            if r.status == "kept":
                new_rows, new_value = (None if pd.isna(r.rows_old) else int(r.rows_old)), old_value
                old_value = None
            rows.append((f"Tranche {status}", r.source or "", detail, new_rows, new_value,
                         old_value if r.status in ("replaced", "unchanged") else None))  # fmt: skip
        for r in self.unknown_partners.itertuples(index=False):
            rows.append(("Partenaire non déterminé (conservé)", "", f"{r.code} (non déterminé)",
                         int(r.rows), int(r.value_eur), None))  # fmt: skip
        for r in self.unknown_products.itertuples(index=False):
            rows.append(("Produit non référencé (conservé)", "", f"{r.code} sous {r.a129}",
                         int(r.rows), int(r.value_eur), None))  # fmt: skip
        for r in self.pairings.itertuples(index=False):
            rows.append(("Rattachement A129 du fichier", "",
                         f"{r.code} : {r.a129_reference} → {r.a129_file}", int(r.rows), None, None))  # fmt: skip
        for r in self.territoires.itertuples(index=False):
            rows.append(("Territoire d'industrie", "", f"{r.name} ({r.dept})", int(r.n_communes),
                         None, None))  # fmt: skip
        for text in [*(s for f in self.files for s in f.set_aside), *self.skipped, *self.notes]:
            rows.append(("Note", "", text, None, None, None))
        frame = pd.DataFrame(
            rows,
            columns=[
                "Rubrique",
                "Fichier",
                "Détail",
                "Lignes",
                "Valeur (€)",
                "Valeur précédente (€)",
            ],
        )
        for col in ("Lignes", "Valeur (€)", "Valeur précédente (€)"):
            frame[col] = frame[col].astype("Int64")
        if self.kind != "trade":
            frame = frame.drop(columns=["Valeur (€)", "Valeur précédente (€)"])
            frame = frame.rename(columns={"Lignes": "Lignes ou communes"})
        return frame

    def table(self):
        """The report as a ``core.tables.Table`` (shown on the page, downloadable)."""
        from core import tables  # imported late: tables pulls the query layer in

        return tables.Table(
            self.frame(),
            kinds={
                "Lignes": "int",
                "Lignes ou communes": "int",
                "Valeur (€)": "eur",
                "Valeur précédente (€)": "eur",
            },  # fmt: skip
            view="rapport-chargement",
            caption="Rapport de chargement ; valeurs en euros.",
        )
