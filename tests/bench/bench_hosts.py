"""Many isolated hosts in one Python process: loads `--hosts` (500) isolated hosts of
the benchmark addon (build/addons/bench.node) one after another, keeping them all, and prints

- the time to load each (from `load_addon` to its first answer, host start included), the
  first ones against the last ones; goal: the last within 1.5x the first (the medians of
  `--window` loads at each end; the very first load, which may find the host binary out of the
  page cache, is left out of the comparison). 25 loads, not fewer: on a busy machine single
  loads of the same cost vary tenfold (2.5 to 48 ms), and a median of 5 took a few seconds of
  someone else's work for a trend;
- the threads and descriptors each host costs this Python process (from /proc/self/task and
  /proc/self/fd, before and after), and which they are (threads by name, descriptors by kind):
  stated, as the issue asks (README, Limits: 1 thread and 4 descriptors a host); and the
  process's memory mappings, which a forked start would copy (hosts start by posix_spawn, which
  copies nothing).

    .venv/bin/python tests/bench/bench_hosts.py [--hosts N] [--window K]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import threading
from collections import Counter
from pathlib import Path

import napi_python

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_modes import timed_load  # noqa: E402
from conftest import each_task  # noqa: E402
from report import Goals  # noqa: E402

GOAL = 1.5


def kind(name: str) -> str:
    """A name with its numbers left out (and the dash the kernel may leave where it cut a thread's
    name short)."""
    return re.sub(r"\d+", "N", name).rstrip("-")


def threads() -> Counter[str]:
    """This process's threads, by kind: Python's by their Python name (the kernel knows them by
    the process's), the others by the name the kernel keeps (15 characters)."""
    python = {t.native_id: f"{t.name} (Python)" for t in threading.enumerate()}
    return Counter(kind(python.get(tid, comm.strip())) for tid, comm in each_task("comm"))


def descriptors() -> Counter[str]:
    """This process's open descriptors, by kind (what they link to, numbers left out)."""
    kinds: Counter[str] = Counter()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # the one listing the directory
            continue
        kinds[kind(target.split(":")[0])] += 1
    return kinds


def mappings() -> int:
    """How many memory mappings this process has."""
    with open("/proc/self/maps") as maps:
        return sum(1 for _ in maps)


def per_host(before: Counter[str], after: Counter[str], hosts: int) -> str:
    """What `hosts` hosts added, per host: in all and by kind."""
    added = after - before
    kinds = ", ".join(f"{k} {n / hosts:g}" for k, n in added.most_common())
    return f"{sum(added.values()) / hosts:g} ({kinds})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--window", type=int, default=25, help="loads at each end whose median is compared")
    args = parser.parse_args(argv)
    # A few descriptors per host: past the default limit of 1,024 by a few hundred hosts.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    goals = Goals()
    t0, f0, m0 = threads(), descriptors(), mappings()
    times, addons = [], []
    try:
        for i in range(args.hosts):
            ms, addon = timed_load()
            times.append(ms)
            addons.append(addon)
            if i == 0:
                t1, f1 = threads(), descriptors()
        tn, fn, mn = threads(), descriptors(), mappings()
        k = min(args.window, len(times) - 1)
        first, last = statistics.median(times[1 : k + 1]), statistics.median(times[-k:])
        print(f"{args.hosts} isolated hosts in one process (descriptor limit raised from {soft} to {hard})")
        step = max(len(times) // 10, 1)
        print("ms to load, host start to first answer, by load number (medians of 10% of the loads):")
        print(
            "  "
            + "  ".join(f"{i + 1}: {statistics.median(times[i : i + step]):.1f}" for i in range(0, len(times), step))
        )
        print(f"threads per host, the first: {per_host(t0, t1, 1)}")
        print(f"threads per host, all {args.hosts}: {per_host(t0, tn, args.hosts)}")
        print(f"descriptors per host, the first: {per_host(f0, f1, 1)}")
        print(f"descriptors per host, all {args.hosts}: {per_host(f0, fn, args.hosts)}")
        print(f"memory mappings of this process: {m0} before the first host, {mn} with all {args.hosts}")
        goals.check(
            f"loading the {args.hosts}th host <= {GOAL}x the 1st",
            f"{last / first:.2f}x ({last:.1f} ms / {first:.1f} ms: loads {len(times) - k + 1}-{len(times)} / 2-{k + 1})",
            last <= GOAL * first,
        )
        goals.state("Python-side threads per isolated host", f"{sum((tn - t0).values()) / args.hosts:.2f}")
        goals.state("Python-side descriptors per isolated host", f"{sum((fn - f0).values()) / args.hosts:.2f}")
    finally:
        for addon in addons:
            napi_python.close(addon)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    goals.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
