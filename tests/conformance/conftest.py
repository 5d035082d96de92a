"""Harness for Node's own Node-API test suite (see README.md beside this file).

`scripts/node-tests` extracts Node 20.19.2's `test/js-native-api`, `test/node-api` and
`test/common` into `build/node-tests/` and builds every addon there. Drivers load those addons
with the `node_addon` fixture; the run ends with one line `conformance: N passed, M failed`
counting driver files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import load_in_mode, missing_input

from .build_addons import read_gyp

ROOT = Path(__file__).resolve().parents[2]
NODE_TESTS = ROOT / "build" / "node-tests"
HERE = Path(__file__).resolve().parent
# Driver files live in these folders, one per JS file of the suite.
DRIVER_DIRS = {"js_native_api": "js-native-api", "node_api": "node-api"}


def read_binding_gyp(path: Path) -> dict:
    """binding.gyp as a dict (the builder's own reading of it)."""
    return read_gyp(path)


def addon_file(suite: str, dir: str, target: str | None = None) -> Path:
    """build/node-tests/<suite>/<dir>/build/Release/<target>.node (target: the first one)."""
    test_dir = NODE_TESTS / suite / dir
    if target is None:
        gyp = read_binding_gyp(test_dir / "binding.gyp")
        target = gyp["targets"][0]["target_name"]
    return test_dir / "build" / "Release" / f"{target}.node"


def driver_file(suite: str, dir: str, file: str) -> Path:
    """The driver of one JS file: <suite>/test_<dir>__<file stem>.py.

    `js-native-api`/`node-api` become `js_native_api`/`node_api`; in the dir and the file's stem
    every character that cannot be in a Python identifier becomes `_` (test-loop.js ->
    test_loop). E.g. js_native_api/test_test_array__test.py, node_api/test_test_async__test_loop.py.
    """
    folder = suite.replace("-", "_")
    stem = re.sub(r"\W", "_", Path(file).stem)
    dirname = re.sub(r"\W", "_", dir)
    return HERE / folder / f"test_{dirname}__{stem}.py"


def _require_the_suite() -> None:
    """Skips the test when Node's suite is not extracted, or fails it under scripts/test."""
    if not NODE_TESTS.is_dir():
        missing_input(
            f"{NODE_TESTS} is absent: run scripts/node-tests (scripts/build does) to fetch and build Node's test suite"
        )


@pytest.fixture
def node_tests_dir() -> Path:
    """build/node-tests (see `_require_the_suite` when it is absent)."""
    _require_the_suite()
    return NODE_TESTS


@pytest.fixture
def node_addon():
    """`node_addon(suite, dir, target=None)` loads a built addon of Node's suite.

    `suite` is "js-native-api" or "node-api"; `target` defaults to the first target of the
    dir's binding.gyp. Every addon loaded is closed at teardown. In-process when
    NAPI_PYTHON_TEST_MODE=inprocess, as the suite's `load` fixture.
    """
    _require_the_suite()
    opened = []

    def _load(suite: str, dir: str, target: str | None = None, **kwargs):
        path = addon_file(suite, dir, target)
        if not path.exists():
            raise FileNotFoundError(f"{path} is not built: see the output of scripts/node-tests")
        addon = load_in_mode(str(path), **kwargs)
        opened.append(addon)
        return addon

    yield _load
    for addon in reversed(opened):
        addon.close()


# --- the summary line: driver files passed / failed -----------------------------------------

# driver file (path relative to the rootdir) -> {"ran": a test of it ran, "ok": all passed}
_files: dict[str, dict[str, bool]] = {}
_DRIVER_RE = re.compile(r"(^|/)tests/conformance/(js_native_api|node_api)/test_[^/]*\.py$")


def pytest_runtest_logreport(report) -> None:
    path = report.nodeid.split("::", 1)[0]
    if not _DRIVER_RE.search(path):
        return
    state = _files.setdefault(path, {"ran": False, "ok": True})
    xfailed = hasattr(report, "wasxfail")
    if report.when == "call":
        state["ran"] = True
        # xfail (outcome "skipped" with wasxfail) counts as failed.
        if report.outcome != "passed":
            state["ok"] = False
    elif report.outcome != "passed":
        state["ok"] = False  # setup/teardown error, a skip, or xfail(run=False)
        if report.outcome == "failed" or xfailed:
            state["ran"] = True


def pytest_terminal_summary(terminalreporter) -> None:
    """`conformance: N passed, M failed`, counting driver files; only when drivers ran.

    A file passes when every one of its tests passed; an xfail or a skip counts as failed. A
    file all of whose tests were skipped (the suite is not built) did not run and is not counted.
    """
    ran = [s["ok"] for s in _files.values() if s["ran"]]
    if not ran:
        return
    passed = sum(ran)
    terminalreporter.write_line(f"conformance: {passed} passed, {len(ran) - passed} failed")
