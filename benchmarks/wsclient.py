"""A minimal Streamlit client speaking the browser's protocol, for load tests without a browser.

One ``StreamlitSession`` is one browser tab: one websocket on ``/_stcore/stream`` (one
``AppSession`` on the server), over which it sends ``BackMsg`` protobufs and reads the
``ForwardMsg`` protobufs the server streams back, as Streamlit's frontend does
(``streamlit/static``: ``sendRerunBackMsg``, ``onHistoryChange``; server side:
``web/server/starlette/starlette_websocket.py`` and ``runtime/app_session.py``):

- **Connecting**: subprotocols ``["streamlit", "PLACEHOLDER_AUTH_TOKEN"]`` (the second entry
  carries the XSRF token in a browser; without an ``Origin`` header the server does not check
  it). The server answers nothing until the first ``rerun_script``.
- **Opening a deep link** (``open``): the first ``rerun_script`` carries the URL's query string
  and, as ``page_name``, the URL path relative to the app (``""`` for the default page,
  ``"partenaires"``…) with an empty ``page_script_hash``; the server answers ``new_session``
  (the session id), then the run's deltas, ``page_info_changed`` (the query string the app
  wrote back), ``navigation`` (every page's ``page_script_hash`` and URL path, and the page
  the run showed) and finally ``script_finished``.
- **Clicking a page in the menu** (``switch_page``): ``rerun_script`` with the target page's
  ``page_script_hash`` and the current query string (the frontend keeps the URL's parameters
  when no widget is bound to the URL).
- **Changing a widget** (``set_widget``): ``rerun_script`` on the current page with the
  widget's new value in ``widget_states`` (its id and options come from the element the last
  run drew; a selectbox or radio sends its formatted option as ``string_value``, a slider a
  ``double_array_value``). Only the changed widget is sent: the server keeps the others'
  values (``SessionState._compact_state``).
- **Back/Forward** (``history``): ``rerun_script`` with another query string and
  ``is_history_navigation`` set, as the frontend's ``popstate`` handler does.
- **Clicking a button** (``click``): ``rerun_script`` on the current page whose
  ``widget_states`` carry the ``st.button``'s id with ``trigger_value = True``, as the
  frontend's ``WidgetStateManager.setTriggerValue`` sends a click; the server runs the
  button's ``on_click`` callback, then the script (the trigger is reset after that run).
- **Downloads**, three kinds, each ending in an HTTP GET of a URL the page drew:
  - a large table's file prepared on request (``prepare_download``): the page shows
    « Préparer le fichier CSV », a click runs the callback that writes the file
    (``core.exports``) and the rerun shows an ``st.link_button`` « Télécharger (CSV, 12,3 Mo) »
    whose ``url`` (``/telechargements/<token>``) the browser follows like any link (resolved
    against the page's URL) and the server streams from disk (``follow_link``);
  - an ``st.download_button`` whose bytes were made with the page (a small table): its
    ``url`` is a media URL (``/media/<id>.<ext>``) fetched directly (``download``);
  - an ``st.download_button`` whose ``data`` is a callable (the fiche's HTML and PDF) carries
    a ``deferred_file_id``: the frontend sends a ``backend_operation_request``
    (``deferred_file``, with the session id), the server runs the callable in a thread and
    answers a ``backend_operation_response`` with a media URL, then fetched (``download``).

No ``cached_message_hashes`` are ever sent, so the server always sends whole messages (never
``ref_hash`` references to a browser cache). A run ends with ``script_finished``
``FINISHED_SUCCESSFULLY``; ``FINISHED_EARLY_FOR_RERUN`` means another run of the same request
follows (an ``st.rerun``), whose elements replace the first's.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qsl, urlencode, urljoin

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

SUBPROTOCOLS = ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]
WIDGET_KINDS = {"selectbox", "radio", "slider", "multiselect", "text_input", "checkbox"}
HEAD_BYTES = 4096  # the first bytes of a downloaded file kept for checks (its header line)


class ProtocolError(RuntimeError):
    """The server did not answer as a browser expects (closed, timed out, refused)."""


@dataclass
class Element:
    """An element the run drew: ``kind`` is the ``Element`` oneof (``alert``, ``metric``…)."""

    kind: str
    proto: object
    path: tuple[int, ...]


@dataclass
class RunResult:
    """What one rerun request produced, as a browser would display it."""

    action: str  # open | switch | widget | history | click
    page: str  # URL path of the page the run showed ("" for the default page)
    elapsed: float  # seconds from the request to script_finished
    status: str  # ok | compile_error | timeout | closed | not_sent (nothing to click)
    elements: list[Element] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # st.exception(is_warning), deprecations
    notices: list[str] = field(default_factory=list)  # st.warning alerts (URL notices…)
    page_title: str = ""
    query_string: str = ""
    received_bytes: int = 0
    started: float = 0.0  # time.monotonic() when sent

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not self.errors

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    def alerts(self, fmt: int | None = None) -> list[str]:
        return [
            e.proto.body
            for e in self.elements
            if e.kind == "alert" and (fmt is None or e.proto.format == fmt)
        ]

    def metric(self, label_prefix: str) -> str | None:
        for e in self.elements:
            if e.kind == "metric" and e.proto.label.startswith(label_prefix):
                return e.proto.body
        return None

    def widget(self, label: str) -> Element | None:
        for e in self.elements:
            if e.kind in WIDGET_KINDS and e.proto.label == label:
                return e
        return None

    def download_buttons(self) -> list[Element]:
        return [e for e in self.elements if e.kind == "download_button"]

    def button(self, label: str) -> Element | None:
        """The ``st.button`` labelled ``label`` (the last one drawn), or None."""
        found = [e for e in self.elements if e.kind == "button" and e.proto.label == label]
        return found[-1] if found else None

    def link_buttons(self, pattern: str | re.Pattern[str] = "") -> list[Element]:
        """The ``st.link_button``s whose label matches ``pattern`` (``re.fullmatch``; every
        one for ``""``)."""
        return [
            e
            for e in self.elements
            if e.kind == "link_button" and (not pattern or re.fullmatch(pattern, e.proto.label))
        ]


@dataclass
class DownloadResult:
    """One file received: how it was asked for, timed, and its first bytes."""

    label: str  # the label clicked (download button, or link button)
    widget_id: str = ""  # the download button's id ("" for a link)
    url: str = ""  # the URL fetched
    prepare_s: float = 0.0  # the click on « Préparer… » → script_finished of its rerun
    generate_s: float = 0.0  # backend_operation_request → response (deferred download only)
    fetch_s: float = 0.0  # HTTP GET of the URL, to the last byte
    size: int = 0
    status: int = 0  # HTTP status
    content_type: str = ""
    filename: str = ""  # from Content-Disposition
    head: bytes = b""  # the first HEAD_BYTES bytes
    error: str | None = None

    @property
    def total_s(self) -> float:
        """Click → file received."""
        return self.prepare_s + self.generate_s + self.fetch_s

    @property
    def first_line(self) -> bytes:
        """The file's first line (CRLF or LF stripped), from ``head``."""
        return self.head.split(b"\n", 1)[0].removesuffix(b"\r")


