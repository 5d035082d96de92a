"""js-native-api/test_number/test_null.js: NULL arguments to the number functions give
napi_invalid_arg."""

from __future__ import annotations


def test_null_arguments(node_addon):
    addon = node_addon("js-native-api", "test_number")
    test_null = addon.testNull
    expected_create = {"envIsNull": "Invalid argument", "resultIsNull": "Invalid argument"}
    expected_get_value = {
        "envIsNull": "Invalid argument",
        "resultIsNull": "Invalid argument",
        "valueIsNull": "Invalid argument",
    }
    for type_name in ["Double", "Int32", "Uint32", "Int64"]:
        assert getattr(test_null, "create" + type_name)() == expected_create
        assert getattr(test_null, "getValue" + type_name)() == expected_get_value
