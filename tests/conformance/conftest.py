"""Harness for Node's own Node-API test suites (see README.md beside this file).

`scripts/node-tests` extracts `test/js-native-api`, `test/node-api` and `test/common` of Node
20.19.2 into `build/node-tests/` and of Node 24.21.0 into `build/node24-tests/`, and builds
every addon there. A driver runs once for each suite whose tree has its JS file (test ids
`[node20]`, `[node24]`); it loads that suite's addons with the `node_addon` fixture. The run ends
with one line per suite, `conformance node20: N passed, M failed`, counting driver files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import load_in_mode, missing_input

import napi_python

from .build_addons import read_gyp

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Driver files live in these folders, one per JS file of the suites.
DRIVER_DIRS = {"js_native_api": "js-native-api", "node_api": "node-api"}
FOLDERS = ("js-native-api", "node-api")


@dataclass(frozen=True)
class Suite:
    """One release's Node-API test suite as scripts/node-tests extracts and builds it."""

    name: str  # the test id: node20, node24
    version: str
    root: Path
    # How many JS files its two folders hold (test_suite_coverage.py: a partial extraction fails).
    js_file_count: int

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def js_files(self) -> list[tuple[str, str, str]]:
        """(folder, dir, file) of each JS file of js-native-api/ and node-api/."""
        return [
            (folder, js.parent.name, js.name)
            for folder in FOLDERS
            for js in sorted((self.root / folder).glob("*/*.js"))
        ]

    def addon_file(self, folder: str, dir: str, target: str | None = None) -> Path:
        """<root>/<folder>/<dir>/build/Release/<target>.node (target: the first one)."""
        test_dir = self.root / folder / dir
        if target is None:
            gyp = read_binding_gyp(test_dir / "binding.gyp")
            target = gyp["targets"][0]["target_name"]
        return test_dir / "build" / "Release" / f"{target}.node"

    def require(self) -> None:
        """Skips the test when this suite is not extracted, or fails it under scripts/test."""
        if not self.root.is_dir():
            missing_input(
                f"{self.root} is absent: run scripts/node-tests (scripts/build does) to fetch and build Node's test suites"
            )


# The folder holding both trees: build/, or the sanitizer lane's (scripts/sanitize), whose
# addons are built with AddressSanitizer and UBSan.
TREES = Path(os.environ.get("NAPI_PYTHON_TEST_NODE_SUITES") or ROOT / "build")
SUITES = (
    Suite("node20", "20.19.2", TREES / "node-tests", 94),
    Suite("node24", "24.21.0", TREES / "node24-tests", 102),
)


def read_binding_gyp(path: Path) -> dict:
    """binding.gyp as a dict (the builder's own reading of it)."""
    return read_gyp(path)


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


def _suites_of(module_file: Path) -> list[Suite]:
    """The suites a driver ports: those whose tree has its JS file. A suite not extracted yet
    counts as having it, so that its absence is reported (`Suite.require`) instead of hidden."""
    return [s for s in SUITES if not s.root.is_dir() or module_file in {driver_file(*k) for k in s.js_files()}]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Runs every test that takes `node_suite` (and so `node_addon`) once per suite it ports."""
    if "node_suite" not in metafunc.fixturenames:
        return
    module_file = Path(metafunc.module.__file__).resolve()
    suites = list(SUITES) if module_file.parent == HERE else _suites_of(module_file)
    since = metafunc.definition.get_closest_marker("since_node")
    if since is not None:
        suites = [s for s in suites if s.major >= since.args[0]]
    metafunc.parametrize("node_suite", suites, ids=[s.name for s in suites], indirect=True)


@pytest.fixture
def node_suite(request) -> Suite:
    """The suite this run of the test ports (see `pytest_generate_tests`)."""
    suite: Suite = request.param
    suite.require()
    return suite


class AddonLoader:
    """`node_addon(folder, dir, target=None, **load_options)` loads a built addon of the suite.

    `folder` is "js-native-api" or "node-api"; `target` defaults to the first target of the
    dir's binding.gyp. In-process when NAPI_PYTHON_TEST_MODE=inprocess, as the suite's `load`
    fixture. `.suite` is the Suite (e.g. `node_addon.suite.major >= 24` for what a later JS
    file adds).
    """

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.opened: list = []

    def __call__(self, folder: str, dir: str, target: str | None = None, **kwargs):
        path = self.suite.addon_file(folder, dir, target)
        if not path.exists():
            raise FileNotFoundError(f"{path} is not built: see the output of scripts/node-tests")
        addon = load_in_mode(str(path), **kwargs)
        self.opened.append(addon)
        return addon


@pytest.fixture
def node_addon(node_suite):
    """An `AddonLoader` of this run's suite; every addon it loaded is closed at teardown."""
    loader = AddonLoader(node_suite)
    yield loader
    for addon in reversed(loader.opened):
        napi_python.close(addon)


# --- the summary line: driver files passed / failed -----------------------------------------

# (suite name, driver file relative to the rootdir) -> {"ran": a test of it ran, "ok": all passed}
_files: dict[tuple[str, str], dict[str, bool]] = {}
_DRIVER_RE = re.compile(r"(^|/)tests/conformance/(js_native_api|node_api)/test_[^/]*\.py$")
_SUITE_ID_RE = re.compile(r"\[(?:.*-)?(node\d+)(?:-.*)?\]$")


def pytest_runtest_logreport(report) -> None:
    path, _, test = report.nodeid.partition("::")
    suite = _SUITE_ID_RE.search(test)
    if not _DRIVER_RE.search(path) or suite is None:
        return
    state = _files.setdefault((suite.group(1), path), {"ran": False, "ok": True})
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
    """`conformance node20: N passed, M failed` for each suite, counting driver files; only for
    suites whose drivers ran.

    A file passes when every one of its tests passed; an xfail or a skip counts as failed. A
    file all of whose tests were skipped (the suite is not built) did not run and is not counted.
    """
    for suite in SUITES:
        ran = [state["ok"] for (name, _), state in _files.items() if name == suite.name and state["ran"]]
        if ran:
            passed = sum(ran)
            terminalreporter.write_line(f"conformance {suite.name}: {passed} passed, {len(ran) - passed} failed")
