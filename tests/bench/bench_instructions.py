"""Machine instructions per in-process call, counted by valgrind's callgrind: a figure that does
not move with the load of a shared VM, for comparing one change to the next.

Each operation runs in a child Python under callgrind twice, with two loop lengths; the
difference, divided by the difference in calls, is the cost of one call with start-up and
loading taken out (the loop's own few bytecodes stay in). `floor` is the same loop calling the
no-op C function of the floor extension (floor_ext.py): Python's own share. Goals: at most
1,000 per in-process no-op call and 1,100 above the floor; for the common shapes at most
1,500 (`noop`), 1,900 (`add`), 3,400 (`bytes`) and 4,000 (`callback`).

`rust_callback` is a RELAYED in-process call: the napi-rs test addon's `callWith(f, 1)`, whose
JS part an in-process host serves on its own thread (a Rust addon has thread-local storage,
D37), handing the Python call of `f` back to the calling thread through the relay's mailbox. Its
figure counts the calling thread only: the Python loop, the arguments, posting the call and
waiting for each hand-off (the looks at the mailbox), the Python callback and the answer; the
host thread's share (the direct call it serves, napi-rs's code) is not in it. Its path depends on
time: a call that took a millisecond or more lets go of the GIL for the next one (`Quick`), and
under callgrind a relayed call's hand-offs are slow enough that some calls do, more on a busier
machine (three counts at load 7 spread over 5,666-5,988); so it is counted three times and
printed as the median with the range: a change shows only beyond that spread.

`rust_add` is the napi-rs test addon's `addI32(1, 2)`, relayed the same way, and counted on
every thread of the process (the host thread's share in, its idle looks too), median of three;
`rust_add_here` and `rust_callback_here` are the same calls to a host made with
`js_thread="current"` (the calling thread is the host's JS thread, no relay), counted on the
calling thread; `xxh32_here` and `microtime_here` likewise call two packages from npm
(`@node-rs/xxhash`'s `xxh32(b"hello")`, a napi-rs addon; microtime's `now()`, a node-addon-api
one; installed by `scripts/npm-install`).

`--isolated` counts a call to an isolated host instead, on each side: the host's JS thread
(the `napi-hostd` napi_python would run, under callgrind through `$NAPI_HOSTD`, the client
native) and the calling thread (the client under callgrind, the host native), each in runs of
its own, so that neither side's waits count the other's slowness under valgrind. The host comes
with the package imported, so that `PYTHONPATH=<an unpacked wheel>` counts that wheel's host.

`node_noop` and `node_add` count node 26 calling the same `bench.node`'s `noop()` and `add(1, 2)`
from a JS loop (every instruction of the process, with V8's helper threads off,
`--single-threaded`), after a warm-up that lets V8 settle on its code for the loop: node's whole
cost of a call, its loop included, beside which `floor` and `noop` read as Python's and ours. Not
in the default set (they take a minute); longer loops, as V8's collections and tiering move its
count by a few instructions a call.

    .venv/bin/python tests/bench/bench_instructions.py [--isolated] [op ...]
    PYTHONPATH=<unpacked wheel> .venv/bin/python tests/bench/bench_instructions.py ...  (a build's own)
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from report import Goals  # noqa: E402

from napi_python import hostd_path  # noqa: E402

SHORT, LONG = 2_000, 6_000
NOOP_GOAL = 1_000
# Each common call shape's goal: a few hundred instructions of ours beyond what Python and the
# addon's own Node-API calls need.
SHAPE_GOALS = {"noop": 1_500, "add": 1_900, "bytes": 3_400, "callback": 4_000}
# The goal for what a no-op call costs beyond the same loop calling a C extension's no-op.
SHARE_GOAL = 1_100

# Run in the child: loads the C bench addon, or for `rust_` ops the napi-rs test addon (in-process,
# or isolated: argv[3]), and makes `n` calls of `op`.
CHILD = """
import sys
sys.path.insert(0, {tests!r})
sys.path.insert(0, {bench!r})
from conftest import addon_path
from floor_ext import module
from napi_python import load_addon
isolated = sys.argv[3] == "isolated"
# Under callgrind a host is too slow for the default start-up and call timeouts; its sandbox's
# filters would refuse valgrind.
options = dict(sandbox=False, timeout=600) if isolated else {{}}
op, n = sys.argv[1], int(sys.argv[2])
if op.endswith("_here"):
    options = dict(js_thread="current")
