"""node-api/test_init_order/test.js: C++ static initialization runs before NAPI_MODULE_INIT."""

from __future__ import annotations


def test_init_order(node_addon):
    addon = node_addon("node-api", "test_init_order")
    assert addon.cppIntValue == 42
    assert addon.cppStringValue == "123"
