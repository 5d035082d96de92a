"""js-native-api/7_factory_wrap/test.js

`finalizeCount` is a getter on the exports: read live with `addon["finalizeCount"]`.
"""

from ..helpers import gc_until


def test_factory_wrap(node_addon):
    addon = node_addon("js-native-api", "7_factory_wrap")
    assert addon["finalizeCount"] == 0

    def scope1():
        obj = addon.createObject(10)
        assert obj.plusOne() == 11
        assert obj.plusOne() == 12
        assert obj.plusOne() == 13

    scope1()
    gc_until(addon, lambda: addon["finalizeCount"] == 1, "test 1")

    def scope2():
        obj2 = addon.createObject(20)
        assert obj2.plusOne() == 21
        assert obj2.plusOne() == 22
        assert obj2.plusOne() == 23

    scope2()
    gc_until(addon, lambda: addon["finalizeCount"] == 2, "test 2")
