"""The speed of the addons people use: most Node-API addons on npm are Rust (napi-rs), and a
Rust library has thread-local storage, so in-process its calls run on the host thread (relayed,
`server/host/src/inprocess/relay.rs`) where a C addon's run on the caller's. Timed side by side in one
run, each against node calling the same `.node`:

- `add` and `callback`: the C benchmark addon (build/addons/bench.node) against the napi-rs test
  addon (build/addons/rust_addon.node, `addI32`, `callWith`), the same shapes;
- `crc32c`: `@node-rs/crc32`'s `crc32c(b"hello")`, a tiny call into a real napi-rs package, and
  of 64 KiB, a call with a buffer;
- `css`: lightningcss's `transform` of `a{color:red}`, minified: an options object in (a buffer
  among its fields), an object out with a buffer in it; a call that does real work.

Figures are µs per call, medians of interleaved rounds (node's rounds take turns with ours,
`bench_modes.NodeChild`'s way), then the goals, each PASS or MISS.

    .venv/bin/python tests/bench/bench_rust.py [--rounds R] [--calls N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_modes import NODE_FLAGS, TimedChild, per_call, repeat  # noqa: E402
from conftest import addon_path  # noqa: E402
from report import Goals, node  # noqa: E402

from napi_python import load_addon  # noqa: E402

NODE_MODULES = HERE.parent / "npm" / "node_modules"
CRC32 = NODE_MODULES / "@node-rs" / "crc32-linux-x64-gnu" / "crc32.linux-x64-gnu.node"
LIGHTNINGCSS = NODE_MODULES / "lightningcss-linux-x64-gnu" / "lightningcss.linux-x64-gnu.node"
KIB64 = bytes(range(256)) * 256
CSS = b"a{color:red}"

# Each operation: its JavaScript for node (the loaded modules are c, rust, crc and css), and
# the same call through the addon objects of one mode.
NODE_OPS = {
    "c add": "() => c.add(1, 2)",
    "rust add": "() => rust.addI32(1, 2)",
    "c callback": "() => c.callback(one)",
    "rust callback": "() => rust.callWith(same, 1)",
    "crc32c": "() => crc.crc32c(hello)",
    "crc32c 64k": "() => crc.crc32c(kib64)",
    "css": "() => css.transform({ filename: 'a.css', code: sheet, minify: true })",
}
OPS = list(NODE_OPS)


class NodeChild(TimedChild):
    """node calling the same libraries, timing its own rounds with process.hrtime."""

    SCRIPT = """
