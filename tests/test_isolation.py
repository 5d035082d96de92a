"""Faults survived (issue 6; addon: addons/c/isolation.c): whatever the addon does to the host
process, Python lives on and the pending call raises the right exception, within the issue's
bounds, with the signal or exit status and the tail of the host's stderr.

Under node 20 the same functions end the node process (stack overflow: SIGSEGV; exit(0): 0;
napi_fatal_error: SIGABRT after "FATAL ERROR: ..." on stderr).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from conftest import gone

from napi_python import AddonCrashedError, AddonError, AddonTimeoutError

# What this module checks is the host process's own behaviour.
pytestmark = pytest.mark.isolated_only


def crash(call, *args) -> tuple[AddonCrashedError, float]:
    start = time.monotonic()
    with pytest.raises(AddonCrashedError) as info:
        call(*args)
    return info.value, time.monotonic() - start


@pytest.mark.parametrize(
    "function, signal, exit_code",
    [("stackOverflow", "SIGSEGV", None), ("exitZero", None, 0)],
)
def test_fault_raises_addon_crashed_error_within_500_ms(load, function, signal, exit_code):
    addon = load("isolation", restart=False)
    assert addon.add(1, 2) == 3
    error, took = crash(getattr(addon, function))
    assert took < 0.5
    assert error.exit_code == exit_code
    if signal is None:
        assert error.signal is None
    else:
        # Rust's guard page handler turns a main-thread overflow into SIGSEGV or an abort.
        assert error.signal in ("SIGSEGV", "SIGABRT")
    assert error.pid is not None and str(error.pid) in str(error)


def test_a_host_whose_socket_the_addon_shut_exits_and_the_next_call_raises(load):
    # The addon shuts the host's own socket while the call's answer is on its way: the answer
    # travels on the shared-memory ring (D34), the hang-up on the socket, and the client takes
    # whichever it meets first, as with an answer racing a crash (with a CPU each, the client
    # looking at the ring usually sees the answer; on one CPU it sleeps on the socket and wakes
    # to the hang-up). Either way the host ends as if the client had left (status 0), and the
    # next call raises within 500 ms.
    addon = load("isolation", restart=False)
    try:
        assert addon.closeSocket() is None
    except AddonCrashedError as first:
        assert first.exit_code == 0 and first.signal is None
    time.sleep(0.1)
    error, took = crash(addon.add, 1, 2)
    assert took < 0.5
    assert error.exit_code == 0 and error.signal is None
    assert error.pid is not None and str(error.pid) in str(error)


def test_stack_overflow_reports_the_stderr_tail(load):
    addon = load("isolation", restart=False)
    addon.say("written before the crash", True)
    error, _ = crash(addon.stackOverflow)
    assert "written before the crash" in error.stderr


def test_napi_fatal_error_carries_the_addons_message(load):
    addon = load("isolation", restart=False)
    error, took = crash(addon.fatalError, "the widget is broken")
    assert took < 0.5
    assert error.signal == "SIGABRT"
    assert "the widget is broken" in str(error)
    assert "FATAL ERROR: isolation.c:FatalError the widget is broken" in error.stderr


@pytest.mark.parametrize("function", ["spin", "pause"])
def test_hang_raises_timeout_error_within_1_2_s_and_kills_the_group(load, function):
    addon = load("isolation", timeout=1.0, restart=False)
    pid = addon.pid
    start = time.monotonic()
    with pytest.raises(AddonTimeoutError) as info:
        getattr(addon, function)()
    assert time.monotonic() - start < 1.2
    assert isinstance(info.value, TimeoutError) and isinstance(info.value, AddonError)
    assert gone(pid)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)


def test_a_call_within_the_timeout_is_not_affected(load):
    addon = load("isolation", timeout=1.0)
    for _ in range(3):
        addon.sleepMs(300)
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
    os.kill(addon.pid, signal.SIGKILL)
    for t in threads:
        t.join(timeout=2)
    assert not any(t.is_alive() for t in threads), "a waiting thread hung"
    assert all(isinstance(r, AddonCrashedError) for r in results), results
    assert {r.signal for r in results} == {"SIGKILL"}  # type: ignore[union-attr]


def test_a_host_spawned_from_a_thread_that_exits_stays_alive(load):
    box: list = []
    t = threading.Thread(target=lambda: box.append(load("isolation")))
    t.start()
    t.join()
    addon = box[0]
    time.sleep(0.1)  # a parent-death signal tied to that thread would have fired by now
    assert not gone(addon.pid)
    assert addon.add(20, 22) == 42
