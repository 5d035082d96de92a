"""Shared fixtures: where the built test addons are, and how to ask `node` for expected values."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

import platform_lists
import pytest
import session_folder
from node_oracle import node_eval, oracle_node  # noqa: F401  (the tests import them from here)
from processes import gone  # noqa: F401  (the tests import it from here)

import napi_python

ROOT = Path(__file__).resolve().parent.parent
# On Windows (scripts/windows-python suite, under wine) the addons scripts/windows built with mingw.
# The sanitizer lane (scripts/sanitize) names its own, built with AddressSanitizer and UBSan.
ADDONS = Path(
    os.environ.get("NAPI_PYTHON_TEST_ADDONS")
    or ROOT / "build" / ("windows/addons" if sys.platform == "win32" else "addons")
)
# The npm packages installed for this platform: on Windows their win32-x64 binaries, which
# `scripts/windows npm` installs.
NPM, INSTALL_NPM = (
    (ROOT / "build" / "windows" / "npm", "scripts/windows npm")
    if sys.platform == "win32"
    else (ROOT / "tests" / "npm", "scripts/npm-install")
)

# The platform this run is on, and the tests left out there (tests/platforms.toml; none on Linux
# x86-64).
PLATFORM = platform_lists.current()
LEFT_OUT = platform_lists.left_out(PLATFORM) if PLATFORM else []
# NAPI_PYTHON_TEST_MODE=inprocess runs the suite's `load` fixture with isolated=False;
# tests marked `isolated_only` (crashes, pids, sandbox, timeouts, restarts) are skipped then.
IN_PROCESS = os.environ.get("NAPI_PYTHON_TEST_MODE", "isolated") == "inprocess"
# The options only a host process of its own can honour (refused with isolated=False).
PROCESS_OPTIONS = ("env", "timeout", "restart", "sandbox", "output")
# scripts/test (and so CI) sets NAPI_PYTHON_REQUIRE_TEST_INPUTS=1: there a test whose input is
# missing (Node's test suite not built, the npm addons not installed, a tool not there) fails, so
# a broken setup cannot pass as a green run. A developer running pytest by hand gets a skip
# saying what to run instead.
REQUIRE_INPUTS = os.environ.get("NAPI_PYTHON_REQUIRE_TEST_INPUTS") == "1"
# require() searches the packages `python -m napi_python install` put in its cache last: the
# suite's is empty (removed with the session's copies), whatever the developer installed.
# The session's folder (tests/session_folder.py): addon copies and that npm cache.
SESSION = session_folder.make()
# mypy's cache for the session's type checks of stubs (tests/stubs): each check reads only what
# changed since the last (its use and stubs), not typeshed's standard library again; mypy
# judges each module by its file's hash and the options, so a check answers as with no cache.
MYPY_CACHE = SESSION / "mypy-cache"
os.environ["NAPI_PYTHON_CACHE"] = str(SESSION / "npm-cache")


def missing_input(reason: str) -> NoReturn:
    """Ends the calling test for want of an input (`reason` says which and how to make it): a
    failure under scripts/test, a skip otherwise."""
    if REQUIRE_INPUTS:
        pytest.fail(f"{reason} (scripts/test requires every test input)", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # @pytest.mark.needs_input(present, reason): `missing_input(reason)` unless `present`.
    for mark in item.iter_markers("needs_input"):
        present, reason = mark.args
        if not present:
            missing_input(reason)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # NAPI_PYTHON_FAILURES=FILE (scripts/test sets it): each failed test's id, the mode and the
    # first line of why, appended, so the run's last lines name what failed however long its log.
    record = os.environ.get("NAPI_PYTHON_FAILURES")
    if not record or not report.failed:
        return
    crash = getattr(report.longrepr, "reprcrash", None)
    why = crash.message.splitlines()[0] if crash is not None and crash.message else report.longreprtext[-200:]
    mode = "in-process" if IN_PROCESS else "isolated"
    try:
        with open(record, "a", encoding="utf-8") as failures:
            failures.write(f"{report.nodeid} ({mode}, {report.when}): {why}\n")
    except OSError:
        pass  # a Python that sees another file system (wine's, an emulated root's): pytest's own report stands


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # A file left out on this platform whole (tests/platforms.toml) is not even imported there.
    if PLATFORM is None or collection_path.suffix != ".py":
        return None
    relative = collection_path.resolve().relative_to(ROOT).as_posix()
    return True if any(left.whole_file and left.covers(relative) for left in LEFT_OUT) else None


def pytest_report_header(config: pytest.Config) -> list[str]:
    if PLATFORM is None:
        return []
    files = [f"  {left.pattern}: {left.why}" for left in LEFT_OUT if left.whole_file]
    return [f"platform {PLATFORM} (tests/platforms.toml): its tests left out are skipped; files left out:", *files]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    process_only = pytest.mark.skip(reason="needs a host process of its own (NAPI_PYTHON_TEST_MODE=inprocess)")
    # A test that does the same whatever NAPI_PYTHON_TEST_MODE says (`either_mode`: it loads no
    # addon, or the programs it starts choose their mode themselves) runs in one pass.
    once = pytest.mark.skip(reason="the same in either mode: runs in the isolated pass")
    for item in items:
        if IN_PROCESS and item.get_closest_marker("isolated_only"):
            item.add_marker(process_only)
        if IN_PROCESS and item.get_closest_marker("either_mode"):
            item.add_marker(once)
        why = next((left.why for left in LEFT_OUT if left.covers(item.nodeid)), None)
        if why is not None:
            item.add_marker(pytest.mark.skip(reason=f"left out on {PLATFORM}: {why} (tests/platforms.toml)"))


def fresh_copy(path: str) -> str:
    """A copy of the addon at `path` under a new name: one library `dlopen`ed twice in one process
    is one library with one set of static variables, so each in-process load gets its own."""
    directory = Path(tempfile.mkdtemp(dir=SESSION))
    copy = directory / os.path.basename(path)
    shutil.copy2(path, copy)
    return str(copy)


def addon_path(name: str) -> str:
    """The built test addon `name` (from addons/c/<name>.c, or `rust_addon`)."""
    path = ADDONS / f"{name}.node"
    if not path.exists():
        raise FileNotFoundError(f"{path} is not built: run addons/build.sh")
    return str(path)


def await_in_turn(addon, n: int) -> None:
    """Awaits `asyncAdd(1, 2)` of the bench_async addon `n` times, one after another."""
    loop = asyncio.new_event_loop()

    async def in_turn() -> None:
        for _ in range(n):
            assert await addon.asyncAdd(1, 2) == 3

    try:
        loop.run_until_complete(in_turn())
    finally:
        loop.close()


def napi_python_cli(
    *args: str | Path, env: dict | None = None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Runs `python -m napi_python ARGS...` (the command line users run), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "napi_python", *map(str, args)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def each_task(name: str, pid: int | str = "self"):
    """(thread id, text of /proc/<pid>/task/<id>/<name>) for each thread of process `pid` (this
    one by default) that is still there to read."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            yield int(task.name), (task / name).read_text()
        except OSError:
            pass


