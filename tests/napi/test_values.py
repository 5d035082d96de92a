"""Node-API chapter "values": creating and reading primitives, napi_typeof, number conversions,
coercion, strict equality and napi_get_version (addon: addons/c/values.c).

Expected values of the number conversions are computed at test time by running the same addon
under node; the other literals were recorded under node 20 (Node-API 9).
"""

from __future__ import annotations

import json
import math

import pytest
from conftest import addon_path, node_eval

from napi_python import BigInt, js

# napi_status numbers (js_native_api_types.h)
NAPI_OK = 0
NAPI_INVALID_ARG = 1
NAPI_OBJECT_EXPECTED = 2
NAPI_STRING_EXPECTED = 3
NAPI_NUMBER_EXPECTED = 6
NAPI_BOOLEAN_EXPECTED = 7

# napi_valuetype numbers
TYPES = {
    "undefined": 0,
    "null": 1,
    "boolean": 2,
    "number": 3,
    "string": 4,
    "symbol": 5,
    "object": 6,
    "function": 7,
    "external": 8,
    "bigint": 9,
}

# (JavaScript source, the same number in Python). Python ints beyond 2^53 would become BigInts,
# so the large ones are floats.
NUMBER_INPUTS = [
    ("0", 0),
    ("-0", -0.0),
    ("1.9", 1.9),
    ("-1.9", -1.9),
    ("2**31", 2**31),
    ("2**31 + 0.5", 2**31 + 0.5),
    ("-(2**31) - 1", -(2**31) - 1),
    ("2**32", 2**32),
    ("2**32 + 5", 2**32 + 5),
    ("4294967295.5", 4294967295.5),
    ("-1", -1),
    ("1e20", 1e20),
    ("-1e20", -1e20),
    ("2**53", 2**53),
    ("2**63", float(2**63)),
    ("-(2**63)", -float(2**63)),
    ("NaN", math.nan),
    ("Infinity", math.inf),
    ("-Infinity", -math.inf),
]


def node_conversions(function: str) -> list:
    """[status, String(result)] of `function` for each input, as node answers."""
    inputs = ", ".join(src for src, _ in NUMBER_INPUTS)
    return node_eval(
        f"const a = require({json.dumps(addon_path('values'))});"
        f"console.log(JSON.stringify([{inputs}].map(x => {{"
        f"  const [s, r] = a.{function}(x); return [s, String(r)]; }})));"
    )


@pytest.mark.parametrize("function", ["toInt32", "toUint32", "toInt64"])
def test_integer_conversions_wrap_or_saturate_like_node(load, function):
    # int32/uint32 wrap modulo 2^32 (1e20 -> 1661992960), int64 saturates, NaN/±Inf -> 0.
    addon = load("values")
    expected = node_conversions(function)
    got = [getattr(addon, function)(value) for _, value in NUMBER_INPUTS]
    for (src, _), (status, result), (node_status, node_result) in zip(NUMBER_INPUTS, got, expected, strict=False):
        assert status == node_status == NAPI_OK, src
        assert result == int(node_result), f"{function}({src})"


def test_int64_results_beyond_2_53_arrive_exactly_as_bigint(load):
    addon = load("values")
    status, result = addon.toInt64(1e20)
    assert status == NAPI_OK
    assert isinstance(result, BigInt)
    assert result == 2**63 - 1  # saturated, recorded under node 20
    assert addon.toInt64(-1e20)[1] == -(2**63)


def test_get_value_double_keeps_nan_infinities_and_negative_zero(load):
    addon = load("values")
    assert addon.toDouble(1.9) == [NAPI_OK, 1.9]
    assert addon.toDouble(2**31 + 0.5) == [NAPI_OK, 2**31 + 0.5]
    status, nan = addon.toDouble(math.nan)
    assert status == NAPI_OK and math.isnan(nan)
    assert addon.toDouble(math.inf) == [NAPI_OK, math.inf]
    assert addon.toDouble(-math.inf) == [NAPI_OK, -math.inf]
    status, zero = addon.toDouble(-0.0)
    assert status == NAPI_OK and isinstance(zero, float) and math.copysign(1.0, zero) == -1.0


@pytest.mark.parametrize("function", ["toInt32", "toUint32", "toInt64", "toDouble"])
def test_number_getters_on_non_numbers_return_number_expected(load, function):
    addon = load("values")
    for value in ["1", True, None, js.null, {}, [1], BigInt(1), js.symbol(addon, "s")]:
        assert getattr(addon, function)(value) == [NAPI_NUMBER_EXPECTED, None], repr(value)


