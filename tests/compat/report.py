"""Compatibility report: popular Node-API packages from npm, loaded with napi_python and called
as node calls them, with a table of what works.

    .venv/bin/python tests/compat/report.py                  # install (tests/compat), then all
    .venv/bin/python tests/compat/report.py --no-install --packages @node-rs/crc32,snappy
    .venv/bin/python tests/compat/report.py --json           # the rows as JSON

For each package: `napi_python.resolve` finds its binary (tests/compat/node_modules, then
tests/npm/node_modules); `inspect` says how it registers, what it is built with and whether it
needs symbols only node has; it is loaded in a host; the calls of cases.py run in Python and, on
the same .node file, under node, and their results must be equal. The packages are pinned in
tests/compat/package.json (installed by `scripts/npm-install tests/compat`, which also builds
the few whose binaries npm does not carry and that compile in seconds, listed there under
"napiPythonRebuild", with node-gyp against the local Node headers).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from cases import BY_NAME, PACKAGES, Package  # noqa: E402
from node_oracle import NODE  # noqa: E402

from napi_python import AddonError, AddonNotFoundError, BigInt, JSBuffer, JSError, JSObject, js, load_addon, resolve  # noqa: E402
from napi_python.inspection import inspect_addon  # noqa: E402

SEARCH = [HERE, ROOT / "tests" / "npm"]

NODE_RUNNER = """
const b = require(%(file)s);
const fs = require('fs'), os = require('os'), path = require('path');
const plain = (v) => { const p = Object.getPrototypeOf(v); return p === Object.prototype || p === null };
const enc = (v) => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return {$bigint: v.toString()};
  if (ArrayBuffer.isView(v)) return {$bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')};
  if (v instanceof ArrayBuffer) return {$bytes: Buffer.from(v).toString('hex')};
  if (Array.isArray(v)) return v.map(enc);
  if (typeof v === 'object' && plain(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, enc(v[k])]));
  if (typeof v === 'object' || typeof v === 'function') return {$object: v.constructor ? v.constructor.name : typeof v};
  return v;
};
const checks = [%(checks)s];
(async () => {
  const out = [];
  for (const check of checks) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-node-'));
    try { out.push(enc(await check(tmp))) } catch (e) { out.push({$error: [e && e.name, e && e.message, e && e.code !== undefined ? e.code : null]}) }
  }
  console.log(JSON.stringify(out));
})();
"""


def encode(v: Any) -> Any:
    """A Python result in the JSON shape the node runner gives."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, BigInt):
        return {"$bigint": str(int(v))}
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, (bytes, bytearray, memoryview, JSBuffer)):
        return {"$bytes": bytes(memoryview(v).cast("B")).hex()}
    if isinstance(v, dict):
        return {str(k): encode(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, JSObject):
        ctor = js.get(v, "constructor")
        return {"$object": js.get(ctor, "name") if isinstance(ctor, JSObject) else js.typeof(v)}
    return {"$python": type(v).__name__}


def run_python(addon: Any, check_py: Any) -> Any:
    with tempfile.TemporaryDirectory(prefix="compat-py-") as tmp:
        try:
            result = check_py(addon, tmp)
            if inspect.isawaitable(result):
                result = asyncio.run(_awaited(result))
            return json.loads(json.dumps(encode(result)))
        except JSError as e:
            return {"$error": [e.name, e.message, e.code]}
        except Exception as e:  # a Python-side failure is a mismatch to report, not a crash
            return {"$error": [type(e).__name__, str(e), None]}


async def _awaited(awaitable: Any) -> Any:
    return await asyncio.wait_for(awaitable, 120)


def run_node(file: str, pkg: Package) -> list[Any]:
    if pkg.node_reference is not None:
        file = resolve(pkg.node_reference[0], paths=SEARCH)
    checks = ",\n".join(f"async (tmp) => ({c.js})" for c in pkg.checks)
    script = NODE_RUNNER % {"file": json.dumps(file), "checks": checks}
    proc = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode < 0:
        raise RuntimeError(f"node itself crashed ({signal.Signals(-proc.returncode).name}) running the checks")
    if proc.returncode != 0:
        raise RuntimeError(f"node failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _package_json(file: str | None, name: str) -> dict[str, Any]:
    for base in SEARCH:
        p = base / "node_modules" / name / "package.json"
        if p.exists():
            return json.loads(p.read_text())
    return {}


def kind_of(meta: dict[str, Any], report: dict[str, Any] | None) -> str:
    deps = {**meta.get("dependencies", {}), **meta.get("devDependencies", {})}
    if report and "V8" in report["unresolved"]:
        return "V8 (nan)" if "nan" in deps else "V8"
    if "napi" in meta:
        return "napi-rs"
    if "node-addon-api" in deps:
        return "node-addon-api"
    if report and "libstdc++.so.6" in report["libraries"]:
        return "C++"
    return "C" if report else "?"


def layout_of(file: str, name: str) -> str:
    rel = file.split("/node_modules/")[-1]
    if not rel.startswith(name + "/"):
        return f"platform package {rel.rsplit('/', 1)[0].split('/lib')[0]}"
    return "prebuilds/" if "/prebuilds/" in rel else "build/Release" if "/build/" in rel else "in the package"


def why_missing(meta: dict[str, Any]) -> str:
    install = meta.get("scripts", {}).get("install", "")
    if "prebuild-install" in install:
        return "no binary on npm: its install script downloads a prebuilt one (prebuild-install, from GitHub) or builds it with node-gyp"
    if install:
        return f"no binary on npm: its install script ({install[:60]}{'...' if len(install) > 60 else ''}) makes it"
    return "no binary for this platform"


def report_package(pkg: Package) -> dict[str, Any]:
    meta = _package_json(None, pkg.name)
    row: dict[str, Any] = {
        "package": pkg.name,
        "version": meta.get("version", "?"),
        "domain": pkg.domain,
        "kind": "?",
        "binary": "",
        "loads": False,
        "passed": 0,
        "total": len(pkg.checks),
        "notes": "",
        "failures": [],
    }
    if not meta:
        row["notes"] = "not installed"
        return row
    try:
        file = resolve(pkg.name, paths=SEARCH)
    except AddonNotFoundError:
        row["notes"] = why_missing(meta)
        return row
    report = inspect_addon(file)
    row.update(
        kind=kind_of(meta, report),
        binary=layout_of(file, pkg.name),
        registration=report["registration"],
        napi_version=report["load"].get("napi_version"),
    )
    needs = {k: v for k, v in report["unresolved"].items() if k != "other"}
    if needs:
        row["notes"] = (
            "needs " + "; ".join(f"{k}: {', '.join(v[:3])}" for k, v in needs.items()) + " (only node has them)"
        )
    if not report["load"]["loaded"]:
        row["notes"] = row["notes"] or report["load"]["error"]
        return row
    row["loads"] = True
    if not pkg.checks:
        return row
    try:
        expected = json.loads(json.dumps(encode(pkg.expected[0]()))) if pkg.expected else run_node(file, pkg)
    except RuntimeError as e:
        row["notes"] = str(e)
        return row
    try:
        addon = load_addon(file, timeout=120, restart=False)
    except AddonError as e:
        row.update(loads=False, notes=str(e))
        return row
    with addon:
        for check, want in zip(pkg.checks, expected, strict=False):
            got = run_python(addon, check.py)
            if got == want:
                row["passed"] += 1
            else:
                row["failures"].append({"call": check.label, "python": got, "node": want})
    if row["failures"]:
        first = row["failures"][0]
        row["notes"] = (
            f"{first['call']}: python {json.dumps(first['python'])[:120]} != node {json.dumps(first['node'])[:120]}"
        )
    elif pkg.node_reference or pkg.expected:
        row["notes"] = (pkg.node_reference or pkg.expected)[1]
    return row


def table(rows: list[dict[str, Any]]) -> str:
    head = ["package", "version", "kind", "domain", "binary", "loads", "calls", "notes"]
    cells = [
        [
            r["package"],
            r["version"],
            r["kind"],
            r["domain"],
            r["binary"],
            "yes" if r["loads"] else "no",
            f"{r['passed']}/{r['total']}" if r["loads"] else "-",
            r["notes"],
        ]
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [head, *cells]) for i in range(len(head) - 1)]
    line = lambda c: "  ".join(str(x).ljust(w) for x, w in zip(c, widths, strict=False)) + "  " + str(c[-1])  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths] + ["-----"]), *map(line, cells)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", help="comma-separated names (default: all of cases.py)")
    parser.add_argument("--no-install", action="store_true", help="use what is installed")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    if not args.no_install:
        subprocess.run([str(ROOT / "scripts" / "npm-install"), "tests/compat"], check=True)
    selected = [BY_NAME[n] for n in args.packages.split(",")] if args.packages else PACKAGES
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "missing-builtins.txt"
        rows, missing = with_missing_recorded(record, lambda: [report_package(p) for p in selected])
    if args.json:
        print(json.dumps({"packages": rows, "missing_builtins": missing}, indent=2))
    else:
        print(table(rows))
        loads = sum(r["loads"] for r in rows)
        passed, total = sum(r["passed"] for r in rows if r["loads"]), sum(r["total"] for r in rows if r["loads"])
        print(f"\ncompat: {loads} of {len(rows)} packages load; {passed} of {total} calls match node")
        print(f"built-ins the addons read and the host lacks: {', '.join(missing) if missing else 'none'}")
    return 0


