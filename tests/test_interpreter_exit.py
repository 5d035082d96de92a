"""Python exits cleanly while addons are still open and busy: their hosts are closed before the
interpreter finalizes (napi_python.addon._close_at_exit), so no thread of napi_python is left
to wake up in native code during finalization, where CPython ends threads with pthread_exit
and the unwinding through Rust frames aborts the process ("FATAL: exception not rethrown").
Before the fix a script like these died with SIGABRT in about a quarter of its runs."""

from __future__ import annotations

import subprocess
import sys

from conftest import addon_path

BUSY_AT_EXIT = """
import asyncio, socket, sys
from napi_python import load_addon
stream = load_addon(sys.argv[1])
w, r = socket.socketpair()
def on_call(i):
    w.send(b"x")      # releases the GIL inside the callback, as asyncio's wake-up does
    r.recv(1)
stream.stream(10_000_000, on_call)            # calls keep coming from a native thread
pending = stream.asyncAdd(1, 2)               # a settlement on its way
idle = load_addon(sys.argv[2])                # an open host whose output forwarder waits
idle.say("line", True)
print("leaving")
"""


def test_python_exits_cleanly_with_busy_addons_left_open():
    for _ in range(8):
        proc = subprocess.run(
            [sys.executable, "-c", BUSY_AT_EXIT, addon_path("bench_async"), addon_path("isolation")],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert (proc.returncode, proc.stdout) == (0, "leaving\n"), proc.stderr[-2000:]
        assert "FATAL" not in proc.stderr
