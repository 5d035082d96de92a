"""What waiting costs: the CPU an idle host uses, and how often threads that should sleep through
the work wake up. These were timed assertions in the functional suite; as figures they cannot
fail a test run on a busy machine, and each goal is printed beside its figure.

- CPU used by an idle host (after calls, past every spin), isolated (the host process, and this
  one: the event dispatcher) and in-process (this process, host thread included); goal: at most
  one clock tick (no CPU burnt while idle).
- Isolated `add(1, 2)` with the other CPUs busy (a spinning process on each CPU but one, which
  this process and its host share: a load of 2 on 2 CPUs); goal: at most 5 µs, the
  median of `--rounds` rounds of `--calls` calls.
- In-process, host-thread wake-ups per 1,000 direct calls, per 1,000 calls with a Python callback
  (answers read by the caller), per 1,000 awaits of `bench_async.asyncAdd` (the completion a
  worker posts while the call lingers does not ring the host thread), and per 1,000 awaits of
  the napi-rs addon's `asyncSumBytes`, relayed to the host thread (which looks for the next
  call before it sleeps); goal: 0 for direct calls, under 20 per 1,000 awaits.
- In-process, the host thread's CPU while Python callbacks of direct calls run; goal: at
  most a fifth of the time.
- Async-work worker sleeps per 1,000 awaits in turn (a worker looks for the next item
  before it sleeps); goal: under 200. Workers look only with two CPUs or more.

    .venv/bin/python tests/bench/bench_idle.py [--idle SECONDS] [--calls N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_modes import per_call, repeat  # noqa: E402
from conftest import addon_path, await_in_turn, cpu_ticks, each_task, fresh_copy, sleeps, uncontended  # noqa: E402
from report import Goals  # noqa: E402

import napi_python  # noqa: E402
from napi_python import load_addon  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) process `pid` used so far, all its threads."""
    return cpu_ticks(Path(f"/proc/{pid}/stat").read_text()) / TICK


def thread_cpu(tid: int) -> float:
    """CPU seconds thread `tid` of this process used so far."""
    return cpu_ticks(Path(f"/proc/self/task/{tid}/stat").read_text()) / TICK


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def host_threads() -> set[int]:
    """This process's in-process host threads."""
    return {tid for tid, comm in each_task("comm") if comm.startswith("napi-host-")}


def warm_then_settle(addon) -> None:
    """Calls enough to reach every spin, then lets every spin run out."""
    for _ in range(2000):
        addon.add(1, 2)
    addon.callback(lambda: 1)
    time.sleep(0.1)


def idle_isolated(goals: Goals, seconds: float) -> None:
    addon = load_addon(addon_path("bench"))
    warm_then_settle(addon)
    host, ours = process_cpu(napi_python.addon_info(addon).pid), own_cpu()
    time.sleep(seconds)
    host, ours = process_cpu(napi_python.addon_info(addon).pid) - host, own_cpu() - ours
    napi_python.close(addon)
    goals.check(
        f"CPU of an idle isolated host, {seconds:g} s: at most one clock tick ({1000 / TICK:.0f} ms) each side",
        f"host process {host * 1000:.0f} ms, this process {ours * 1000:.0f} ms",
        host <= 1 / TICK and ours <= 1 / TICK,
    )


def idle_in_process(goals: Goals, seconds: float) -> None:
    addon = load_addon(fresh_copy(addon_path("bench")), isolated=False)
    warm_then_settle(addon)
    ours = own_cpu()
    time.sleep(seconds)
    ours = own_cpu() - ours
    napi_python.close(addon)
    goals.check(
        f"CPU of an idle in-process host, {seconds:g} s: at most one clock tick ({1000 / TICK:.0f} ms)",
        f"this process (host thread included) {ours * 1000:.0f} ms",
        ours <= 1 / TICK,
    )


def busy_isolated(goals: Goals, rounds: int, calls: int) -> None:
    addon = load_addon(addon_path("bench"))
    add = repeat(lambda: addon.add(1, 2))
    cpus = os.cpu_count() or 1
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cpus - 1)]
    try:
        add(calls)  # a round to warm up, the spinners running
        samples = [per_call(add, calls) for _ in range(rounds)]
    finally:
        for p in spinners:
            p.kill()
            p.wait()
        napi_python.close(addon)
    median = statistics.median(samples)
    goals.check(
        f"isolated add with {cpus - 1} other CPU{'s' if cpus > 2 else ''} busy <= 5 µs",
        f"{median:.2f} µs ({min(samples):.2f}-{max(samples):.2f}, {rounds} rounds of {calls:,})",
        median <= 5,
    )


