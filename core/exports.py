"""Large downloads written to a temporary file and streamed from disk (no streamlit here).

Streamlit keeps the bytes of every ``st.download_button`` in memory for as long as the session
lives: fine for a table of a few hundred rows, not for the France-wide rows (tens of MB) asked
by many users at once. For those, the page writes the file here, part by part
(``write``), and gives the browser a link to ``/telechargements/<token>``: the server's own
route (``download_response``, registered by ``Home.py``) streams the file from disk, so memory
stays flat however many users download. Every row behind some filters (the France-wide rows)
is written by a worker process (``write_rows``: ``python -m core.exports``), so that formatting
half a million rows never holds the server's interpreter while other sessions wait. Files
expire after ``TTL_SECONDS``; a token is random and unguessable, the only way to a file, and
never a path.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core import tables

ROUTE = "/telechargements/{token}"
TTL_SECONDS = 3600
MIMES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_ROOT = Path(__file__).resolve().parent.parent
_LOG = logging.getLogger(__name__)

# Every row behind some filters (the Données page's France-wide rows: 18 MB of CSV) is written
# by a worker process, not by the server: formatting half a million rows holds the Python
# interpreter for seconds, and every other session's page would wait behind it. At most
# ``WORKERS`` files are written at once (one: the server keeps the other core); the worker's
# DuckDB reads on one thread, in a small buffer, without prewarming.
WORKERS = max(1, int(os.environ.get("COMEX_EXPORT_WORKERS", "1")))
WORKER_TIMEOUT = 600
WORKER_BATCH = 10_000  # rows per part: smaller parts keep the worker's memory low
_WORKER_ENV = {
    "COMEX_PREWARM_YEARS": "0",
    "COMEX_DUCKDB_THREADS": "1",
    "COMEX_DUCKDB_MEMORY": "64MB",
    "MALLOC_ARENA_MAX": "2",
}
_WORKER_SLOTS = threading.BoundedSemaphore(WORKERS)


class ExportFailed(RuntimeError):
    """A file could not be prepared; the message is French, for the user."""


_PREFIX = "comex-exports-"
_CLEANED: set[Path] = set()


def export_dir() -> Path:
    """Where prepared files live (``COMEX_EXPORT_DIR`` to move it): one directory per process,
    so replicas and test servers never see each other's files. The first call also removes
    the directories of processes that have ended (a server killed without its exit handler),
    and arranges for this one to be removed when the process exits."""
    base = Path(os.environ.get("COMEX_EXPORT_DIR", tempfile.gettempdir()))
    path = base / f"{_PREFIX}{os.getpid()}"
    if path not in _CLEANED:
        _CLEANED.add(path)
        remove_orphans(base)
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_orphans(base: Path) -> list[Path]:
    """Remove the export directories under ``base`` whose process no longer runs."""
    removed = []
    for candidate in base.glob(f"{_PREFIX}*"):
        pid = candidate.name.removeprefix(_PREFIX)
        if not pid.isascii() or not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        removed.append(candidate)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


@dataclass(frozen=True)
class Export:
    token: str
    path: Path
    filename: str
    mime: str
    created: float
    size: int

    @property
    def url(self) -> str:
        return ROUTE.replace("{token}", self.token)


_LOCK = threading.Lock()
_REGISTRY: dict[str, Export] = {}


def write_file(kind: Literal["csv", "xlsx"], parts: Iterable[tables.Table], path: Path) -> None:
    """Write the table given in consecutive parts to ``path`` as CSV (UTF-8 with BOM) or XLSX."""
    if kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            out.write("\ufeff")
            for i, part in enumerate(parts):
                out.write(tables.csv_text(part, header=i == 0))
    elif kind == "xlsx":
        tables.write_xlsx(parts, path)
    else:
        raise ValueError(f"unexpected kind {kind!r}")


def write(kind: Literal["csv", "xlsx"], parts: Iterable[tables.Table], filename: str) -> Export:
    """Write the table given in consecutive parts to a new file and register it."""
    prune()
    token = secrets.token_urlsafe(24)
    path = export_dir() / f"{token}.part"
    try:
        write_file(kind, parts, path)
        return _register(kind, token, path, filename)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def write_rows(
    kind: Literal["csv", "xlsx"], build: str, params: Mapping[str, str], filename: str
) -> Export:
    """Every row behind the filters given as URL parameters (``Filters.to_query_params``), read
    from the build file ``build`` and written by a worker process (``python -m core.exports``):
    the same bytes as ``write(kind, [rows_table(batch) for batch in trade_rows_batches])``.
    Raises ``ExportFailed`` (a French message) when the worker fails or takes too long."""
    if kind not in MIMES:
        raise ValueError(f"unexpected kind {kind!r}")
    prune()
    token = secrets.token_urlsafe(24)
    path = export_dir() / f"{token}.part"
    env = {**os.environ, **_WORKER_ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "core.exports", kind, str(build), str(path)]
    try:
        with _WORKER_SLOTS:
            done = subprocess.run(  # noqa: S603 (own interpreter, own module, own arguments)
                command, input=json.dumps(dict(params)), capture_output=True, text=True,
                env=env, timeout=WORKER_TIMEOUT, check=False,
            )  # fmt: skip
        if done.returncode != 0 or not path.exists():
            _LOG.error("export worker failed (%s): %s", done.returncode, done.stderr[-2000:])
            raise ExportFailed(
                "Le fichier n'a pas pu être préparé (erreur du serveur). Réessayez dans un "
                "instant ; si l'erreur persiste, signalez-la à l'administrateur."
            )
        return _register(kind, token, path, filename)
    except subprocess.TimeoutExpired as exc:
        raise ExportFailed(
            f"Le fichier n'a pas pu être préparé en {WORKER_TIMEOUT // 60} minutes. "
            "Réessayez plus tard, ou choisissez moins de lignes (une période, des pays ou "
            "des produits)."
        ) from exc
    finally:
        path.unlink(missing_ok=True)  # a part file left by a failed worker


def _register(kind: str, token: str, path: Path, filename: str) -> Export:
    final = path.with_name(f"{token}.{kind}")
    os.replace(path, final)
    export = Export(token, final, filename, MIMES[kind], time.time(), final.stat().st_size)
    with _LOCK:
        _REGISTRY[token] = export
    return export


def lookup(token: str) -> Export | None:
    """The live export behind a token, or None (unknown, malformed or expired)."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    with _LOCK:
        export = _REGISTRY.get(token)
    if export is None or time.time() - export.created > TTL_SECONDS or not export.path.exists():
        return None
    return export


