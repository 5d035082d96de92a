"""tests/platforms.toml, where each test runs: every file and test it names exists, the runner
skips what it leaves out with its reason, and docs/platforms.md lists what it says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import platform_lists
import pytest
from conftest import ROOT

pytestmark = pytest.mark.either_mode

PLATFORMS_DOC = (ROOT / "docs" / "platforms.md").read_text()


def test_every_file_and_test_named_exists():
    for platform in platform_lists.platforms():
        for file in platform_lists.run_files(platform):
            assert (ROOT / file).is_file(), f"{platform} runs {file}, which is not there"
        for left in platform_lists.left_out(platform):
            file, _, test = left.pattern.partition("::")
            files = sorted(ROOT.glob(file)) if "*" in file else [ROOT / file]
            assert files and all(f.is_file() for f in files), f"{platform} leaves out {left.pattern}: no such file"
            name = re.split(r"[*\[]", test)[0]
            if name:
                assert f"def {name}" in files[0].read_text(), f"{platform} leaves out {left.pattern}: no such test"


def test_each_platforms_npm_packages_are_pinned():
    for platform in platform_lists.platforms():
        for spec in platform_lists.npm_specs(platform):
            assert re.fullmatch(r"@?[^@]+@\d[\w.-]*", spec), spec


@pytest.mark.parametrize(
    ("pattern", "nodeid", "covered"),
    [
        ("tests/a/test_x.py::test_y", "tests/a/test_x.py::test_y", True),
        ("tests/a/test_x.py::test_y", "tests/a/test_x.py::test_y[one]", True),
        ("tests/a/test_x.py::test_y", "tests/a/test_x.py::test_y_too", False),
        ("tests/a/test_x.py::test_y[one]", "tests/a/test_x.py::test_y[two]", False),
        ("tests/a/test_x.py::*[sandboxed]", "tests/a/test_x.py::test_z[sandboxed]", True),
        ("tests/c/test_fatal__*", "tests/c/test_fatal__one.py::test_it[node20]", True),
    ],
)
def test_a_pattern_covers_its_tests_and_their_parameters(pattern, nodeid, covered):
    assert platform_lists.LeftOut(pattern, "why").covers(nodeid) is covered


def test_the_runner_skips_a_left_out_test_with_its_reason():
    """Run as on Windows, test_uv.py's poll test is skipped with the reason platforms.toml gives
    it, and a test beside it runs."""
    why = next(left.why for left in platform_lists.left_out("windows") if "test_uv_poll" in left.pattern)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/napi/test_uv.py",
            "-k",
            "poll or linked_libuv",
        ],
        cwd=ROOT,
        env={**os.environ, "NAPI_PYTHON_TEST_PLATFORM": "windows"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"left out on windows: {why}" in proc.stdout, proc.stdout
    assert "1 passed, 1 skipped" in proc.stdout, proc.stdout


def doc_section(start: str, end: str) -> str:
    return PLATFORMS_DOC[PLATFORMS_DOC.index(start) : PLATFORMS_DOC.index(end, PLATFORMS_DOC.index(start))]


def named_tests(text: str) -> set[str]:
    """`test_x.py` and `test_x.py::test_y` as the text names them in backticks; a `::test_y` alone
    is of the file named last."""
    found, file = set(), ""
    for span in re.findall(r"`([^`]+)`", text):
        m = re.fullmatch(r"(?:tests/\w+/)?(test_\w+\.py)?(::test_\w+)?", span)
        if not m or not span:
            continue
        file = m.group(1) or file
        found.add(file + (m.group(2) or ""))
    return found


def test_the_windows_docs_list_what_platforms_toml_says():
    """The docs' list of what Windows leaves out names each test platforms.toml leaves out, and no
    other test by name (a file named whole in a reason is not a test left out)."""
    left = {Path(t.pattern).name for t in platform_lists.left_out("windows")}
    named = named_tests(doc_section("Left out on Windows", "**`inspect`"))
    assert left <= named, f"platforms.toml leaves these out on Windows, the docs do not say so: {left - named}"
    assert {n for n in named if "::" in n} <= left, "the docs leave out on Windows what platforms.toml runs"
    suite = doc_section("**The Python suite on Windows**", "The differential tests ask node for Windows")
    assert {Path(f).name for f in platform_lists.run_files("windows")} <= named_tests(suite)
