"""The isolated fast path: requests and replies travel through shared-memory rings,
with the socket kept for wake-ups, descriptors and hang-ups. Performance must not weaken isolation:
a host that dies mid-call raises what tests/isolation/test_faults.py expects, whichever phase of waiting the
caller is in (spinning on the ring or asleep on the socket); a host that writes impossible ring
indices is stopped as one that sends a bad frame. (That an idle host sleeps, using no CPU, is
measured by tests/bench/bench_idle.py.)

Addons: addons/c/isolation.c (sleepMs, call, breakRing), addons/c/faults.c, addons/c/bench.c.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest
from conftest import gone
from test_faults import CRASHES

import napi_python
from napi_python import AddonCrashedError

pytestmark = pytest.mark.isolated_only

# Pages of the rings: a frame this large streams through the ring in pieces (RING_CAPACITY in
# link/src/shm/ring.rs is 1 MiB).
LARGER_THAN_THE_RING = 3 * (1 << 20) + 12345


WINDOWS = sys.platform == "win32"
# Windows has no signals: its os.kill ends a process by TerminateProcess, the signal's number its
# exit code, and a crash is named by its exception (test_faults.py's CRASHES).
KILL = signal.SIGTERM if WINDOWS else signal.SIGKILL


def killed(error: BaseException) -> bool:
    """Whether `error` says its host was ended by os.kill(pid, KILL)."""
    if not isinstance(error, AddonCrashedError):
        return False
    return (error.signal, error.exit_code) == ((None, KILL) if WINDOWS else ("SIGKILL", None))


def kill_later(pid: int, after: float) -> threading.Timer:
    timer = threading.Timer(after, os.kill, (pid, KILL))
    timer.start()
    return timer


def test_a_host_killed_while_the_caller_sleeps_on_the_ring_raises_the_crash(load):
    # 200 ms is far past the spin: the caller sleeps on the socket, which the death wakes (how
    # fast: tests/bench/bench_faults.py). The call itself would sleep ten minutes.
    addon = load("isolation", restart=False)
    assert addon.add(1, 2) == 3
    kill_later(napi_python.addon_info(addon).pid, 0.2)
    with pytest.raises(AddonCrashedError) as info:
        addon.sleepMs(600_000)
    assert killed(info.value), info.value
    assert str(napi_python.addon_info(addon).pid) in str(info.value)


def test_a_host_killed_while_answers_stream_raises_the_crash_in_every_thread(load):
    # Calls back to back: the callers are mostly spinning on the ring when the host dies.
    addon = load("faults", restart=False)
    errors: list[BaseException] = []
    hammering = threading.Barrier(4)

    def hammer() -> None:
        try:
            for _ in range(100):
                assert addon.add(1, 2) == 3
            hammering.wait()
            while True:
                assert addon.add(1, 2) == 3
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    hammering.wait(30)  # each thread has made 100 calls and goes on
    os.kill(napi_python.addon_info(addon).pid, KILL)
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a caller hung after the host died"
    assert len(errors) == 3
    assert all(killed(e) for e in errors), errors


def test_a_callback_answered_to_a_dead_host_raises_the_crash(load):
    # The answer goes into the ring of a host that is gone: the caller learns it from the socket.
    addon = load("isolation", restart=False)
    pid = napi_python.addon_info(addon).pid

    def die_first() -> int:
        os.kill(pid, KILL)
        deadline = time.monotonic() + 10
        while not gone(pid):
            assert time.monotonic() < deadline, "the killed host did not end"
            time.sleep(0.001)
        return 1

    with pytest.raises(AddonCrashedError) as info:
        addon.call(die_first)
    assert killed(info.value), info.value


@pytest.mark.parametrize("function, expected", CRASHES)
def test_a_crash_right_after_fast_calls_names_the_signal(load, function, expected):
    addon = load("faults", restart=False)
    for i in range(1000):
        assert addon.add(i, 1) == i + 1
    with pytest.raises(AddonCrashedError) as info:
        getattr(addon, function)()
    assert info.value.signal == expected


def test_frames_larger_than_the_ring_cross_both_ways(load):
    addon = load("bench")
    text = "".join(chr(ord("a") + i % 26) for i in range(LARGER_THAN_THE_RING))
    assert addon.echo(text) == text
    assert addon.echo("small after large") == "small after large"


@pytest.mark.parametrize("index", ["head", "tail"])
def test_a_host_that_breaks_a_ring_index_is_stopped_with_invalid_message(load, index):
    # "head": the host claims more bytes than its ring holds; "tail": it claims to have read
    # more than the client wrote. Either is a protocol error, never a read out of bounds.
    addon = load("isolation", restart=False)
    pid = napi_python.addon_info(addon).pid
    with pytest.raises(AddonCrashedError) as info:
        addon.breakRing(index)
        # "tail" returns; the client looks at the host's read index when it needs more room
        # than it knows of, as for a request larger than the ring.
        addon.add("x" * LARGER_THAN_THE_RING, 1)
    message = str(info.value)
    assert "invalid message" in message and "broke the ring" in message, message
    deadline = time.monotonic() + 10
    while not gone(pid):
        assert time.monotonic() < deadline, "the host was not stopped"
        time.sleep(0.01)
