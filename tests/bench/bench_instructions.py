"""Machine instructions per in-process call, counted by valgrind's callgrind: a figure that does
not move with the load of a shared VM, for comparing one change to the next.

Each operation runs in a child Python under callgrind twice, with two loop lengths; the
difference, divided by the difference in calls, is the cost of one call with start-up and
loading taken out (the loop's own few bytecodes stay in). `floor` is the same loop calling the
no-op C function of the floor extension (floor_ext.py): Python's own share. Goal (issue 43): at
most 1,000 per in-process no-op call.

    .venv/bin/python tests/bench/bench_instructions.py [op ...]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import Goals  # noqa: E402

SHORT, LONG = 2_000, 6_000
NOOP_GOAL = 1_000

# Run in the child: loads the C bench addon in-process and makes `n` calls of `op`.
CHILD = """
import sys
sys.path.insert(0, {tests!r})
sys.path.insert(0, {bench!r})
from conftest import addon_path
from floor_ext import module
from napi_python import load_addon
a = load_addon(addon_path("bench"), isolated=False)
f = module()
one = lambda: 1
op, n = sys.argv[1], int(sys.argv[2])
call = {{
    "floor": lambda: f.noop(),
    "noop": lambda: a.noop(),
    "add": lambda: a.add(1, 2),
    "echo": lambda: a.echo("0123456789abcdefghijklmnopqrstuv"),
    "callback": lambda: a.callback(one),
    "object16": lambda: a.makeObject16(),
}}[op]
for _ in range(n):
    call()
"""
OPS = ["floor", "noop", "add", "echo", "callback", "object16"]


def instructions(op: str, calls: int, script: Path) -> int:
    """The instructions callgrind counted on the calling thread of a child making `calls` calls
    of `op`.

    Only the calling thread: a direct call runs there, and the host thread's idling (a spin
    before it sleeps, wake-ups) varies from run to run by more than a change being measured.
    """
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--separate-threads=yes",
                f"--callgrind-out-file={out}/cg",
                sys.executable,
                str(script),
                op,
                str(calls),
            ],
            capture_output=True,
            text=True,
            check=True,
            # String hashes decide dict probe lengths: a fixed seed keeps them from moving the
            # count by a hundred instructions from run to run.
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        # One file per thread, numbered in order of creation: the first is the main thread.
        main_thread = Path(out) / "cg-01"
        found = re.search(r"^totals: (\d+)", main_thread.read_text(), re.M) if main_thread.exists() else None
    if found is None:
        raise RuntimeError(f"callgrind wrote no count for the main thread of {op}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    ops = sys.argv[1:] or OPS
    unknown = [op for op in ops if op not in OPS]
    if unknown:
        sys.exit(f"unknown operation(s) {', '.join(unknown)}; choose from {', '.join(OPS)}")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt install valgrind)")
    goals = Goals()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "calls.py"
        script.write_text(CHILD.format(tests=str(HERE.parent), bench=str(HERE)))
        print("instructions per in-process call on the calling thread (callgrind, difference of two loop lengths)")
        print(f"{'operation':10} {'instr':>8}")
        counts = {}
        for op in ops:
            counts[op] = (instructions(op, LONG, script) - instructions(op, SHORT, script)) / (LONG - SHORT)
            print(f"{op:10} {counts[op]:8.0f}")
    if "noop" in counts:
        noop = counts["noop"]
        floor = f" (the floor: {counts['floor']:,.0f})" if "floor" in counts else ""
        goals.check(f"instructions per in-process noop call <= {NOOP_GOAL:,}", f"{noop:,.0f}{floor}", noop <= NOOP_GOAL)
        goals.print()


if __name__ == "__main__":
    main()
