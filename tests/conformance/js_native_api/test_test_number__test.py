"""js-native-api/test_number/test.js: napi_create_double/get_value_double round trips and the
int32/uint32/int64 truncation rules of napi_get_value_*."""

from __future__ import annotations

import math

MAX_VALUE = 1.7976931348623157e308
MIN_VALUE = 5e-324
MAX_SAFE_INTEGER = 2**53 - 1
MIN_SAFE_INTEGER = -(2**53 - 1)


def same(a, b) -> bool:
    """assert.strictEqual on numbers: Object.is (NaN equals NaN, 0 and -0 differ)."""
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or isinstance(a, bool) or isinstance(b, bool):
        return False
    fa, fb = float(a), float(b)
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return fa == fb and math.copysign(1.0, fa) == math.copysign(1.0, fb)


def test_number_round_trip(node_addon):
    addon = node_addon("js-native-api", "test_number")

    def test_number(num):
        got = addon.Test(num)
        assert same(num, got), (num, got)

    for n in [
        0,
        -0.0,
        1,
        -1,
        100,
        2121,
        -1233,
        986583,
        -976675,
        98765432213456789876546896323445679887645323232436587988766545658.0,
        -4350987086545760976737453646576078997096876957864353245245769809.0,
        MIN_SAFE_INTEGER,
        MAX_SAFE_INTEGER,
        float(MAX_SAFE_INTEGER + 10),
        MIN_VALUE,
        MAX_VALUE,
        MAX_VALUE + 10,
        math.inf,
        -math.inf,
        math.nan,
    ]:
        test_number(n)


def test_uint32_truncation(node_addon):
    addon = node_addon("js-native-api", "test_number")

    def test_uint32(inp, expected=None):
        expected = inp if expected is None else expected
        got = addon.TestUint32Truncation(inp)
        assert same(expected, got), (inp, expected, got)

    test_uint32(0.0, 0)
    test_uint32(-0.0, 0)
    test_uint32(4294967295)
    test_uint32(4294967296, 0)
    test_uint32(4294967297, 1)
    test_uint32(17 * 4294967296 + 1, 1)
    test_uint32(-1, 0xFFFFFFFF)


def test_int32_truncation(node_addon):
    addon = node_addon("js-native-api", "test_number")

    def test_int32(inp, expected=None):
        expected = inp if expected is None else expected
        got = addon.TestInt32Truncation(inp)
        assert same(expected, got), (inp, expected, got)

    test_int32(0.0, 0)
    test_int32(-0.0, 0)
    test_int32(-(2**31))
    test_int32(2**31 - 1)
    test_int32(4294967297, 1)
    test_int32(4294967296, 0)
    test_int32(4294967295, -1)
    test_int32(4294967296 * 5 + 3, 3)
    test_int32(MIN_SAFE_INTEGER, 1)
    test_int32(MAX_SAFE_INTEGER, -1)
    # Doubles as JS computes them (precision loss included): -2**63 + (2**9 + 1) etc.
    test_int32(-(2.0**63) + (2.0**9 + 1), 1024)
    test_int32(2.0**63 - (2.0**9 + 1), -1024)
    test_int32(-MIN_VALUE, 0)
    test_int32(MIN_VALUE, 0)
    test_int32(-MAX_VALUE, 0)
    test_int32(MAX_VALUE, 0)
    test_int32(-(2.0**63) + 2.0**9, 0)
    test_int32(2.0**63 - 2.0**9, 0)
    test_int32(math.inf, 0)
    test_int32(-math.inf, 0)
    test_int32(math.nan, 0)


def test_int64_truncation(node_addon):
    addon = node_addon("js-native-api", "test_number")
    rangeerror_positive = 2.0**63
    rangeerror_negative = -(2.0**63)

    def test_int64(inp, expected=None):
        expected = inp if expected is None else expected
        got = addon.TestInt64Truncation(inp)
        assert same(expected, got), (inp, expected, got)

    test_int64(0.0, 0)
    test_int64(-0.0, 0)
    test_int64(MIN_SAFE_INTEGER)
    test_int64(MAX_SAFE_INTEGER)
    test_int64(-(2.0**63) + (2.0**9 + 1))
    test_int64(2.0**63 - (2.0**9 + 1))
    test_int64(-MIN_VALUE, 0)
    test_int64(MIN_VALUE, 0)
    test_int64(-MAX_VALUE, rangeerror_negative)
    test_int64(MAX_VALUE, rangeerror_positive)
    test_int64(-(2.0**63) + 2.0**9, rangeerror_negative)
    test_int64(2.0**63 - 2.0**9, rangeerror_positive)
    test_int64(math.inf, 0)
    test_int64(-math.inf, 0)
    test_int64(math.nan, 0)
