"""Large downloads written to a temporary file and streamed from disk (no streamlit here).

Streamlit keeps the bytes of every ``st.download_button`` in memory for as long as the session
lives: fine for a table of a few hundred rows, not for the France-wide rows (tens of MB) asked
by many users at once. For those, the page writes the file here, part by part
(``write``), and gives the browser a link to ``/telechargements/<token>``: the server's own
route (``download_response``, registered by ``Home.py``) streams the file from disk, so memory
stays flat however many users download. Files expire after ``TTL_SECONDS``; a token is random
and unguessable, the only way to a file, and never a path.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterable
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


def export_dir() -> Path:
    """Where prepared files live (``COMEX_EXPORT_DIR`` to move it): one directory per process,
    so replicas and test servers never see each other's files."""
    base = Path(os.environ.get("COMEX_EXPORT_DIR", tempfile.gettempdir()))
    path = base / f"comex-exports-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


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


def write(kind: Literal["csv", "xlsx"], parts: Iterable[tables.Table], filename: str) -> Export:
    """Write the table given in consecutive parts to a new file and register it."""
    prune()
    token = secrets.token_urlsafe(24)
    path = export_dir() / f"{token}.part"
    try:
        if kind == "csv":
            with path.open("w", encoding="utf-8", newline="") as out:
                out.write("\ufeff")
                for i, part in enumerate(parts):
                    out.write(tables.csv_text(part, header=i == 0))
        elif kind == "xlsx":
            tables.write_xlsx(parts, path)
        else:
            raise ValueError(f"unexpected kind {kind!r}")
        final = path.with_name(f"{token}.{kind}")
        os.replace(path, final)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
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