def cpu_ticks(stat: str) -> int:
    """The user plus system CPU time, in clock ticks, that a /proc `stat` file's text gives."""
    fields = stat.rsplit(")", 1)[1].split()  # after the name, which may hold anything
    return int(fields[11]) + int(fields[12])


def status_counts(task: Path) -> dict[str, int]:
    """The `/proc` status fields of a thread (its task directory) that are counts, by name."""
    fields = (line.split(":", 1) for line in (task / "status").read_text().splitlines())
    return {name: int(value) for name, value in fields if value.strip().isdigit()}


def uncontended(seconds: float) -> bool:
    """Waits up to `seconds` until this process's waits no longer find the CPUs contended (for half
    a second after they did, they sleep instead of yielding, and counts of sleeps and switches
    differ); answers whether they no longer do."""
    deadline = time.monotonic() + seconds
    while napi_python._native._cpus_contended():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def sleeps(task: Path) -> int:
    """How many times a thread (its /proc task directory) went to sleep so far: its voluntary
    context switches."""
    return status_counts(task)["voluntary_ctxt_switches"]


def switches(task: Path) -> int:
    """How many times a thread was switched off its CPU so far: asleep, or yielding to (or
    preempted by) another thread there."""
    counts = status_counts(task)
    return counts["voluntary_ctxt_switches"] + counts["nonvoluntary_ctxt_switches"]


def rss_mib(pid: int | str = "self") -> float:
    """The resident memory of process `pid` (this one by default), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def load_in_mode(path: str, **kwargs):
    """`load_addon(path, **kwargs)` isolated; in-process (from a fresh copy) when
    NAPI_PYTHON_TEST_MODE=inprocess, skipping the test when it asks for what only a process of
    its own gives."""
    from napi_python import load_addon

    if not IN_PROCESS or "host" in kwargs:
        return load_addon(path, **kwargs)
    if any(k in kwargs for k in PROCESS_OPTIONS):
        pytest.skip(f"needs a host process of its own: {', '.join(k for k in kwargs if k in PROCESS_OPTIONS)}")
    return load_addon(fresh_copy(path), isolated=False, **kwargs)


def in_process(name: str, **options):
    """The test addon `name`, loaded in-process from a copy of its own (its static variables too)."""
    from napi_python import load_addon

    return load_addon(fresh_copy(addon_path(name)), isolated=False, **options)


@pytest.fixture
def addons():
    """`addons(name)` loads in-process whatever the mode; every addon is closed after the test."""
    opened = []

    def _load(name: str):
        opened.append(in_process(name))
        return opened[-1]

    yield _load
    for a in opened:
        napi_python.close(a)


@pytest.fixture
def load():
    """`load(name)` loads a test addon isolated (in-process, from a fresh copy, when
    NAPI_PYTHON_TEST_MODE=inprocess) and closes it after the test."""
    opened = []

    def _load(name: str, **kwargs):
        a = load_in_mode(addon_path(name), **kwargs)
        opened.append(a)
        return a

    yield _load
    for a in opened:
        napi_python.close(a)


@pytest.fixture
def no_pass_pending():
    """For a test that counts the Python objects a host holds: no host pass of the collector
    thread's pending when it starts, and Python's automatic collections, which would ask for
    one, off while it runs. After each full collection of Python's (but `js.gc`'s, which runs
    its pass itself) that thread collects cycles in every open host at a moment of its own
    (napi_python/cycles.py), letting go of whatever a host holds for nothing (a function just
    sent and called), so a count could fall under the test."""
    from napi_python import cycles

    gc.disable()
    try:
        assert cycles.settle(timeout=30.0), "the host collections asked for before the test did not finish"
        yield
    finally:
        gc.enable()


@pytest.fixture(scope="session", autouse=True)
def _remove_copies():
    yield
    # On Windows the loaded copies stay: the next session removes them (tests/session_folder.py).
    shutil.rmtree(SESSION, ignore_errors=True)
