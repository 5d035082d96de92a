"""js-native-api/test_bigint/test.js"""

import pytest

from napi_python import BigInt, js

from ..helpers import throws

NUMBERS = [
    0,
    -0,
    1,
    -1,
    100,
    2121,
    -1233,
    986583,
    -976675,
    98765432213456789876546896323445679887645323232436587988766545658,
    -4350987086545760976737453646576078997096876957864353245245769809,
]


def _same_bigint(got, want):
    return isinstance(got, BigInt) and int(got) == want


@pytest.mark.parametrize("n", NUMBERS)
def test_bigint_roundtrip(node_addon, n):
    addon = node_addon("js-native-api", "test_bigint")
    num = js.bigint(n)
    if -(2**63) < n < 2**63:
        assert _same_bigint(addon.TestInt64(num), n)
        assert addon.IsLossless(num, True) is True
    else:
        assert addon.IsLossless(num, True) is False

    if 0 <= n < 2**64:
        assert _same_bigint(addon.TestUint64(num), n)
        assert addon.IsLossless(num, False) is True
    else:
        assert addon.IsLossless(num, False) is False

    assert _same_bigint(addon.TestWords(num), n)


def test_bigint_errors(node_addon):
    addon = node_addon("js-native-api", "test_bigint")
    throws(lambda: addon.CreateTooBigBigInt(), name="Error", message="Invalid argument")
    throws(lambda: addon.MakeBigIntWordsThrow(), name="RangeError", message="Maximum BigInt size exceeded")
