"""The fiche printed to an A4 PDF by headless Chromium (Playwright).

The charts stay vector, the text stays selectable, the seeds' resources stay clickable (link
annotations), and CSS ``break-before: page`` gives one section per page as in the seeds. One
browser, and one page holding plotly.js, serve a whole batch (``--all``): each fiche only
swaps that page's body.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil

from core.db import Database
from core.fiche import page as geometry
from core.fiche.build import DEFAULT_LEVEL, build_fiche
from core.fiche.model import Fiche
from core.fiche.render import PLOTLY_CONFIG, render_body, render_footer, render_html
from core.periods import Period

# Headless Chromium flags: no sandbox in containers, and no background calls to Google's hosts
# (the fiche must not make any request, and this machine's network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class PdfUnavailable(RuntimeError):
    """PDF printing is not possible here; the message is French and shown as is."""


def chromium_executable() -> str | None:
    """Debian's chromium (or COMEX_CHROMIUM): Playwright's own browsers need a download."""
    candidates = [os.environ.get("COMEX_CHROMIUM"), "chromium", "chromium-browser"]
    for candidate in candidates:
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def pdf_unavailable_reason() -> str | None:
    """None when PDFs can be printed, else a French explanation."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Le téléchargement en PDF n'est pas disponible sur ce serveur (module Playwright "
            "absent). Téléchargez la fiche en HTML et imprimez-la depuis votre navigateur."
        )
    if chromium_executable() is None:
        return (
            "Le téléchargement en PDF n'est pas disponible sur ce serveur (navigateur Chromium "
            "absent). Téléchargez la fiche en HTML et imprimez-la depuis votre navigateur."
        )
    return None


class PdfPrinter:
    """One headless Chromium for many PDFs. Use as a context manager::

    with PdfPrinter() as printer:
        pdf_bytes = printer.pdf(fiche)
    """

    def __init__(self) -> None:
        self._pw = None
        self._browser = None
        self._context = None
        self._page = None
        self.requests: list[str] = []  # every URL the documents tried to load (should be none)

    def __enter__(self) -> PdfPrinter:
        if reason := pdf_unavailable_reason():
            raise PdfUnavailable(reason)
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
            )
        except Exception:
            self._pw.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._context is not None:
            self._context.close()
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()

    @property
    def browser(self) -> object:
        return self._browser

    def _shell(self) -> object:
        """A page holding plotly.js, created once: parsing the 4,8 MB library is most of the
        cost of a fiche, so each fiche only swaps the body of this page."""
        if self._page is None:
            context = self._browser.new_context(
                viewport={"width": geometry.PRINT_WIDTH_PX, "height": 1100}, locale="fr-FR"
            )

            # The document is self-contained: any request would be a bug, so block and log it.
            def block(route: object) -> None:
                self.requests.append(route.request.url)
                route.abort()

            context.route("**/*", block)
            page = context.new_page()
            page.set_default_timeout(60_000)
            # Lay charts out for print from the start, so nothing reflows when printing.
            page.emulate_media(media="print")
            page.set_content(render_html(None), wait_until="load")
            self._context, self._page = context, page
        return self._page

    def pdf(self, fiche: Fiche) -> bytes:
        page = self._shell()
        page.evaluate(
            """([title, body, config]) => {
                document.querySelectorAll("div.chart").forEach((d) => Plotly.purge(d));
                document.title = title;
                document.body.innerHTML = body;
                return renderFiche(config);
            }""",
            [fiche.title, render_body(fiche, "print"), PLOTLY_CONFIG],
        )
        return page.pdf(
            format="A4",
            print_background=True,
            prefer_css_page_size=True,
            display_header_footer=True,
            header_template="<div></div>",
            footer_template=render_footer(fiche),
        )


def render_pdf(fiche: Fiche) -> bytes:
    """One PDF with a fresh browser, in a worker thread: Playwright's sync API refuses to run
    in a thread that has an asyncio loop (as some servers' threads do)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:

        def job() -> bytes:
            with PdfPrinter() as printer:
                return printer.pdf(fiche)

        return pool.submit(job).result()


def fiche_pdf(db: Database, territory: str, period: Period, level: str = DEFAULT_LEVEL) -> bytes:
    return render_pdf(build_fiche(db, territory, period, level=level))
