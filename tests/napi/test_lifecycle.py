"""Node-API chapter "lifecycle": module registration (symbol-based, legacy
napi_module_register from a dlopen constructor, a declared Node-API 10 version) and load
failures (addons: addons/c/lifecycle_legacy.c, lifecycle_v10.c, lifecycle_no_entry.c,
lifecycle_init_throws.c). A load that fails leaves no process behind; one whose init threw keeps its
host while the thrown error is referenced, as that error is a live JS object.

Node 20 itself supports Node-API 9 and crashes while refusing a module that declares 10, so the
version-10 expectations come from the Node-API docs ("references can be created for all value
types" from version 10) and were checked under node 20 by building lifecycle_v10.c with
NAPI_VERSION_EXPERIMENTAL, which node 20 treats the same way.
"""

from __future__ import annotations

import gc
import re
import subprocess
import sys

import pytest
from conftest import addon_path
from processes import assert_no_host_left, host_children

import napi_python
from napi_python import AddonClosedError, AddonInitError, AddonLoadError, js, load_addon

NAPI_OK = 0
NAPI_INVALID_ARG = 1


def test_legacy_registered_module_loads_and_works(load):
    addon = load("lifecycle_legacy")
    assert addon.hello() == "registered by napi_module_register"
    assert "hello" in dir(addon)


def test_an_addons_attributes_are_its_exports_then_its_own_then_later_exports(load):
    """`addon.f` reads the instance natively; what that misses still goes through the
    fallback: a property the exports object gained after loading, a clear error for a name
    that is nowhere, and the export behind a name `Addon` itself uses, by subscript."""
    addon = load("lifecycle_legacy")
    assert addon.hello() == "registered by napi_module_register"
    js.set(napi_python.addon_info(addon).exports, "later", 5)
    js.set(napi_python.addon_info(addon).exports, "pid", "an export")
    assert addon.later == 5
    assert napi_python.addon_info(addon).pid != "an export" and addon["pid"] == "an export"
    with pytest.raises(AttributeError, match="has no export 'nowhere'"):
        addon.nowhere
    assert not hasattr(addon, "__nowhere__")
    napi_python.close(addon)
    with pytest.raises(AddonClosedError):
        addon.hello()
    with pytest.raises(AddonClosedError):
        addon.later


def test_export_names_are_interned_as_the_names_in_python_code_are(load):
    """The instance dict keeps each export under the interned string, so `addon.f` finds its key
    by identity instead of comparing bytes."""
    addon = load("lifecycle_legacy")
    key = next(k for k in vars(addon) if k == "hello")
    assert key is sys.intern("hello")


def test_the_native_attribute_slot_without_a_fallback_raises_instead_of_recursing():
    """`ExportHolder`'s slot takes `_missing_attribute` from the type. Looked up through the
    slot itself, a missing fallback recursed until the C stack ran out (a segfault): checked
    in a child process, so a regression fails this test instead of ending the run."""
    code = (
        "from napi_python import _native\n"
        "class Broken(_native.ExportHolder):\n"
        "    @property\n"
        "    def _napi_missing_attribute(self): raise AttributeError('unreachable')\n"
        "for obj, expected in ((_native.ExportHolder(), AttributeError), (Broken(), TypeError)):\n"
        "    try:\n"
        "        obj.missing\n"
        "    except expected as e:\n"
        "        print(type(e).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.split()) == (0, ["AttributeError", "TypeError"]), done.stderr


def test_module_declaring_node_api_10_may_reference_primitives(load):
    addon = load("lifecycle_v10")
    assert addon.refToPrimitive(5) == [NAPI_OK, 5]
    assert addon.refToPrimitive("s") == [NAPI_OK, "s"]
    assert addon.refToPrimitive(True) == [NAPI_OK, True]


def test_declared_version_is_kept_per_module(load):
    # the same call in a module without a declared version (so Node-API 8) is refused
    v10 = load("lifecycle_v10")
    v8 = load("references")
    assert v8.createRef(5, 1) == [NAPI_INVALID_ARG, None]
    assert v10.refToPrimitive(5) == [NAPI_OK, 5]


def test_library_without_a_module_entry_point_fails_to_load():
    # node 20: "Module did not self-register"
    before = host_children()
    with pytest.raises(AddonLoadError) as info:
        load_addon(addon_path("lifecycle_no_entry"))
    assert re.search(
        r"napi_register_module_v1|self-register|entry point|not a node-api module",
        str(info.value),
        re.IGNORECASE,
    ), str(info.value)
    assert_no_host_left(before)


def test_init_that_throws_fails_to_load_with_the_thrown_message():
    before = host_children()
    with pytest.raises(AddonLoadError, match="init failed"):
        load_addon(addon_path("lifecycle_init_throws"))
    assert_no_host_left(before)


def test_an_init_error_is_the_thrown_error_and_its_host_lives_while_it_is_referenced():
    # node: require() throws the very Error the init threw
    before = host_children()
    with pytest.raises(AddonInitError) as info:
        load_addon(addon_path("lifecycle_init_throws"))
    error = info.value.error
    assert (error.name, error.message, error.code) == ("Error", "init failed", "ERR_INIT")
    assert js.typeof(error.value) == "object"  # the error object itself, live in the host
    assert len(host_children()) == len(before) + 1
    del info, error
    gc.collect()
    assert_no_host_left(before)


def test_missing_file_fails_to_load(tmp_path):
    before = host_children()
    missing = tmp_path / "does_not_exist.node"
    with pytest.raises(AddonLoadError) as info:
        load_addon(str(missing))
    assert "does_not_exist.node" in str(info.value)
    assert_no_host_left(before)


def test_non_library_file_fails_to_load(tmp_path):
    before = host_children()
    fake = tmp_path / "fake.node"
    fake.write_text("this is not a shared library\n")
    with pytest.raises(AddonLoadError):
        load_addon(str(fake))
    assert_no_host_left(before)


def test_successful_load_still_works_after_failed_loads(load):
    for name in ("lifecycle_no_entry", "lifecycle_init_throws"):
        with pytest.raises(AddonLoadError):
            load_addon(addon_path(name))
    assert load("lifecycle_legacy").hello() == "registered by napi_module_register"


def test_close_ends_the_host_process():
    before = host_children()
    addon = load_addon(addon_path("lifecycle_legacy"))
    assert napi_python.addon_info(addon).pid in host_children()
    napi_python.close(addon)
    napi_python.close(addon)  # idempotent
    assert_no_host_left(before)


def test_context_manager_closes_the_host():
    before = host_children()
    with load_addon(addon_path("lifecycle_legacy")) as addon:
        assert addon.hello().startswith("registered")
    assert_no_host_left(before)
