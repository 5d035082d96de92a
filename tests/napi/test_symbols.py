"""The host's exported Node-API surface: every function of Node-API 1-10 (and the experimental
SharedArrayBuffer ones) is in napi-hostd's dynamic symbol table (napi-rs addons look them up with
dlsym at load and quietly stub what is missing), and every function listed is implemented (the
build refuses a list that says otherwise).

The list of Node-API functions is kept in the repository (server/napi/node_api_functions.tsv),
so this check never depends on anything beside the checkout."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, missing_input

from napi_python import hostd_path

EXPORTS = ROOT / "server" / "napi" / "napi-exports.txt"
FUNCTIONS_TSV = ROOT / "server" / "napi" / "node_api_functions.tsv"
# The headers the test addons build against (addons/build.sh), as scripts/build requires them.
NODE_HEADERS = Path(os.environ.get("NODE_HEADERS", "/usr/include/node"))


def export_list() -> dict[str, str]:
    """napi-exports.txt: function name -> its state, in the file's order."""
    entries = {}
    for line in EXPORTS.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, state = line.split("\t")
        entries[name] = state
    return entries


def node_api_functions() -> list[str]:
    """The function names of node_api_functions.tsv, in its order (comments and header row left out)."""
    rows = [line for line in FUNCTIONS_TSV.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert rows[0].split("\t")[0] == "function", f"{FUNCTIONS_TSV}: the header row is missing"
    return [row.split("\t")[0] for row in rows[1:]]


def test_export_list_names_every_node_api_function_in_order():
    names = node_api_functions()
    assert len(names) == len(set(names)) == 161
    assert list(export_list()) == names


def test_the_function_list_holds_every_function_the_node_headers_declare():
    """A newer Node's headers declaring a function the list lacks fail here: refresh the list
    (see its header comment) and napi-exports.txt."""
    declared = set()
    for header in ("js_native_api.h", "node_api.h"):
        text = (NODE_HEADERS / header).read_text()
        declared |= set(re.findall(r"NAPI_EXTERN\b[^;(]*?\b((?:napi|node_api)_\w+)\s*\(", text))
    assert len(declared) > 150, f"read only {len(declared)} declarations from {NODE_HEADERS}"
    assert declared - set(node_api_functions()) == set()


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


def test_every_listed_function_is_implemented():
    assert {state for state in export_list().values()} == {"implemented"}


LIBUV_EXPORTS = ROOT / "server" / "napi" / "libuv-exports.txt"
# node's own patch of its libuv, no part of libuv's API.
NODE_ONLY_UV = {"uv__node_patch_is_using_io_uring"}


def libuv_list() -> set[str]:
    return {
        line.strip() for line in LIBUV_EXPORTS.read_text().splitlines() if line.strip() and not line.startswith("#")
    }


def defined_uv(path: str) -> set[str]:
    out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    return {
        parts[2].split("@")[0]
        for parts in (line.split() for line in out.splitlines())
        if len(parts) == 3 and parts[2].startswith("uv_")
    }


def test_the_libuv_list_is_every_public_function_of_the_linked_libuv():
    """Every UV_EXTERN function of the uv.h napi-libuv builds from: regenerate the list
    when the libuv version changes."""
    import re

    from test_uv import linked_libuv_headers

    text = ""
    for header in Path(linked_libuv_headers()).rglob("*.h"):
        text += re.sub(r"/\*.*?\*/", "", header.read_text(), flags=re.S)
    declared = set(re.findall(r"UV_EXTERN\b[^;{]*?\b(uv_\w+)\s*\(", text))
    assert libuv_list() == declared


@pytest.mark.parametrize("artifact", ["napi-hostd", "extension"])
def test_both_modes_export_libuvs_whole_api_as_node_does(artifact):
    """napi-hostd and the extension (in-process hosts) export every listed function, and node
    20's own list (`nm -D --defined-only $(which node) | grep ' uv_'`) is part of it."""
    import shutil

    from napi_python import _native

    path = hostd_path() if artifact == "napi-hostd" else _native.__file__
    assert defined_uv(path) == libuv_list()
    node = shutil.which("node")
    if node is None:
        missing_input("node is not installed (node 20 and its headers: see scripts/build)")
    assert defined_uv(node) - NODE_ONLY_UV <= libuv_list()
