"""In-process hosts (`isolated=False`): the host runtime serves on a thread of the
Python process, and a Python thread's call runs on that Python thread itself while it holds the
host's JS lock, its Python callbacks inline. What must run on the host thread runs there: the
calls of a host whose library has thread-local storage are relayed to it, their Python callbacks
still run on the caller's thread; events are its own.
Behaviour is the same as isolated. What only a process can do (sandbox, timeout, restart, its
own environment) is refused.

The whole suite also runs in-process: `NAPI_PYTHON_TEST_MODE=inprocess` (see conftest.py).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import addon_path, each_task, fresh_copy, sleeps, switches, uncontended
from processes import child_processes, named_threads, usable_cpus
from test_hosts import CONSUMER, PROVIDER, assert_torn_down_at_exit, node_log, python_steps

import napi_python
from napi_python import AddonClosedError, Host, JSError, JSPromise, RestartPolicy, Sandbox, js, load_addon

# Every test loads in-process whatever NAPI_PYTHON_TEST_MODE says.
pytestmark = pytest.mark.either_mode

NAPI_OK = 0
NAPI_INVALID_ARG = 1


def host_threads() -> set[int]:
    """The thread ids of this process's in-process host threads, `napi-host-N` (a Windows host
    has a `napi-host-uv-port` beside its own)."""
    return {tid for tid, name in named_threads(os.getpid()).items() if re.fullmatch(r"napi-host-\d+", name)}


def newest_host_thread() -> Path:
    """The /proc task directory of the in-process host thread started last (they are numbered in
    the order they start; an earlier test's may still be ending)."""
    numbered = {
        int(comm.strip().removeprefix("napi-host-")): tid
        for tid, comm in each_task("comm")
        if comm.startswith("napi-host-")
    }
    return Path(f"/proc/self/task/{numbered[max(numbered)]}")


def test_the_extension_exports_every_node_api_function(addons):
    """An addon dlopen'ed into Python resolves its napi_* imports against the extension. On
    Windows an addon finds them in the main module, which the client gives the extension's
    exports before the first in-process load (D94)."""
    listed = {
        line.split("\t")[0]
        for line in (Path(__file__).resolve().parents[2] / "server" / "napi" / "napi-exports.txt")
        .read_text()
        .splitlines()
        if line and not line.startswith("#")
    }
    if sys.platform == "win32":
        import ctypes

        addons("functions")
        kernel32 = ctypes.WinDLL("kernel32")
        kernel32.GetModuleHandleW.restype = ctypes.c_void_p
        kernel32.GetProcAddress.restype = ctypes.c_void_p
        kernel32.GetProcAddress.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        main = kernel32.GetModuleHandleW(None)
        assert listed - {name for name in listed if kernel32.GetProcAddress(main, name.encode())} == set()
        return
    nm = subprocess.run(
        ["nm", "-D", "--defined-only", napi_python._native.__file__], capture_output=True, text=True, check=True
    )
    exported = {
        fields[2]
        for fields in (line.split() for line in nm.stdout.splitlines())
        if len(fields) == 3 and fields[1] == "T"
    }
    assert listed - exported == set()


def test_no_process_is_started_and_the_pid_is_ours(addons):
    before = child_processes()
    addon = addons("functions")
    assert addon.makeCounter()() == 1
    assert child_processes() - before == set(), "an in-process load started a process"
    assert napi_python.addon_info(addon).pid == napi_python.addon_info(addon).host.pid == os.getpid()
    assert repr(addon).endswith("in-process>") and not napi_python.addon_info(addon).host.isolated


def test_a_rust_addons_calls_all_run_on_the_host_thread(addons):
    """Addons may count on one JS thread per env: napi-rs files its classes under the id of the
    thread that registered the module, so a factory that ran on the caller's thread instead
    would not find its class ("Failed to get constructor of class"). Its library has
    thread-local storage, so its host takes no direct calls."""
    rust = addons("rust_addon")
    assert not napi_python.addon_info(rust).host.direct_calls
    results = []

    def from_another_thread():
        c = rust.Counter.withStep(100, -3)
        results.append((c.increment(), rust.Counter(5).add(2)))

    threads = [threading.Thread(target=from_another_thread) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(97, 7)] * 3


def test_calls_run_on_the_calling_thread_whoever_holds_the_lock(addons):
    """A C addon without thread-local storage is called on the caller's own thread (no
    hand-off to the host thread), from whichever thread calls, even when another thread holds
    the JS lock at that moment: the caller waits for it. (Callers that found the lock busy used
    to hand their call to the host thread, which made this test fail now and then.)"""
    isolation = addons("isolation")
    assert napi_python.addon_info(isolation).host.direct_calls
    assert isolation.threadId() == threading.get_native_id()
    seen = []

    def calls():
        for _ in range(200):
            seen.append((isolation.threadId(), threading.get_native_id()))

    threads = [threading.Thread(target=calls) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 800 and all(ran == caller for ran, caller in seen)
    # A library with thread-local storage loaded into the same host turns direct calls off.
    host = napi_python.addon_info(isolation).host
    host.load(fresh_copy(addon_path("rust_addon")))
    assert not host.direct_calls
    assert isolation.threadId() != threading.get_native_id()
    assert isolation.threadId() in host_threads()


def wakeup_count(addon, key: str) -> int:
    """One count of the addon's connection's `_wakeups`, read now."""
    return napi_python.addon_info(addon).exports._napi_conn._wakeups[key]


def relayed(addon) -> int:
    """How many calls the addon's in-process host thread has run for their callers so far."""
    return wakeup_count(addon, "relayed")


def handed_back(addon) -> int:
    """How many steps of relayed calls the addon's host thread handed back to their callers."""
    return wakeup_count(addon, "handed_back")


def test_a_rust_addons_calls_are_relayed_with_their_callbacks_on_the_callers_thread(addons):
    """A host that loaded a library with thread-local storage runs every call on its own thread,
    relayed there by the caller (no message on the rings): each call, nested ones included, is
    one relayed call, its JS runs on the host thread, and the Python callbacks it makes run on
    the caller's thread, where a nested call is relayed in turn."""
    isolation = addons("isolation")
    host = napi_python.addon_info(isolation).host
    rust = host.load(fresh_copy(addon_path("rust_addon")))
    assert not host.direct_calls
    me = threading.get_native_id()
    seen = []

    def callback(x):
        seen.append((threading.get_native_id(), isolation.threadId(), rust.addI32(x, 1)))
        return x * 2

    before = relayed(rust)
    assert rust.addI32(1, 2) == 3
    assert rust.callWith(callback, 20) == 40
    assert isolation.call(lambda: isolation.call(lambda: 5) * 10) == 50
    (caller, js_thread, nested) = seen[0]
    assert (caller, nested) == (me, 21) and js_thread in host_threads() and js_thread != me
    # addI32, callWith (with threadId and addI32 inside its callback), and the two calls of the
    # last line.
    assert relayed(rust) - before == 6


def test_a_relayed_call_hands_back_only_its_python_calls(addons):
    """Counted, not timed: the host thread hands a relayed call's caller back its Python calls,
    which only the caller's thread can make, and nothing else. Lists, dicts and strings in and
    out go as values, as over the rings, not walked step by step across the two threads."""
    rust = addons("rust_addon")
    before = handed_back(rust)
    assert rust.addI32(1, 2) == 3
    assert rust.mapWith([1, 2, 3], lambda x: x * 10) == [10, 20, 30]
    assert rust.filterWith(["a", "bb", "ccc"], lambda s: len(s) > 1) == ["bb", "ccc"]
    assert rust.describePoint(lambda p: f"{p['x']},{p['y']}", 1.5, 2) == "1.5,2"
    # One per Python callback: three, two... and one; none for the lists, strings and objects.
    assert handed_back(rust) - before == 3 + 3 + 1


def given_back(addon) -> int:
    """How many relayed calls' answers their callers gave back to the host thread to free."""
    return wakeup_count(addon, "given_back")


def test_a_relayed_calls_copied_answer_goes_back_to_the_host_thread_to_be_freed(addons):
    """Counted, not timed: a relayed call's answer that is a list or an object is made into
    Python objects where it lies, and what is left of it (containers, keys, strings) goes back
    to the host thread, which allocated it, to be freed there; a number leaves nothing."""
    rust = addons("rust_addon")
    before = given_back(rust)
    assert rust.addI32(1, 2) == 3
    assert rust.greet("Ann") == "Hello, Ann!"
    assert given_back(rust) == before
    bob = {"name": "Bob", "age": 40, "address": {"city": "Rome", "zip": "00100"}, "tags": ["a", "b"]}
    assert rust.birthday(bob) == {**bob, "age": 41, "tags": ["a", "b", "birthday"]}
    assert rust.scalePoints([{"x": 1, "y": 2}, {"x": -1, "y": 0.5}], 2) == [{"x": 2, "y": 4}, {"x": -2, "y": 1}]
    assert rust.splitWords("a bb  ccc") == ["a", "bb", "ccc"]
    assert given_back(rust) == before + 3
    # Counted call by call, against what holds on a busy machine too: past 64 answers waiting
    # (a host thread kept off its CPU), the caller frees the next one itself and gives back
    # nothing; below that, every answer goes back. Only this thread gives back, and the host
    # thread only takes, so a count of waiting ones read before a call bounds it at the call.
    for _ in range(1_000):
        waiting, given = wakeup_count(rust, "given_back_waiting"), given_back(rust)
        rust.wordLengths(["a", "bcd"])
        went_back = given_back(rust) - given
        assert (went_back == 1) if waiting < 64 else (went_back in (0, 1)), f"{went_back} went back, {waiting} waiting"


def test_an_answer_given_back_is_not_kept_while_the_host_thread_sleeps(addons):
    """A large answer takes its caller longer to convert than the host thread waits for the next
    call before it sleeps: what the caller gives back is then freed by the caller itself, or by
    the host thread on its way to sleep, and nothing of it stays while the host idles."""
    rust = addons("rust_addon")
    for n in (10, 100_000, 3, 200_000):
        assert rust.rangeU32(n)[-1] == n - 1
        deadline = time.monotonic() + 10
        while wakeup_count(rust, "given_back_waiting") and time.monotonic() < deadline:
            time.sleep(0.001)
        assert wakeup_count(rust, "given_back_waiting") == 0


def test_calls_relayed_from_many_threads_each_get_their_own_answers(addons):
    rust = addons("rust_addon")
    results: dict[int, list[int]] = {}

    def calls(t: int) -> None:
        results[t] = [rust.callWith(lambda x: x + t, i) for i in range(300)]

    threads = [threading.Thread(target=calls, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {t: [i + t for i in range(300)] for t in range(8)}


def test_threads_waiting_to_relay_get_their_turns_in_the_order_they_came(addons):
    """While one thread's relayed call waits in a Python callback, the threads calling next wait
    in line without the GIL (this thread runs meanwhile) and are served first come first served,
    each with its own answer."""
    rust = addons("rust_addon")
    entered, go_on = threading.Event(), threading.Event()
    order: list[int] = []
    waiting = lambda: wakeup_count(rust, "in_line")  # noqa: E731

    def first(x: int) -> int:
        entered.set()
        assert go_on.wait(30)
        return x

    def call(n: int) -> None:
        assert rust.callWith(lambda x: order.append(x) or x + 1, n) == n + 1

    holder = threading.Thread(target=rust.callWith, args=(first, 0))
    holder.start()
    assert entered.wait(30)
    callers = []
    for n in range(1, 7):
        callers.append(threading.Thread(target=call, args=(n,)))
        callers[-1].start()
        # The next thread comes only once this one waits in line.
        deadline = time.monotonic() + 30
        while waiting() < n:
            assert time.monotonic() < deadline, f"caller {n} never queued"
            time.sleep(0.001)
    go_on.set()
    for t in [holder, *callers]:
        t.join(30)
        assert not t.is_alive()
    assert order == [1, 2, 3, 4, 5, 6]
    assert waiting() == 0


def relay_from_threads(call, threads: int = 16, per_thread: int = 2_000, seconds: float = 20) -> int:
    """`call()` (true when its answer is right) from many threads at once, each `per_thread`
    times or until `seconds` pass; answers how many calls were made, every answer checked. (On a
    machine with more runnable threads than CPUs the calls are handed over in the line, a
    wake-up each: beside two busy loops on 2 CPUs, 10,000-20,000 a second.)"""
    start, deadline = threading.Barrier(threads), time.monotonic() + seconds
    made, wrong = [0] * threads, []

    def calls(t: int) -> None:
        start.wait(30)
        while made[t] < per_thread and time.monotonic() < deadline:
            for _ in range(50):
                if not call():
                    wrong.append(t)
            made[t] += 50

    workers = [threading.Thread(target=calls, args=(t,)) for t in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(seconds + 60)
        assert not t.is_alive()
    assert not wrong
    return sum(made)


@pytest.mark.skipif(usable_cpus() < 2, reason="one CPU: a caller holding the GIL does not look")
@pytest.mark.parametrize("kind", ["quick", "with a callback"])
def test_many_threads_relaying_calls_take_turns_with_the_gil_rather_than_in_the_line(addons, kind):
    """Sixteen threads calling a Rust addon at once. A caller that found the relay line busy let
    the GIL go to sleep in it, the thread that took the GIL found it busy in turn, and soon every
    call went through the line: a wake-up and a hand-over of the GIL each (the threads made a
    tenth of one thread's calls). The caller holding the GIL now looks for the turn a moment and
    gets it before those asleep in the line, or, when the call that has the turn runs a Python
    callback (which may wait for the GIL), lets the GIL go until the turn ends and looks again:
    the line stays all but empty."""
    rust = addons("rust_addon")
    double = lambda x: 2 * x  # noqa: E731
    call = (lambda: rust.addI32(1, 2) == 3) if kind == "quick" else (lambda: rust.callWith(double, 21) == 42)
    assert call()
    if idle_cpus() < 0:
        pytest.skip("no CPU idle: a look for the turn outlasts its holder's wait for a CPU")
    handed_before, relayed_before = wakeup_count(rust, "handed_in_line"), relayed(rust)
    meanwhile = OtherWork()
    made = relay_from_threads(call)
    handed = wakeup_count(rust, "handed_in_line") - handed_before
    assert relayed(rust) - relayed_before == made
    if handed >= made // 10 and (busy := got_busy(meanwhile)):
        pytest.skip(f"the machine got busy meanwhile, {busy} ({handed} of {made} calls handed in the line)")
    # With every turn handed on in the line, 26,000-32,000 of the 32,000 calls went through it
    # (with a callback, 30,000-32,000 when the GIL's holder joined the line whenever the turn's
    # call ran Python code); with the GIL's holder first, 1-20 (with a callback, 200-270).
    assert handed < made // 10, (
        f"{handed} of {made} calls had their turn handed to them in the line (other work: {meanwhile.cpus():.2f} CPUs)"
    )


def idle_cpus() -> int:
    """CPUs this thread may use, less two (this thread and a host thread) and less the threads of
    other processes runnable now: above zero, a CPU is idle for a pair of ours. -1 while this
    process's waits find the CPUs contended (they sleep instead of yielding then): a test with
    many threads before this one leaves them so for half a second, which this waits out before a
    test measures."""
    if not uncontended(2):
        return -1
    return usable_cpus() - 2 - min(others_runnable() for _ in range(3))


class OtherWork:
    """The CPU time the rest of the machine spends from now on: every CPU's busy time, steal
    included (another VM running on our CPUs), less this process's own. A look at the runnable
    threads after a test measured sees only that moment; a burst of other work in the middle
    (a process an earlier test left ending, a neighbour VM) went unseen: a fresh clone's run
    handed 16,888 of 32,000 relayed calls in the line with every look at the end quiet."""

    # Past this many CPUs' worth of other work the machine was busy for the test (a quiet one
    # spends a few hundredths: the kernel's own threads).
    BUSY = 0.25

    def __init__(self) -> None:
        self.start, self.busy, self.own = time.monotonic(), self._busy_ticks(), self._own_ticks()
        self.contended = napi_python._native._times_cpus_found_contended()

    def found_contended(self) -> bool:
        """Whether this process's waits found the CPUs contended since this was made, and slept
        instead of yielding for a while. A look at the end sees only its last half second:
        contention that began and ended while a test measured went unseen (a probe beside a
        neighbour busy for its first 0.3 s only: 13,000-15,000 host-thread sleeps in 20,000
        awaits, the end quiet every time)."""
        return napi_python._native._times_cpus_found_contended() != self.contended

    @staticmethod
    def _busy_ticks() -> int:
        # /proc/stat's first line: user nice system idle iowait irq softirq steal (guest time is
        # counted in user already).
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
        return user + nice + system + irq + softirq + steal

    @staticmethod
    def _own_ticks() -> int:
        # utime and stime, fields 14 and 15 of /proc/self/stat, after the command's parentheses.
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def cpus(self) -> float:
        """The CPUs' worth of other work since this was made: 1.0 is one CPU kept busy."""
        elapsed = max(time.monotonic() - self.start, 1e-3)
        other = (self._busy_ticks() - self.busy) - (self._own_ticks() - self.own)
        return max(other, 0) / os.sysconf("SC_CLK_TCK") / elapsed


def got_busy(meanwhile: OtherWork) -> str | None:
    """After a test measured: why the machine was busy meanwhile, if it was. Its waits found the
    CPUs contended (then slept instead of yielding, for half a second), no CPU is idle now, or
    other work took a share of the CPUs while the test measured."""
    if napi_python._native._cpus_contended() or meanwhile.found_contended():
        return "its waits found the CPUs contended"
    if idle_cpus() < 0:
        return "no CPU idle"
    other = meanwhile.cpus()
    if other > OtherWork.BUSY:
        return f"other work took {other:.2f} CPUs"
    return None


def others_runnable() -> int:
    """The threads runnable now but this thread and the host threads: other processes', and this
    one's (a thread an earlier test left busy slows a test's calls too). Give or take a host
    thread, which may go to sleep between the two reads: callers take the least of a few."""
    runnable = int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
    me = threading.get_native_id()
    pair = 0
    for tid, stat in each_task("stat"):
        name, state = stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1].split()[0]
        pair += state == "R" and (tid == me or name.startswith("napi-host-"))
    return max(runnable - pair, 0)


@pytest.mark.skipif(usable_cpus() < 2, reason="one CPU: a caller and its host thread share it anyway")
def test_bursts_of_relayed_calls_run_on_two_cpus_after_the_host_thread_slept(addons):
    """A host thread idle for a moment sleeps, and the call that rings it awake has the kernel
    place it, often, on the caller's CPU (where its waker runs): the two then handed each call to
    each other by a switch, for as long as the calls came (the kernel leaves threads that ran a
    moment ago where they are), 1.7-2.1 µs a napi-rs call instead of 0.95 on two CPUs. The host
    thread woken so moves to an idle CPU, and the caller looks for its answer meanwhile without
    sleeping (an unpark would place it on the host thread's CPU in turn)."""
    rust = addons("rust_addon")
    assert rust.addI32(1, 2) == 3
    if idle_cpus() < 0:
        pytest.skip("no CPU idle: the pair may share one")
    groups, rounds, calls = 4, 5, 2_000
    this_thread = Path("/proc/thread-self")
    # Judged by groups of bursts, each with the other work of its own tenth of a second: a
    # fresh clone's run, with the lane beside it busy for part of the test only (under a quarter
    # of a CPU over the whole), handed a quarter of the bursts in pairs.
    quiet, busy = [], []
    for _ in range(groups):
        before, meanwhile = switches(this_thread), OtherWork()
        for _ in range(rounds):
            # Not a wait for anything: the pause between two bursts, long enough for the host
            # thread to go to sleep (it looks for the next call for 50 µs).
            time.sleep(0.02)
            for _ in range(calls):
                rust.addI32(1, 2)
        switched = switches(this_thread) - before
        if switched >= rounds * calls // 4 and (why := got_busy(meanwhile)):
            busy.append(f"{why} ({switched} switches)")
        else:
            quiet.append(switched)
    if len(quiet) < groups // 2:
        pytest.skip(f"the machine got busy meanwhile: {'; '.join(busy)}")
    # Paired, nearly every call switches (32,000 of 40,000 before the move); apart, the pauses
    # and the odd preemption do (30-3,000 in 40,000).
    assert sum(quiet) < len(quiet) * rounds * calls // 4, f"{quiet} switches in groups of {rounds * calls} calls"


@pytest.mark.skipif(usable_cpus() < 2, reason="one CPU: the host thread does not look for calls")
def test_a_loop_of_a_rust_addons_awaits_keeps_the_host_thread_awake(addons):
    """The host thread looks for the next relayed call before it sleeps, and in a loop of awaits
    of a napi-rs async function it finds it: the caller's next call does not have to wake it.
    It used to look only right after serving a call, and napi-rs releases the function's
    threadsafe function once it settled the promise: the closing came as an event just after
    the reply, the host thread ran it and slept, and every await of the loop rang it awake
    (half the awaits a second on a VM, where a thread woken takes tens of microseconds to run).
    Counted, not timed: the times a relayed call had to wake the host thread. Not its sleeps:
    it also sleeps while the function's task, on napi-rs's tokio runtime, takes longer than its
    look, which is no defect (a CI run counted 2,258 sleeps in 2,000 awaits, the machine
    otherwise quiet)."""
    rust = addons("rust_addon")
    assert rust.asyncSumBytes(b"abc").result(timeout=10) == 294
    if idle_cpus() < 0:
        pytest.skip("no CPU idle: a caller waiting for a CPU outlasts the host thread's look")
    awaits = 2_000
    task = newest_host_thread()
    before, slept_before, meanwhile = wakeup_count(rust, "host_woken"), sleeps(task), OtherWork()
    for _ in range(awaits):
        assert rust.asyncSumBytes(b"abc").result(timeout=10) == 294
    woken, slept = wakeup_count(rust, "host_woken") - before, sleeps(task) - slept_before
    if woken >= awaits // 4 and (busy := got_busy(meanwhile)):
        pytest.skip(f"the machine got busy meanwhile, {busy} (the host thread was woken {woken} times)")
    # Looking only after a call, every await woke it (2,000 of 2,000); looking after the event
    # too, 1-5 times.
    assert woken < awaits // 4, (
        f"the host thread was woken for {woken} of {awaits} awaits' calls (it slept {slept} times; "
        f"other work: {meanwhile.cpus():.2f} CPUs)"
    )


def test_closing_a_host_ends_the_calls_other_threads_are_relaying(addons):
    """Threads calling a relaying host in a loop while it closes each end with AddonClosedError:
    none is left waiting for a host thread that stopped serving."""
    rust = addons("rust_addon")
    started = threading.Barrier(5)
    ended: list[BaseException] = []

    def calls() -> None:
        started.wait()
        try:
            while True:
                rust.callWith(lambda x: x, 1)
        except BaseException as e:
            ended.append(e)

    threads = [threading.Thread(target=calls) for _ in range(4)]
    for t in threads:
        t.start()
    started.wait()
    napi_python.close(rust)
    for t in threads:
        t.join(30)
        assert not t.is_alive(), "a thread still waits for the closed host"
    assert len(ended) == 4 and all(isinstance(e, AddonClosedError) for e in ended), ended


def test_a_direct_call_answers_its_python_callbacks_itself_nested_included(addons):
    """The host waiting for a Python callback of a direct call is the caller itself: it runs
    the callback (which may call the addon again, directly) and the call goes on."""
    isolation = addons("isolation")
    assert napi_python.addon_info(isolation).host.direct_calls
    me = threading.get_native_id()
    inner = []

    def callback():
        inner.append((isolation.threadId(), isolation.add(20, 1)))
        return 40

    assert isolation.call(callback) == 40
    assert inner == [(me, 21)]
    # Deeper: a callback calling into the same addon with another callback.
    assert isolation.call(lambda: isolation.call(lambda: 5) * 10) == 50


def test_direct_calls_do_not_starve_the_hosts_events(addons):
    """A thread calling in a tight loop takes the JS lock again and again; the host thread,
    woken for threadsafe-function calls, still gets its turn (callers leave the lock to it
    while it waits for it) and every call arrives, in order (test_tsfn.py's figures)."""
    tsfn = addons("tsfn")
    assert napi_python.addon_info(tsfn).host.direct_calls
    sid = tsfn.startProducers(8, 500, 16, True)
    deadline = time.monotonic() + 30
    polls = 0
    while (state := tsfn.state(sid))[1] < 1:  # no sleep: the polls are the hammer
        polls += 1
        assert time.monotonic() < deadline, f"starved: {state} after {polls} polls"
    assert state == [4000, 1, 4000, 0, True, True, False, 0]


def call_answered_by_this_thread(isolation: Any) -> None:
    """`isolation.signalThenWait` on another thread, waiting for this one to answer through a
    pipe: were the GIL kept through the call, this thread could not, and the caller would hang."""
    started_r, started_w = os.pipe()
    answer_r, answer_w = os.pipe()
    try:
        t = threading.Thread(target=isolation.signalThenWait, args=(started_w, answer_r, 0))
        t.start()
        assert os.read(started_r, 1) == b"\x01"  # the call is under way, without the GIL
        os.write(answer_w, b"!")
        t.join()
    finally:
        for fd in (started_r, started_w, answer_r, answer_w):
            os.close(fd)


def answered_at_once(isolation: Any, ms: int) -> None:
    """`isolation.signalThenWait` answering itself (the byte it writes is the one it reads), after
    sleeping `ms`: 0 is a quick call, 20 a slow one (past the coarse clock's step)."""
    r, w = os.pipe()
    try:
        isolation.signalThenWait(w, r, ms)
    finally:
        os.close(r)
        os.close(w)


def test_a_call_lets_other_python_threads_run_unless_its_last_call_was_quick(addons):
    """A function whose last call was quick keeps the GIL for its next one (releasing it
    costs a large part of a quick call); one never called, or whose last call was slow, lets go,
    so other Python threads run while it works."""
    isolation = addons("isolation")
    assert napi_python.addon_info(isolation).host.direct_calls
    call_answered_by_this_thread(isolation)  # never called before
    answered_at_once(isolation, 20)  # last called slow
    call_answered_by_this_thread(isolation)


def test_every_call_is_timed_not_a_sample():
    """What decides whether a call keeps the GIL is the time of its function's last call, every
    call's (D37), not a sample's (the first calls and one in N after): one slow call among many
    quick ones makes the next let go. Here the slow calls come after a hundred quick ones, then
    2, 3, ... 9 calls apart: a sample of the first hundred calls and one in N after, whatever N,
    leaves one of them untimed, and the call after it keeps the GIL and hangs. In a child: a hang
    holding the GIL would stop this process's own timeout too."""
    script = "\n".join(
        [
            "import os, threading",
            "from typing import Any",
            "import napi_python",
            inspect.getsource(call_answered_by_this_thread),
            inspect.getsource(answered_at_once),
            f"isolation = napi_python.load_addon({addon_path('isolation')!r}, isolated=False)",
            "assert napi_python.addon_info(isolation).host.direct_calls",
            "for quick_calls in [100, *range(8)]:",
            "    for _ in range(quick_calls):",
            "        answered_at_once(isolation, 0)",
            "    answered_at_once(isolation, 20)",
            "    call_answered_by_this_thread(isolation)",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_calls_callbacks_and_classes(addons):
    functions = addons("functions")
    f = functions.makeFunction("hello", -1)
    assert f(1, 2, 3) == ["payload", 3]
    rust = addons("rust_addon")
    assert rust.callWith(lambda x: x * 10, 4) == 40
    assert rust.mapWith([5, 6], lambda x: rust.callWith(lambda y: y + 1, x)) == [6, 7]  # re-entrant
    classes = addons("classes")
    c = classes.Counter(10)
    c.value = 5
    assert c.increment() == 6
    assert js.instanceof(classes.Counter.zero(), classes.Counter)


def test_errors_cross_as_in_isolated_mode(addons):
    errors = addons("errors")
    with pytest.raises(TypeError) as info:
        errors.throwKind(1, None, "bad type")  # 1: TypeError, as test_errors.py's TYPE_ERROR
    assert isinstance(info.value, JSError) and info.value.message == "bad type"


def test_promises_async_work_and_asyncio(addons):
    promises = addons("promises")
    p = promises.deferred()
    assert isinstance(p, JSPromise) and not p.done()
    promises.resolveLast(42)
    assert p.result(timeout=10) == 42
    rust = addons("rust_addon")
    assert rust.sleepAdd(1, 2, 10).result(timeout=10) == 3

    async def both():
        return await asyncio.gather(rust.delayedGreeting("x", 5), rust.sleepAdd(2, 3, 1))

    assert asyncio.run(both()) == ["Hello, x, 5 ms later!", 5]
    work = addons("async_work")
    assert work.queue(0, True, False, None) == NAPI_OK
    deadline = time.monotonic() + 10
    while work.state(0)[0] != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert work.state(0)[0] == 1 and work.delete(0) == NAPI_OK


def test_threadsafe_functions_from_addon_threads(addons):
    rust = addons("rust_addon")
    seen, done = [], threading.Event()

    def callback(err, value=None):
        if err is not None:
            done.set()
        else:
            seen.append(value)

    rust.callFromThread(callback, 50)
    assert done.wait(10)
    assert seen == list(range(50))


def test_buffers_are_shared_memory_in_process_too(addons):
    shared = addons("shared")
    b = shared.make(1 << 20)
    assert b.shared and len(b) == 1 << 20
    shared.hold(b)
    memoryview(b)[0] = 99
    assert shared.peek(0) == 99
    shared.poke(5, 7)
    assert memoryview(b)[5] == 7
    assert shared.isHeld(b) and shared.address(b) == shared.address(shared.held())


def test_a_host_with_two_addons_tears_down_as_node_does(tmp_path, monkeypatch):
    """The teardown order of test_hosts.py, in-process (the environment is this process's)."""
    _, expected = node_log(tmp_path)
    log = tmp_path / "python.log"
    monkeypatch.setenv("HOSTS_LOG", str(log))
    with Host(isolated=False) as h:
        results, keep = python_steps(h.load(fresh_copy(PROVIDER)), h.load(fresh_copy(CONSUMER)))
        assert results[:3] == ["json", 6, 6]
        assert h.pid == os.getpid() and not h.isolated
    assert log.read_text().splitlines() == expected
    del keep


def test_close_joins_the_host_thread_and_ends_the_addon(addons):
    before = len(host_threads())
    addon = addons("functions")
    assert len(host_threads()) == before + 1
    napi_python.close(addon)
    assert len(host_threads()) == before
    with pytest.raises(AddonClosedError):
        addon.makeCounter()


def test_several_in_process_hosts_run_side_by_side_with_isolated_ones():
    """Each host thread has its own runtime; the same library (one copy, so one registration)
    loads into two of them, legacy registration included."""
    legacy = addon_path("lifecycle_legacy")
    with Host(isolated=False) as a, Host(isolated=False) as b, Host() as c:
        loaded = [h.load(legacy) for h in (a, b, c)]
        assert [m.hello() for m in loaded] == ["registered by napi_module_register"] * 3
        functions = fresh_copy(addon_path("functions"))
        shared = [h.load(functions) for h in (a, b)]
        counters = [f.makeCounter() for f in shared]
        assert [counters[0](), counters[0](), counters[1]()] == [1, 2, 3]  # one library: shared data
        # Each host has envs of its own, and refuses the other's (kept in the shared statics).
        (env_a, status_a), (env_b, status_b) = [f.envInfo() for f in shared]
        assert env_a != env_b and (status_a, status_b) == (NAPI_OK, NAPI_INVALID_ARG)
        point = a.load(fresh_copy(PROVIDER)).Point(1, 2)
        consumer = b.load(fresh_copy(CONSUMER))
        with pytest.raises(TypeError, match=r"lives in the in-process host \d+ .* of the in-process host \d+"):
            consumer.label(point, "elsewhere")
        assert c.pid != os.getpid()


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 1.0},
        {"sandbox": True},
        {"sandbox": Sandbox()},
        {"restart": RestartPolicy(1, 1.0)},
        {"env": {"A": "1"}},
        {"output": "logging"},
    ],
    ids=["timeout", "sandbox", "Sandbox", "restart", "env", "output"],
)
def test_options_that_need_a_process_are_refused(options):
    before = len(host_threads())
    with pytest.raises(ValueError, match=f"isolated=False .*{next(iter(options))}"):
        load_addon(addon_path("functions"), isolated=False, **options)
    with pytest.raises(ValueError, match="isolated=False"):
        Host(isolated=False, **options)
    assert len(host_threads()) == before
    # Turning restarts off, and no sandbox, mean what in-process mode is anyway.
    napi_python.close(load_addon(fresh_copy(addon_path("functions")), isolated=False, restart=False, sandbox=False))


def test_exit_with_open_hosts_tears_them_down_without_hanging(tmp_path):
    """Exit with a host busy in a callback and one idle: no hang, no abort, and each host's
    teardown runs (cleanup hooks, finalizers, instance data), as at node's exit. (A napi-hostd
    is killed with Python instead, by its parent-death signal.) The script ends once the
    callback is running, which never returns; exit waits up to 2 s for calls in flight,
    then goes on without it."""
    log = tmp_path / "hosts.log"
    script = f"""
import threading
from napi_python import load_addon
a = load_addon({addon_path("functions")!r}, isolated=False)
b = load_addon({fresh_copy(PROVIDER)!r}, isolated=False)
print(a.makeCounter()(), b.whoAmI(), flush=True)
keep = b.makeThing("kept")
r = load_addon({fresh_copy(addon_path("rust_addon"))!r}, isolated=False)
inside, never = threading.Event(), threading.Event()
threading.Thread(target=r.callWith, args=(lambda x: inside.set() or never.wait() or x, 1), daemon=True).start()
inside.wait()
"""
    env = {**os.environ, "HOSTS_LOG": str(log)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "provider"]
    assert_torn_down_at_exit(log)


@pytest.mark.parametrize("level", ["debug", None])
def test_the_host_log_is_written_as_napi_hostd_writes_it(level):
    """An in-process host logs to Python's stderr, under `NAPI_HOSTD_LOG` as `napi-hostd` does
    (default: warnings only)."""
    path = addon_path("functions")
    script = f"from napi_python import close, load_addon\nclose(load_addon({path!r}, isolated=False))\n"
    env = {k: v for k, v in os.environ.items() if k != "NAPI_HOSTD_LOG"}
    if level:
        env["NAPI_HOSTD_LOG"] = level
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    # The log quotes the path as Rust's Debug does (a Windows path's backslashes doubled).
    quoted = f"path={json.dumps(path, ensure_ascii=False)}"
    logged = [line for line in done.stderr.splitlines() if "loaded" in line and quoted in line]
    assert len(logged) == (1 if level else 0), done.stderr


def test_direct_calls_and_their_callbacks_never_wake_the_host_thread(addons):
    """A direct call runs on its caller's thread and its Python callbacks run inline there:
    nothing is sent to the host thread, which sleeps through them all (it wakes only for the
    rings and for events). Counted, not timed: its voluntary context switches do not change."""
    addon = addons("bench")
    task = newest_host_thread()
    deadline = time.monotonic() + 10
    while (task / "stat").read_text().rsplit(")", 1)[1].split()[0] != "S":  # asleep after the load
        assert time.monotonic() < deadline, "the host thread never went to sleep"
        time.sleep(0.001)
    before = sleeps(task)
    one = lambda: 1  # noqa: E731
    for _ in range(5000):
        assert addon.add(1, 2) == 3
        assert addon.callback(one) == 1
    assert sleeps(task) == before