npm = {{"xxh32": "@node-rs/xxhash-linux-x64-gnu/xxhash.linux-x64-gnu.node",
       "microtime": "microtime/prebuilds/linux-x64/node.napi.node"}}
name = op.removesuffix("_here")
library = {npm_modules!r} + "/" + npm[name] if name in npm else addon_path("rust_addon" if op.startswith("rust_") else "bench")
a = load_addon(library, isolated=isolated, **options)
f = module()
one = lambda: 1
same = lambda x: x
call = {{
    "floor": lambda: f.noop(),
    "noop": lambda: a.noop(),
    "add": lambda: a.add(1, 2),
    "echo": lambda: a.echo("0123456789abcdefghijklmnopqrstuv"),
    "bytes": lambda: a.byteLength(b"hello"),
    "callback": lambda: a.callback(one),
    "object16": lambda: a.makeObject16(),
    "rust_callback": lambda: a.callWith(same, 1),
    "rust_add": lambda: a.addI32(1, 2),
    "xxh32": lambda: a.xxh32(b"hello"),
    "microtime": lambda: a.now(),
}}[name]
for _ in range(n):
    call()
"""
OPS = ["floor", "noop", "add", "echo", "bytes", "callback", "object16", "rust_callback", "rust_add"]
OPS += ["rust_add_here", "rust_callback_here", "xxh32_here", "microtime_here"]
# Node calling the same addon (the docstring): not in the default set.
NODE_OPS = ["node_noop", "node_add"]
NODE_SHORT, NODE_LONG = 200_000, 1_200_000
# Run by node: `n` calls of the bench addon's `op` after a warm-up of its own.
NODE_CHILD = """
const [addon, op, n] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const a = require(addon);
const call = op === "noop" ? () => a.noop() : () => a.add(1, 2);
let sum = 0;
for (let i = 0; i < 300000; i++) sum += call() ?? 0;
for (let i = 0; i < n; i++) sum += call() ?? 0;
if (Number.isNaN(sum)) throw new Error("no answer");
"""
# Relayed in-process: their path moves with time under callgrind (the docstring), so they are
# counted this many times.
RELAYED = {"rust_callback", "rust_add"}
# Counted on every thread of the process: the relayed call's host thread share in.
ALL_THREADS = {"rust_add"}
RELAYED_RUNS = 3


def instructions(op: str, calls: int, script: Path, side: str) -> int:
    """The instructions callgrind counted on one thread of a child making `calls` calls of `op`:
    `side` "inprocess" or "client", the calling thread; "host", an isolated host's JS thread.

    One thread only: a direct call runs on the calling thread, and the in-process host thread's
    idling (a spin before it sleeps, wake-ups) varies from run to run by more than a change
    being measured.
    """
    with tempfile.TemporaryDirectory() as out:
        grind = ["valgrind", "--tool=callgrind", "--separate-threads=yes"]
        # String hashes decide dict probe lengths: a fixed seed keeps them from moving the count
        # by a hundred instructions from run to run.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        command = [*grind, f"--callgrind-out-file={out}/cg", sys.executable]
        if side == "host":
            wrapper = Path(out) / "hostd.sh"
            hostd = hostd_path()
            wrapper.write_text(f'#!/bin/sh\nexec {" ".join(grind)} --callgrind-out-file={out}/host.%p {hostd} "$@"\n')
            wrapper.chmod(0o755)
            env["NAPI_HOSTD"] = str(wrapper)
            command = [sys.executable]
        mode = "inprocess" if side == "inprocess" else "isolated"
        done = subprocess.run(
            [*command, str(script), op, str(calls), mode], capture_output=True, text=True, check=True, env=env
        )
        # One file per thread, numbered in order of creation: the first is the main thread (the
        # host's JS thread).
        pattern = "host.*-01" if side == "host" else "cg-*" if op in ALL_THREADS else "cg-01"
        files = sorted(Path(out).glob(pattern))
        found = [re.search(r"^totals: (\d+)", f.read_text(), re.M) for f in files]
    if not found or None in found:
        raise RuntimeError(f"callgrind wrote no count for the {side} thread of {op}:\n{done.stderr[-2000:]}")
    return sum(int(m.group(1)) for m in found if m is not None)


def node_instructions(op: str, calls: int) -> int:
    """The instructions callgrind counted in node 26 making `calls` calls of the bench addon's
    `op` (its whole process: with `--single-threaded` V8 runs no helper threads)."""
    from conftest import addon_path
    from report import node

    with tempfile.TemporaryDirectory() as out:
        script = Path(out) / "calls.js"
        script.write_text(NODE_CHILD)
        grind = ["valgrind", "--tool=callgrind", "--smc-check=all-non-file", f"--callgrind-out-file={out}/cg"]
        done = subprocess.run(
            [*grind, node(), "--single-threaded", str(script), str(addon_path("bench")), op, str(calls)],
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"^totals: (\d+)", (Path(out) / "cg").read_text(), re.M)
    if found is None:
        raise RuntimeError(f"callgrind wrote no count for node's {op}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_call(op: str, script: Path, side: str) -> float:
    if op in NODE_OPS:
        name = op.removeprefix("node_")
        return (node_instructions(name, NODE_LONG) - node_instructions(name, NODE_SHORT)) / (NODE_LONG - NODE_SHORT)
    return (instructions(op, LONG, script, side) - instructions(op, SHORT, script, side)) / (LONG - SHORT)


def counted(op: str, script: Path) -> tuple[float, str]:
    """The count of one in-process call of `op`, and how to print it: a relayed op's median of
    `RELAYED_RUNS` counts with their range, any other op's one count."""
    if op not in RELAYED:
        count = per_call(op, script, "inprocess")
        return count, f"{count:8.0f}"
    runs = sorted(per_call(op, script, "inprocess") for _ in range(RELAYED_RUNS))
    median = statistics.median(runs)
    threads = ", every thread" if op in ALL_THREADS else ""
    return median, f"{median:8.0f}  ({runs[0]:,.0f}-{runs[-1]:,.0f} in {RELAYED_RUNS} runs{threads})"


