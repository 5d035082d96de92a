"""How long a short program takes from start to exit, beside node doing the same: the time a
command-line tool or a test process pays before its first useful call.

Timed in interleaved rounds (each round runs every program once, in turn, so a busy moment of
the machine falls on all of them), as wall time of the whole process:

- `python -c pass`: the interpreter alone, the floor of everything below;
- `import napi_python`;
- the short script, in both modes: `require("@node-rs/crc32")` from the tests' packages, one
  `crc32c(b"hello")`, exit (isolated starts a host process, in-process loads the addon into
  Python);
- node 26 running the same script on the same `.node` file.

The Python programs run with their bytecode cached, as an installed wheel's are (a first run
after a source change would time the compiler). Prints medians with their spread, then the goals:
`import napi_python` within 60 ms, the short script within 2x node's.

    .venv/bin/python tests/bench/bench_startup.py [--rounds R]
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

from report import Goals, node, print_medians  # noqa: E402

NODE_MODULES = HERE.parent / "npm" / "node_modules"
SCRIPT = """
import sys
import napi_python
crc = napi_python.require("@node-rs/crc32", [sys.argv[1]], isolated=sys.argv[2] == "isolated")
assert crc.crc32c(b"hello") == 2591144780
"""
NODE_SCRIPT = """
const crc = require(process.argv[1] + "/@node-rs/crc32");
if (crc.crc32c(Buffer.from("hello")) !== 2591144780) process.exit(1);
"""


def programs() -> dict[str, list[str]]:
    py = sys.executable
    return {
        "python -c pass": [py, "-c", "pass"],
        "import napi_python": [py, "-c", "import napi_python"],
        "script, isolated": [py, "-c", SCRIPT, str(NODE_MODULES), "isolated"],
        "script, in-process": [py, "-c", SCRIPT, str(NODE_MODULES), "in-process"],
        "script, node 26": [node(), "-e", NODE_SCRIPT, str(NODE_MODULES)],
    }


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Milliseconds from start to exit; a program that fails ends the benchmark with its error."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1e3
    if done.returncode != 0:
        sys.exit(f"{argv[:3]} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = programs()
    for argv in runs.values():  # the first run of each writes its bytecode and warms the page cache
        timed(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, argv in runs.items():
            samples[name].append(timed(argv, env))
    print_medians("wall time from start to exit, ms", samples, digits=1)
    goals = Goals()
    imported = statistics.median(samples["import napi_python"])
    goals.check("import napi_python <= 60 ms", f"{imported:.1f} ms", imported <= 60)
    for mode in ("isolated", "in-process"):
        goals.ratio(
            f"short script, {mode} <= 2x node's", 2.0, samples[f"script, {mode}"], samples["script, node 26"], 1, " ms"
        )
    goals.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