const c = require(%(c)s), rust = require(%(rust)s), crc = require(%(crc)s), css = require(%(css)s);
const one = () => 1, same = (x) => x;
const hello = Buffer.from("hello"), sheet = Buffer.from(%(sheet)s);
const kib64 = Buffer.alloc(65536);
for (let i = 0; i < kib64.length; i++) kib64[i] = i & 255;
const ops = {%(ops)s};
const lines = require("readline").createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const i = line.lastIndexOf(" ");
  const f = ops[line.slice(0, i)], n = Number(line.slice(i + 1));
  const t = process.hrtime.bigint();
  for (let k = 0; k < n; k++) f();
  console.log(Number(process.hrtime.bigint() - t) / n / 1000);
});
"""

    name = "node child process"

    def __init__(self) -> None:
        script = self.SCRIPT % {
            "c": json.dumps(addon_path("bench")),
            "rust": json.dumps(addon_path("rust_addon")),
            "crc": json.dumps(str(CRC32)),
            "css": json.dumps(str(LIGHTNINGCSS)),
            "sheet": json.dumps(CSS.decode()),
            "ops": ",".join(f"{json.dumps(k)}: {v}" for k, v in NODE_OPS.items()),
        }
        super().__init__([node(), *NODE_FLAGS, "-e", script])


def python_ops(isolated: bool) -> dict[str, Callable[[int], None]]:
    """The operations through addons loaded in one mode, each checked once, then a function that
    runs it n times."""
    c = load_addon(addon_path("bench"), isolated=isolated)
    rust = load_addon(addon_path("rust_addon"), isolated=isolated)
    crc = load_addon(str(CRC32), isolated=isolated)
    css = load_addon(str(LIGHTNINGCSS), isolated=isolated)
    one = lambda *_: 1  # noqa: E731
    same = lambda x: x  # noqa: E731
    options = {"filename": "a.css", "code": CSS, "minify": True}
    calls: dict[str, Callable[[], Any]] = {
        "c add": lambda: c.add(1, 2),
        "rust add": lambda: rust.addI32(1, 2),
        "c callback": lambda: c.callback(one),
        "rust callback": lambda: rust.callWith(same, 1),
        "crc32c": lambda: crc.crc32c(b"hello"),
        "crc32c 64k": lambda: crc.crc32c(KIB64),
        "css": lambda: css.transform(options),
    }
    # A fast wrong answer proves nothing: each call answers what node answers (the CRCs were
    # recorded under node).
    assert calls["c add"]() == 3 and calls["rust add"]() == 3
    assert calls["c callback"]() == 1 and calls["rust callback"]() == 1
    assert calls["crc32c"]() == 2591144780
    assert calls["crc32c 64k"]() == 2720313149
    result = calls["css"]()
    assert bytes(result["code"]) == CSS and result["warnings"] == [], result
    return {op: repeat(f) for op, f in calls.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    goals = Goals()
    modes = {"in-process": python_ops(isolated=False), "isolated": python_ops(isolated=True)}
    node = NodeChild()
    samples: dict[tuple[str, str], list[float]] = {}
    for r in range(args.rounds):
        # Rotated each round, so that drift spreads over every operation.
        for op in OPS[r % len(OPS) :] + OPS[: r % len(OPS)]:
            samples.setdefault(("node", op), []).append(node.per_call(op, args.calls))
            for mode, ops in modes.items():
                samples.setdefault((mode, op), []).append(per_call(ops[op], args.calls))
    node.close()
    m = {k: statistics.median(v) for k, v in samples.items()}
    print(f"µs per call, medians of {args.rounds} interleaved rounds of {args.calls} calls")
    print(f"{'operation':<15}{'node':>9}{'in-process':>12}{'x node':>8}{'isolated':>10}{'x node':>8}")
    for op in OPS:
        n, here, iso = m[("node", op)], m[("in-process", op)], m[("isolated", op)]
        print(f"{op:<15}{n:9.3f}{here:12.3f}{here / n:8.1f}{iso:10.3f}{iso / n:8.1f}")

    def ratio(goal: str, limit: float, kind: str, op: str, base: str, base_op: str) -> None:
        goals.ratio(goal, limit, samples[(kind, op)], samples[(base, base_op)], digits=3)

    ratio("in-process Rust add <= 2x in-process C add", 2, "in-process", "rust add", "in-process", "c add")
    ratio(
        "in-process Rust callback <= 2x in-process C callback",
        2,
        "in-process",
        "rust callback",
        "in-process",
        "c callback",
    )
    for op in ("rust add", "rust callback", "crc32c", "crc32c 64k", "css"):
        ratio(f"in-process {op} never slower than isolated", 1, "in-process", op, "isolated", op)
    ratio("in-process crc32c (a tiny call) <= 5x node", 5, "in-process", "crc32c", "node", "crc32c")
    ratio("isolated crc32c (a tiny call) <= 8x node", 8, "isolated", "crc32c", "node", "crc32c")
    ratio("in-process css (real work) <= 1.5x node", 1.5, "in-process", "css", "node", "css")
    ratio("isolated css (real work) <= 2x node", 2, "isolated", "css", "node", "css")
    print("\nratios: the medians (and spreads) of the rounds, ours / the baseline's")
    goals.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
