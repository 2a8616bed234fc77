"""End-to-end harness: a real Streamlit server and headless Debian Chromium via Playwright.

``streamlit_server`` starts ``python Home.py`` (Streamlit with its legacy routing off, as
``make run`` does) on a free port against a given database;
``browser_page`` opens a Chromium page (``executable_path=shutil.which("chromium")``: the
machine cannot download Playwright's own browsers). Tests skip when chromium is absent outside
CI and fail in CI, where `make test` installs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.fiche import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "COMEX_DB": str(db_path), **(extra_env or {})}
    logs = ROOT / ".pytest_cache"
    logs.mkdir(exist_ok=True)
    log = open(logs / f"streamlit-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "Home.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (see {log.name})")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (make test installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    return path


@contextlib.contextmanager
def browser_page(viewport: tuple[int, int] = (1400, 1000)) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            locale="fr-FR",
            accept_downloads=True,
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def wait_for_app(page: object) -> None:
    """Wait until Streamlit has run the script at least once and is not running it now.

    ``stApp`` carries the script state: ``initial`` until the first run starts, then
    ``running`` while a run (or a requested rerun) is under way.
    """
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const state = app && app.getAttribute('data-test-script-state');
            return state && !['initial', 'running', 'rerunRequested'].includes(state)
                && !document.querySelector('[data-testid="stStatusWidget"]');
        }""",
        timeout=90_000,
    )
    page.wait_for_timeout(300)


# A run's text with French narrow and no-break spaces as plain spaces.
SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def plain(text: str) -> str:
    return text.translate(SPACES)


def url_params(page: object) -> dict[str, str]:
    """The page's query parameters (last value of each)."""
    from urllib.parse import parse_qs, urlparse

    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def open_view(page: object, base: str, path: str) -> None:
    """Open ``base/path`` and wait for the run; never a "Page not found" dialog, even in the
    first session of a fresh server (Home.py turns Streamlit's legacy pages/ routing off)."""
    page.goto(f"{base}/{path}")
    wait_for_app(page)
    assert page.get_by_role("dialog").count() == 0


# Charts not yet scrolled near (``pages.tables.drawn_when_near``): each one's element marks
# itself « waiting » until its chart is asked for, « seen » after.
WAITING_CHARTS = "() => document.querySelectorAll('[data-near=\"waiting\"]').length"


def scroll_through(page: object) -> None:
    """Scroll the main area to its end a screen at a time, as a reader does, waiting for the
    runs this starts: every chart drawn once near (``pages.tables.drawn_when_near``) is drawn.
    The main area is left scrolled to its end."""
    main = "document.querySelector('[data-testid=\"stMain\"]')"
    step = page.viewport_size["height"]
    y = 0
    while y < page.evaluate(f"{main}.scrollHeight"):
        page.evaluate(f"{main}.scrollTo(0, {y})")
        page.wait_for_timeout(150)
        wait_for_app(page)
        y += step
    page.wait_for_function(f"() => ({WAITING_CHARTS})() === 0", timeout=60_000)
