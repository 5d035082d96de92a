"""Many Python threads calling one host: 1, 2, 4 and 16 threads calling the same
addon at once for a fixed time, isolated and in-process, and, for CPython's own ceiling, a
Python function that returns 1 (mode `python`). The workloads: `add(1, 2)` and a mix with
callbacks (`add`, `callback(fn)` and `echo` in turn) on the C addon (build/addons/bench.node),
and `rust`, a mix on the napi-rs addon (build/addons/rust_addon.node: `addI32`, `callWith` a
Python function, and an await of `asyncSumBytes`' promise, resolved from napi-rs's own runtime):
a Rust addon's calls all run on its host's thread, in-process too. Prints the total throughput
per thread count (medians of interleaved rounds) and, in a pass of its own after the timed
rounds, the futex system calls per operation of the Python process and of the isolated host
(`perf stat -e syscalls:sys_enter_futex`; without perf, this process's voluntary context
switches per operation instead). Goals: 16 threads' total throughput at least 1 thread's, in
both modes and every workload (no collapse); for `add` and the mix, the ratio of 16 threads to
1 within 0.05 of CPython's own in the same run; on the Rust addon, 16 in-process threads at
least as fast as 16 isolated ones.

    .venv/bin/python tests/bench/bench_threads.py [--rounds R] [--seconds S] [--threads 1,2,4,16]
        [--modes isolated,in-process] [--workloads add,mix,callback] [--busy N]

`--busy N` runs N busy loops (processes) beside the timed rounds: a machine with more work than
CPUs, where a thread that yields its CPU waits a time slice behind them.

(`callback` alone, not in the default workloads, shows most plainly whether a Python call waits
for its thread: the host serves nothing else meanwhile.)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import napi_python

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_modes import TEXT  # noqa: E402
from conftest import addon_path  # noqa: E402
from report import Goals  # noqa: E402

from napi_python import load_addon  # noqa: E402

# Calls between two looks at the clock.
BATCH = 30


# How far 16 threads' ratio to 1 thread may fall short of CPython's own.
CPYTHON_MARGIN = 0.05


def workloads(addon: Any, rust: Any) -> dict[str, list[Callable[[], object]]]:
    """The calls of each workload, made in turn; each checked once, so that a fast wrong answer
    cannot post a good number."""
    one = lambda: 1  # noqa: E731
    double = lambda x: 2 * x  # noqa: E731
    assert addon.add(1, 2) == 3 and addon.callback(one) == 1 and addon.echo(TEXT) == TEXT
    assert rust.addI32(1, 2) == 3 and rust.callWith(double, 21) == 42
    assert rust.asyncSumBytes(b"abc").result(timeout=10) == 294
    rust_calls = {
        "rust_add": lambda: rust.addI32(1, 2),
        "rust_callback": lambda: rust.callWith(double, 21),
        "rust_await": lambda: rust.asyncSumBytes(b"abc").result(timeout=10),
    }
    return {
        "add": [lambda: addon.add(1, 2)],
        "mix": [lambda: addon.add(1, 2), lambda: addon.callback(one), lambda: addon.echo(TEXT)],
        "callback": [lambda: addon.callback(one)],
        "rust": list(rust_calls.values()),
        # Each of the mix's calls alone, to see which of them holds up with the threads.
        **{name: [call] for name, call in rust_calls.items()},
    }


def run_threads(
    calls: list[Callable[[], object]], threads: int, seconds: float, started: Callable[[], None]
) -> tuple[int, float]:
    """The operations `threads` threads made, making `calls` in turn for `seconds`, all released
    at once, and the seconds from their release to the last one's end; `started` runs once they
    all exist, before they are released. Each makes one batch at least: on a busy machine a
    thread may first run after the deadline, and a round of no operations says nothing."""
    batch = calls * (BATCH // len(calls))
    release = threading.Barrier(threads + 1)
    counts = [0] * threads
    errors: list[BaseException] = []
    deadline = 0.0

    def work(i: int) -> None:
        release.wait()
        n = 0
        try:
            while True:
                for call in batch:
                    call()
                n += len(batch)
                if time.perf_counter() >= deadline:
                    break
        except BaseException as e:  # reported by the caller, which would otherwise see a low count
            errors.append(e)
        counts[i] = n

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    started()
    deadline = time.perf_counter() + seconds
    release.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return sum(counts), elapsed


def throughput(calls: list[Callable[[], object]], threads: int, seconds: float) -> float:
    """Operations per second of `threads` threads making `calls` for `seconds`."""
    ops, elapsed = run_threads(calls, threads, seconds, lambda: None)
    return ops / elapsed


class FutexCount:
    """Counts the futex system calls of processes `pids` (all their threads, those started later
    included) from `start()` to `stop()`, with `perf stat`."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def start(self) -> None:
        self.perf = subprocess.Popen(
            ["perf", "stat", "-x,", "-e", "syscalls:sys_enter_futex", "-p", ",".join(map(str, self.pids))],
            stderr=subprocess.PIPE,
            text=True,
        )
        # perf opens one counter per thread; counting starts once they are all open.
        threads = sum(len(os.listdir(f"/proc/{pid}/task")) for pid in self.pids)
        deadline = time.monotonic() + 10
        while self._counters() < threads:
            if time.monotonic() > deadline or self.perf.poll() is not None:
                raise RuntimeError("perf stat did not start counting")
            time.sleep(0.001)

    def _counters(self) -> int:
        fds = Path(f"/proc/{self.perf.pid}/fd")
        n = 0
        for fd in fds.iterdir():
            try:
                n += "perf_event" in os.readlink(fd)
            except FileNotFoundError:
                pass
        return n

    def stop(self) -> int:
        self.perf.send_signal(signal.SIGINT)
        _, err = self.perf.communicate(timeout=30)
        for line in err.splitlines():
            if "sys_enter_futex" in line:
                return int(line.split(",")[0])
        raise RuntimeError(f"perf stat gave no count: {err[-500:]}")