def main() -> None:
    args = sys.argv[1:]
    isolated = "--isolated" in args
    # By default `--isolated` leaves out the floor (no host) and the relayed ops (relayed only in-process).
    ops = [a for a in args if a != "--isolated"] or [
        op for op in OPS if not (isolated and (op == "floor" or op in RELAYED or op.endswith("_here")))
    ]
    unknown = [op for op in ops if op not in OPS + NODE_OPS]
    if unknown:
        sys.exit(f"unknown operation(s) {', '.join(unknown)}; choose from {', '.join(OPS + NODE_OPS)}")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt install valgrind)")
    goals = Goals()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "calls.py"
        script.write_text(
            CHILD.format(tests=str(HERE.parent), bench=str(HERE), npm_modules=str(HERE.parent / "npm" / "node_modules"))
        )
        if isolated:
            print("instructions per isolated call: the host's JS thread, the client's calling thread")
            print(f"{'operation':13} {'host':>8} {'client':>8}")
            for op in ops:
                print(f"{op:13} {per_call(op, script, 'host'):8.0f} {per_call(op, script, 'client'):8.0f}", flush=True)
            return
        print("instructions per in-process call on the calling thread (callgrind, difference of two loop lengths)")
        print(f"{'operation':13} {'instr':>8}")
        counts = {}
        for op in ops:
            counts[op], shown = counted(op, script)
            print(f"{op:13} {shown}", flush=True)
    if "noop" in counts:
        noop = counts["noop"]
        floor = f" (the floor: {counts['floor']:,.0f})" if "floor" in counts else ""
        goals.check(f"instructions per in-process noop call <= {NOOP_GOAL:,}", f"{noop:,.0f}{floor}", noop <= NOOP_GOAL)
        if "floor" in counts:
            ours = noop - counts["floor"]
            goals.check(
                f"our share of a noop call above the floor <= {SHARE_GOAL:,}",
                f"{ours:,.0f}",
                ours <= SHARE_GOAL,
            )
    for op, goal in SHAPE_GOALS.items():
        if op in counts:
            goals.check(f"instructions per in-process {op} call <= {goal:,}", f"{counts[op]:,.0f}", counts[op] <= goal)
    if goals.rows:
        goals.print()


if __name__ == "__main__":
    main()
