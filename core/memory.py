"""The server process's memory: freed memory given back to the system (no streamlit here)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
import time

TRIM_SECONDS = 10.0
THREAD_NAME = "comex-malloc-trim"


def start_trimmer(every: float = TRIM_SECONDS) -> bool:
    """Give the memory freed by finished page runs back to the system every ``every`` seconds.

    A page run allocates and frees tens of megabytes (query results, figures, tables); glibc
    keeps what was freed inside its heaps, where the next allocations of other sizes often
    cannot reuse it, and the server's RSS creeps up run after run. ``malloc_trim(0)`` returns
    the free pages of every heap (a few milliseconds, in a daemon thread that holds no lock of
    Python's while it runs). Linux with glibc only; elsewhere nothing is started."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl and others: no malloc_trim
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int

    def loop() -> None:
        while True:
            time.sleep(every)
            trim(0)

    threading.Thread(target=loop, name=THREAD_NAME, daemon=True).start()
    return True
