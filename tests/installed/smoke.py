"""The smoke test of an installed napi-python (scripts/test-installed runs it in a fresh venv
holding only the wheel, from a directory outside the checkout).

Usage: python smoke.py ADDONS_DIR. Checks what a user gets from `pip install`: the host inside the
package, load, call, callback, promise (waited for and awaited under asyncio), buffer, each in both
kinds of host (isolated and in-process), crash and restart, sandbox, the `inspect` command, the
version, and clear errors for a missing or broken host with nothing printed at exit. Prints one line
per check; exits non-zero on the first failure.

On Windows (scripts/windows-python runs it under wine with python.org's CPython) the sandbox is
refused, with its reason, and `inspect` reads the PE file and loads it unsandboxed.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

import napi_python
from napi_python import AddonCrashedError, JSPromise, SandboxUnavailableError, load_addon

ADDONS = Path(sys.argv[1]).resolve()
# scripts/arm64 runs this under qemu-user, which cannot confine a program: no sandbox there.
UNDER_QEMU_USER = os.environ.get("NAPI_PYTHON_EMULATED") == "qemu-user"
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"]).resolve()
WINDOWS = sys.platform == "win32"
HOSTD_NAME = "napi-hostd.exe" if WINDOWS else "napi-hostd"


def check(what: str, ok: bool, detail: object = "") -> None:
    if not ok:
        sys.exit(f"FAILED: {what} {detail}")
    print(f"ok  {what}")


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def bad_host(path: str, expected: str) -> None:
    """With NAPI_HOSTD=path, load_addon raises AddonLoadError naming the path; nothing at exit."""
    code = (
        "import napi_python, sys\n"
        "try:\n"
        f"    napi_python.load_addon({str(ADDONS / 'bench.node')!r})\n"
        "except napi_python.AddonLoadError as e:\n"
        "    print(e)\n"
        "else:\n"
        "    sys.exit('loaded')\n"
    )
    proc = run_python(code, {**os.environ, "NAPI_HOSTD": path})
    named = path in proc.stdout and expected in proc.stdout
    check(
        f"NAPI_HOSTD={path}: AddonLoadError naming it, nothing at exit",
        proc.returncode == 0 and named and not proc.stderr,
        proc,
    )


def check_sandbox_refused(where: str, reason: str) -> None:
    """The default sandbox is refused `where` it cannot confine, with an error naming `reason`."""
    try:
        load_addon(ADDONS / "values.node", sandbox=True)
    except SandboxUnavailableError as e:
        check(f"sandbox refused {where} ({e})", reason in str(e).lower())
    else:
        check(f"sandbox refused {where}", False)


def check_metadata(meta: importlib.metadata.PackageMetadata) -> None:
    """What PyPI shows: the licence, the readme, the supported Pythons (pyproject.toml)."""
    check("metadata: licence MIT", meta.get("License-Expression") == "MIT", meta.get("License-Expression"))
    # The body (the readme) as PEP 566's JSON form names it: a Message's payload up to 3.14, its
    # Description header from 3.15.
    readme = str(meta.json.get("description", ""))
    check("metadata: readme", readme.startswith("# napi-python"), meta.get("Description-Content-Type"))
    classifiers = meta.get_all("Classifier") or []
    minor = f"Programming Language :: Python :: {sys.version_info[0]}.{sys.version_info[1]}"
    check(f"metadata: classifier {minor!r}", minor in classifiers, classifiers)
    check("metadata: requires Python >=3.11", meta.get("Requires-Python") == ">=3.11", meta.get("Requires-Python"))


def main() -> None:
    check(
        "imported from the venv",
        Path(napi_python.__file__).resolve().is_relative_to(SITE_PACKAGES),
        napi_python.__file__,
    )
    version = importlib.metadata.version("napi-python")
    check(f"__version__ {napi_python.__version__} is the metadata's", napi_python.__version__ == version, version)
    check_metadata(importlib.metadata.metadata("napi-python"))
    hostd = Path(napi_python.hostd_path()).resolve()
    check(
        f"{HOSTD_NAME} inside the package ({hostd})",
        hostd.is_relative_to(SITE_PACKAGES) and hostd.name == HOSTD_NAME and "NAPI_HOSTD" not in os.environ,
    )

    check_calls(isolated=True)
    check_calls(isolated=False)
    # faults.node is built on every platform (isolation.node probes Linux alone).
    with load_addon(ADDONS / "faults.node") as faults:
        pids = [napi_python.addon_info(faults).pid]
        try:
            faults.segfault()
        except AddonCrashedError as e:
            # Windows names the exception (its code is the exit code); POSIX the signal.
            named = "access violation" in str(e) if WINDOWS else e.signal == "SIGSEGV"
            check(f"a bad write raises AddonCrashedError naming it ({e})", named, repr(e))
        else:
            check("a bad write raises AddonCrashedError", False)
        check("restarted after the bad write", faults.add(1, 2) == 3)
        pids.append(napi_python.addon_info(faults).pid)
        try:
            faults.abort()
        except AddonCrashedError:
            pass
        else:
            check("abort() raises AddonCrashedError", False)
        check("restarted after abort()", faults.add(1, 2) == 3)
        pids.append(napi_python.addon_info(faults).pid)
        check("each restart a new host", len(set(pids)) == 3, pids)
    if UNDER_QEMU_USER:
        # qemu-user refuses a program's seccomp filter and Landlock rules (docs/platforms.md):
        # the host must say so rather than run unconfined.
        check_sandbox_refused("under qemu-user", "landlock")
    elif WINDOWS:
        # No Windows sandbox exists (wine confines nothing, so none could be tested): refused, saying so.
        check_sandbox_refused("on Windows", "refused on windows")
    elif sys.platform == "darwin":
        # The Seatbelt profile has not run on a Mac yet: refused unless the user opts in
        # (scripts/macos-first-run tries the opt-in on its own).
        check_sandbox_refused("on macOS without the opt-in", "untested")
    else:
        with load_addon(ADDONS / "sandbox.node", sandbox=True) as boxed:
            check(
                f"sandbox ({', '.join(sorted(napi_python.addon_info(boxed).protections))})",
                boxed.add(2, 3) == 5 and boxed.fork() == "EPERM",
            )
    check_inspect()

    bad_host("/nonexistent/napi-hostd", "is not a file")
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / HOSTD_NAME
        broken.write_bytes(b"\x7fELF truncated")
        broken.chmod(0o755)
        # Started without a shell (posix_spawn; CreateProcessW on Windows): the system's refusal is
        # the error itself. qemu-user runs posix_spawn's vfork as a fork, so there the refusal
        # arrives as the child's status 127.
        bad_host(str(broken), "exited with status 127" if UNDER_QEMU_USER else "could not be run: cannot start")
    print("installed package: all checks passed")


def check_calls(*, isolated: bool) -> None:
    """Load, call, callback, promise and buffer in one kind of host."""
    mode = "isolated" if isolated else "in-process"
    with load_addon(ADDONS / "bench.node", isolated=isolated) as bench:
        check(f"{mode}: load and call", bench.add(1, 2) == 3)
        check(f"{mode}: callback", bench.callback(lambda: bench.add(20, 22)) == 42)
        check(f"{mode}: an export read again sees every change of the exports", export_reads_follow_changes(bench))
    with load_addon(ADDONS / "promises.node", isolated=isolated) as promises:
        p = promises.deferred()
        promises.resolveLast(42)
        check(f"{mode}: promise", isinstance(p, JSPromise) and p.result(timeout=10) == 42)

        async def settled_later() -> object:
            later = promises.deferred()
            asyncio.get_running_loop().call_soon(promises.resolveLast, 7)
            return await later

        check(f"{mode}: promise awaited under asyncio", asyncio.run(settled_later()) == 7)
    with load_addon(ADDONS / "buffers.node", isolated=isolated) as buffers:
        check(f"{mode}: buffer", bytes(buffers.externalBuffer()) == b"hello, external")


def export_reads_follow_changes(addon: Any) -> bool:
    """`addon.f` is remembered by the exports' dict version where this CPython keeps one
    (client-py's read_cache.rs): each kind of change must show at the next read on this very
    interpreter, after reads enough to be remembered and stores enough to be specialised."""
    add = addon.add
    exports = vars(addon)
    seen = []
    for i in range(50):
        seen += [addon.add is add for _ in range(3)]
        addon.add = i
        seen.append(addon.add == i)
        exports["add"] = -i
        seen.append(addon.add == -i)
        exports.update(add=add)
        seen.append(addon.add is add)
        del addon.add
        seen.append(addon.add(1, 2) == 3)  # found by the fallback, made anew at each read
        exports["add"] = add
    return all(seen)


def check_inspect() -> None:
    inspect = subprocess.run(
        [sys.executable, "-m", "napi_python", "inspect", str(ADDONS / "bench.node")]
        # Windows refuses the sandbox (checked above): there inspect loads it unconfined.
        + (["--no-sandbox"] if UNDER_QEMU_USER or WINDOWS else []),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    check(
        "python -m napi_python inspect", inspect.returncode == 0 and "add           function" in inspect.stdout, inspect
    )


if __name__ == "__main__":
    main()
