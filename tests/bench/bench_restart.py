"""Restart latency (at most 50 ms for a small addon): the time from a crash being
reported to the next call answered by a fresh host (spawn, handshake, load, call).

    .venv/bin/python tests/bench/bench_restart.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conftest import addon_path

import napi_python
from napi_python import AddonCrashedError, RestartPolicy, load_addon


def main(rounds: int = 30) -> None:
    # No restart limit in the way of the measurement.
    addon = load_addon(addon_path("isolation"), restart=RestartPolicy(max_restarts=10**6, period=1.0))
    times = []
    for _ in range(rounds):
        try:
            addon.exitZero()
        except AddonCrashedError:
            pass
        start = time.perf_counter()
        addon.add(1, 2)
        times.append((time.perf_counter() - start) * 1000)
    napi_python.close(addon)
    print(
        f"restart + first call: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {rounds} (goal: <= 50 ms)"
    )


if __name__ == "__main__":
    main()
