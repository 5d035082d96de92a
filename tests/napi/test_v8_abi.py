"""Addons built against node's own C++ API (V8's ABI: `NODE_MODULE`, nan) are refused with an
`AddonLoadError` in both modes, told from the file before any loader opens it: their
library constructor calls `node_module_register`, which only node defines, so the dynamic
linker used to end the process that opened it (Python itself, in-process, with status 127).
Addon: addons/c/v8_abi.c, what `NODE_MODULE` makes, for NODE_MODULE_VERSION 115 (node 20);
node itself says which version the file was built for."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import addon_path, oracle_node
from processes import assert_no_host_left, host_children

from napi_python import AddonLoadError, Host, load_addon
from napi_python.binary import elf, node_abi
from napi_python.inspection import inspect_addon

V8_ADDON = addon_path("v8_abi")
WHAT = r"is a V8-ABI addon built for node 20 \(NODE_MODULE_VERSION 115\), not a Node-API one"
WHY = "exist only inside node, so it cannot run outside node"


def test_node_says_which_node_the_file_was_built_for():
    # Node 26 refuses it for its NODE_MODULE_VERSION, which names the one the file carries.
    proc = subprocess.run(
        [oracle_node(), "-e", f"require({V8_ADDON!r})"], capture_output=True, text=True, timeout=60, check=False
    )
    found = re.search(r"compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)", proc.stderr)
    assert found, proc.stderr
    assert node_abi.node_module_version(elf.read(V8_ADDON)) == int(found.group(1)) == 115


def test_isolated_load_is_refused_before_a_host_starts():
    before = host_children()
    with pytest.raises(AddonLoadError, match=WHAT) as info:
        load_addon(V8_ADDON)
    assert WHY in str(info.value)
    assert "node_module_register" in str(info.value)
    assert_no_host_left(before)


def test_a_shared_host_refuses_it_and_goes_on():
    with Host() as host:
        other = host.load(addon_path("isolation"))
        with pytest.raises(AddonLoadError, match=WHAT):
            host.load(V8_ADDON)
        assert host.alive
        assert other.add(2, 3) == 5


def test_in_process_load_raises_instead_of_ending_python():
    # In a child: before the fix, the dynamic linker ended it with status 127, no exception.
    script = (
        "import napi_python\n"
        "try:\n"
        f"    napi_python.load_addon({V8_ADDON!r}, isolated=False)\n"
        "except napi_python.AddonLoadError as e:\n"
        "    print('raised:', e)\n"
        "finally:\n"
        "    print('finally ran')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert re.search(f"raised: .*{WHAT}", proc.stdout), proc.stdout
    assert "finally ran" in proc.stdout


def test_an_addon_that_only_exports_node_s_initializer_is_refused_too():
    # NODE_MODULE_INIT: node_register_module_v127 names node 22's version.
    with pytest.raises(
        AddonLoadError, match=r"is a V8-ABI addon built for node 22 \(NODE_MODULE_VERSION 127\)"
    ) as info:
        load_addon(addon_path("v8_abi_init"))
    assert "node_register_module_v127" in str(info.value)


def test_inspect_names_the_node_release():
    report = inspect_addon(V8_ADDON)
    assert (
        report["registration"]
        == "node (V8 ABI: NODE_MODULE, not Node-API; built for node 20 (NODE_MODULE_VERSION 115))"
    )
    assert report["load"]["loaded"] is False
    assert re.search(WHAT, report["load"]["error"])


@pytest.mark.parametrize("name", ["values", "lifecycle_legacy", "rust_addon", "inspect_node_only"])
def test_node_api_addons_are_not_taken_for_v8_ones(name):
    so = elf.read(addon_path(name))
    assert node_abi.node_registration(so) is None
    assert node_abi.node_module_version(so) is None
