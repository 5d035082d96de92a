"""What Windows' loader does to a Windows user's addon, seen from Python (scripts/windows-python
suite, under wine): the DLLs an addon ships beside its file are found, as node finds them; a DLL
it needs and Windows cannot find is named; and paths with spaces and non-ASCII letters load.
Elsewhere this file is skipped (client/tests/windows_load_errors.rs checks the host's side of the
first two through the Rust core).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import ADDONS, IN_PROCESS, addon_path, fresh_copy

import napi_python
from napi_python import AddonLoadError

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="Windows' own loader")


def load(path: str):
    return napi_python.load_addon(fresh_copy(path) if IN_PROCESS else path, isolated=not IN_PROCESS)


def test_a_dll_the_addon_needs_and_windows_cannot_find_is_named():
    with pytest.raises(AddonLoadError) as failed:
        load(addon_path("missing_dependency"))
    message = str(failed.value)
    assert "(os error 126)" in message, message
    assert "it imports from napi_python_absent.dll, which Windows finds neither beside it" in message, message


def test_a_dll_beside_the_addon_is_found_as_node_finds_it(tmp_path):
    # addons/beside/ holds beside_dependency.node with the DLL it imports from.
    folder = tmp_path / "an addon's folder"
    shutil.copytree(ADDONS / "beside", folder)
    addon = napi_python.load_addon(str(folder / "beside_dependency.node"), isolated=not IN_PROCESS)
    try:
        assert addon.answer == 42
    finally:
        napi_python.close(addon)


@pytest.mark.parametrize("folder", ["with spaces", "non-ASCII é ü 中", "C:-like (x86) & more"])
def test_paths_with_spaces_and_non_ascii_letters_load(tmp_path, folder):
    copy = Path(tmp_path) / folder / "números.node"
    copy.parent.mkdir()
    shutil.copy2(addon_path("values"), copy)
    addon = napi_python.load_addon(str(copy), isolated=not IN_PROCESS)
    try:
        assert napi_python.addon_info(addon).path == str(copy)
        assert addon.coerceToString("héllo wörld")[1] == "héllo wörld"  # [status, result, exception]
    finally:
        napi_python.close(addon)
