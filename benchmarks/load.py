"""Load test of the real app: ``python -m benchmarks.load [--sessions 20] [--minutes 5]
[--downloads 2] [--swap-every 30] [--port 0]``.

Starts the real server (``python Home.py`` on loopback, a subprocess stopped at the end
whatever happens) and drives N concurrent sessions over Streamlit's websocket protocol
(``benchmarks.wsclient``: one session = one browser tab, no browser). Each session opens a
random deep link (page, territory, period, flow, product level, top N and the page's own
parameters), then clicks other pages, changes a sidebar filter, or goes Back/Forward to another
link, with a think time between actions, and opens a new deep link in a new tab now and then.
Every run is timed from the request to ``script_finished``, and inspected: an ``Exception``
element, an ``st.error`` alert (« Une erreur inattendue… »), a missing page, a timeout or a
closed connection is an error; the URL the app writes back must hold the filters asked for.

``--downloads N``: N of the sessions open the France-wide Données page (every row of the latest
whole year, vue=lignes) and download it as CSV, then as XLSX, the way a browser does: a click on
« Préparer le fichier CSV » (the button's callback writes the file on the server, the rerun
shows a link « Télécharger (CSV, 12,3 Mo) »), then an HTTP GET of that link
(``/telechargements/<token>``, streamed from disk). Recorded per file: the prepare time (the
click's run, request → ``script_finished``; not counted in the page times), the fetch time (GET
to the last byte) and the size; the file must be the CSV the app writes (BOM, then the header
line of ``core.tables`` for those rows) or an XLSX (a ZIP: ``PK``), carry the expected file
name, and weigh what its link says. The server writes the files under the run's temporary
directory (``COMEX_EXPORT_DIR``), removed at the end.

The server's memory (VmRSS of its process tree, VmHWM) is read from ``/proc`` every second.

``--swap-every S``: the app reads a temporary data directory holding two builds, A (a copy of
the database) and B (the same with every ``value_eur`` doubled and ``built_at`` an hour later),
and ``core.store.publish`` swaps them every S seconds. Every Vue d'ensemble run is checked: its
banner's version (« version du … ») and its « Exportations » figure must belong to the same
build (expected values computed beforehand with ``core.queries.kpis`` on each file).

The summary at the end is meant to be pasted as is; the exit code is 1 when any error or
mismatch occurred. Memory in MiB (1 GiB budget = 1024 MiB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from websockets.exceptions import WebSocketException

from benchmarks.wsclient import DownloadResult, ProtocolError, RunResult, StreamlitSession

ROOT = Path(__file__).resolve().parent.parent

# URL path → menu title, in menu order ("" is the default page, Vue d'ensemble).
PAGES = {
    "": "Vue d'ensemble",
    "partenaires": "Partenaires",
    "produits": "Produits",
    "flux": "Flux",
    "fiche": "Fiche territoriale",
    "evolution": "Évolution",
    "classements": "Classements",
    "specialisation": "Spécialisation",
    "comparer": "Comparer",
    "carte": "Carte",
    "donnees": "Données",
    "sources": "Sources de données",
}
FILTER_PARAMS = ("territoire", "annee", "flux", "niveau", "top")
# Sidebar widgets a user changes (label → URL parameter).
SIDEBAR_WIDGETS = {
    "Territoire": "territoire",
    "Période": "annee",
    "Flux": "flux",
    "Niveau de produits": "niveau",
    "Nombre de pays et de produits affichés": "top",
}
# A large table's downloads (pages/tables.py ``download_buttons``): kind → the button that
# prepares the file, and the label of the link the rerun shows (« Télécharger (CSV, 12,3 Mo) »:
# size in Mo, French decimal comma, any kind of space).
DOWNLOADS = {
    "CSV": ("Préparer le fichier CSV", r"Télécharger \(CSV, (\d[\d\s]*(?:,\d+)?)\s(Mo|ko)\)"),
    "XLSX": (
        "Préparer le fichier Excel",
        r"Télécharger \(Excel, (\d[\d\s]*(?:,\d+)?)\s(Mo|ko)\)",
    ),
}
# A table of at most pages.tables.SMALL_ROWS rows: plain download buttons, files made with the
# page (the fixture databases' tables).
DIRECT = {"CSV": "Télécharger (CSV)", "XLSX": "Télécharger (Excel)"}
BANNER_RE = re.compile(r"(?:version du|chargées le)\s+([^.;]*?\d{1,2}\s*h\s*\d{2})")
MEMORY_BUDGET_MIB = 1024
PAGE_P95_BUDGET_S = 2.0


# --- configuration and results -------------------------------------------------------------
@dataclass
class Config:
    sessions: int = 20
    minutes: float = 5.0
    downloads: int = 2
    swap_every: float = 0.0
    port: int = 0
    seed: int | None = None
    think: tuple[float, float] = (1.0, 5.0)  # seconds a user reads a page before acting
    db: Path | None = None  # the database to serve (default: the current build)
    timeout: float = 120.0  # per page run; downloads (prepare run and fetch) get 5 × this
    timeline_every: float = 15.0
    territories: tuple[str, ...] | None = None  # restrict deep links to these (tests)
    overview_share: float | None = None  # probability of the overview in deep links
    log: bool = True  # progress lines on stderr


@dataclass
class Sample:
    t: float  # seconds since the start of the load
    page: str
    action: str
    elapsed: float
    kbytes: float
    ok: bool


@dataclass
class Report:
    config: Config
    machine: dict[str, str] = field(default_factory=dict)
    database: dict[str, str] = field(default_factory=dict)
    duration: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    errors: list[tuple[float, str, str, str]] = field(default_factory=list)  # t, page, query, msg
    warnings: Counter = field(default_factory=Counter)
    notices: Counter = field(default_factory=Counter)
    filter_checks: int = 0
    filter_mismatches: list[str] = field(default_factory=list)
    downloads: list[tuple[float, str, DownloadResult]] = field(default_factory=list)  # t, kind
    export_files: tuple[int, int] = (0, 0)  # prepared files left on disk at the end: count, bytes
    # t, RSS of the server's tree (kB), its VmHWM (kB), processes, CPU seconds of the tree,
    # and the machine's busy and total CPU seconds (every core, from /proc/stat).
    memory: list[tuple[float, int, int, int, float, float, float]] = field(default_factory=list)
    swaps: list[tuple[float, str]] = field(default_factory=list)
    swap_checks: Counter = field(default_factory=Counter)  # build name → checks
    swap_mismatches: list[str] = field(default_factory=list)
    server_log_tracebacks: Counter = field(default_factory=Counter)
    server_exit: str = ""
    client_cpu_s: float = 0.0
    load_start: tuple[float, float] = (0.0, 0.0)  # 1-min load average at start / end

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.filter_mismatches or self.swap_mismatches)

    def pages_timed(self) -> set[str]:
        return {s.page for s in self.samples if s.ok}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0…100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


# --- the machine and the server ------------------------------------------------------------
def machine_info() -> dict[str, str]:
    info = {"cores": str(os.cpu_count()), "cpu": platform.processor() or platform.machine()}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    import duckdb
    import streamlit

    info["software"] = (
        f"Python {platform.python_version()}, Streamlit {streamlit.__version__}, "
        f"DuckDB {duckdb.__version__}"
    )
    return info


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base: str
    pid: int
    log_path: Path
    proc: subprocess.Popen


@contextlib.contextmanager
def app_server(env: dict[str, str], port: int, log_path: Path) -> Iterator[Server]:
    """``python Home.py`` on 127.0.0.1 with ``env`` (COMEX_DB or COMEX_DATA_DIR), stopped at
    the end: SIGTERM, then SIGKILL of its process group (it runs in a session of its own)."""
    port = port or free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in ("COMEX_DB", "COMEX_DATA_DIR")}
    full_env.update(env)
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "Home.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start (see {log_path})")
            time.sleep(0.25)
        yield Server(base, proc.pid, log_path, proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        # The server's own process group (its id is the server's pid): children it may have
        # started (a headless Chromium for a PDF) go with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        log.close()


def _process_tree(root: int) -> list[int]:
    """``root`` and its descendants (parent ids read from /proc/<pid>/stat)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name may hold spaces and parentheses: fields follow the last ")".
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(stat[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += parents.get(pid, [])
    return tree


def _status(pid: int) -> dict[str, int]:
    fields = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (/proc/<pid>/stat fields 14 and 15)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / _TICK
    return 0.0


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the machine since boot, all cores."""
    with contextlib.suppress(OSError, ValueError):
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        total = sum(values[:8])
        return (total - idle) / _TICK, total / _TICK
    return 0.0, 0.0


class MemorySampler(threading.Thread):
    """Every second: VmRSS summed over the server's process tree, the server's VmHWM, the
    tree's CPU time and the whole machine's (other people's work shows there)."""

    def __init__(self, pid: int, report: Report, t0: float, every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.report, self.t0, self.every = pid, report, t0, every
        self.stopped = threading.Event()

    def sample(self) -> None:
        tree = _process_tree(self.pid)
        rss = sum(_status(p).get("VmRSS", 0) for p in tree)
        hwm = _status(self.pid).get("VmHWM", 0)
        cpu = sum(_cpu_of(p) for p in tree)
        if rss:
            self.report.memory.append(
                (time.monotonic() - self.t0, rss, hwm, len(tree), cpu, *_machine_cpu())
            )

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.every)


# --- the data: deep links, expected figures, builds for the swap ----------------------------
class Data:
    """What the harness knows of a build: territories and periods for deep links, widget
    labels, and (swap check) the banner's version and the expected « Exportations »."""

    def __init__(self, path: Path, name: str = "A") -> None:
        from core.db import Build
        from core.formatting import format_moment

        self.path, self.name = path, name
        self.build = Build(str(path))
        self.catalog = self.build.catalog()
        self.moment = _normal(format_moment(self.catalog.metadata.get("built_at")))
        self._exports: dict[tuple, str] = {}
        self._lock = threading.Lock()

    def expected_file(self, query: dict[str, str], ext: str) -> tuple[str, bytes]:
        """(file name, CSV header line) of the Données rows behind ``query``, as the app
        writes them (``core.tables.file_name``, ``rows_table`` and ``csv_text``)."""
        from core import tables
        from core.filters import Filters
        from core.queries import trade_rows

        filters, _ = Filters.from_query_params(query, self.catalog)
        name = tables.file_name(
            "donnees", filters.territory, self.catalog.territory_name(filters.territory),
            filters.period, ext,
        )  # fmt: skip
        key = ("header", filters.territory, filters.period.token)
        with self._lock:
            if key not in self._exports:
                table = tables.rows_table(trade_rows(self.build, filters, 1), "donnees")
                line = tables.csv_text(table, header=True).split("\r\n", 1)[0]
                self._exports[key] = line.encode("utf-8")
            return name, self._exports[key]

    def expected_exports(self, query: dict[str, str]) -> str:
        from core.filters import Filters
        from core.formatting import format_meur
        from core.queries import kpis

        filters, _ = Filters.from_query_params(query, self.catalog)
        key = (filters.territory, filters.period.token, filters.partners, filters.products)
        with self._lock:
            if key not in self._exports:
                self._exports[key] = _normal(format_meur(kpis(self.build, filters).exports))
            return self._exports[key]


def _normal(text: str) -> str:
    """Spaces of any kind (French formatting uses no-break ones) as one plain space."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


class Links:
    """Random deep links and filter changes over a build's catalog."""

    def __init__(self, data: Data, config: Config) -> None:
        from core.filters import FLOW_LABELS, LEVEL_LABELS, TOP_MAX, TOP_MIN

        try:
            from core.queries_trends import INDICATORS, SCOPES

            self.indicators, self.scopes = list(INDICATORS), list(SCOPES)
        except ImportError:  # the page parameters are optional in a deep link
            self.indicators, self.scopes = ["exportations"], ["region"]
        self.data = data
        cat = data.catalog
        codes = cat.territory_codes()
        if config.territories:
            codes = [c for c in codes if c in config.territories]
        self.france = [c for c in codes if c == "FR"]
        self.regions = [c for c in codes if c.startswith("R")]
        self.depts = [c for c in codes if c != "FR" and not c.startswith("R")]
        self.codes = codes
        self.periods = [p.token for p in cat.periods]
        self.default_period = cat.default_period.token
        self.flows = list(FLOW_LABELS)
        self.levels = list(LEVEL_LABELS)
        self.top_range = (TOP_MIN, TOP_MAX)
        self.overview_share = config.overview_share
        # Formatted option of each sidebar widget → URL value.
        self.options = {
            "territoire": {cat.territory_label(c): c for c in codes},
            "annee": {p.label: p.token for p in cat.periods},
            "flux": {FLOW_LABELS[f].capitalize(): f for f in FLOW_LABELS},
            "niveau": {label: code for code, label in LEVEL_LABELS.items()},
        }

    def territory(self, rng: random.Random) -> str:
        groups = [(self.france, 10), (self.regions, 25), (self.depts, 65)]
        groups = [(g, w) for g, w in groups if g]
        return rng.choice(rng.choices([g for g, _ in groups], [w for _, w in groups])[0])

    def page(self, rng: random.Random, exclude: str | None = None) -> str:
        pages = [p for p in PAGES if p != exclude]
        if self.overview_share and "" in pages and rng.random() < self.overview_share:
            return ""
        return rng.choice(pages)

    def deep_link(self, rng: random.Random, page: str | None = None) -> tuple[str, dict]:
        page = self.page(rng) if page is None else page
        query = {
            "territoire": self.territory(rng),
            "annee": rng.choice(self.periods),
            "flux": rng.choice(self.flows),
            "niveau": rng.choice(self.levels),
            "top": str(rng.choice([3, 5, 10, 10, 10, 15, 20, 30])),
        }
        if page == "partenaires":
            query["zone"] = rng.choice(["tous", "tous", "ue", "hors-ue"])
        elif page == "donnees":
            query["vue"] = rng.choice(["lignes", "pays", "produits"])
        elif page == "classements":
            query["portee"] = rng.choice(self.scopes)
            query["indicateur"] = rng.choice(self.indicators)
        elif page == "carte":
            query["indicateur"] = rng.choice(self.indicators)
        elif page == "comparer":
            query["comparer"] = ",".join(
                rng.sample(self.codes, min(len(self.codes), rng.randint(2, 4)))
            )
        return page, query

    def widget_change(self, rng: random.Random, run: RunResult) -> tuple[str, object, str] | None:
        """(widget label, new value as the frontend sends it, URL value) for a random sidebar
        filter drawn by ``run``; None when none is there."""
        choices = [label for label in SIDEBAR_WIDGETS if run.widget(label) is not None]
        if not choices:
            return None
        label = rng.choice(choices)
        param = SIDEBAR_WIDGETS[label]
        element = run.widget(label)
        if param == "top":
            low, high = int(element.proto.min), int(element.proto.max)
            value = rng.randint(low, high)
            return label, value, str(value)
        known = self.options[param]
        options = [o for o in element.proto.options if o in known]
        if not options:
            return None
        option = rng.choice(options)
        return label, option, known[option]


def prepare_builds(source: Path, workdir: Path) -> tuple[Path, Path, list[str]]:
    """Build A (a copy of ``source``) and build B (a copy with every ``value_eur`` doubled and
    ``built_at`` an hour later) under ``workdir/builds``, named as ``core.store`` names builds."""
    import duckdb

    builds = workdir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    a = builds / f"comex-{stamp:%Y%m%dT%H%M%S%f}-loadtest-a.duckdb"
    b = builds / f"comex-{stamp + timedelta(seconds=1):%Y%m%dT%H%M%S%f}-loadtest-b.duckdb"
    shutil.copyfile(source, a)
    shutil.copyfile(source, b)
    con = duckdb.connect(str(b))
    try:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT table_name FROM information_schema.columns "
                "WHERE column_name = 'value_eur' AND table_schema = 'main' ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            con.execute(f'UPDATE "{table}" SET value_eur = value_eur * 2')  # noqa: S608 (catalog names)
        (raw,) = con.execute("SELECT value FROM metadata WHERE key = 'built_at'").fetchone()
        quoted = raw.startswith('"')
        moment = datetime.fromisoformat(json.loads(raw) if quoted else raw) + timedelta(hours=1)
        value = moment.isoformat(timespec="seconds")
        con.execute(
            "UPDATE metadata SET value = ? WHERE key = 'built_at'",
            [json.dumps(value) if quoted else value],
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return a, b, tables


_ENV_LOCK = threading.Lock()


def publish(data_dir: Path, build: Path) -> None:
    """``core.store.publish(build)`` in ``data_dir`` (COMEX_DATA_DIR set for the call only)."""
    from core import store

    with _ENV_LOCK:
        old = os.environ.get("COMEX_DATA_DIR")
        os.environ["COMEX_DATA_DIR"] = str(data_dir)
        try:
            store.publish(build)
        finally:
            if old is None:
                os.environ.pop("COMEX_DATA_DIR", None)
            else:
                os.environ["COMEX_DATA_DIR"] = old


# --- the load -------------------------------------------------------------------------------
class Load:
    def __init__(self, config: Config, report: Report, base: str, links: Links,
                 builds: dict[str, Data] | None, data_dir: Path | None) -> None:  # fmt: skip
        self.config, self.report, self.base, self.links = config, report, base, links
        self.builds, self.data_dir = builds, data_dir
        self.t0 = time.monotonic()
        self.deadline = self.t0 + config.minutes * 60

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def think(self, rng: random.Random) -> None:
        low, high = self.config.think
        await asyncio.sleep(min(rng.uniform(low, high), max(0.0, self.deadline - time.monotonic())))

    async def record(
        self, run: RunResult, expected: dict[str, str] | None, timed: bool = True
    ) -> None:
        """Errors, notices and the filters kept of a run; its time among the page times
        unless ``timed`` is False (a click that prepares a file, timed with the download)."""
        report = self.report
        t = run.started - self.t0
        page = PAGES.get(run.page, run.page)
        if timed and run.status in ("ok", "compile_error"):
            report.samples.append(
                Sample(t, run.page, run.action, run.elapsed, run.received_bytes / 1024, run.ok)
            )
        for error in run.errors:
            report.errors.append((t, page, run.query_string, f"{run.action}: {error}"))
        report.warnings.update(run.warnings)
        report.notices.update(n.replace("\\", "").split(" : ")[0][:90] for n in run.notices)
        if run.ok and expected:
            report.filter_checks += 1
            got = run.query
            wrong = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) != v}
            if wrong:
                detail = ", ".join(f"{k}={v!r}→{g!r}" for k, (v, g) in wrong.items())
                report.filter_mismatches.append(f"{t:6.1f} s {page} ({run.action}): {detail}")
        if self.builds and run.ok and run.page == "":
            await self.check_build(run, t)

    async def check_build(self, run: RunResult, t: float) -> None:
        """The banner's version and the « Exportations » figure come from the same build."""
        report = self.report
        banner = next((m for b in run.alerts() if (m := BANNER_RE.search(b))), None)
        figure = run.metric("Exportations")
        where = f"{t:6.1f} s ?{run.query_string}"
        if banner is None or figure is None:
            report.swap_mismatches.append(f"{where}: no banner version or no Exportations figure")
            return
        moment, figure = _normal(banner.group(1)), _normal(figure)
        by_moment = {d.moment: d for d in self.builds.values()}
        build = by_moment.get(moment)
        query = run.query
        expected = {
            name: await asyncio.to_thread(d.expected_exports, query)
            for name, d in self.builds.items()
        }
        if build is None:
            report.swap_mismatches.append(f"{where}: banner « {moment} » is no build's version")
        elif figure != expected[build.name]:
            others = [n for n, v in expected.items() if v == figure and n != build.name]
            why = f"the figure of build {others[0]}" if others else "no build's figure"
            report.swap_mismatches.append(
                f"{where}: banner of build {build.name} but Exportations {figure} is {why} "
                f"(expected {expected[build.name]})"
            )
        else:
            report.swap_checks[build.name] += 1

    # --- users ------------------------------------------------------------------------------
    async def browse(self, index: int, rng: random.Random) -> None:
        session = StreamlitSession(self.base, self.config.timeout)
        try:
            while not self.over():
                page, query = self.links.deep_link(rng)
                expected = {k: query[k] for k in FILTER_PARAMS}
                run = await self.act(session.open(page, query))
                await self.record(run, expected)
                for _ in range(rng.randint(3, 8)):
                    if self.over() or run.status in ("timeout", "closed"):
                        break
                    await self.think(rng)
                    if self.over():
                        break
                    action = rng.choices(["switch", "widget", "history"], [45, 35, 20])[0]
                    change = self.links.widget_change(rng, run) if action == "widget" else None
                    if change is not None:
                        label, value, url_value = change
                        expected[SIDEBAR_WIDGETS[label]] = url_value
                        run = await self.act(session.set_widget(label, value))
                    elif action == "history" and session.pages:
                        page, query = self.links.deep_link(rng)
                        page = page if page in session.pages else ""
                        expected = {k: query[k] for k in FILTER_PARAMS}
                        run = await self.act(session.history(page, query))
                    else:
                        target = self.links.page(rng, exclude=session.page)
                        if target not in session.pages:
                            continue
                        run = await self.act(session.switch_page(target))
                    await self.record(run, expected)
                await self.think(rng)
        finally:
            await session.close()

    async def act(self, request) -> RunResult:
        try:
            return await request
        except (TimeoutError, OSError, ProtocolError, WebSocketException) as exc:
            run = RunResult(action="connect", page="?", elapsed=0.0, status="closed")
            run.started = time.monotonic()
            run.errors.append(f"{type(exc).__name__}: {exc}")
            return run

    async def download(self, index: int, rng: random.Random) -> None:
        """Open the France-wide Données page, prepare and fetch its CSV, then its XLSX."""
        session = StreamlitSession(self.base, self.config.timeout * 5)
        try:
            while not self.over():
                query = {
                    "territoire": "FR",
                    "annee": self.links.default_period,
                    "flux": rng.choice(self.links.flows),
                    "niveau": "A38",
                    "top": "10",
                    "vue": "lignes",
                }
                expected = {k: query[k] for k in FILTER_PARAMS}
                run = await self.act(session.open("donnees", query))
                await self.record(run, expected)
                for kind, (button, link) in DOWNLOADS.items():
                    if not run.ok or self.over():
                        break
                    await self.think(rng)
                    started = self.now()
                    try:
                        if run.button(button) is not None:
                            run, result = await session.prepare_download(button, link)
                        else:  # a table small enough is downloaded at once
                            result = await session.download(DIRECT[kind])
                    except (TimeoutError, OSError, ProtocolError, WebSocketException) as exc:
                        run = RunResult("click", "donnees", 0.0, "closed")
                        run.started = time.monotonic()
                        result = DownloadResult(button, error=f"{type(exc).__name__}: {exc}")
                    # The click's own failures (exception, st.error…) are recorded with it.
                    await self.record(run, expected, timed=False)
                    self.report.downloads.append((started, kind, result))
                    if result.error is None:
                        wrong = await asyncio.to_thread(
                            check_file, kind, result, self.links.data, query
                        )
                        result.error = wrong and f"wrong file: {wrong}"
                    # A click whose run failed is already an error (recorded with the run).
                    if result.error and not run.errors:
                        self.report.errors.append(
                            (started, "Données", session.query_string,
                             f"download {kind}: {result.error}")
                        )  # fmt: skip
                await self.think(rng)
        finally:
            await session.close()

    async def swapper(self) -> None:
        names = list(self.builds)
        current = 0
        while True:
            await asyncio.sleep(
                min(self.config.swap_every, max(0, self.deadline - time.monotonic()))
            )
            if self.over():
                return
            current = 1 - current
            name = names[current]
            await asyncio.to_thread(publish, self.data_dir, self.builds[name].path)
            self.report.swaps.append((self.now(), name))

    async def progress(self) -> None:
        every = self.config.timeline_every
        tick = 1
        while not self.over():
            await asyncio.sleep(max(0.0, self.t0 + tick * every - time.monotonic()))
            line = timeline_row(self.report, (tick - 1) * every, tick * every)
            if self.config.log:
                print("  " + line, file=sys.stderr, flush=True)
            tick += 1

    async def run(self) -> None:
        tasks = []
        stagger = min(10.0, self.config.minutes * 6)  # users arrive over ~10 % of the run
        n = self.config.sessions
        for i in range(n):
            rng = random.Random(None if self.config.seed is None else self.config.seed * 1000 + i)
            job = self.download if i < self.config.downloads else self.browse
            tasks.append(asyncio.create_task(self._start(job, i, rng, stagger * i / max(1, n))))
        side = [asyncio.create_task(self.progress())]
        if self.builds:
            side.append(asyncio.create_task(self.swapper()))
        # Users stop at the deadline; a request still running gets a bounded grace period.
        grace = self.config.timeout * 5 if self.config.downloads else self.config.timeout
        done, pending = await asyncio.wait(tasks, timeout=self.config.minutes * 60 + grace)
        for task in pending:
            task.cancel()
            self.report.errors.append((self.now(), "-", "", "a session did not stop in time"))
        for task in done:
            if task.exception() is not None:
                exc = task.exception()
                self.report.errors.append(
                    (self.now(), "-", "", f"harness: {type(exc).__name__}: {exc}")
                )
        for task in side:
            task.cancel()
        await asyncio.gather(*pending, *side, return_exceptions=True)

    async def _start(self, job, index: int, rng: random.Random, delay: float) -> None:
        await asyncio.sleep(delay)
        await job(index, rng)


def check_file(kind: str, result: DownloadResult, data: Data, query: dict[str, str]) -> str | None:
    """What is wrong with a downloaded file (None when nothing): HTTP status, file name, size
    against its link's label, and content (the CSV's BOM and exact header line, an XLSX's ZIP
    signature)."""
    ext = "csv" if kind == "CSV" else "xlsx"
    name, header = data.expected_file(query, ext)
    if result.status != 200:
        return f"HTTP {result.status} for {result.url}"
    if result.filename != name:
        return f"file name {result.filename!r}, expected {name!r}"
    match = re.fullmatch(DOWNLOADS[kind][1], result.label)
    if result.label == DIRECT[kind]:
        match = None  # no size written on a direct download button
    elif match is None:
        return f"unexpected link label {result.label!r}"
    if match is not None:
        shown = float(re.sub(r"\s", "", match.group(1)).replace(",", "."))
        # « 18,5 Mo » (one decimal) from a million bytes, else « 740 ko » (at least 1).
        if match.group(2) == "Mo":
            wrong = abs(shown * 1e6 - result.size) > 0.051e6
        else:
            wrong = result.size >= 1e6 or shown != max(1, round(result.size / 1e3))
        if wrong:
            return f"the link says {match.group(1)} {match.group(2)}, {result.size} bytes received"
    if kind == "XLSX":
        if not result.head.startswith(b"PK\x03\x04"):
            return f"not an XLSX (ZIP) file: starts with {result.head[:8]!r}"
        return None
    if not result.head.startswith(b"\xef\xbb\xbf"):
        return f"no UTF-8 BOM: starts with {result.head[:8]!r}"
    if result.first_line[3:] != header:
        return f"CSV header {result.first_line[3:200]!r}, expected {header[:200]!r}"
    if result.size <= len(result.first_line) + 2:
        return "a CSV without any row"
    return None


def export_files(root: Path) -> tuple[int, int]:
    """(count, bytes) of the prepared files under ``root`` (``COMEX_EXPORT_DIR``)."""
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return len(files), sum(p.stat().st_size for p in files)


# --- running it -----------------------------------------------------------------------------
def run(config: Config) -> Report:
    """Start the server, run the load, stop everything; returns what was measured."""
    from core import store

    report = Report(config, machine=machine_info())
    source = (config.db or store.db_path()).resolve()
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    report.load_start = (os.getloadavg()[0], 0.0)
    with tempfile.TemporaryDirectory(prefix="comex-load-") as tmp:
        tmp = Path(tmp)
        builds: dict[str, Data] | None = None
        data_dir: Path | None = None
        if config.swap_every > 0:
            started = time.perf_counter()
            data_dir = tmp / "data"
            a, b, tables = prepare_builds(source, data_dir)
            publish(data_dir, a)
            builds = {"A": Data(a, "A"), "B": Data(b, "B")}
            if builds["A"].moment == builds["B"].moment:
                raise RuntimeError("builds A and B show the same version in the banner")
            report.database["swap"] = (
                f"A = copy, B = value_eur × 2 in {len(tables)} tables "
                f"({', '.join(tables)}) and built_at + 1 h; prepared in "
                f"{time.perf_counter() - started:.0f} s"
            )
            data = builds["A"]
            env = {"COMEX_DATA_DIR": str(data_dir)}
        else:
            data = Data(source)
            env = {"COMEX_DB": str(source)}
        meta = data.catalog.metadata
        report.database.update(
            name=source.name,
            rows=f"{int(meta.get('rows') or 0):,}".replace(",", " "),
            size=f"{source.stat().st_size / 2**20:.0f} MiB",
            source=str(meta.get("source", "?")),
            periods=f"{data.catalog.years[0]}–{data.catalog.years[-1]}",
        )
        if builds and config.overview_share is None:
            config.overview_share = 1 / 3  # most checks of the swap are on the overview
        links = Links(data, config)
        # Prepared downloads go under the run's temporary directory, removed with it.
        env["COMEX_EXPORT_DIR"] = str(tmp / "exports")
        log_path = tmp / "server.log"
        with app_server(env, config.port, log_path) as server:
            t0, cpu0 = time.monotonic(), _cpu_seconds()
            sampler = MemorySampler(server.pid, report, t0)
            sampler.start()
            try:
                load = Load(config, report, server.base, links, builds, data_dir)
                load.t0, load.deadline = t0, t0 + config.minutes * 60
                if config.log:
                    print(
                        f"Load: {config.sessions} sessions for {config.minutes:g} min on "
                        f"{server.base} (server pid {server.pid})…",
                        file=sys.stderr,
                        flush=True,
                    )
                asyncio.run(load.run())
                report.duration = time.monotonic() - t0
                report.client_cpu_s = _cpu_seconds() - cpu0
            finally:
                sampler.stopped.set()
                sampler.join(timeout=5)
                sampler.sample()
                code = server.proc.poll()
                report.server_exit = "running" if code is None else f"exited with code {code}"
                report.export_files = export_files(tmp / "exports")
        report.server_log_tracebacks = server_log_errors(log_path)
        if report.server_exit != "running":
            report.errors.append((report.duration, "-", "", f"server {report.server_exit}"))
        if config.log and report.server_log_tracebacks:
            kept = ROOT / ".pytest_cache" / "load-server.log"
            with contextlib.suppress(OSError):
                kept.parent.mkdir(exist_ok=True)
                shutil.copyfile(log_path, kept)
                report.database["server_log"] = str(kept.relative_to(ROOT))
    report.load_start = (report.load_start[0], os.getloadavg()[0])
    return report


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_log_errors(path: Path) -> Counter:
    """The last line of each traceback in the server's log (the exception), counted."""
    found: Counter = Counter()
    with contextlib.suppress(OSError):
        lines = path.read_text(errors="replace").splitlines()
        in_tb = False
        for i, line in enumerate(lines):
            if line.startswith("Traceback (most recent call last)"):
                in_tb = True
            elif in_tb and line and not line.startswith((" ", "\t")):
                found[line.strip()[:160]] += 1
                in_tb = False
            if i == len(lines) - 1 and in_tb:
                found["(unfinished traceback)"] += 1
    return found


# --- the summary ----------------------------------------------------------------------------
def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def timeline_row(report: Report, start: float, end: float) -> str:
    runs = [s for s in report.samples if start <= s.t < end]
    mem = [m for m in report.memory if start <= m[0] < end]
    server_cpu, machine_cpu = (
        (f"{v:.0f} %" for v in cpu_percent(mem)) if len(mem) > 1 else ("–", "–")
    )
    errors = sum(1 for e in report.errors if e[0] < end)
    rss = max((m[1] for m in mem), default=0) // 1024
    hwm = max((m[2] for m in mem), default=0) // 1024
    p95 = _s(percentile([s.elapsed for s in runs], 95)) if runs else "–"
    downloads = sum(1 for d in report.downloads if start <= d[0] < end)
    swaps = sum(1 for s in report.swaps if start <= s[0] < end)
    extra = f"  downloads {downloads}" if report.config.downloads else ""
    extra += f"  swaps {swaps}" if report.config.swap_every else ""
    return (
        f"{_clock(end):>5}  RSS {rss:>5} MiB (HWM {hwm:>5})  CPU server {server_cpu:>5} "
        f"machine {machine_cpu:>5}  runs {len(runs):>4}  p95 {p95:>7}  errors {errors}{extra}"
    )


def cpu_percent(samples: list[tuple]) -> tuple[float, float]:
    """(server, machine) CPU use between the first and last sample, in % of one core."""
    if len(samples) < 2:
        return 0.0, 0.0
    first, last = samples[0], samples[-1]
    span = last[0] - first[0]
    if span <= 0 or last[6] <= first[6]:
        return 0.0, 0.0
    cores = os.cpu_count() or 1
    machine = (last[5] - first[5]) / (last[6] - first[6]) * cores * 100
    return (last[4] - first[4]) / span * 100, machine


def summary(report: Report) -> str:
    c, m = report.config, report.machine
    lines: list[str] = []
    add = lines.append
    args = f"--sessions {c.sessions} --minutes {c.minutes:g} --downloads {c.downloads}"
    if c.swap_every:
        args += f" --swap-every {c.swap_every:g}"
    if c.think != Config.think:
        args += f" --think {c.think[0]:g},{c.think[1]:g}"
    if c.seed is not None:
        args += f" --seed {c.seed}"
    add(f"Load test — python -m benchmarks.load {args}")
    add(f"  Machine   : {m.get('cores')} cores ({m.get('cpu')}), {m.get('ram')} RAM; "
        f"load average {report.load_start[0]:.1f} before, {report.load_start[1]:.1f} after")  # fmt: skip
    add(f"  Software  : {m.get('software')}")
    d = report.database
    add(f"  Database  : {d.get('name')} ({d.get('source')}), {d.get('rows')} rows, "
        f"{d.get('size')}, years {d.get('periods')}")  # fmt: skip
    if "swap" in d:
        add(f"  Swap data : {d['swap']}")
    add(f"  Load      : {c.sessions} sessions ({c.downloads} downloading the France-wide table) "
        f"for {report.duration / 60:.1f} min, think time {c.think[0]:g}–{c.think[1]:g} s, "
        f"websocket clients (no browser)")  # fmt: skip
    samples = report.samples
    actions = Counter(s.action for s in samples)
    per_min = len(samples) / max(report.duration / 60, 1e-9)
    add(f"  Runs      : {len(samples)} page runs, {per_min:.0f}/min "
        f"({actions['open']} deep links in a new tab, {actions['switch']} page switches, "
        f"{actions['widget']} filter changes, {actions['history']} back/forward)")  # fmt: skip
    if samples:
        times = [s.elapsed for s in samples]
        p95 = percentile(times, 95)
        verdict = "OK" if p95 <= PAGE_P95_BUDGET_S else "OVER BUDGET"
        add(f"  Page time : p50 {_s(percentile(times, 50))}, p95 {_s(p95)}, max {_s(max(times))} "
            f"(request → script_finished; budget p95 ≤ {PAGE_P95_BUDGET_S:g} s: {verdict})")  # fmt: skip
        add(f"    {'page':<20}{'runs':>6}{'p50':>9}{'p95':>9}{'max':>9}{'KiB/run':>9}")
        for path, title in [
            *PAGES.items(),
            *[(p, p) for p in {s.page for s in samples} - set(PAGES)],
        ]:
            rows = [s for s in samples if s.page == path]
            if not rows:
                continue
            t = [s.elapsed for s in rows]
            kib = sum(s.kbytes for s in rows) / len(rows)
            add(f"    {title:<20}{len(rows):>6}{_s(percentile(t, 50)):>9}"
                f"{_s(percentile(t, 95)):>9}{_s(max(t)):>9}{kib:>9.0f}")  # fmt: skip
        by_action = []
        for action in ("open", "switch", "widget", "history"):
            t = [s.elapsed for s in samples if s.action == action]
            if t:
                by_action.append(
                    f"{action} p50 {_s(percentile(t, 50))} p95 {_s(percentile(t, 95))}"
                )
        add("    by action: " + "; ".join(by_action))
    add(f"  Errors    : {len(report.errors)} (exceptions, st.error alerts, missing pages, "
        f"timeouts, closed connections, failed downloads)")  # fmt: skip
    for text, n in Counter(e[3] for e in report.errors).most_common(8):
        example = next(e for e in report.errors if e[3] == text)
        add(f"    {n} × [{example[1]} ?{example[2][:70]}] {text[:200]}")
    add(f"  Filters   : {report.filter_checks - len(report.filter_mismatches)} of "
        f"{report.filter_checks} runs kept the filters asked for in the URL")  # fmt: skip
    for line in report.filter_mismatches[:5]:
        add(f"    {line}")
    if report.warnings:
        add(f"  Warnings  : {sum(report.warnings.values())} st.exception warnings")
        for text, n in report.warnings.most_common(3):
            add(f"    {n} × {text[:160]}")
    if report.notices:
        add(f"  Notices   : {sum(report.notices.values())} st.warning alerts shown (not errors): "
            + "; ".join(f"{n} × « {t} »" for t, n in report.notices.most_common(3)))  # fmt: skip
    if c.downloads:
        failed = [r for _, _, r in report.downloads if r.error]
        n, size = report.export_files
        add(f"  Downloads : {len(report.downloads)} France-wide files (Données, vue=lignes), "
            f"{len(failed)} failed (not received or not the expected file); each a click on "
            f"« Préparer le fichier … », then an HTTP GET of the link « Télécharger (…, x Mo) » "
            f"it shows (a table small enough: its « Télécharger » button, the file made with "
            f"the page); files checked (name, size, CSV header / XLSX signature)")  # fmt: skip
        for kind in DOWNLOADS:
            rows = [r for _, k, r in report.downloads if k == kind and not r.error]
            if rows:
                prep = [r.prepare_s for r in rows if r.prepare_s > 0]
                fetch = [r.fetch_s for r in rows]
                tot = [r.total_s for r in rows]
                mib = max(r.size for r in rows) / 2**20
                prepared = (
                    f"prepared in p50 {_s(percentile(prep, 50))} (max {_s(max(prep))}; the "
                    "click's run, request → script_finished, file written), "
                    if prep
                    else "made with the page (small table), "
                )
                add(f"    {kind:<5} {len(rows):>3} × : {prepared}fetched in p50 "
                    f"{_s(percentile(fetch, 50))} (max {_s(max(fetch))}; GET to the last byte), "
                    f"click → file received p50 {_s(percentile(tot, 50))} (max {_s(max(tot))}), "
                    f"up to {mib:.1f} MiB")  # fmt: skip
        add(f"    prepared files left in the export directory at the end: {n} "
            f"({size / 2**20:.1f} MiB; they expire after an hour)")  # fmt: skip
    if report.memory:
        peak = max(x[1] for x in report.memory) // 1024
        hwm = max(x[2] for x in report.memory) // 1024
        verdict = "OK" if max(peak, hwm) <= MEMORY_BUDGET_MIB else "OVER BUDGET"
        procs = max(x[3] for x in report.memory)
        add(f"  Memory    : server peak RSS {peak} MiB sampled every second (process tree, up to "
            f"{procs} processes), VmHWM {hwm} MiB (budget {MEMORY_BUDGET_MIB} MiB: {verdict})")  # fmt: skip
        server_cpu, machine_cpu = cpu_percent(report.memory)
        add(f"  CPU       : server {server_cpu:.0f} % of one core on average, whole machine "
            f"{machine_cpu:.0f} % ({m.get('cores')} cores = {100 * int(m.get('cores') or 1)} %; "
            f"the rest is the load generator and other work on the machine)")  # fmt: skip
        add(
            f"  Timeline  : every {c.timeline_every:g} s (RSS and HWM at most, CPU in % of one "
            "core, runs started, p95 of those runs)"
        )
        t = c.timeline_every
        end = report.duration
        k = 1
        while (k - 1) * t < end:
            add("    " + timeline_row(report, (k - 1) * t, k * t))
            k += 1
    if c.swap_every:
        checks = sum(report.swap_checks.values())
        seen = ", ".join(f"build {k} {v}" for k, v in sorted(report.swap_checks.items()))
        add(f"  Swaps     : {len(report.swaps)} swaps (every {c.swap_every:g} s, core.store.publish); "
            f"{checks + len(report.swap_mismatches)} Vue d'ensemble runs checked ({seen}); "
            f"{len(report.swap_mismatches)} mixed or unknown")  # fmt: skip
        for line in report.swap_mismatches[:5]:
            add(f"    {line}")
    logs = report.server_log_tracebacks
    if logs:
        where = report.database.get("server_log", "")
        add(
            f"  Server log: {sum(logs.values())} tracebacks{f' (kept in {where})' if where else ''}"
        )
        for text, n in logs.most_common(5):
            add(f"    {n} × {text}")
    else:
        add("  Server log: no traceback")
    busy = report.client_cpu_s / max(report.duration, 1e-9) * 100
    add(f"  Client    : the load generator used {report.client_cpu_s:.0f} s of CPU "
        f"({busy:.0f} % of one core), on the same machine as the server")  # fmt: skip
    add(
        f"  Result    : {'FAIL' if report.failed else 'PASS'} (0 errors, 0 lost filters"
        + (", 0 mixed builds" if c.swap_every else "")
        + " required)"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions (20)")
    parser.add_argument("--minutes", type=float, default=5.0, help="duration (5)")
    parser.add_argument("--downloads", type=int, default=2,
                        help="sessions downloading the France-wide CSV and XLSX (2)")  # fmt: skip
    parser.add_argument("--swap-every", type=float, default=0.0,
                        help="swap builds A and B every S seconds (0: no swap)")  # fmt: skip
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (reproducible links)")
    parser.add_argument("--think", default="1,5",
                        help="think time between a user's actions, min,max seconds (1,5)")  # fmt: skip
    parser.add_argument("--db", type=Path, default=None,
                        help="database to serve (default: the current build, data/comex.duckdb)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=120.0, help="per page run, seconds")
    parser.add_argument("--timeline", type=float, default=15.0, help="timeline step, seconds")
    args = parser.parse_args(argv)
    low, _, high = args.think.partition(",")
    if args.downloads > args.sessions:
        parser.error("--downloads cannot exceed --sessions")
    return Config(
        sessions=args.sessions,
        minutes=args.minutes,
        downloads=args.downloads,
        swap_every=args.swap_every,
        port=args.port,
        seed=args.seed,
        think=(float(low), float(high or low)),
        db=args.db,
        timeout=args.timeout,
        timeline_every=args.timeline,
    )


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM ends the run like Ctrl-C: the server is stopped and the temporary data removed.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        report = run(config)
    except FileNotFoundError as exc:
        print(f"{exc}: run `make demo-db` first.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: server stopped, temporary data removed.", file=sys.stderr)
        return 130
    print(summary(report))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
