"""How the benchmarks report: medians with the spread of their rounds, and the table of goals a
benchmark ends with (each goal beside its figure and PASS or MISS, and the machine's load when
the run began and ended: on a shared VM a figure means little without it)."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path


def load_average() -> float:
    """The machine's 1-minute load average."""
    return os.getloadavg()[0]


def node() -> str:
    """The node the benchmarks set beside napi_python: the one the tests take as the authority
    (Node 26 LTS from build/node26), never whatever node the machine has on its PATH, whose
    version decides how fast it is."""
    tests = str(Path(__file__).resolve().parent.parent)
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from node_oracle import NODE, ORACLE_MAJOR

    if not os.access(NODE, os.X_OK):
        sys.exit(f"{NODE} is absent: run scripts/setup (it installs Node {ORACLE_MAJOR})")
    return NODE


def median_and_spread(samples: list[float], digits: int = 2, unit: str = "") -> str:
    """`samples`' median and, in brackets, their spread."""
    return f"{statistics.median(samples):,.{digits}f}{unit} ({min(samples):,.{digits}f}-{max(samples):,.{digits}f})"


def print_medians(title: str, samples: dict[str, list[float]], digits: int = 2) -> None:
    """`title`, then a line per name: the median of its samples and their spread."""
    print(title)
    width = max(11, *(len(name) for name in samples))
    for name, ss in samples.items():
        print(f"  {name:<{width}} {median_and_spread(ss, digits)}")


class Goals:
    def __init__(self) -> None:
        self.load_at_start = load_average()
        self.rows: list[tuple[str, str, str]] = []

    def check(self, goal: str, figure: str, ok: bool) -> bool:
        """Adds a goal with its figure; `ok` is whether the figure meets it."""
        self.rows.append((goal, figure, "PASS" if ok else "MISS"))
        return ok

    def ratio(
        self,
        goal: str,
        limit: float,
        ours: list[float],
        base: list[float],
        digits: int = 2,
        unit: str = " µs",
        best_base: bool = False,
    ) -> bool:
        """Adds a goal that the median of `ours` be at most `limit` times the median of `base`
        (samples of interleaved rounds), the figure showing both with their spreads. With
        `best_base`, the base is its best round instead: a floor, which noise only raises."""
        if best_base:
            b, base_figure = min(base), f"the best round, {min(base):,.{digits}f}{unit}"
        else:
            b, base_figure = statistics.median(base), median_and_spread(base, digits, unit)
        x = statistics.median(ours) / b
        return self.check(goal, f"{x:.2f}x = {median_and_spread(ours, digits, unit)} / {base_figure}", x <= limit)

    def state(self, what: str, figure: str) -> None:
        """Adds a figure the goal asks to be stated, with no number to meet."""
        self.rows.append((what, figure, "stated"))

    def print(self) -> None:
        width = max(len(g) for g, _, _ in self.rows)
        fig = max(len(f) for _, f, _ in self.rows)
        print()
        print(f"{'goal':<{width}}  {'figure':<{fig}}")
        for goal, figure, verdict in self.rows:
            print(f"{goal:<{width}}  {figure:<{fig}}  {verdict}")
        load, cpus = max(self.load_at_start, load_average()), os.cpu_count() or 1
        print(
            f"machine load (1-minute average): {self.load_at_start:.2f} at the start, {load_average():.2f} at the"
            f" end, on {cpus} CPUs"
        )
        if load > cpus:
            print(
                "more work than CPUs: not the quiet machine the goals are set for; what waits for a peer suffers most"
            )
