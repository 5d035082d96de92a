"""How fast faults are noticed (the bounds the isolation promises), each goal printed beside its figure. The
functional suite checks what happens (tests/isolation/test_faults.py, test_isolation.py, test_fast_path.py,
test_host_process.py, test_rust_async.py); this measures how long it takes:

- a crash (segfault, abort, stack overflow, exit(0), napi_fatal_error) to AddonCrashedError;
  goal: 500 ms;
- a host killed while the caller sleeps on the ring (past its spin), from the kill to
  AddonCrashedError; goal: 500 ms;
- a hang (a busy loop, pause()) with timeout=1.0 to AddonTimeoutError; goal: 1.2 s;
- Python killed with a call pending, to its host gone (the parent-death signal); goal: 100 ms;
- close() with napi-rs tokio futures still sleeping: the host exits by itself; goal: well
  within close()'s 2 s grace (500 ms).

    .venv/bin/python tests/bench/bench_faults.py [--rounds R]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import addon_path, gone  # noqa: E402

import napi_python  # noqa: E402
from napi_python import AddonCrashedError, AddonTimeoutError, load_addon  # noqa: E402


def report(what: str, samples: list[float], goal_ms: float) -> None:
    ms = [s * 1000 for s in samples]
    median, worst = statistics.median(ms), max(ms)
    verdict = "PASS" if worst <= goal_ms else "MISS"
    print(f"{what:<44} median {median:7.1f} ms, max {worst:7.1f} ms  (goal <= {goal_ms:g} ms)  {verdict}")


def time_to_raise(addon_name: str, call: Callable, expected: type[BaseException], **options) -> float:
    """Seconds from calling `call(addon)` on a fresh host of `addon_name` to it raising `expected`."""
    addon = load_addon(addon_path(addon_name), restart=False, **options)
    try:
        addon.add(1, 2)
        start = time.perf_counter()
        try:
            call(addon)
        except expected:
            return time.perf_counter() - start
        raise AssertionError(f"{call} did not raise {expected.__name__}")
    finally:
        napi_python.close(addon)


def crashes(rounds: int) -> None:
    cases = [
        ("faults", "segfault", ()),
        ("faults", "abort", ()),
        ("isolation", "stackOverflow", ()),
        ("isolation", "exitZero", ()),
        ("isolation", "fatalError", ("the widget is broken",)),
    ]
    for name, function, args in cases:
        samples = [
            time_to_raise(name, lambda a, f=function, x=args: getattr(a, f)(*x), AddonCrashedError)
            for _ in range(rounds)
        ]
        report(f"crash: {function} -> AddonCrashedError", samples, 500)


def kill_while_asleep(rounds: int) -> None:
    samples = []
    for _ in range(rounds):
        addon = load_addon(addon_path("isolation"), restart=False)
        addon.add(1, 2)
        killed: list[float] = []

        def kill(pid: int = napi_python.addon_info(addon).pid, killed: list[float] = killed) -> None:
            killed.append(time.perf_counter())
            os.kill(pid, signal.SIGKILL)

        timer = threading.Timer(0.2, kill)  # far past the caller's spin on the ring
        timer.start()
        try:
            addon.sleepMs(60_000)
        except AddonCrashedError:
            samples.append(time.perf_counter() - killed[0])
        timer.join()
        napi_python.close(addon)
    report("host killed during a sleeping call -> raise", samples, 500)


def hangs(rounds: int) -> None:
    for function in ("spin", "pause"):
        samples = [
            time_to_raise("isolation", lambda a, f=function: getattr(a, f)(), AddonTimeoutError, timeout=1.0)
            for _ in range(rounds)
        ]
        report(f"hang: {function}, timeout=1.0 -> AddonTimeoutError", samples, 1200)


PYTHON_WITH_A_PENDING_CALL = f"""
import threading
from napi_python import load_addon
addon = load_addon({addon_path("isolation")!r})
threading.Thread(target=addon.pause, daemon=True).start()
print(napi_python.addon_info(addon).pid, flush=True)
threading.Event().wait()
"""


def python_killed(rounds: int) -> None:
    samples = []
    for _ in range(rounds):
        with subprocess.Popen(
            [sys.executable, "-c", PYTHON_WITH_A_PENDING_CALL], stdout=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout is not None
            host = int(proc.stdout.readline())
            proc.kill()
            killed = time.perf_counter()
        while not gone(host):
            if time.perf_counter() - killed > 10:
                raise AssertionError(f"the host {host} outlived Python by 10 s")
            time.sleep(0.0005)
        samples.append(time.perf_counter() - killed)
    report("Python killed -> its host gone", samples, 100)


def close_with_tokio_futures_pending(rounds: int) -> None:
    samples = []
    for _ in range(rounds):
        addon = load_addon(addon_path("rust_addon"))
        pending = [addon.sleepAdd(1, i, 3_600_000 if i % 2 else i % 5) for i in range(40)]
        start = time.perf_counter()
        napi_python.close(addon)
        samples.append(time.perf_counter() - start)
        del pending
    report("close() with 20 tokio futures asleep", samples, 500)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # The crashing hosts' last words (logged as warnings) are expected here: not shown.
    logging.getLogger("napi_python.host").setLevel(logging.ERROR)
    crashes(args.rounds)
    kill_while_asleep(args.rounds)
    hangs(max(1, args.rounds // 2))
    python_killed(args.rounds)
    close_with_tokio_futures_pending(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