def load_in_process_with_host_thread(name: str):
    """An in-process load of test addon `name`, and its host thread's /proc task directory."""
    before = host_threads()
    addon = load_addon(fresh_copy(addon_path(name)), isolated=False)
    (host,) = host_threads() - before
    return addon, host, Path(f"/proc/self/task/{host}")


def wake_ups_in_process(goals: Goals, calls: int) -> None:
    addon, host, task = load_in_process_with_host_thread("bench")
    warm_then_settle(addon)
    one = lambda: 1  # noqa: E731
    before = sleeps(task)
    for _ in range(calls):
        addon.add(1, 2)
    direct = sleeps(task) - before
    before = sleeps(task)
    for _ in range(calls):
        addon.callback(one)
    with_callback = sleeps(task) - before
    per = 1000 / calls
    goals.check(
        "in-process host-thread wake-ups per 1,000 direct calls, and with a Python callback: 0",
        f"{direct * per:.1f}; {with_callback * per:.1f}",
        direct == with_callback == 0,
    )
    busy, start = thread_cpu(host), time.perf_counter()
    for _ in range(calls):
        addon.callback(one)
    busy, elapsed = thread_cpu(host) - busy, time.perf_counter() - start
    goals.check(
        f"in-process host-thread CPU while {calls:,} callbacks ran: at most a fifth",
        f"{busy * 1000:.0f} ms of {elapsed * 1000:.0f} ms",
        busy <= 0.2 * elapsed + 1 / TICK,
    )
    napi_python.close(addon)

    addon, host, task = load_in_process_with_host_thread("bench_async")
    await_in_turn(addon, 200)
    before = sleeps(task)
    await_in_turn(addon, calls)
    awaits = (sleeps(task) - before) * per
    goals.check("in-process host-thread wake-ups per 1,000 awaits of asyncAdd < 20", f"{awaits:.1f}", awaits < 20)
    napi_python.close(addon)

    # A Rust addon's calls are relayed to the host thread, which looks for the next one.
    rust, host, task = load_in_process_with_host_thread("rust_addon")
    for _ in range(200):
        rust.asyncSumBytes(b"abc").result(timeout=10)
    before = sleeps(task)
    for _ in range(calls):
        rust.asyncSumBytes(b"abc").result(timeout=10)
    awaits = (sleeps(task) - before) * per
    goals.check(
        "in-process host-thread wake-ups per 1,000 awaits of napi-rs asyncSumBytes (relayed) < 20",
        f"{awaits:.1f}",
        awaits < 20,
    )
    napi_python.close(rust)


def worker_sleeps(goals: Goals, calls: int) -> None:
    addon = load_addon(addon_path("bench_async"))
    await_in_turn(addon, 200)

    def slept() -> int:
        return sum(
            sleeps(Path(f"/proc/{napi_python.addon_info(addon).pid}/task/{tid}"))
            for tid, comm in each_task("comm", napi_python.addon_info(addon).pid)
            if comm.startswith("napi-worker-")
        )

    before = slept()
    await_in_turn(addon, calls)
    per_1000 = (slept() - before) * 1000 / calls
    napi_python.close(addon)
    cpus = len(os.sched_getaffinity(0))
    # Workers look for the next item before sleeping with two CPUs or more.
    goals.check(
        "async-work worker sleeps per 1,000 awaits in turn < 200",
        f"{per_1000:.1f} (on {cpus} CPU{'s' if cpus > 1 else ''})",
        per_1000 < 200,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=1.0, help="seconds each idle host is watched")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7, help="rounds of isolated calls with the other CPUs busy")
    args = parser.parse_args(argv)
    goals = Goals()
    idle_isolated(goals, args.idle)
    idle_in_process(goals, args.idle)
    busy_isolated(goals, args.rounds, args.calls)
    # The busy loops just now left this process's waits sleeping instead of yielding for half a
    # second (the CPUs found contended): counts of wake-ups wait until that is over.
    uncontended(5)
    wake_ups_in_process(goals, args.calls)
    worker_sleeps(goals, args.calls)
    goals.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
