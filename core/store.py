"""Where the database lives, and how a new build replaces the current one atomically.

Layout under the data directory (``data/`` by default, ``COMEX_DATA_DIR`` to move it):

- ``builds/comex-<UTC timestamp>-<kind>.duckdb``: immutable, versioned database files;
- ``comex.duckdb``: a symbolic link to the current build (the stable path readers open);
- ``comex.previous.duckdb``: a symbolic link to the build it replaced (for ``--rollback``).

A build is written completely under ``builds/`` first; only then is the stable link replaced with
``os.replace`` on a temporary link, which is atomic on POSIX. A process killed before that moment
leaves the current data untouched. Readers notice the change on their next query (see
``core.db``) while queries already running finish on the old file, which stays on disk.

``COMEX_DB`` points readers at any DuckDB file instead (configuration, not code).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK_NAME = "comex.duckdb"
PREVIOUS_NAME = "comex.previous.duckdb"
KEEP_BUILDS = 4


def data_dir() -> Path:
    return Path(os.environ.get("COMEX_DATA_DIR", ROOT / "data"))


def db_path() -> Path:
    """The stable path readers open (a link to the current build, or ``COMEX_DB``)."""
    override = os.environ.get("COMEX_DB")
    return Path(override) if override else data_dir() / LINK_NAME


def builds_dir() -> Path:
    return data_dir() / "builds"


def new_build_path(kind: str) -> Path:
    """A fresh, unique path under builds/ for a database about to be written."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = builds_dir() / f"comex-{stamp}-{kind}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def current_build() -> Path | None:
    link = db_path()
    return link.resolve() if link.exists() else None


def _swap_link(link: Path, target: Path) -> None:
    tmp = link.with_name(f".{link.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    # Relative target so that the data directory can be moved as a whole.
    os.symlink(os.path.relpath(target, link.parent), tmp)
    os.replace(tmp, link)


def publish(build: Path) -> None:
    """Make ``build`` the current database; the old one becomes the previous one."""
    link = data_dir() / LINK_NAME
    old = link.resolve() if link.exists() else None
    if old is not None and old != build.resolve():
        _swap_link(data_dir() / PREVIOUS_NAME, old)
    _swap_link(link, build)
    prune(keep={build.resolve(), *([old] if old else [])})


def rollback() -> Path:
    """Swap current and previous builds; returns the build now current."""
    link = data_dir() / LINK_NAME
    prev_link = data_dir() / PREVIOUS_NAME
    if not prev_link.exists():
        raise FileNotFoundError("Aucune version précédente des données n'est disponible.")
    previous, current = prev_link.resolve(), link.resolve()
    _swap_link(link, previous)
    _swap_link(prev_link, current)
    return previous


def prune(keep: Iterable[Path]) -> None:
    """Delete old builds beyond the newest ``KEEP_BUILDS``, never those in ``keep``.

    Deleting a file a reader still has open is safe on POSIX: the reader keeps its handle.
    """
    keep = {p.resolve() for p in keep}
    builds = sorted(builds_dir().glob("comex-*.duckdb"), reverse=True)
    for old in builds[KEEP_BUILDS:]:
        if old.resolve() not in keep:
            # With the files a build interrupted by a crash leaves (``build.write_build``).
            for suffix in ("", ".wal", ".staging", ".staging.wal"):
                Path(f"{old}{suffix}").unlink(missing_ok=True)


class LoadInProgress(RuntimeError):
    """Another load holds the lock; the message is French and shown as is."""


@contextlib.contextmanager
def load_lock() -> Iterator[None]:
    """Hold the data directory's load lock, or raise ``LoadInProgress`` at once.

    Two loads may parse files at the same time, but only one may write and publish: otherwise
    the second publish would make the first build "previous" and a rollback would surprise.
    ``flock`` is released by the kernel when the process dies, so a killed load never leaves
    the lock behind.
    """
    data_dir().mkdir(parents=True, exist_ok=True)
    handle = open(data_dir() / ".load.lock", "a+")  # noqa: SIM115 (closed below)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LoadInProgress(
                "Un autre chargement de données est en cours : réessayez dans quelques minutes."
            ) from exc
        yield
    finally:
        handle.close()
