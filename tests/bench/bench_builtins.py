"""Built-ins as addons call them, in-process beside node; goal: each at most 5x node's
time per call.

    .venv/bin/python tests/bench/bench_builtins.py [--rounds R] [--calls N]

The test addon's `repeat(fn, this, args, n)` (addons/c/bench_builtins.c) calls the built-in n
times through `napi_call_function` and times the loop natively, so node and napi_python run the
very same loop over the same .node file; the rounds take turns and the median is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import addon_path  # noqa: E402
from report import node  # noqa: E402

from napi_python import js, load_addon  # noqa: E402

GOAL = 5.0

# A 1 KB object: 16 entries of mixed values, as JSON.
OBJECT = {f"key{i:02d}": {"id": i, "name": f"item number {i}", "tags": ["a", "b"], "ok": i % 2 == 0} for i in range(16)}

NODE_CASES = """
const a = require(%(path)s);
const object = %(object)s;
const cases = {
  'Date.prototype.toISOString': () => a.repeat(Date.prototype.toISOString, new Date(1700000000123), [], N),
  'Array.prototype.push': () => a.repeat(Array.prototype.push, [], [1], N),
  'JSON.stringify (1 KB object)': () => a.repeat(JSON.stringify, JSON, [object], N),
  'RegExp.prototype.test': () => a.repeat(RegExp.prototype.test, /^[a-z]+-(\\d+)$/i, ['Item-12345'], N),
};
"""


def node_round(n: int) -> dict[str, float]:
    script = NODE_CASES % {"path": json.dumps(addon_path("bench_builtins")), "object": json.dumps(OBJECT)}
    script = (
        f"const N = {n};\n"
        + script
        + "console.log(JSON.stringify(Object.fromEntries(Object.entries(cases).map(([k, f]) => [k, f()]))));"
    )
    out = subprocess.run([node(), "-e", script], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def ours_round(addon, n: int) -> dict[str, float]:
    g = js.global_this(addon)
    get = js.get
    date_proto, array_proto, regexp_proto = (get(get(g, c), "prototype") for c in ("Date", "Array", "RegExp"))
    import datetime

    when = datetime.datetime.fromtimestamp(1700000000.123, tz=datetime.UTC)
    regexp = js.new(get(g, "RegExp"), "^[a-z]+-(\\d+)$", "i")
    json_obj = get(g, "JSON")
    return {
        "Date.prototype.toISOString": addon.repeat(get(date_proto, "toISOString"), when, [], n),
        "Array.prototype.push": addon.repeat(get(array_proto, "push"), js.array(addon), [1], n),
        "JSON.stringify (1 KB object)": addon.repeat(
            get(json_obj, "stringify"), json_obj, [js.object(addon, OBJECT)], n
        ),
        "RegExp.prototype.test": addon.repeat(get(regexp_proto, "test"), regexp, ["Item-12345"], n),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args(argv)
    addon = load_addon(addon_path("bench_builtins"), isolated=False)
    node_runs, our_runs = [], []
    for _ in range(args.rounds):
        node_runs.append(node_round(args.calls))
        our_runs.append(ours_round(addon, args.calls))
    print(
        f"{'built-in':32} {'node ns':>10} {'ours ns':>10} {'ratio':>7}  (goal <= {GOAL:g}x, median of {args.rounds} rounds)"
    )
    worst = 0.0
    for name in node_runs[0]:
        node_ns = statistics.median(r[name] for r in node_runs)
        our_ns = statistics.median(r[name] for r in our_runs)
        ratio = our_ns / node_ns
        worst = max(worst, ratio)
        print(f"{name:32} {node_ns:10.1f} {our_ns:10.1f} {ratio:6.2f}x")
    print(f"worst ratio {worst:.2f}x: {'within' if worst <= GOAL else 'OVER'} the goal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