def prune(now: float | None = None) -> None:
    """Forget and delete the exports older than ``TTL_SECONDS``."""
    now = time.time() if now is None else now
    with _LOCK:
        old = [t for t, e in _REGISTRY.items() if now - e.created > TTL_SECONDS]
        for token in old:
            _REGISTRY.pop(token).path.unlink(missing_ok=True)


async def download_response(request):  # a Starlette endpoint (see Home.py)
    """Stream a prepared file from disk, or say in French that the link has expired."""
    from starlette.responses import FileResponse, PlainTextResponse

    export = lookup(request.path_params.get("token", ""))
    if export is None:
        return PlainTextResponse(
            "Ce lien de téléchargement a expiré ou n'existe pas : préparez à nouveau le "
            "fichier depuis la page de l'application.",
            status_code=404,
        )
    return FileResponse(export.path, media_type=export.mime, filename=export.filename)


def _worker(argv: list[str]) -> int:
    """``python -m core.exports KIND BUILD OUT`` with the filters' URL parameters as JSON on
    standard input: write every row behind them, read from the build file, to ``OUT``."""
    from core import db, queries
    from core.filters import Filters

    kind, build_path, out = argv
    params = json.loads(sys.stdin.read())
    reader = db.Build(build_path)
    filters, notices = Filters.from_query_params(params, reader.catalog())
    if notices:  # the page's own filters always parse: anything else is a bug, not a file
        print("\n".join(notices), file=sys.stderr)
        return 2
    parts = (
        tables.rows_table(batch, "donnees")
        for batch in queries.trade_rows_batches(reader, filters, WORKER_BATCH)
    )
    write_file(kind, parts, Path(out))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1:]))