def _errors_of(element: Element) -> tuple[list[str], list[str], list[str]]:
    """(errors, warnings, notices) an element shows."""
    if element.kind == "exception":
        p = element.proto
        text = f"Exception {p.type}: {p.message}"[:300]
        return ([], [text], []) if p.is_warning else ([text], [], [])
    if element.kind == "alert":
        if element.proto.format == Alert.ERROR:
            return [f"st.error: {element.proto.body}"[:300]], [], []
        if element.proto.format == Alert.WARNING:
            return [], [], [element.proto.body[:300]]
    return [], [], []


class StreamlitSession:
    """One browser tab on a Streamlit app, driven over the websocket protocol."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session_id = ""
        self.query_string = ""  # the browser's current URL query (what the app last wrote)
        self.page = ""  # URL path of the current page
        self.page_hash = ""  # its page_script_hash
        self.pages: dict[str, str] = {}  # URL path → page_script_hash (from `navigation`)
        self.last: RunResult | None = None
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._run: RunResult | None = None
        self._run_done: asyncio.Future | None = None
        self._ops: dict[str, asyncio.Future] = {}
        self._closed_reason: str | None = None

    # --- connection -------------------------------------------------------------------------
    async def connect(self) -> None:
        ws_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self._ws = await connect(
            ws_url, subprotocols=SUBPROTOCOLS, max_size=None, open_timeout=self.timeout
        )
        self._closed_reason = None
        self._reader = asyncio.create_task(self._read_forever())

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        self._ws = self._reader = None

    async def __aenter__(self) -> StreamlitSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- user actions -----------------------------------------------------------------------
    async def open(self, path: str, query: str | dict[str, str]) -> RunResult:
        """Open ``/<path>?<query>`` in a new tab (a new connection and session)."""
        await self.close()
        await self.connect()
        query = query if isinstance(query, str) else urlencode(query)
        self.query_string = query
        self.page, self.page_hash, self.pages = path, "", {}
        msg = self._rerun_msg(query_string=query, page_name=path, page_script_hash="")
        return await self._request("open", msg)

    async def switch_page(self, path: str) -> RunResult:
        """Click the page ``path`` in the navigation menu."""
        msg = self._rerun_msg(query_string=self.query_string, page_script_hash=self.pages[path])
        return await self._request("switch", msg)

    async def set_widget(self, label: str, value: object) -> RunResult:
        """Set the widget labelled ``label`` (drawn by the last run) to ``value``: the formatted
        option of a selectbox or radio, a number for a slider."""
        element = self.last.widget(label) if self.last else None
        if element is None:
            raise ProtocolError(f"no widget labelled {label!r} on the page")
        msg = self._rerun_msg(query_string=self.query_string, page_script_hash=self.page_hash)
        state = msg.rerun_script.widget_states.widgets.add()
        state.id = element.proto.id
        if element.kind in ("selectbox", "radio"):
            state.string_value = str(value)
        elif element.kind == "slider":
            state.double_array_value.data.append(float(value))
        elif element.kind == "multiselect":
            state.string_array_value.data.extend(value)  # type: ignore[arg-type]
        elif element.kind == "checkbox":
            state.bool_value = bool(value)
        else:
            state.string_value = str(value)
        return await self._request("widget", msg)

    async def history(self, path: str, query: str | dict[str, str]) -> RunResult:
        """Back or Forward to ``/<path>?<query>`` within the same tab."""
        query = query if isinstance(query, str) else urlencode(query)
        self.query_string = query
        msg = self._rerun_msg(
            query_string=query, page_script_hash=self.pages[path], is_history_navigation=True
        )
        return await self._request("history", msg)

    async def click(self, label: str) -> RunResult:
        """Click the ``st.button`` labelled ``label`` that the last run drew."""
        element = self.last.button(label) if self.last else None
        if element is None:
            raise ProtocolError(f"no button labelled {label!r} on the page")
        msg = self._rerun_msg(query_string=self.query_string, page_script_hash=self.page_hash)
        state = msg.rerun_script.widget_states.widgets.add()
        state.id = element.proto.id
        state.trigger_value = True
        return await self._request("click", msg)

    async def follow_link(
        self, pattern: str | re.Pattern[str], read_limit: int | None = None
    ) -> DownloadResult:
        """Follow the ``st.link_button`` of the last run whose label matches ``pattern``
        (``re.fullmatch``): an HTTP GET of its URL, resolved as a browser resolves a link."""
        links = self.last.link_buttons(pattern) if self.last else []
        if not links:
            shown = [e.proto.label for e in self.last.link_buttons()] if self.last else []
            return DownloadResult(
                str(pattern), error=f"no link button matching {str(pattern)!r} (links: {shown})"
            )
        link = links[-1].proto
        result = DownloadResult(link.label)
        page_url = f"{self.base_url}/{self.page}"
        return await self._fetch(result, urljoin(page_url, link.url), read_limit)

    async def get(self, url: str, read_limit: int | None = None) -> DownloadResult:
        """Open ``url`` (absolute, or relative to the current page) as typed in the address
        bar: an HTTP GET, e.g. a download link kept from an earlier visit."""
        result = DownloadResult(url)
        return await self._fetch(result, urljoin(f"{self.base_url}/{self.page}", url), read_limit)

    async def prepare_download(
        self,
        button: str,
        link: str | re.Pattern[str],
        read_limit: int | None = None,
    ) -> tuple[RunResult, DownloadResult]:
        """Click « Préparer… » (``button``), wait for its rerun, then follow the link it shows
        (``link``, a ``re.fullmatch`` pattern of its label). Returns the click's run (to be
        recorded like any run) and the download, whose ``prepare_s`` is that run's time."""
        try:
            run = await self.click(button)
        except ProtocolError as exc:
            run = RunResult("click", self.page, 0.0, "not_sent", query_string=self.query_string)
            run.started = time.monotonic()
            return run, DownloadResult(button, error=str(exc))
        if not run.ok:
            why = "; ".join(run.errors) or run.status
            return run, DownloadResult(button, prepare_s=run.elapsed, error=f"prepare: {why}")
        result = await self.follow_link(link, read_limit)
        result.prepare_s = run.elapsed
        return run, result

    async def download(
        self, label: str, id_suffix: str | None = None, read_limit: int | None = None
    ) -> DownloadResult:
        """Click the ``st.download_button`` ``label`` (the last one of that label, or the one
        whose widget id ends with ``id_suffix``) and fetch the file: its media URL directly, or
        for a deferred one (``data`` a callable) the URL the server answers after running it."""
        buttons = [b for b in (self.last.download_buttons() if self.last else [])]
        buttons = [
            b
            for b in buttons
            if b.proto.label == label and (id_suffix is None or b.proto.id.endswith(id_suffix))
        ]
        if not buttons:
            return DownloadResult(label, error=f"no download button {label!r}")
        button = buttons[-1]
        result = DownloadResult(label, button.proto.id)
        if not button.proto.deferred_file_id:
            return await self._fetch(result, self._media_url(button.proto.url), read_limit)
        msg = BackMsg()
        op = msg.backend_operation_request
        op.request_id = str(uuid.uuid4())
        op.session_id = self.session_id
        op.deferred_file.file_id = button.proto.deferred_file_id
        future = asyncio.get_running_loop().create_future()
        self._ops[op.request_id] = future
        start = time.perf_counter()
        try:
            await self._ws.send(msg.SerializeToString())
            response = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            result.error = f"no answer to the download request in {self.timeout:.0f} s"
            return result
        except (ConnectionClosed, ProtocolError) as exc:
            result.error = f"connection closed during the download request ({exc})"
            return result
        finally:
            self._ops.pop(op.request_id, None)
        result.generate_s = time.perf_counter() - start
        if response.error_msg:
            result.error = f"server: {response.error_msg} {response.error_reason}".strip()
            return result
        return await self._fetch(result, self._media_url(response.deferred_file.url), read_limit)

    def _media_url(self, url: str) -> str:
        """A media URL as the frontend builds it: relative to the app's base URL."""
        return url if url.startswith("http") else f"{self.base_url}/{url.lstrip('/')}"

    async def _fetch(
        self, result: DownloadResult, url: str, read_limit: int | None
    ) -> DownloadResult:
        """HTTP GET of ``url`` (absolute) to its last byte, or ``read_limit`` bytes."""
        result.url = url

        def get() -> None:
            try:
                resp = urllib.request.urlopen(url, timeout=self.timeout)  # noqa: S310 (loopback)
            except urllib.error.HTTPError as exc:
                result.status = exc.code
                body = exc.read(300).decode("utf-8", "replace")
                result.error = f"HTTP GET {url}: {exc.code} {body}".strip()
                return
            with resp:
                result.status = resp.status
                result.content_type = resp.headers.get("Content-Type", "")
                disposition = resp.headers.get("Content-Disposition", "")
                if disposition:
                    header = Message()
                    header["Content-Disposition"] = disposition
                    result.filename = header.get_filename() or ""
                while chunk := resp.read(1 << 20):
                    if len(result.head) < HEAD_BYTES:
                        result.head += chunk[: HEAD_BYTES - len(result.head)]
                    result.size += len(chunk)
                    if read_limit and result.size >= read_limit:
                        break

        start = time.perf_counter()
        try:
            await asyncio.to_thread(get)
        except OSError as exc:
            result.error = f"HTTP GET {url}: {exc}"
        result.fetch_s = time.perf_counter() - start
        return result

    # --- protocol ---------------------------------------------------------------------------
    def _rerun_msg(self, **fields: object) -> BackMsg:
        msg = BackMsg()
        rerun = msg.rerun_script
        for name, value in fields.items():
            setattr(rerun, name, value)
        ctx = rerun.context_info
        ctx.timezone = "Europe/Paris"
        ctx.timezone_offset = -60
        ctx.locale = "fr-FR"
        ctx.url = f"{self.base_url}/{fields.get('page_name', self.page)}"
        ctx.is_embedded = False
        ctx.color_scheme = "light"
        return msg

    async def _request(self, action: str, msg: BackMsg) -> RunResult:
        if self._ws is None:
            raise ProtocolError("not connected")
        run = RunResult(action=action, page=self.page, elapsed=0.0, status="ok")
        self._run = run
        self._run_done = asyncio.get_running_loop().create_future()
        start = time.perf_counter()
        run.started = time.monotonic()
        try:
            await self._ws.send(msg.SerializeToString())
            await asyncio.wait_for(asyncio.shield(self._run_done), self.timeout)
        except TimeoutError:
            run.status = "timeout"
            run.errors.append(f"no script_finished within {self.timeout:.0f} s")
        except (ConnectionClosed, ProtocolError) as exc:
            run.status = "closed"
            run.errors.append(f"connection closed: {self._closed_reason or exc}")
        run.elapsed = time.perf_counter() - start
        run.page = self.page
        run.query_string = self.query_string
        self._run = self._run_done = None
        self.last = run
        return run

    async def _read_forever(self) -> None:
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    continue
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg, len(data))
        except ConnectionClosed as exc:
            self._closed_reason = f"code {exc.code}"
        except Exception as exc:  # a parse failure is a protocol error for the pending run
            self._closed_reason = f"{type(exc).__name__}: {exc}"
        finally:
            reason = ProtocolError(self._closed_reason or "connection closed")
            if self._run_done is not None and not self._run_done.done():
                self._run_done.set_exception(reason)
                # The exception is retrieved by the waiter through shield(); mark it seen.
                self._run_done.exception()
            for future in self._ops.values():
                if not future.done():
                    future.set_exception(reason)
                    future.exception()

    def _handle(self, msg: ForwardMsg, size: int) -> None:
        kind = msg.WhichOneof("type")
        run = self._run
        if run is not None:
            run.received_bytes += size
        if kind == "delta":
            if run is not None and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                element = Element(el.WhichOneof("type"), None, tuple(msg.metadata.delta_path))
                element.proto = getattr(el, element.kind)
                run.elements.append(element)
                errors, warnings, notices = _errors_of(element)
                run.errors += errors
                run.warnings += warnings
                run.notices += notices
        elif kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_config_changed":
            if msg.page_config_changed.title and run is not None:
                run.page_title = msg.page_config_changed.title
        elif kind == "navigation":
            nav = msg.navigation
            self.pages = {p.url_pathname: p.page_script_hash for p in nav.app_pages}
            self.page_hash = nav.page_script_hash
            self.page = next(
                (p.url_pathname for p in nav.app_pages if p.page_script_hash == self.page_hash),
                self.page,
            )
        elif kind == "page_not_found":
            if run is not None:
                run.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event":
            event = msg.session_event
            if event.WhichOneof("type") == "script_compilation_exception" and run is not None:
                exc = event.script_compilation_exception
                run.errors.append(f"compile error {exc.type}: {exc.message}"[:300])
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                if run is not None:  # another run follows; only its elements will show
                    run.elements.clear()
                    run.errors.clear()
                    run.warnings.clear()
                    run.notices.clear()
                return
            if run is not None and status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                run.status = "compile_error"
            if self._run_done is not None and not self._run_done.done():
                self._run_done.set_result(status)
        elif kind == "backend_operation_response":
            response = msg.backend_operation_response
            future = self._ops.get(response.request_id)
            if future is not None and not future.done():
                future.set_result(response)
        elif kind == "ref_hash" and run is not None:
            run.errors.append("unexpected ref_hash message (no cached hashes were offered)")
