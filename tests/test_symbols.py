"""The host's exported Node-API surface: every function of Node-API 1-10 (and the experimental
SharedArrayBuffer ones) is in napi-hostd's dynamic symbol table (napi-rs addons look them up with
dlsym at load and quietly stub what is missing), and the functions not implemented yet are
exactly the tracked list (none today; a function listed as missing gets a stub that returns
napi_generic_failure saying "... is not implemented yet in napi-hostd")."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

from napi_python import hostd_path

EXPORTS = ROOT / "server" / "napi" / "napi-exports.txt"
# The project's shared folder sits beside the checkout (as in CI); NAPI_SHARED overrides.
FUNCTIONS_TSV = Path(os.environ.get("NAPI_SHARED", ROOT.parent / "shared")) / "napi_functions.tsv"

# What remains to implement. This list shrinks as issues land; a function that gets implemented
# must be removed here and marked "implemented" in server/napi/napi-exports.txt.
NOT_IMPLEMENTED_YET: list[str] = []


def export_list() -> dict[str, str]:
    entries = {}
    for line in EXPORTS.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, state = line.split("\t")
        entries[name] = state
    return entries


@pytest.mark.skipif(
    not FUNCTIONS_TSV.exists(), reason=f"{FUNCTIONS_TSV} (the shared function list) is not beside this checkout"
)
def test_export_list_covers_every_node_api_function():
    rows = FUNCTIONS_TSV.read_text().splitlines()[1:]
    names = {row.split("\t")[0] for row in rows if row.strip()}
    assert len(names) == 161
    assert set(export_list()) == names


def test_binary_exports_exactly_the_listed_functions():
    out = subprocess.run(
        ["nm", "-D", "--defined-only", hostd_path()], capture_output=True, text=True, check=True
    ).stdout
    exported = {
        parts[2]
        for parts in (line.split() for line in out.splitlines())
        if len(parts) == 3 and parts[1] == "T" and parts[2].startswith(("napi_", "node_api_"))
    }
    assert exported == set(export_list())


def test_not_implemented_functions_are_exactly_the_tracked_list():
    missing = sorted(name for name, state in export_list().items() if state == "missing")
    assert missing == NOT_IMPLEMENTED_YET
