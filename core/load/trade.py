"""Loading trade files end to end: read → recognise the layout → check → compare slices with
the current build → write a new build → publish. Nothing is written before every check passed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd

from core.build import Reference
from core.load import layouts, read, revisions
from core.load.errors import LoadError
from core.load.publish import (
    ProgressFn,
    base_of,
    locked,
    no_progress,
    rows_fill,
    write_and_publish,
)
from core.load.read import Source
from core.load.report import LoadReport
from core.load.validate import Checker, Context

HISTORY_LENGTH = 50
OFFICIAL_LABEL = "Fichiers officiels DGDDI"


def _new_slices(checker: Checker) -> pd.DataFrame:
    # The same fingerprint as core.build's ``slices.checksum``, over the same column types.
    return checker.con.sql(
        """SELECT year, quarter, flow, count(*) AS rows, CAST(sum(value_eur) AS BIGINT) AS value_eur,
                  bit_xor(hash(dept, product, country, value_eur, mass_kg)) AS checksum,
                  string_agg(DISTINCT source, ', ' ORDER BY source) AS source
        FROM canon GROUP BY year, quarter, flow"""
    ).df()


def load_trade(
    sources: Sequence[Source],
    progress: ProgressFn | None = None,
    unit: str | None = None,
) -> LoadReport:
    """Check the files, then publish a new build where their slices replace the same slices of
    the current official data (nothing is published when no slice changes).

    ``unit`` (« euros » or « milliers ») is the unit of values in header-based files whose
    header does not say it. Raises ``LoadError`` (French messages) and then changes nothing.
    """
    progress = progress or no_progress
    started = time.perf_counter()
    if not sources:
        raise LoadError("Aucun fichier à charger.")
    if unit not in (None, "euros", "milliers"):
        raise LoadError(f"Unité « {unit} » inconnue : « euros » ou « milliers » attendu.")
    report = LoadReport(kind="trade")
    with locked():
        progress(0.0, "ouverture des fichiers")
        expanded = read.expand(list(sources))
        report.skipped = expanded.skipped
        ref = Reference.load()
        checker = Checker(Context.of(ref))
        try:
            errors: list[str] = []
            members = expanded.members
            for i, member in enumerate(members):
                progress(0.02 + 0.4 * i / len(members), f"lecture de « {member.name} »")
                try:
                    tables = layouts.read_tables(member, layouts.Options(unit))
                except LoadError as exc:
                    errors += exc.messages
                    continue
                for table in tables:
                    errors += checker.add(table)
            if errors:
                raise LoadError(errors)
            progress(0.45, "contrôle des doublons et des codes")
            checker.finish()
            report.files = checker.files
            report.notes = list(checker.notes)
            report.rows_read = sum(f.rows_read for f in checker.files)
            report.unknown_partners = checker.unknown_partners()
            new_slices = _new_slices(checker)
            progress(0.5, "comparaison avec les données en place")
            current = revisions.Current.read()
            plan = revisions.compare(new_slices, current)
            report.slices = plan.slices
            report.notes += plan.notes
            products, unknown, pairings, notes = revisions.products(
                ref.products, current, plan.keep, checker.file_products()
            )
            report.unknown_products, report.pairings = unknown, pairings
            report.notes += notes
            if not plan.changed:
                report.changed = False
                report.rows_stored = 0
                report.seconds = time.perf_counter() - started
                progress(1.0, "aucun changement")
                return report
            rows = checker.canon_arrow()
        finally:
            checker.close()
        kept_rows = int(plan.slices.loc[plan.slices["status"] == "kept", "rows_old"].sum())
        report.rows_stored = rows.num_rows + kept_rows
        territoires = current.territoires if current is not None else None
        build_ref = dataclasses.replace(
            ref,
            products=products,
            territoires=territoires if territoires is not None else ref.territoires,
        )
        metadata = _metadata(current, plan, report, sources)
        base = base_of(
            current.path if current is not None and current.official else None, plan.keep
        )
        path = write_and_publish("official", build_ref, rows_fill(rows), metadata, progress, base)
    report.build = str(path)
    report.seconds = time.perf_counter() - started
    return report


def _metadata(
    current: revisions.Current | None,
    plan: revisions.Plan,
    report: LoadReport,
    sources: Sequence[Source],
) -> dict[str, object]:
    previous = current.metadata if current is not None else {}
    history = (
        list(previous.get("history") or []) if current is not None and current.official else []
    )
    history.append(
        {
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": [s.name for s in sources],
            "added": report.count("added"),
            "replaced": report.count("replaced"),
            "unchanged": report.count("unchanged"),
            "kept": report.count("kept"),
            "rows_read": report.rows_read,
        }
    )
    files = sorted(
        {name for text in plan.slices["source"] for name in str(text).split(", ") if name}
    )
    metadata: dict[str, object] = {
        "source": "official",
        "label": OFFICIAL_LABEL,
        "files": files,
        "history": history[-HISTORY_LENGTH:],
    }
    if "territoires_industrie" in previous:
        metadata["territoires_industrie"] = previous["territoires_industrie"]
    return metadata
