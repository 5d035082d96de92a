"""js-native-api/test_reference/test.js: references to symbols and externals, strong and weak,
ref/unref counts, finalizers after collection, and napi_delete_reference racing a wrap
finalizer.

`gc_until` is Node's `gcUntil` (test/common/gc.js): up to ten collections, checking the
condition after each. The JS file drops values by leaving a closure; the driver drops its
proxies (`del`). Getters of the exports (`finalizeCount`, `referenceValue`) are read afresh
with `js.get` each time.
"""

from __future__ import annotations

import pytest

import napi_python
from napi_python import JSError, js

from ..helpers import gc_until


def test_references(node_addon):
    addon = node_addon("js-native-api", "test_reference")
    t = napi_python.addon_info(addon).exports

    def finalize_count():
        return js.get(t, "finalizeCount")

    def reference_value():
        return js.get(t, "referenceValue")

    assert finalize_count() == 0

    symbol = t.createSymbol("testSym")
    t.createReference(symbol, 0)
    assert js.strict_equals(reference_value(), symbol)
    del symbol
    t.deleteReference()

    symbol = t.createSymbolFor("testSymFor")
    t.createReference(symbol, 0)
    assert js.strict_equals(reference_value(), symbol)
    del symbol
    t.deleteReference()

    symbol = t.createSymbolFor("testSymFor")
    t.createReference(symbol, 1)
    assert js.strict_equals(reference_value(), symbol)
    assert js.strict_equals(reference_value(), js.symbol_for(addon, "testSymFor"))
    del symbol
    t.deleteReference()

    symbol = t.createSymbolForEmptyString()
    t.createReference(symbol, 0)
    assert js.strict_equals(reference_value(), js.symbol_for(addon, ""))
    del symbol
    t.deleteReference()

    symbol = t.createSymbolForEmptyString()
    t.createReference(symbol, 1)
    assert js.strict_equals(reference_value(), symbol)
    assert js.strict_equals(reference_value(), js.symbol_for(addon, ""))
    del symbol
    t.deleteReference()

    with pytest.raises(JSError, match="Invalid argument"):
        t.createSymbolForIncorrectLength()

    value = t.createExternal()
    assert finalize_count() == 0
    assert js.typeof(value) == "object"
    t.checkExternal(value)
    del value
    gc_until(addon, name="External value without a finalizer", condition=lambda: finalize_count() == 0)

    value = t.createExternalWithFinalize()
    assert finalize_count() == 0
    assert js.typeof(value) == "object"
    t.checkExternal(value)
    del value
    gc_until(addon, name="External value with a finalizer", condition=lambda: finalize_count() == 1)

    value = t.createExternalWithFinalize()
    assert finalize_count() == 0
    t.createReference(value, 0)
    assert js.strict_equals(reference_value(), value)
    del value
    # Collected: only a weak reference is left.
    gc_until(addon, name="Weak reference", condition=lambda: reference_value() is None and finalize_count() == 1)
    t.deleteReference()

    value = t.createExternalWithFinalize()
    assert finalize_count() == 0
    t.createReference(value, 1)
    assert js.strict_equals(reference_value(), value)
    del value
    # Not collected: a strong reference is left.
    gc_until(addon, name="Strong reference", condition=lambda: finalize_count() == 0)
    t.deleteReference()
    gc_until(addon, name="Strong reference (cont.d)", condition=lambda: finalize_count() == 1)

    value = t.createExternalWithFinalize()
    assert finalize_count() == 0
    t.createReference(value, 1)
    del value
    gc_until(
        addon,
        name="Strong reference, increment then decrement to weak reference",
        condition=lambda: finalize_count() == 0,
    )
    assert t.incrementRefcount() == 2
    gc_until(
        addon,
        name="Strong reference, increment then decrement to weak reference (cont.d-1)",
        condition=lambda: finalize_count() == 0,
    )
    assert t.decrementRefcount() == 1
    gc_until(
        addon,
        name="Strong reference, increment then decrement to weak reference (cont.d-2)",
        condition=lambda: finalize_count() == 0,
    )
    assert t.decrementRefcount() == 0
    # Collected: the reference is weak now.
    gc_until(
        addon,
        name="Strong reference, increment then decrement to weak reference (cont.d-3)",
        condition=lambda: finalize_count() == 1,
    )
    t.deleteReference()
    gc_until(
        addon,
        name="Strong reference, increment then decrement to weak reference (cont.d-4)",
        condition=lambda: finalize_count() == 1,
    )


def test_delete_reference_before_wrap_finalizer(node_addon):
    # A napi_ref on a wrapped object whose wrap finalizer deletes that reference; both become
    # due in the same collection, in either order. Node makes 1000 such pairs, collecting after
    # each, to hit both orders. Here each collection takes 100 pairs at once: js.gc also runs
    # Python's full collection, which in a long test session costs tens of milliseconds, and
    # a thousand of them outran the test's timeout on a loaded machine.
    addon = node_addon("js-native-api", "test_reference")
    for _ in range(10):
        for _ in range(100):
            wrap_object = js.object(addon)
            addon.validateDeleteBeforeFinalize(wrap_object)
            del wrap_object
        js.gc(addon)
    assert napi_python.addon_info(addon).pid  # the host is still alive: no crash, no failed assert()
    js.gc(addon)