def perf_usable() -> bool:
    if shutil.which("perf") is None:
        return False
    done = subprocess.run(
        ["perf", "stat", "-x,", "-e", "syscalls:sys_enter_futex", "true"], capture_output=True, text=True
    )
    return done.returncode == 0 and "sys_enter_futex" in done.stderr


def waits_per_op(calls, threads: int, seconds: float, pids: list[int], perf: bool) -> float:
    """Futex calls (with perf; else this process's voluntary context switches) per operation."""
    if perf:
        futexes = FutexCount(pids)
        ops, _ = run_threads(calls, threads, seconds, futexes.start)
        return futexes.stop() / ops
    before = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
    ops, _ = run_threads(calls, threads, seconds, lambda: None)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - before) / ops


@contextlib.contextmanager
def busy_loops(n: int) -> Iterator[None]:
    """`n` processes spinning in a loop meanwhile: other work on a busy machine."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in loops:
            p.kill()
            p.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.5, help="time each thread count calls, per round")
    parser.add_argument("--threads", default="1,2,4,16", help="thread counts, comma-separated")
    parser.add_argument("--no-waits", action="store_true", help="leave out the pass counting futex calls")
    parser.add_argument("--modes", default="isolated,in-process", help="modes, comma-separated")
    parser.add_argument("--busy", type=int, default=0, help="busy loops (processes) running beside the timed rounds")
    parser.add_argument(
        "--workloads",
        default="add,mix,rust",
        help="add, mix, callback, rust, rust_add, rust_callback, rust_await, comma-separated",
    )
    args = parser.parse_args(argv)
    counts = [int(t) for t in args.threads.split(",")]
    works = args.workloads.split(",")
    goals = Goals()
    loads = {"isolated": {}, "in-process": {"isolated": False}}
    addons = {mode: load_addon(addon_path("bench"), **loads[mode]) for mode in args.modes.split(",")}
    rusts = {mode: load_addon(addon_path("rust_addon"), **loads[mode]) for mode in addons}
    pids = {
        mode: [os.getpid()]
        + ([napi_python.addon_info(a).pid for a in (addons[mode], rusts[mode])] if mode == "isolated" else [])
        for mode in addons
    }
    pids["python"] = [os.getpid()]
    cells = [(mode, work, n) for mode in addons for work in works for n in counts]
    calls = {mode: workloads(addon, rusts[mode]) for mode, addon in addons.items()}
    # CPython's own ceiling: threads calling a Python function share one GIL, whose hand-overs
    # cost the same whatever the function does.
    one = lambda: 1  # noqa: E731
    calls["python"] = {"call": [one]}
    cells += [("python", "call", n) for n in counts]
    rates: dict[tuple[str, str, int], list[float]] = {cell: [] for cell in cells}
    with busy_loops(args.busy):
        for r in range(args.rounds):
            # A rotating order, so that drift spreads over every cell.
            for mode, work, n in cells[r % len(cells) :] + cells[: r % len(cells)]:
                rates[(mode, work, n)].append(throughput(calls[mode][work], n, args.seconds))
    waits: dict[tuple[str, str, int], float] = {}
    perf = perf_usable()
    if not args.no_waits:
        for mode, work, n in cells:
            waits[(mode, work, n)] = waits_per_op(calls[mode][work], n, args.seconds, pids[mode], perf)
    what = "futex calls" if perf else "voluntary context switches (this process)"
    print(
        f"operations per second, all threads together: medians of {args.rounds} interleaved rounds of {args.seconds} s"
        + (f", beside {args.busy} busy loops" if args.busy else "")
    )
    if waits:
        print(f"and {what} per operation, from one more run of each")
    print(
        f"{'mode':<11}{'workload':<9}{'threads':>8}{'ops/s':>12}{'spread':>22}{'x 1 thread':>11}"
        + (f"{'waits/op':>10}" if waits else "")
    )
    for mode, work, n in cells:
        ss = rates[(mode, work, n)]
        one = statistics.median(rates[(mode, work, counts[0])])
        spread = f"{min(ss):,.0f}-{max(ss):,.0f}"
        line = (
            f"{mode:<11}{work:<9}{n:>8}{statistics.median(ss):>12,.0f}{spread:>22}{statistics.median(ss) / one:>11.2f}"
        )
        if waits:
            line += f"{waits[(mode, work, n)]:>10.2f}"
        print(line)
    few, many = min(counts), max(counts)

    def scaling(mode: str, work: str) -> float:
        return statistics.median(rates[(mode, work, many)]) / statistics.median(rates[(mode, work, few)])

    cpython = scaling("python", "call")
    for mode in addons:
        for work in works:
            lo, hi = statistics.median(rates[(mode, work, few)]), statistics.median(rates[(mode, work, many)])
            goals.check(
                f"{mode} {work}: {many} threads' throughput >= {few} thread's",
                f"{hi / lo:.2f}x ({hi:,.0f}/s against {lo:,.0f}/s)",
                hi >= lo,
            )
            if work in ("add", "mix"):
                goals.check(
                    f"{mode} {work}: {many} against {few} threads within {CPYTHON_MARGIN} of CPython's",
                    f"{hi / lo:.2f}x (CPython {cpython:.2f}x)",
                    hi / lo >= cpython - CPYTHON_MARGIN,
                )
    if "rust" in works and {"isolated", "in-process"} <= addons.keys():
        here, there = (statistics.median(rates[(m, "rust", many)]) for m in ("in-process", "isolated"))
        goals.check(
            f"rust: {many} threads in-process >= isolated",
            f"{here:,.0f}/s against {there:,.0f}/s ({here / there:.2f}x)",
            here >= there,
        )
    goals.print()
    for addon in (*addons.values(), *rusts.values()):
        napi_python.close(addon)
    return 0


if __name__ == "__main__":
    sys.exit(main())
