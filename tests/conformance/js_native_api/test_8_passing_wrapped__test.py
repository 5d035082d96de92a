"""js-native-api/8_passing_wrapped/test.js"""

from ..helpers import gc_until


def test_passing_wrapped(node_addon):
    addon = node_addon("js-native-api", "8_passing_wrapped")
    obj1 = addon.createObject(10)
    obj2 = addon.createObject(20)
    result = addon.add(obj1, obj2)
    assert result == 30

    # Make sure the native destructor gets called.
    obj1 = None
    obj2 = None
    gc_until(addon, lambda: addon.finalizeCount() == 2, "8_passing_wrapped")
