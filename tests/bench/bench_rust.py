"""The speed of the addons people use, beside node calling the same `.node` files. Most Node-API
addons on npm are Rust (napi-rs), and a Rust library has thread-local storage, so in-process its
calls run on the host thread (relayed, `server/host/src/inprocess/relay.rs`) where a C addon's run
on the caller's, unless the host's JS thread is the caller's (`js_thread="current"`, the `js
thread` column: this thread made the hosts and calls them, no relay). Timed side by side in one
run, in the three modes:

- `c add`, `c callback`: the C benchmark addon (build/addons/bench.node); `rust add`, `rust
  callback`: the napi-rs test addon (build/addons/rust_addon.node, `addI32`, `callWith`), the
  same shapes;
- tiny calls into real packages: `@node-rs/xxhash`'s `xxh32(b"hello")`, `@node-rs/crc32`'s
  `crc32c(b"hello")` (and of 64 KiB, a call with a buffer), `microtime`'s `now()` (a
  node-addon-api package's smallest call);
- real work: `@napi-rs/snappy`'s `compressSync(b"hello")` (a Buffer made and returned), and
  lightningcss's `transform` of `a{color:red}`, minified: an options object in (a buffer among its
  fields), an object out with a buffer in it.

Figures are µs per call, medians of interleaved rounds (node's rounds take turns with ours,
`bench_modes.NodeChild`'s way), then the goals, each PASS or MISS. `--busy` measures every
operation again with one busy process beside it (a Python loop that never sleeps) and states each
busy median against the quiet one of the same run.

    .venv/bin/python tests/bench/bench_rust.py [--rounds R] [--calls N] [--busy]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
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
# The libraries node and Python load, by the name the operations give them.
LIBRARIES = {
    "c": Path(addon_path("bench")),
    "rust": Path(addon_path("rust_addon")),
    "xxh": NODE_MODULES / "@node-rs" / "xxhash-linux-x64-gnu" / "xxhash.linux-x64-gnu.node",
    "crc": NODE_MODULES / "@node-rs" / "crc32-linux-x64-gnu" / "crc32.linux-x64-gnu.node",
    "microtime": NODE_MODULES / "microtime" / "prebuilds" / "linux-x64" / "node.napi.node",
    "snappy": NODE_MODULES / "@napi-rs" / "snappy-linux-x64-gnu" / "snappy.linux-x64-gnu.node",
    "css": NODE_MODULES / "lightningcss-linux-x64-gnu" / "lightningcss.linux-x64-gnu.node",
}
KIB64 = bytes(range(256)) * 256
CSS = b"a{color:red}"

# Each operation: its JavaScript for node, over the libraries above, and the same call through
# the addon objects of one mode (`python_ops`).
NODE_OPS = {
    "c add": "() => c.add(1, 2)",
    "rust add": "() => rust.addI32(1, 2)",
    "c callback": "() => c.callback(one)",
    "rust callback": "() => rust.callWith(same, 1)",
    "xxh32": "() => xxh.xxh32(hello)",
    "crc32c": "() => crc.crc32c(hello)",
    "crc32c 64k": "() => crc.crc32c(kib64)",
    "microtime": "() => microtime.now()",
    "snappy": "() => snappy.compressSync(hello)",
    "css": "() => css.transform({ filename: 'a.css', code: sheet, minify: true })",
}
OPS = list(NODE_OPS)
TINY = ("rust add", "xxh32", "crc32c", "microtime")
REAL_WORK = ("snappy", "css")


class NodeChild(TimedChild):
    """node calling the same libraries, timing its own rounds with process.hrtime."""

    SCRIPT = """
%(requires)s
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
            "requires": "\n".join(
                f"const {name} = require({json.dumps(str(path))});" for name, path in LIBRARIES.items()
            ),
            "sheet": json.dumps(CSS.decode()),
            "ops": ",".join(f"{json.dumps(k)}: {v}" for k, v in NODE_OPS.items()),
        }
        super().__init__([node(), *NODE_FLAGS, "-e", script])


