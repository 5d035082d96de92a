#!/usr/bin/env python3
"""Builds every addon of Node's Node-API test suite the way node-gyp would, without node-gyp.

    python3 tests/conformance/build_addons.py build/node-tests

For each `<suite>/<dir>/binding.gyp` under the given folder (suites `js-native-api` and
`node-api`), every target's sources are compiled with $CC (`.c`) or $CXX -std=gnu++17 (`.cc`,
`.cpp`), gcc and g++ unless the environment names others (scripts/node-tests --arch arm64: the
cross compilers for aarch64), with `-fPIC -pthread -I<node headers> -I<suite dir> -I<test dir>
-DNODE_GYP_MODULE_NAME=<target>` plus the target's `defines`, and linked with `-shared` into
`<dir>/build/Release/<target>.node`. Node-API symbols stay undefined: the host provides them.
Addons that call libuv (`uv_*`) are linked with `-luv`.

A target is rebuilt only when a source, a header of its folder or suite, or the binding.gyp is
newer than its `.node`. A compile failure is reported loudly and the other targets still build;
the exit status is 1 when any target failed.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SUITES = ("js-native-api", "node-api")
NODE_HEADERS = Path(os.environ.get("NODE_HEADERS", "/usr/include/node"))
# As make reads them: a command, perhaps with arguments of its own.
CC = shlex.split(os.environ.get("CC") or "gcc")
CXX = shlex.split(os.environ.get("CXX") or "g++")


def strip_comment(line: str) -> str:
    """The line without its `#` comment (a `#` inside a string literal stays)."""
    out = []
    quote = None
    for ch in line:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "#":
            break
        else:
            out.append(ch)
    return "".join(out)


def read_gyp(path: Path) -> dict:
    text = "\n".join(strip_comment(line) for line in path.read_text().splitlines())
    return ast.literal_eval(text)


def uses_libuv(sources: list[Path]) -> bool:
    pattern = re.compile(r"\buv_[a-z_]+\s*\(|#include\s*<uv\.h>")
    return any(pattern.search(src.read_text(errors="replace")) for src in sources)


def newest_input(test_dir: Path, suite_dir: Path, sources: list[Path]) -> float:
    inputs = [*list(sources), test_dir / "binding.gyp"]
    for folder in (test_dir, suite_dir):
        inputs += [p for p in folder.iterdir() if p.suffix in (".h", ".hpp")]
    inputs.append(Path(__file__))
    return max(p.stat().st_mtime for p in inputs if p.exists())


def build_target(suite_dir: Path, test_dir: Path, target: dict) -> tuple[str, bool, str]:
    """Builds one target; returns (name, ok, log)."""
    name = target["target_name"]
    label = f"{suite_dir.name}/{test_dir.name}:{name}"
    sources = [test_dir / s for s in target.get("sources", [])]
    compiled = [s for s in sources if s.suffix in (".c", ".cc", ".cpp")]
    out_dir = test_dir / "build" / "Release"
    out = out_dir / f"{name}.node"
    if out.exists() and out.stat().st_mtime >= newest_input(test_dir, suite_dir, sources):
        return label, True, ""
    obj_dir = test_dir / "build" / "Release" / "obj" / name
    obj_dir.mkdir(parents=True, exist_ok=True)
    flags = [
        "-fPIC",
        "-pthread",
        "-g",
        "-O1",
        f"-I{NODE_HEADERS}",
        f"-I{suite_dir}",
        f"-I{test_dir}",
        f"-DNODE_GYP_MODULE_NAME={name}",
        "-DBUILDING_NODE_EXTENSION",
    ]
    flags += [f"-D{d}" for d in target.get("defines", [])]
    flags += [f"-I{test_dir / d}" for d in target.get("include_dirs", [])]
    log = []
    objects = []
    for src in compiled:
        obj = obj_dir / (src.name + ".o")
        if src.suffix == ".c":
            cmd = [*CC, *flags, "-c", str(src), "-o", str(obj)]
        else:
            cmd = [*CXX, "-std=gnu++17", *flags, "-c", str(src), "-o", str(obj)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            log.append(" ".join(cmd) + "\n" + proc.stdout + proc.stderr)
            return label, False, "\n".join(log)
        objects.append(str(obj))
    linker = CXX if any(s.suffix != ".c" for s in compiled) else CC
    libs = ["-luv"] if uses_libuv(sources) else []
    tmp = out.with_suffix(".node.tmp")
    cmd = [*linker, "-shared", "-pthread", "-o", str(tmp), *objects, *libs]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return label, False, " ".join(cmd) + "\n" + proc.stdout + proc.stderr
    tmp.replace(out)
    return label, True, "built"


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "build/node-tests").resolve()
    jobs = []
    for suite in SUITES:
        suite_dir = root / suite
        for gyp in sorted(suite_dir.glob("*/binding.gyp")):
            try:
                spec = read_gyp(gyp)
            except (SyntaxError, ValueError) as exc:
                print(f"FAILED to parse {gyp}: {exc}", file=sys.stderr)
                jobs.append(None)
                continue
            for target in spec.get("targets", []):
                jobs.append((suite_dir, gyp.parent, target))
    failed = [j for j in jobs if j is None]
    built = 0
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        results = list(pool.map(lambda j: build_target(*j), [j for j in jobs if j]))
    for label, ok, log in results:
        if not ok:
            failed.append(label)
            print(f"==== FAILED to build {label} ====\n{log}", file=sys.stderr)
        elif log:
            built += 1
    total = len(jobs)
    print(f"node-tests addons: {total - len(failed)}/{total} built ({built} rebuilt now)")
    if failed:
        print(f"node-tests addons FAILED: {', '.join(map(str, failed))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
