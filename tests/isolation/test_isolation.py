"""Faults survived (addon: addons/c/isolation.c): whatever the addon does to the host
process, Python lives on and the pending call raises the right exception, with the signal or exit
status and the tail of the host's stderr. How fast (the issue's bounds: 500 ms for a crash, the
timeout plus 200 ms for a hang) is measured by tests/bench/bench_faults.py.

Under node 20 the same functions end the node process (stack overflow: SIGSEGV; exit(0): 0;
napi_fatal_error: SIGABRT after "FATAL ERROR: ..." on stderr).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import gone

import napi_python
from napi_python import AddonCrashedError, AddonError, AddonTimeoutError

# What this module checks is the host process's own behaviour.
pytestmark = pytest.mark.isolated_only

WINDOWS = sys.platform == "win32"
# How long past its timeout a hung call may take to raise: the host's group killed and reaped.
TIMEOUT_MARGIN = 4.0
# Windows has no signals: AddonCrashedError.signal names the exception that ended the host.
# Rust's guard page handler turns a main-thread overflow on Linux into SIGSEGV or an abort.
STACK_OVERFLOW = ("a stack overflow (0xC00000FD)",) if WINDOWS else ("SIGSEGV", "SIGABRT")
# napi_fatal_error aborts: a fail-fast exception on Windows, as node's abort() there.
FATAL_ERROR = "a fail-fast exception (abort) (0xC0000409)" if WINDOWS else "SIGABRT"


def crash(call, *args) -> AddonCrashedError:
    with pytest.raises(AddonCrashedError) as info:
        call(*args)
    return info.value


def wait_until_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while not gone(pid):
        assert time.monotonic() < deadline, f"the host {pid} did not end"
        time.sleep(0.01)


@pytest.mark.parametrize(
    "function, signals, exit_code",
    [("stackOverflow", STACK_OVERFLOW, None), ("exitZero", (None,), 0)],
)
def test_fault_raises_addon_crashed_error(load, function, signals, exit_code):
    addon = load("isolation", restart=False)
    assert addon.add(1, 2) == 3
    error = crash(getattr(addon, function))
    assert error.exit_code == exit_code
    assert error.signal in signals
    assert error.pid is not None and str(error.pid) in str(error)


def test_a_host_whose_socket_the_addon_shut_exits_and_the_next_call_raises(load):
    # The addon shuts the host's own socket while the call's answer is on its way: the answer
    # travels on the shared-memory ring, the hang-up on the socket, and the client takes
    # whichever it meets first, as with an answer racing a crash (with a CPU each, the client
    # looking at the ring usually sees the answer; on one CPU it sleeps on the socket and wakes
    # to the hang-up). Either way the host ends as if the client had left (status 0), and the
    # next call, once it has ended, raises.
    addon = load("isolation", restart=False)
    try:
        assert addon.closeSocket() is None
    except AddonCrashedError as first:
        assert first.exit_code == 0 and first.signal is None
    wait_until_gone(napi_python.addon_info(addon).pid)
    error = crash(addon.add, 1, 2)
    assert error.exit_code == 0 and error.signal is None
    assert error.pid is not None and str(error.pid) in str(error)


def test_stack_overflow_reports_the_stderr_tail(load):
    addon = load("isolation", restart=False)
    addon.say("written before the crash", True)
    error = crash(addon.stackOverflow)
    assert "written before the crash" in error.stderr


def test_napi_fatal_error_carries_the_addons_message(load):
    addon = load("isolation", restart=False)
    error = crash(addon.fatalError, "the widget is broken")
    assert error.signal == FATAL_ERROR
    assert "the widget is broken" in str(error)
    assert "FATAL ERROR: isolation.c:FatalError the widget is broken" in error.stderr


def test_an_abort_reports_the_addons_last_message_not_its_backtrace(load):
    """aws-crt's assert prints its message, then frame addresses: the message is the news."""
    addon = load("isolation", restart=False)
    error = crash(addon.assertWithBacktrace, "napi_create_threadsafe_function(env, node_rawdebug)")
    assert str(error).endswith(
        "last stderr line: N-API call failed: napi_create_threadsafe_function(env, node_rawdebug)"
    )


@pytest.mark.parametrize("function", ["spin", "pause"])
def test_hang_raises_timeout_error_at_the_timeout_and_kills_the_group(load, function):
    addon = load("isolation", timeout=1.0, restart=False)
    pid = napi_python.addon_info(addon).pid
    start = time.monotonic()
    with pytest.raises(AddonTimeoutError) as info:
        getattr(addon, function)()
    elapsed = time.monotonic() - start
    # The timeout starts at the call's first wait, a look (tens of µs) after the send: never
    # before the timeout, and not much after it (the margin is the kill's, on a busy machine).
    assert 1.0 <= elapsed < 1.0 + TIMEOUT_MARGIN
    assert isinstance(info.value, TimeoutError) and isinstance(info.value, AddonError)
    assert gone(pid)
    if not WINDOWS:  # there the host's job object ends what it started
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)


def test_a_call_within_the_timeout_is_not_affected(load):
    # The timeout is per call: five calls of 0.5 s each under a timeout of 2 s (1.5 s of slack
    # each for a busy machine), together past it.
    addon = load("isolation", timeout=2.0)
    for _ in range(5):
        addon.sleepMs(500)
    assert addon.add(2, 2) == 4


def test_every_waiting_thread_raises_when_the_host_dies(load):
    addon = load("isolation", restart=False)
    waiting = 6
    results: list[BaseException | None] = [None] * (waiting + 1)
    ready = threading.Barrier(waiting + 2)

    def call(i: int, function: str) -> None:
        ready.wait()
        try:
            getattr(addon, function)()
        except BaseException as e:
            results[i] = e

    # One thread holds the JS thread in pause(); the others queue behind it.
    threads = [threading.Thread(target=call, args=(0, "pause"))]
    threads += [threading.Thread(target=call, args=(i, "hostPid")) for i in range(1, waiting + 1)]
    for t in threads:
        t.start()
    ready.wait()
    # Windows' os.kill ends a process by TerminateProcess, the signal's number its exit code.
    os.kill(napi_python.addon_info(addon).pid, signal.SIGTERM if WINDOWS else signal.SIGKILL)
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a waiting thread hung"
    assert all(isinstance(r, AddonCrashedError) for r in results), results
    ended = {(r.signal, r.exit_code) for r in results}  # type: ignore[union-attr]
    assert ended == ({(None, signal.SIGTERM)} if WINDOWS else {("SIGKILL", None)})


def test_a_host_spawned_from_a_thread_that_exits_stays_alive(load):
    """The host's parent-death signal (SIGKILL) is tied to Python's process, not to the thread
    that started it: that thread ending leaves the host running. On Windows the thread's end
    cancels the pipe read it started on the link, which must not read as the host hanging up."""
    box: list = []

    def spawn() -> None:
        box.append(threading.get_native_id())
        box.append(load("isolation", restart=False))

    t = threading.Thread(target=spawn)
    t.start()
    t.join()
    thread, addon = box
    # Gone from /proc once the kernel finished its exit, which sends the signals of the
    # processes it started (a parent-death signal included) first.
    task = Path(f"/proc/self/task/{thread}")
    deadline = time.monotonic() + 10
    while task.exists():
        assert time.monotonic() < deadline, "the thread that started the host did not end"
        time.sleep(0.001)
    # A SIGKILL sent would make this call raise (no restart).
    assert addon.add(20, 22) == 42
    assert not gone(napi_python.addon_info(addon).pid)