def python_ops(isolated: bool, js_thread: str = "host") -> dict[str, Callable[[int], None]]:
    """The operations through addons loaded in one mode, each checked once, then a function that
    runs it n times."""
    thread = {"js_thread": js_thread} if js_thread != "host" else {}
    lib = {name: load_addon(str(path), isolated=isolated, **thread) for name, path in LIBRARIES.items()}
    one = lambda *_: 1  # noqa: E731
    same = lambda x: x  # noqa: E731
    options = {"filename": "a.css", "code": CSS, "minify": True}
    calls: dict[str, Callable[[], Any]] = {
        "c add": lambda: lib["c"].add(1, 2),
        "rust add": lambda: lib["rust"].addI32(1, 2),
        "c callback": lambda: lib["c"].callback(one),
        "rust callback": lambda: lib["rust"].callWith(same, 1),
        "xxh32": lambda: lib["xxh"].xxh32(b"hello"),
        "crc32c": lambda: lib["crc"].crc32c(b"hello"),
        "crc32c 64k": lambda: lib["crc"].crc32c(KIB64),
        "microtime": lambda: lib["microtime"].now(),
        "snappy": lambda: lib["snappy"].compressSync(b"hello"),
        "css": lambda: lib["css"].transform(options),
    }
    assert set(calls) == set(OPS)
    # A fast wrong answer proves nothing: each call answers what node answers (the hashes and the
    # compressed bytes were recorded under node 26).
    assert calls["c add"]() == 3 and calls["rust add"]() == 3
    assert calls["c callback"]() == 1 and calls["rust callback"]() == 1
    assert calls["xxh32"]() == 4211111929
    assert calls["crc32c"]() == 2591144780
    assert calls["crc32c 64k"]() == 2720313149
    assert isinstance(calls["microtime"](), int)
    assert bytes(calls["snappy"]()) == b"\x05\x10hello"
    result = calls["css"]()
    assert bytes(result["code"]) == CSS and result["warnings"] == [], result
    return {op: repeat(f) for op, f in calls.items()}


Samples = dict[tuple[str, str], list[float]]


def measure(modes: dict[str, dict[str, Callable[[int], None]]], node: NodeChild, rounds: int, calls: int) -> Samples:
    """Rounds of every operation, node's and each mode's taking turns, the order rotated each
    round so that drift spreads over every operation."""
    samples: Samples = {}
    for r in range(rounds):
        for op in OPS[r % len(OPS) :] + OPS[: r % len(OPS)]:
            samples.setdefault(("node", op), []).append(node.per_call(op, calls))
            for mode, ops in modes.items():
                samples.setdefault((mode, op), []).append(per_call(ops[op], calls))
    return samples


def print_table(title: str, samples: Samples) -> None:
    m = {k: statistics.median(v) for k, v in samples.items()}
    print(title)
    head = f"{'operation':<15}{'node':>9}{'in-process':>12}{'x node':>8}{'js thread':>11}{'x node':>8}"
    print(f"{head}{'isolated':>10}{'x node':>8}")
    for op in OPS:
        n, here, js, iso = m[("node", op)], m[("in-process", op)], m[("js thread", op)], m[("isolated", op)]
        print(f"{op:<15}{n:9.3f}{here:12.3f}{here / n:8.1f}{js:11.3f}{js / n:8.1f}{iso:10.3f}{iso / n:8.1f}")


def busy_beside() -> subprocess.Popen[bytes]:
    """One process that never sleeps: a CPU taken, as on a machine doing other work."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--busy", action="store_true", help="measure again with one busy process beside")
    args = parser.parse_args(argv)
    goals = Goals()
    modes = {
        "in-process": python_ops(isolated=False),
        "js thread": python_ops(isolated=False, js_thread="current"),
        "isolated": python_ops(isolated=True),
    }
    node = NodeChild()
    samples = measure(modes, node, args.rounds, args.calls)
    busy: Samples = {}
    if args.busy:
        beside = busy_beside()
        try:
            busy = measure(modes, node, args.rounds, args.calls)
        finally:
            beside.kill()
            beside.wait()
    node.close()
    print_table(f"µs per call, medians of {args.rounds} interleaved rounds of {args.calls} calls", samples)
    if busy:
        print_table("\nthe same with one busy process beside", busy)

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
    for op in ("rust add", "rust callback", "xxh32", "crc32c", "crc32c 64k", "snappy", "css"):
        ratio(f"in-process {op} never slower than isolated", 1, "in-process", op, "isolated", op)
    for mode, tiny_limit, work_limit in (("in-process", 3, 1.2), ("js thread", 3, 1.2), ("isolated", 6, 1.5)):
        for op in TINY:
            ratio(f"{mode} {op} (a tiny call) <= {tiny_limit}x node", tiny_limit, mode, op, "node", op)
        for op in REAL_WORK:
            ratio(f"{mode} {op} (real work) <= {work_limit}x node", work_limit, mode, op, "node", op)
    for (kind, op), figures in busy.items():
        if kind != "node":
            goals.ratio(f"{kind} {op}, busy beside, <= 2x quiet", 2, figures, samples[(kind, op)], digits=3)
    print("\nratios: the medians (and spreads) of the rounds, ours / the baseline's")
    goals.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
