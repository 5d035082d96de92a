"""js-native-api/test_string/test_null.js: NULL arguments to napi_create_string_*."""

from __future__ import annotations


def test_null_arguments(node_addon):
    test_null = node_addon("js-native-api", "test_string").testNull
    expected_result = {
        "envIsNull": "Invalid argument",
        "stringIsNullNonZeroLength": "Invalid argument",
        "stringIsNullZeroLength": "napi_ok",
        "resultIsNull": "Invalid argument",
    }
    assert test_null.test_create_latin1() == expected_result
    assert test_null.test_create_utf8() == expected_result
    assert test_null.test_create_utf16() == expected_result