def test_get_value_bool_on_non_booleans_returns_boolean_expected(load):
    addon = load("values")
    assert addon.toBool(True) == [NAPI_OK, True]
    assert addon.toBool(False) == [NAPI_OK, False]
    for value in [1, 0, "true", None, js.null, {}]:
        assert addon.toBool(value) == [NAPI_BOOLEAN_EXPECTED, None], repr(value)


def test_null_result_pointers_return_invalid_arg(load):
    addon = load("values")
    # get_value_int32, get_value_double, typeof, create_int32, get_undefined, typeof(NULL)
    assert addon.statusesOfNullResult(1) == [NAPI_INVALID_ARG] * 6


def test_typeof_of_values_made_in_the_addon(load):
    addon = load("values")
    expected = dict(TYPES, array=TYPES["object"])
    assert addon.typesOfCreated() == expected


def test_typeof_of_values_sent_from_python(load):
    addon = load("values")
    cases = [
        (None, "undefined"),
        (js.undefined, "undefined"),
        (js.null, "null"),
        (True, "boolean"),
        (0, "number"),
        (1.5, "number"),
        (math.nan, "number"),
        ("", "string"),
        (js.symbol(addon, "d"), "symbol"),
        ({}, "object"),
        ([1, 2], "object"),
        (lambda: None, "function"),
        (addon.typeOf, "function"),
        (BigInt(5), "bigint"),
        (2**70, "bigint"),
    ]
    for value, kind in cases:
        assert addon.typeOf(value) == TYPES[kind], (value, kind)


def test_ints_beyond_2_to_the_53_cross_as_bigints_not_rounded_numbers(load):
    """Every integer up to 2**53 in magnitude has a double of its own; beyond, an int is a
    BigInt. 2**53 + 1 rounds to the double 2**53, and crossed as that number, silently losing
    its last digit (a plain int and an int subclass alike)."""
    addon = load("values")

    class Count(int):
        pass

    numbers = [2**53 - 1, 2**53, -(2**53), 1, -1, 0]
    beyond = [2**53 + 1, -(2**53 + 1), 2**53 + 3, 2**63, 2**64 + 1]
    for n in numbers:
        assert addon.typeOf(n) == TYPES["number"], n
        assert addon.typeOf(Count(n)) == TYPES["number"], n
    for n in beyond:
        assert addon.typeOf(n) == TYPES["bigint"], n
        assert addon.typeOf(Count(n)) == TYPES["bigint"], n
    # The same ints once more, now that `typeOf` is quick: the call is offered to the primitive
    # path, whose number check must turn these away.
    for _ in range(50):
        assert [addon.typeOf(n) for n in beyond] == [TYPES["bigint"]] * len(beyond)


def test_created_numbers_keep_their_values_at_the_limits(load):
    addon = load("values")
    # INT32_MIN, INT32_MAX, UINT32_MAX, int64 ±2^53, int64 INT64_MAX (a double: 2^63), 0.1
    assert addon.createdLimits() == [
        -(2**31),
        2**31 - 1,
        2**32 - 1,
        2**53,
        -(2**53),
        float(2**63),
        0.1,
    ]


def test_special_doubles_cross_as_floats(load):
    addon = load("values")
    nan, inf, ninf, nzero = addon.specialDoubles()
    assert math.isnan(nan)
    assert inf == math.inf and ninf == -math.inf
    assert isinstance(nzero, float) and nzero == 0 and math.copysign(1.0, nzero) == -1.0


def test_null_and_undefined_singletons_are_distinct_and_stable(load):
    addon = load("values")
    assert addon.singletonsAreStrictEqual() is True
    assert addon.singletons() == [None, None, True, False]


def test_strict_equals_follows_js_identity_rules(load):
    addon = load("values")
    assert addon.strictEquals(1, 1) is True
    assert addon.strictEquals(1, 1.0) is True
    assert addon.strictEquals(0, -0.0) is True
    assert addon.strictEquals(math.nan, math.nan) is False
    assert addon.strictEquals("a", "a") is True
    assert addon.strictEquals(1, "1") is False
    assert addon.strictEquals(None, js.null) is False
    assert addon.strictEquals(True, 1) is False
    # two objects made alike are distinct; strings made alike are equal; NaN never equals NaN
    assert addon.strictEqualsFreshValues() == [False, True, False]
    obj = js.object(addon, a=1)
    assert addon.strictEquals(obj, obj) is True
    assert addon.strictEquals(obj, js.object(addon, a=1)) is False


