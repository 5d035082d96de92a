"""The compatibility report (tests/compat/report.py) runs, for packages tests/npm already has
(its own install, tests/compat, is too large for every test run): each row says how the binary
was found and built, that it loads, and that its calls gave node's results; a package that is
not installed is reported as such rather than failing the report."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

REPORT = ROOT / "tests" / "compat" / "report.py"

pytestmark = pytest.mark.needs_input(
    (ROOT / "tests" / "npm" / "node_modules").is_dir(),
    "tests/npm/node_modules is absent: run scripts/npm-install to install the npm addons",
)


def report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPORT), "--no-install", *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_report_rows_for_installed_packages_match_node():
    proc = report("--packages", "@node-rs/crc32,@node-rs/bcrypt,@napi-rs/canvas", "--json")
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    rows = {r["package"]: r for r in answer["packages"]}
    # The globals and built-in properties these addons read that node has and the host lacks:
    # none (napi-rs looks up `Proxy` and node 24's `Float16Array`, which the realm has).
    assert answer["missing_builtins"] == []
    for name in ("@node-rs/crc32", "@node-rs/bcrypt", "@napi-rs/canvas"):
        row = rows[name]
        assert (row["kind"], row["loads"], row["failures"]) == ("napi-rs", True, []), row
        assert row["passed"] == row["total"] > 0
        assert row["binary"] == f"platform package {name}-linux-x64-gnu" or not name.endswith(("crc32", "bcrypt"))
        assert row["registration"] == "napi_register_module_v1" and row["napi_version"] == 8


def test_report_prints_a_table_and_a_summary():
    proc = report("--packages", "@node-rs/crc32,lz4-napi")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["package", "version", "kind", "domain", "binary", "loads", "calls", "notes"]
    crc = next(line for line in lines if line.startswith("@node-rs/crc32 "))
    assert " yes " in crc and " 3/3 " in crc
    lz4 = next(line for line in lines if line.startswith("lz4-napi "))
    # Installed only by the report's own install step.
    assert "not installed" in lz4 or " yes " in lz4
    assert lines[-2].startswith("compat: ") and "packages load" in lines[-2]
    assert lines[-1] == "built-ins the addons read and the host lacks: none"