def with_missing_recorded(record: Path, run: Any) -> tuple[Any, list[str]]:
    """Runs `run()` with hosts recording every global and built-in property an addon reads and
    the realm lacks (NAPI_PYTHON_RECORD_MISSING, read by each host as it starts: isolated hosts
    inherit it), and answers its result with the sorted list."""
    import os

    before = os.environ.get("NAPI_PYTHON_RECORD_MISSING")
    os.environ["NAPI_PYTHON_RECORD_MISSING"] = str(record)
    try:
        result = run()
    finally:
        if before is None:
            del os.environ["NAPI_PYTHON_RECORD_MISSING"]
        else:
            os.environ["NAPI_PYTHON_RECORD_MISSING"] = before
    lines = sorted(set(record.read_text().splitlines())) if record.exists() else []
    return result, [name for name, in_node in zip(lines, node_has(lines), strict=True) if in_node]


def node_has(paths: list[str]) -> list[bool]:
    """Whether the oracle node (24) has each recorded property ("globalThis.Proxy",
    "Date.prototype.x"): a read node answers with undefined too is no gap of the host."""
    if not paths:
        return []
    checks = ",".join(
        f"(() => {{ try {{ return {p if not p.startswith('globalThis.') else 'globalThis[' + json.dumps(p[11:]) + ']'} !== undefined }}"
        " catch { return true } })()"
        if "[" not in p
        else "true"
        for p in paths
    )
    proc = subprocess.run(
        [NODE, "-e", f"console.log(JSON.stringify([{checks}]))"], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)


if __name__ == "__main__":
    sys.exit(main())