def test_coerce_to_bool_uses_js_truthiness(load):
    addon = load("values")
    truthy = ["x", "0", " ", 1, -1, math.inf, {}, [], BigInt(1), js.symbol(addon)]
    falsy = ["", 0, -0.0, math.nan, None, js.null, False, BigInt(0)]
    for value in truthy:
        assert addon.coerceToBool(value) == [NAPI_OK, True, None], repr(value)
    for value in falsy:
        assert addon.coerceToBool(value) == [NAPI_OK, False, None], repr(value)


def test_coerce_to_number_parses_like_js(load):
    addon = load("values")
    assert addon.coerceToNumber("  12  ") == [NAPI_OK, 12, None]
    assert addon.coerceToNumber("0x10") == [NAPI_OK, 16, None]
    assert addon.coerceToNumber("") == [NAPI_OK, 0, None]
    assert addon.coerceToNumber(True) == [NAPI_OK, 1, None]
    assert addon.coerceToNumber(js.null) == [NAPI_OK, 0, None]
    assert addon.coerceToNumber([5]) == [NAPI_OK, 5, None]
    for value in ["abc", None, {}]:
        status, result, thrown = addon.coerceToNumber(value)
        assert status == NAPI_OK and math.isnan(result) and thrown is None, repr(value)


def test_coerce_to_number_of_bigint_and_symbol_fails_with_a_pending_type_error(load):
    # Recorded under node 20: status napi_number_expected AND a TypeError left pending.
    addon = load("values")
    for value in [BigInt(1), js.symbol(addon, "s")]:
        status, result, thrown = addon.coerceToNumber(value)
        assert status == NAPI_NUMBER_EXPECTED and result is None
        assert thrown.name == "TypeError"


def test_coerce_to_string_formats_like_js(load):
    addon = load("values")
    cases = [
        (1.5, "1.5"),
        (-0.0, "0"),
        (123.0, "123"),
        (1e21, "1e+21"),
        (0.1 + 0.2, "0.30000000000000004"),
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
        (True, "true"),
        (None, "undefined"),
        (js.null, "null"),
        ({"a": 1}, "[object Object]"),
        ([1, [2, 3]], "1,2,3"),
        (BigInt(2**70), str(2**70)),
    ]
    for value, text in cases:
        assert addon.coerceToString(value) == [NAPI_OK, text, None], repr(value)


def test_coerce_to_string_of_symbol_returns_string_expected_and_throws(load):
    addon = load("values")
    status, result, thrown = addon.coerceToString(js.symbol(addon, "s"))
    assert (status, result) == (NAPI_STRING_EXPECTED, None)
    assert thrown.name == "TypeError"


# `length`s given a Buffer of "hello" as its own property, as JavaScript and as Python (None is
# undefined): node's Buffer.prototype.toString() (what a coercion calls) slices up to it, taking it
# as an index (truncated, NaN as 0) and throwing a RangeError below 0 or past the bytes; undefined
# means the whole buffer.
OWN_LENGTHS = {
    "2": 2, "2.5": 2.5, "'3'": "3", "undefined": None, "true": True, "-0.5": -0.5, "5": 5,
    "-1": -1, "6": 6, "NaN": math.nan, "Infinity": math.inf,
}  # fmt: skip


def test_coerce_to_string_of_a_buffer_with_its_own_length_slices_as_node(load):
    expected = node_eval(
        f"const a = require({addon_path('values')!r}); const out = [];"
        f"for (const v of [{', '.join(OWN_LENGTHS)}]) {{"
        "  const b = Buffer.from('hello'); Object.defineProperty(b, 'length', {value: v});"
        "  const [status, text, thrown] = a.coerceToString(b);"
        "  out.push([status, text ?? null, thrown && [thrown.name, thrown.code, thrown.message]]);"
        "}"
        "console.log(JSON.stringify(out))"
    )
    addon = load("values")
    g = js.global_this(addon)
    got = []
    for v in OWN_LENGTHS.values():
        b = js.get(js.get(g, "Buffer"), "from")("hello")
        js.get(g, "Object").defineProperty(b, "length", {"value": v})
        status, text, thrown = addon.coerceToString(b)
        got.append([status, text, thrown and [thrown.name, thrown.code, thrown.message]])
    assert got == expected
    assert [row[1] for row in expected[:5]] == ["he", "he", "hel", "hello", "h"]
    assert expected[7][2] == ["RangeError", "ERR_OUT_OF_RANGE", "Index out of range"]


