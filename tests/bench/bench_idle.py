"""What waiting costs: the CPU an idle host uses, and how often threads that should sleep through
the work wake up. These were timed assertions in the functional suite; as figures they cannot
fail a test run on a busy machine, and each goal is printed beside its figure.

- CPU used by an idle host (after calls, past every spin), isolated (the host process, and this
  one: the event dispatcher) and in-process (this process, host thread included); goal: none.
- In-process, host-thread wake-ups per 1,000 direct calls, per 1,000 calls with a Python callback
  (D42: answers read by the caller), and per 1,000 awaits of `bench_async.asyncAdd` (D43: the
  completion a worker posts while the call lingers does not ring the host thread); goal: 0 for
  direct calls, under 20 per 1,000 awaits.
- In-process, the host thread's CPU while Python callbacks of direct calls run (D42); goal: at
  most a fifth of the time.
- Async-work worker sleeps per 1,000 awaits in turn (D43: a worker looks for the next item
  before it sleeps); goal: under 200. Workers look only with two CPUs or more.

    .venv/bin/python tests/bench/bench_idle.py [--idle SECONDS] [--calls N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import addon_path, await_in_turn, each_task, fresh_copy, sleeps  # noqa: E402

from napi_python import load_addon  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) process `pid` used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_cpu(tid: int) -> float:
    """CPU seconds thread `tid` of this process used so far."""
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


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


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def idle_isolated(seconds: float) -> None:
    addon = load_addon(addon_path("bench"))
    warm_then_settle(addon)
    host, ours = process_cpu(addon.pid), own_cpu()
    time.sleep(seconds)
    host, ours = process_cpu(addon.pid) - host, own_cpu() - ours
    addon.close()
    print(
        f"idle, isolated, {seconds:g} s: host process {host * 1000:.0f} ms of CPU, this process {ours * 1000:.0f} ms"
        f"  (goal: at most one clock tick each, {1000 / TICK:.0f} ms)  {verdict(host <= 1 / TICK and ours <= 1 / TICK)}"
    )


def idle_in_process(seconds: float) -> None:
    addon = load_addon(fresh_copy(addon_path("bench")), isolated=False)
    warm_then_settle(addon)
    ours = own_cpu()
    time.sleep(seconds)
    ours = own_cpu() - ours
    addon.close()
    print(
        f"idle, in-process, {seconds:g} s: this process (host thread included) {ours * 1000:.0f} ms of CPU"
        f"  (goal: at most one clock tick, {1000 / TICK:.0f} ms)  {verdict(ours <= 1 / TICK)}"
    )


def load_in_process_with_host_thread(name: str):
    """An in-process load of test addon `name`, and its host thread's /proc task directory."""
    before = host_threads()
    addon = load_addon(fresh_copy(addon_path(name)), isolated=False)
    (host,) = host_threads() - before
    return addon, host, Path(f"/proc/self/task/{host}")


def wake_ups_in_process(calls: int) -> None:
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
    print(
        f"host-thread wake-ups per 1,000 direct calls: {direct * per:.1f}; with a Python callback:"
        f" {with_callback * per:.1f}  (goal: 0)  {verdict(direct == with_callback == 0)}"
    )
    busy, start = thread_cpu(host), time.perf_counter()
    for _ in range(calls):
        addon.callback(one)
    busy, elapsed = thread_cpu(host) - busy, time.perf_counter() - start
    print(
        f"host-thread CPU while {calls:,} callbacks ran: {busy * 1000:.0f} ms of {elapsed * 1000:.0f} ms"
        f"  (goal: at most a fifth)  {verdict(busy <= 0.2 * elapsed + 1 / TICK)}"
    )
    addon.close()

    addon, host, task = load_in_process_with_host_thread("bench_async")
    await_in_turn(addon, 200)
    before = sleeps(task)
    await_in_turn(addon, calls)
    awaits = (sleeps(task) - before) * per
    print(
        f"host-thread wake-ups per 1,000 awaits of asyncAdd, in-process: {awaits:.1f}"
        f"  (goal: under 20)  {verdict(awaits < 20)}"
    )
    addon.close()


def worker_sleeps(calls: int) -> None:
    addon = load_addon(addon_path("bench_async"))
    await_in_turn(addon, 200)

    def slept() -> int:
        return sum(
            sleeps(Path(f"/proc/{addon.pid}/task/{tid}"))
            for tid, comm in each_task("comm", addon.pid)
            if comm.startswith("napi-worker-")
        )

    before = slept()
    await_in_turn(addon, calls)
    per_1000 = (slept() - before) * 1000 / calls
    addon.close()
    cpus = len(os.sched_getaffinity(0))
    goal = f"(goal: under 200; workers look before sleeping with two CPUs or more, this machine: {cpus})"
    print(f"async-work worker sleeps per 1,000 awaits in turn: {per_1000:.1f}  {goal}  {verdict(per_1000 < 200)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=1.0, help="seconds each idle host is watched")
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    idle_isolated(args.idle)
    idle_in_process(args.idle)
    wake_ups_in_process(args.calls)
    worker_sleeps(args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
