"""Interpreter exit while threads are inside napi_python: CPython 3.11 ends a thread that takes
the GIL during finalization with pthread_exit, which aborts the process when Rust frames are on
its stack ("FATAL: exception not rethrown"). An atexit hook keeps our threads out of the GIL
from then on and lets the ones inside finish first (client-py/src/exit_gate.rs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import IN_PROCESS, ROOT, addon_path, oracle_node
from test_hosts import assert_torn_down_at_exit


def assert_exits_cleanly(script: str, runs: int, stdout: str | None = None) -> None:
    """Runs `script` `runs` times: each must exit with status 0, no abort message (and print
    `stdout` when given). The runs are for a race: glibc's `pthread_exit` unwinds the thread it
    ends, and unwinding into Rust frames aborts. Windows' CPython ends such a thread without
    unwinding it, so there two runs check the exit is clean (each is seconds of wine's start-up)."""
    if sys.platform == "win32":
        runs = min(runs, 2)
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "FATAL" not in done.stderr
        if stdout is not None:
            assert done.stdout == stdout


# A daemon thread waits in native code for a call that is still writing output (so the output
# forwarder is busy too) when the main thread reaches the end of the script: the script ends
# once the host's first line reached Python (the forwarder logs it: output="logging").
SCRIPT = f"""
import logging, threading
import napi_python
writing = threading.Event()
class Seen(logging.Handler):
    def emit(self, record):
        writing.set()
logging.getLogger("napi_python.host").addHandler(Seen())
logging.getLogger("napi_python.host").setLevel(logging.INFO)
addon = napi_python.load_addon({str(addon_path("isolation"))!r}, output="logging")
threading.Thread(target=lambda: addon.spew(10_000_000, False), daemon=True).start()
assert writing.wait(30)
"""


@pytest.mark.either_mode
def test_exiting_while_a_call_is_in_flight_does_not_abort():
    # Without the hook this aborted in about 9 runs of 10 on the development machine.
    assert_exits_cleanly(SCRIPT, runs=3)


# The event dispatcher is inside Python callbacks (a native thread's threadsafe-function calls,
# each releasing the GIL as asyncio's wake-up does) and a settlement is on its way when the
# script ends; another host's output forwarder waits.
BUSY_DISPATCHER = f"""
import socket
from napi_python import load_addon
stream = load_addon({str(addon_path("bench_async"))!r})
w, r = socket.socketpair()
def on_call(i):
    w.send(b"x")
    r.recv(1)
stream.stream(10_000_000, on_call)
pending = stream.asyncAdd(1, 2)
idle = load_addon({str(addon_path("isolation"))!r})
idle.say("line", True)
print("leaving")
"""


@pytest.mark.either_mode
def test_exiting_while_the_dispatcher_runs_callbacks_does_not_abort():
    # Before the exit gate this aborted in about a quarter of the runs (webcodecs' demuxer did
    # the same at the end of a script).
    assert_exits_cleanly(BUSY_DISPATCHER, runs=8, stdout="leaving\n")


@pytest.mark.either_mode
def test_exiting_while_an_in_process_host_thread_runs_callbacks_does_not_abort():
    """The same stream in-process, where the host thread runs the calls itself: it takes
    the GIL through the exit gate, and stops calling Python once the gate is closed."""
    path = repr(str(addon_path("bench_async")))
    script = BUSY_DISPATCHER.replace(f"load_addon({path})", f"load_addon({path}, isolated=False)")
    assert "isolated=False" in script
    assert_exits_cleanly(script, runs=8, stdout="leaving\n")


# A daemon thread is inside an addon call whose Python callback returns after the main thread
# has reached the end of the script: the callback is running when the script ends, and returns
# once the interpreter's exit began (atexit hooks run newest first: this one before
# napi_python's, which lets calls in flight finish).
CALLBACK_RETURNING_AT_EXIT = f"""
import atexit, threading
from napi_python import load_addon
addon = load_addon({str(addon_path("bench"))!r})
inside, exiting = threading.Event(), threading.Event()
atexit.register(exiting.set)
def callback():
    inside.set()
    exiting.wait()
    return 1
threading.Thread(target=addon.callback, args=(callback,), daemon=True).start()
inside.wait()
"""


@pytest.mark.either_mode
def test_exiting_while_a_callback_is_about_to_return_does_not_abort():
    # Before requests were inside the exit gate this aborted in 5 runs of 5: the callback
    # returned into our frames while the interpreter finalized. Exit now waits for it.
    assert_exits_cleanly(CALLBACK_RETURNING_AT_EXIT, runs=3)


def test_hosts_left_open_tear_their_addons_down_at_exit(tmp_path):
    # node runs an addon's cleanup hooks, finalizers and instance-data finalizer when the
    # process exits; a napi-hostd left open at exit used to be killed with Python instead.
    import os

    log = tmp_path / "hosts.log"
    script = f"""
from napi_python import load_addon
provider = load_addon({str(addon_path("hosts_provider"))!r})
keep = provider.makeThing("kept")
"""
    # A cleanup hook that takes a while: without waiting for it, the host is killed with Python.
    env = {**os.environ, "HOSTS_LOG": str(log), "HOSTS_SLOW_CLEANUP_MS": "300"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_torn_down_at_exit(log)


def exit_holding_open(how: str, log: Path, node: bool = False) -> subprocess.CompletedProcess[str]:
    """A program that loads addons/c/exit_async_cleanup.c, registers its async cleanup hook of kind
    `how` and ends, under node or through napi_python in the suite's mode; the hook's log goes
    to `log`."""
    path = addon_path("exit_async_cleanup")
    if node:
        command = [oracle_node(), "-e", f"require({path!r}).holdOpen({how!r}, {str(log)!r})"]
    else:
        script = f"""
from napi_python import load_addon
addon = load_addon({path!r}, isolated={not IN_PROCESS})
addon.holdOpen({how!r}, {str(log)!r})
"""
        command = [sys.executable, "-c", script]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize("how", ["work", "async", "timer"])
def test_exit_runs_the_loop_until_an_async_cleanup_hook_removes_itself(how, tmp_path):
    """RocksDB's hook closes its database on libuv's pool and removes itself in the work's
    completion, on the loop: teardown used to wait on the event queue alone, so the
    hook never finished and the host was killed 2 s later ("the addon did not return", in-process
    the close gave up after as long). Now the loop runs until the hook is gone, as in node: the
    same log, the hook done before the teardown goes on to the instance data."""
    expected = tmp_path / "node.log"
    assert exit_holding_open(how, expected, node=True).returncode == 0
    log = tmp_path / "napi_python.log"
    done = exit_holding_open(how, log)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "did not" not in done.stderr, done.stderr[-2000:]
    assert log.read_text() == expected.read_text()
    assert f"hook done ({how})" in log.read_text()


def test_exit_gives_up_on_an_async_cleanup_hook_that_never_removes_itself(tmp_path):
    """node waits for ever; the host waits a bounded time (below the 2 s after which it would be
    killed), says which addon's hook it gave up on, and finishes its teardown itself."""
    log = tmp_path / "napi_python.log"
    done = exit_holding_open("never", log)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (
        "async cleanup hook(s) of file://" in done.stderr
        and "exit_async_cleanup.node did not remove themselves" in done.stderr
    )
    assert "did not return" not in done.stderr
    assert log.read_text() == "hook called (never)\ninstance data\n"


# The same, the callback called by a compact call (`callKept(1)`: a primitive argument), which
# enters the exit gate only once it must wait or serve the host's Python call
# (`exchange_quick`). The callback lets the GIL go once more after exit began, and the
# finalizer of a cycle collected at finalization lets it go for longer then: a thread that took
# it back in that window with our frames on its stack, not counted inside the gate, aborted the
# process. Inside the gate, exit waits for the callback to return instead. The two sleeps only
# make that window certain.
COMPACT_CALL_CALLBACK_RETURNING_AT_EXIT = f"""
import atexit, os, threading, time
from napi_python import addon_info, load_addon
fns = load_addon({str(addon_path("functions"))!r})
inside, exiting = threading.Event(), threading.Event()
atexit.register(exiting.set)
def callback(x):
    inside.set()
    exiting.wait()
    time.sleep(0.2)
    return x
class SlowToGo:
    def __del__(self, sleep=time.sleep):
        sleep(0.6)
fns.keep(callback)
conn = addon_info(fns).exports._napi_conn
before = conn._compact_calls
threading.Thread(target=fns.callKept, args=(1,), daemon=True).start()
inside.wait()
assert conn._compact_calls == before + 1, "callKept(1) went as a request"
print("compact")
cycle = SlowToGo()
cycle.me = cycle
del cycle
"""


def test_exiting_while_a_compact_calls_callback_is_about_to_return_does_not_abort():
    assert_exits_cleanly(COMPACT_CALL_CALLBACK_RETURNING_AT_EXIT, runs=3, stdout="compact\n")