def test_coerce_to_object_wraps_primitives_and_rejects_null_and_undefined(load):
    addon = load("values")
    for value in [1, "s", True]:
        status, result, thrown = addon.coerceToObject(value)
        assert status == NAPI_OK and thrown is None
        assert js.typeof(result) == "object"
    obj = js.object(addon)
    status, result, thrown = addon.coerceToObject(obj)
    assert status == NAPI_OK and js.strict_equals(result, obj)
    # Recorded under node 20: napi_object_expected with a TypeError pending.
    for value in [None, js.null]:
        status, result, thrown = addon.coerceToObject(value)
        assert (status, result) == (NAPI_OBJECT_EXPECTED, None)
        assert thrown.name == "TypeError"


def test_napi_get_version_reports_the_highest_version_the_host_implements(load):
    # The highest Node-API version the runtime supports: node 20 answers 9; this host implements
    # Node-API 1-10 (HOST_NAPI_VERSION in server/napi/src/lifecycle.rs).
    assert load("values").getVersion() == 10


def test_dicts_come_back_with_their_own_keys_whatever_the_key_cache_holds(load):
    """The keys of dicts copied from JS objects come from a small cache of recent key
    strings. A key must never come back as another one that shares its slot: hundreds of keys
    through 128 slots, twice (the second round meets what the first left), long keys (not
    cached) and non-ASCII ones included."""
    addon = load("values")
    keys = [f"k{i}" for i in range(300)] + ["", "é", "ключ", "日本", "x" * 40, "x" * 41, "y" * 300]
    for _ in range(2):
        for start in range(0, len(keys), 50):
            sent = {k: i for i, k in enumerate(keys[start : start + 50], start)}
            status, back, thrown = addon.coerceToObject(sent)
            assert (status, thrown) == (NAPI_OK, None)
            assert list(back.items()) == list(sent.items())


def test_objects_of_scalars_and_objects_walked_come_back_alike(load):
    """An object whose values are all scalars, named by strings, is made into a dict at once
    (`ValueSink::leaf_object`); one with an index key, a string or an object among its values is
    walked property by property. Either way every value comes back, in JS order."""
    addon = load("values")
    scalars = {"n": 1, "f": 1.5, "t": True, "no": False, "z": None, "big": BigInt(2**70), "neg": -(2**40)}
    cases = [
        (scalars, scalars),
        ({**scalars, "s": "text"}, {**scalars, "s": "text"}),
        ({**scalars, "o": {"a": 1}}, {**scalars, "o": {"a": 1}}),
        # Index keys first, ascending, as JS orders them.
        ({"b": 2, "2": 1, "1": 3}, {"1": 3, "2": 1, "b": 2}),
        ({}, {}),
    ]
    for sent, expected in cases:
        status, back, thrown = addon.coerceToObject(sent)
        assert (status, thrown) == (NAPI_OK, None)
        assert list(back.items()) == list(expected.items())
        assert [type(v) for v in back.values()] == [type(v) for v in expected.values()]


def test_a_value_nested_1000_deep_by_json_parse_arrives_whole(load):
    # JS allows it (JSON.parse makes it), and Python gets it whole: values cross in loops, to
    # any depth (tests/napi/test_deep_values.py; it was a RecursionError).
    addon = load("values")
    parse = js.get(js.get(js.global_this(addon), "JSON"), "parse")
    deep = parse("[" * 1000 + "]" * 1000)
    for _ in range(999):
        deep = deep[0]
    assert deep == []
    assert parse("[1]") == [1]


class _LyingInt(int):
    """An int whose own methods answer nonsense (a Rust panic, PanicException, came
    out of the conversion)."""

    def __abs__(self):
        return "not a number"

    def bit_length(self):
        return 3

    def to_bytes(self, *args, **kwargs):
        return b"x"


def test_an_int_subclass_with_lying_methods_converts_by_its_value(load):
    addon = load("values")
    assert addon.coerceToString(_LyingInt(2**70))[1] == str(2**70)
    assert addon.coerceToString(_LyingInt(-(2**70)))[1] == str(-(2**70))
    assert addon.typeOf(_LyingInt(2**70)) == TYPES["bigint"]
