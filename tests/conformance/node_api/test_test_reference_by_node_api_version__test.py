"""node-api/test_reference_by_node_api_version/test.js: references to values of every
napi_valuetype. A module built for Node-API 8 may reference only objects, functions and
symbols (others: 'Invalid argument'); a later-version module (NAPI_VERSION_EXPERIMENTAL here)
may reference anything. At refcount 0 objects become weak and other values are released
(local symbols weak, Symbol.for symbols always strong); after collection weak ones read as
undefined.

Values the JS file makes as literals are made in the host (`js.object`, `js.symbol`...) so that
dropping the last Python proxy leaves them collectable; `gc_until` is Node's gcUntil.
"""

from __future__ import annotations

import pytest

from napi_python import JSError, js

from ..helpers import gc_until


def same(a, b) -> bool:
    """a === b. `js.undefined` and None are both undefined (python-api.md); js.strict_equals
    compares the two sentinels locally and calls them different, so normalise first."""
    a = None if a is js.undefined else a
    b = None if b is js.undefined else b
    if a is js.null or b is js.null:
        # null comes back to Python as None, like undefined (python-api.md), so a returned
        # null cannot be told from undefined here: the most this API can check is None.
        return (a is js.null or a is None) and (b is js.null or b is None)
    return js.strict_equals(a, b)


def run_tests(addon, is_version8, is_local_symbol):
    def make_entries():
        symbol_value = (
            js.symbol(addon, "test_symbol_local") if is_local_symbol else js.symbol_for(addon, "test_symbol_global")
        )
        # Position in the list is the napi_valuetype number (see CreateRef in the addon).
        return [
            {"value": js.undefined, "canBeWeak": False, "canBeRefV8": False},
            {"value": js.null, "canBeWeak": False, "canBeRefV8": False},
            {"value": False, "canBeWeak": False, "canBeRefV8": False},
            {"value": 42, "canBeWeak": False, "canBeRefV8": False},
            {"value": "test_string", "canBeWeak": False, "canBeRefV8": False},
            {
                "value": symbol_value,
                "canBeWeak": is_local_symbol,
                "canBeRefV8": True,
                "isAlwaysStrong": not is_local_symbol,
            },
            {"value": js.object(addon, x=1, y=2), "canBeWeak": True, "canBeRefV8": True},
            {"value": lambda x, y: x + y, "canBeWeak": True, "canBeRefV8": True},
            {"value": addon.createExternal(), "canBeWeak": True, "canBeRefV8": True},
            {"value": js.bigint(9007199254740991), "canBeWeak": False, "canBeRefV8": False},
        ]

    def phase_one():
        entries = make_entries()
        for entry in entries:
            if not is_version8 or entry["canBeRefV8"]:
                index = addon.createRef(entry["value"])
                ref_value = addon.getRefValue(index)
                assert same(entry["value"], ref_value), (entry, ref_value)
                del ref_value
                assert addon.ref(index) == 2
                assert addon.unref(index) == 1
                assert addon.unref(index) == 0
            else:
                with pytest.raises(JSError) as info:
                    addon.createRef(entry["value"])
                assert info.value.name == "Error"
                assert info.value.message == "Invalid argument"

        # At refcount 0 objects are weak, other values released; nothing collected yet.
        for index, entry in enumerate(entries):
            if not is_version8 or entry["canBeRefV8"]:
                if entry["canBeWeak"] or entry.get("isAlwaysStrong"):
                    assert same(addon.getRefValue(index), entry["value"]), entry
                else:
                    assert addon.getRefValue(index) is None, entry
            entry["value"] = None  # let collection take it
        addon.addFinalizer(js.object(addon))  # to see that a collection happened
        return entries

    entries = phase_one()

    addon.initFinalizeCount()
    assert addon.getFinalizeCount() == 0
    gc_until(addon, name="Wait until a finalizer is called", condition=lambda: addon.getFinalizeCount() == 1)

    addon.addFinalizer(js.object(addon))
    gc_until(addon, name="Wait until a finalizer is called again", condition=lambda: addon.getFinalizeCount() == 2)

    # After collection every value with weak semantics reads as undefined.
    for index, entry in enumerate(entries):
        if not is_version8 or entry["canBeRefV8"]:
            if not entry.get("isAlwaysStrong"):
                assert addon.getRefValue(index) is None, (index, entry)
            else:
                assert addon.getRefValue(index) is not None, (index, entry)
            addon.deleteRef(index)


@pytest.mark.parametrize("is_local_symbol", [True, False], ids=["local_symbol", "global_symbol"])
def test_version8_module(node_addon, is_local_symbol):
    addon = node_addon("node-api", "test_reference_by_node_api_version", "test_reference_obj_only")
    run_tests(addon, True, is_local_symbol)


@pytest.mark.parametrize("is_local_symbol", [True, False], ids=["local_symbol", "global_symbol"])
def test_later_version_module(node_addon, is_local_symbol):
    addon = node_addon("node-api", "test_reference_by_node_api_version", "test_reference_all_types")
    run_tests(addon, False, is_local_symbol)
