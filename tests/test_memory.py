"""The server gives freed memory back to the system (``core.memory``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import sys, threading, time
    from core import memory

    def rss_mb():
        status = open("/proc/self/status").read()
        return int(status.split("VmRSS:")[1].split()[0]) // 1024

    chunks = [b"x" * 100_000 for _ in range(2_000)]  # 200 MB in the heap
    keep = chunks[-1]  # the heap's top stays in use: the freed space below cannot shrink it
    del chunks
    before = rss_mb()
    started = memory.start_trimmer(every=0.05)
    time.sleep(0.5)
    names = [t.name for t in threading.enumerate()]
    print(before, rss_mb(), started, memory.THREAD_NAME in names)
    """
)


def test_the_trimmer_gives_the_freed_heap_back_to_the_system():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT), "MALLOC_ARENA_MAX": "2", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    before, after, started, running = out.stdout.split()
    assert started == running == "True"
    assert int(before) > 200  # freed, but still held by the process…
    assert int(after) < int(before) - 150  # …until the trimmer returns it
