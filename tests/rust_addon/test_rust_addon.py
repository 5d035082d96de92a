"""The napi-rs test addon (addons/rust -> build/addons/rust_addon.node) driven through napi_python.

The addon exports what a typical napi-rs 3 library exports: number/bool/string functions,
`Option<T>` arguments and results, `#[napi(object)]` structs (optional and nested fields),
`Vec<T>`, `Function` arguments called once and in loops, a class (`Counter`: constructor,
methods, getters/setters, a factory and a static method) and `Result` errors.

Expected values are never written from our own idea of the answer: each test states the same
calls twice, once as JavaScript and once through napi_python, runs the JavaScript under `node` on
the same .node file (`node_eval`), and compares (tests/node_oracle.py says how). The async exports
are in tests/rust_addon/test_rust_async.py.
"""

from __future__ import annotations

import json
import math
from typing import Any

import node_oracle
import pytest
from conftest import addon_path, node_eval
from node_oracle import NULL, Case, call, case, node_outcomes, py_argument

import napi_python
from napi_python import js

ADDON = "rust_addon"


def assert_same_as_node(addon: Any, cases: list[Case]) -> None:
    node_oracle.assert_same_as_node(addon, cases, addon_path(ADDON))


@pytest.fixture
def rust(load):
    return load(ADDON)


def test_node_oracle_sees_the_built_addon():
    """Guards the comparison itself: node really loads the file and reports values and errors."""
    out = node_outcomes([call("addI32", 2, 3), call("failPlain", "x"), call("mulF64", 0, -1)], addon_path(ADDON))
    assert out == [
        ["ok", ["int", 5]],
        ["throw", {"name": "Error", "message": "x", "code": "GenericFailure"}],
        ["ok", ["float", "-0"]],
    ]


# --------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------


def test_exports_are_listed_in_node_order_with_node_types(rust):
    from napi_python import js

    expected = node_eval(
        f"const a = require({json.dumps(addon_path(ADDON))});"
        "console.log(JSON.stringify(Reflect.ownKeys(a).map((k) => [k, typeof a[k]])))"
    )
    assert len(expected) == 66
    assert js.keys(napi_python.addon_info(rust).exports) == [k for k, _ in expected]
    for name, typeof in expected:
        assert name in dir(rust), name
        assert js.typeof(getattr(rust, name)) == typeof, name


# --------------------------------------------------------------------------------------------
# Numbers and booleans
# --------------------------------------------------------------------------------------------


def test_integer_arithmetic_wraps_like_node(rust):
    assert_same_as_node(
        rust,
        [
            call("addI32", 2, 3),
            call("addI32", -7, 3),
            call("addI32", 2147483647, 1),
            call("addU32", 1, 2),
            call("addU32", 4294967295, 2),
            call("addI64", -5, 3),
            call("addI64", 2**40, 2**41),
            call("addI64", -(2**52), -(2**51)),
            call("mulF64", 1.5, -2),
            call("mulF64", 0.1, 3),
            call("isEven", 4),
            call("isEven", -3),
            call("isEven", 0),
        ],
    )


def test_number_arguments_truncate_and_wrap_like_node(rust):
    """napi_get_value_int32/uint32/int64 on fractional, huge, NaN and infinite numbers."""
    assert_same_as_node(
        rust,
        [
            call("echoI32", 3.7),
            call("echoI32", -3.7),
            call("echoI32", 2**32 + 5),
            call("echoI32", 2**31),
            call("echoI32", -(2**31) - 1),
            call("echoI32", math.nan),
            call("echoI32", math.inf),
            call("echoU32", -1),
            call("echoU32", 3.9),
            call("echoU32", 2**32 + 7),
            call("echoI64", 2**52 + 1),
            call("echoI64", -7.9),
            call("echoI64", 1e20),
            call("echoI64", -1e20),
            call("echoI64", math.nan),
            call("echoI64", -math.inf),
        ],
    )


def test_i64_saturated_to_2_63_comes_back_as_float(rust):
    """echoI64(1e20) saturates to 2**63 - 1, which as a JS number is 2**63: beyond 2**53 -> float."""
    assert node_outcomes([call("echoI64", 1e20)], addon_path(ADDON)) == [["ok", ["float", 2.0**63]]]
    result = rust.echoI64(1e20)
    assert isinstance(result, float) and result == 2.0**63


def test_special_floats_round_trip(rust):
    assert_same_as_node(
        rust,
        [
            call("echoF64", 0.1),
            call("echoF64", -2.5),
            call("echoF64", 1e300),
            call("echoF64", 5e-324),
            call("echoF64", math.nan),
            call("echoF64", math.inf),
            call("echoF64", -math.inf),
            call("echoF64", -0.0),
            call("mulF64", 0, -1),
            call("clamp", 5, 0, 3),
            call("clamp", -1.5, 0, 3),
            call("clamp", math.nan, 0, 3),
        ],
    )
    result = rust.mulF64(0, -1)
    assert isinstance(result, float) and result == 0 and math.copysign(1.0, result) == -1.0
    assert math.isnan(rust.echoF64(math.nan))


def test_booleans_in_and_out(rust):
    assert_same_as_node(rust, [call("not", True), call("not", False)])
    assert getattr(rust, "not")(True) is False  # `not` is a Python keyword
    assert rust.isEven(10) is True


def test_wrong_argument_types_raise_the_same_error_as_node(rust):
    assert_same_as_node(
        rust,
        [
            call("echoI32", "5"),
            call("echoI32"),
            call("echoI32", True),
            call("echoI32", 2**60),
            call("echoI64", 2**60),
            call("echoF64", NULL),
            call("echoF64", None),
            call("echoU32", [1]),
            call("not", 1),
            call("not", "true"),
            call("not", NULL),
            call("greet", 5),
            call("greet", 2.5),
            call("greet", True),
            call("greet"),
            call("greet", NULL),
            call("greet", 2**60),
            call("greet", {}),
            call("greet", {"a": 1, "b": [True, None, NULL, "s"]}),
            call("greet", [1, 2]),
        ],
    )


def test_string_error_message_shows_the_value_as_node_json_stringifies_it(rust):
    """napi-rs builds this message with the global JSON.stringify (Buffer uses its toJSON)."""
    from napi_python import JSError

    with pytest.raises(JSError) as exc:
        rust.greet({"k": [1, "two"]})
    assert exc.value.message == ('Failed to convert JavaScript value `Object {"k":[1,"two"]}` into rust type `String`')
    assert exc.value.code == "StringExpected"
    assert exc.value.name == "Error"


def test_string_error_message_shows_a_buffer_through_its_to_json(rust):
    """JSON.stringify(buffer) uses Buffer.prototype.toJSON: {"type":"Buffer","data":[...]}."""
    assert_same_as_node(rust, [call("greet", b"x"), call("greet", bytearray(b"\x00\xff"))])


# --------------------------------------------------------------------------------------------
# Strings and Option<T>
# --------------------------------------------------------------------------------------------


def test_strings_round_trip_utf8_like_node(rust):
    assert_same_as_node(
        rust,
        [
            call("greet", "Ada"),
            call("greet", ""),
            call("greet", "Zoë 😀 日本"),
            call("reverse", "héllo😀"),
            call("reverse", "a\0b"),
            call("toUpper", "straße"),
            call("utf8Length", "héllo😀"),
            call("utf8Length", "a\0b"),
            call("utf8Length", "x" * 100_000),
            call("charCount", "héllo😀"),
            call("charCount", "a\0b"),
            call("splitWords", "  a bb\tccc\n"),
        ],
    )


def test_long_strings_survive_the_round_trip(rust):
    s = "abc😀" * 50_000
    assert rust.reverse(s) == s[::-1]
    assert rust.utf8Length(s) == len(s.encode())


def test_optional_arguments_accept_missing_none_and_null(rust):
    assert_same_as_node(
        rust,
        [
            call("greetMaybe"),
            call("greetMaybe", None),
            call("greetMaybe", NULL),
            call("greetMaybe", "Bo"),
            call("greetMaybe", 3),
            call("repeatStr", "ab", 3),
            call("repeatStr", "ab", 3, None),
            call("repeatStr", "ab", 3, "-"),
            call("repeatStr", "ab", 0, "-"),
            call("doubleOrNull", 21),
            call("doubleOrNull"),
            call("doubleOrNull", NULL),
        ],
    )


def test_none_results_are_none_and_some_results_are_values(rust):
    assert_same_as_node(
        rust,
        [
            call("findIndex", "hello", "ll"),
            call("findIndex", "hello", "z"),
            call("findIndex", "", ""),
            call("doubleOrNull", -4),
        ],
    )
    assert rust.findIndex("hello", "z") is None
    assert rust.doubleOrNull() is None


# --------------------------------------------------------------------------------------------
# #[napi(object)] structs and Vec<T>
# --------------------------------------------------------------------------------------------


def test_struct_results_are_dicts_in_field_order_without_absent_optionals(rust):
    assert_same_as_node(
        rust,
        [
            call("makePoint", 1, 2),
            call("makePoint", 0.5, -1.25),
            call("makePerson", "Ann", 30),
            call("makePerson", "Ann", 30, "ann@x.org", "Oslo"),
            call("makePerson", "Ann", 30, NULL, "Oslo"),
            call("makePerson", "Ann", -1),
            call("wordLengths", ["a", "bcd", "a", "", "naïve"]),
        ],
    )
    # Recorded under node: a None optional field is left out, not set to undefined/null.
    assert rust.makePerson("Ann", 30) == {"name": "Ann", "age": 30, "tags": []}


def test_struct_arguments_are_read_field_by_field(rust):
    bob = {"name": "Bob", "age": 40, "email": "b@y", "address": {"city": "Rome", "zip": "00100"}, "tags": ["a", "b"]}
    assert_same_as_node(
        rust,
        [
            call("distance", {"x": 0, "y": 0}, {"x": 3, "y": 4}),
            call("distance", {"x": 0, "y": 0, "z": 9}, {"x": 3, "y": 4}),
            call("distance", {"y": 1.5, "x": -2.5}, {"x": 0.5, "y": 0.5}),
            call("describePerson", {"name": "Bob", "age": 40, "tags": []}),
            call("describePerson", bob),
            call("describePerson", {"name": "Bob", "age": 40, "email": None, "tags": []}),
            call("birthday", {"name": "Cy", "age": 9, "address": {"city": "Pisa", "zip": "56100"}, "tags": ["x"]}),
            call("birthday", {"name": "Cy", "age": 9, "tags": []}),
        ],
    )


def test_struct_argument_errors_match_node(rust):
    assert_same_as_node(
        rust,
        [
            call("distance", {"x": 0}, {"x": 3, "y": 4}),
            call("distance", {"x": 0, "y": "a"}, {"x": 3, "y": 4}),
            call("distance", 5, {"x": 3, "y": 4}),
            call("distance", NULL, {"x": 3, "y": 4}),
            call("distance", None, {"x": 3, "y": 4}),
            call("describePerson", {"name": "Bob", "age": 40, "email": NULL, "tags": []}),
            call("describePerson", {"name": "Bob", "age": 40}),
            call("describePerson", {"name": "Bob", "age": 40, "tags": [], "address": {"city": "R"}}),
            call("describePerson", {"name": "Bob", "age": 40, "tags": [1]}),
        ],
    )


def test_vectors_in_and_out(rust):
    assert_same_as_node(
        rust,
        [
            call("sumI32", [1, 2, 3, 2147483647]),
            call("sumI32", []),
            call("sumI32", (4, 5, 6)),
            call("sumI32", [1, "2"]),
            call("sumI32", 5),
            call("sumI32", {"length": 2}),
            call("rangeU32", 5),
            call("rangeU32", 0),
            call("rangeU32", 10_000),
            call("sortStrings", ["pear", "Apple", "apple", "é", "z"]),
            call("scalePoints", [{"x": 1, "y": 2}, {"x": -1, "y": 0.5}], 2),
            call("scalePoints", [], 2),
            call("splitWords", ""),
        ],
    )


# --------------------------------------------------------------------------------------------
# Function arguments
# --------------------------------------------------------------------------------------------


def test_callback_is_called_once_with_one_argument(rust):
    calls = []

    def f(*args):
        calls.append(args)
        return args[0] * 10

    assert rust.callWith(f, 4) == 40
    assert calls == [(4,)]
    assert_same_as_node(
        rust,
        [
            case("a.callWith((x) => x * 10, 4)", lambda a: a.callWith(lambda x: x * 10, 4)),
            case("a.callWith((...args) => args.length, 4)", lambda a: a.callWith(lambda *args: len(args), 4)),
        ],
    )


def test_callback_results_convert_like_node(rust):
    assert_same_as_node(
        rust,
        [
            case("a.callWith((x) => 2.9, 4)", lambda a: a.callWith(lambda x: 2.9, 4)),
            case("a.callWith((x) => 's', 4)", lambda a: a.callWith(lambda x: "s", 4)),
            case("a.callWith((x) => undefined, 4)", lambda a: a.callWith(lambda x: None, 4)),
            case("a.callWith(5, 4)", lambda a: a.callWith(5, 4)),
            case("a.filterWith(['apple'], (s) => 1)", lambda a: a.filterWith(["apple"], lambda s: 1)),
        ],
    )


def test_map_with_calls_once_per_item_in_order(rust):
    seen = []

    def square(x):
        seen.append(x)
        return x * x

    assert rust.mapWith([5, 6, 7], square) == [25, 36, 49]
    assert seen == [5, 6, 7]

    never = []
    assert rust.mapWith([], never.append) == []
    assert never == []

    assert_same_as_node(
        rust,
        [
            case("a.mapWith([1, 2, 3], (x) => x * x)", lambda a: a.mapWith([1, 2, 3], lambda x: x * x)),
            case(
                "a.mapWith(Array.from({length: 1000}, (_, i) => i), (x) => x - 500)",
                lambda a: a.mapWith(list(range(1000)), lambda x: x - 500),
            ),
        ],
    )


def test_callbacks_with_two_arguments_and_object_arguments(rust):
    assert_same_as_node(
        rust,
        [
            case(
                "a.filterWith(['apple', 'kiwi', 'banana'], (s) => s.length > 4)",
                lambda a: a.filterWith(["apple", "kiwi", "banana"], lambda s: len(s) > 4),
            ),
            case(
                "a.reduceWith([1, 2, 3, 4], 10, (acc, x) => acc * x)",
                lambda a: a.reduceWith([1, 2, 3, 4], 10, lambda acc, x: acc * x),
            ),
            case(
                "a.reduceWith([7], 0.5, (...args) => args.length * 100 + args[0] + args[1])",
                lambda a: a.reduceWith([7], 0.5, lambda *args: len(args) * 100 + args[0] + args[1]),
            ),
            case(
                "a.describePoint((p) => `${p.x},${p.y},${Object.keys(p)}`, 1.5, -2)",
                lambda a: a.describePoint(lambda p: f"{p['x']},{p['y']},{','.join(p)}", 1.5, -2),
            ),
        ],
    )


def test_call_n_times_passes_the_index_and_ignores_results(rust):
    seen = []

    def f(i):
        seen.append(i)
        return "ignored"

    assert rust.callNTimes(4, f) == 4
    assert seen == [0, 1, 2, 3]
    expected = node_eval(
        f"const a = require({json.dumps(addon_path(ADDON))}); const seen = [];"
        "const r = a.callNTimes(4, (i) => { seen.push(i); return 'ignored'; });"
        "console.log(JSON.stringify([r, seen]))"
    )
    assert [4, seen] == expected


def test_python_exception_in_callback_propagates_as_the_same_object(rust):
    """napi-rs stops the loop and rethrows the callback's error object unchanged (checked in node)."""
    under_node = node_eval(
        f"const a = require({json.dumps(addon_path(ADDON))}); const seen = [];"
        "const boom = new Error('stop at 2'); let same = false;"
        "try { a.mapWith([1, 2, 3], (x) => { seen.push(x); if (x === 2) throw boom; return x; }); }"
        "catch (e) { same = e === boom; }"
        "console.log(JSON.stringify([same, seen]))"
    )
    assert under_node == [True, [1, 2]]

    boom = ValueError("stop at 2")
    seen = []

    def f(x):
        seen.append(x)
        if x == 2:
            raise boom
        return x

    with pytest.raises(ValueError) as exc:
        rust.mapWith([1, 2, 3], f)
    assert exc.value is boom
    assert seen == [1, 2]
    assert rust.mapWith([1, 2, 3], lambda x: -x) == [-1, -2, -3]


def test_js_error_raised_in_a_nested_call_propagates_through_the_callback(rust):
    """A callback that calls back into the addon, whose error passes out through callWith."""
    from napi_python import JSError

    seen = []

    def f(x):
        seen.append(x)
        return rust.failPlain(f"inner {x}")

    with pytest.raises(JSError) as exc:
        rust.callWith(f, 7)
    assert (exc.value.name, exc.value.message, exc.value.code) == ("Error", "inner 7", "GenericFailure")
    assert seen == [7]
    # Re-entrant calls that succeed: the callback uses the addon while the addon waits for it.
    assert rust.mapWith([1, 2, 3], lambda x: rust.addI32(x, 100)) == [101, 102, 103]


# --------------------------------------------------------------------------------------------
# The Counter class
# --------------------------------------------------------------------------------------------


def _inc_twice(c):
    return [c.increment(), c.increment()]


def _set_value(c, v):
    c.value = v
    return c.value


def _set_step_then_inc(c, s):
    c.step = s
    return [c.step, c.increment()]


def _step_after_failed_set(c):
    try:
        c.step = 0
    except Exception:  # the error itself is compared in another case
        pass
    return c.step


def _reset(c):
    r = c.reset()
    return [r, c.value]


def _independent(a):
    x, y = a.Counter(10), a.Counter(20)
    x.increment()
    return [x.value, y.value]


def _with_step(a):
    from napi_python import js

    d = a.Counter.withStep(100, -3)
    return [js.instanceof(d, a.Counter), d.value, d.step, d.increment(), d.toString()]


def test_counter_class_behaves_like_node(rust):
    assert js.is_class(rust.Counter)
    assert_same_as_node(
        rust,
        [
            case("new a.Counter().value", lambda a: a.Counter().value),
            case("new a.Counter().step", lambda a: a.Counter().step),
            case("new a.Counter(undefined).value", lambda a: a.Counter(None).value),
            case("new a.Counter(null).value", lambda a: a.Counter(py_argument(NULL)).value),
            case("new a.Counter('x')", lambda a: a.Counter("x")),
            case("(c => [c.increment(), c.increment()])(new a.Counter(10))", lambda a: _inc_twice(a.Counter(10))),
            case("new a.Counter(2).add(40)", lambda a: a.Counter(2).add(40)),
            case("(c => { c.value = 7; return c.value; })(new a.Counter(1))", lambda a: _set_value(a.Counter(1), 7)),
            case(
                "(c => { c.value = 'x'; return c.value; })(new a.Counter(1))", lambda a: _set_value(a.Counter(1), "x")
            ),
            case("(c => [c.reset(), c.value])(new a.Counter(9))", lambda a: _reset(a.Counter(9))),
            case(
                "(c => { c.step = 5; return [c.step, c.increment()]; })(new a.Counter(0))",
                lambda a: _set_step_then_inc(a.Counter(0), 5),
            ),
            case(
                "(c => { c.step = 0; return c.step; })(new a.Counter(0))", lambda a: _set_step_then_inc(a.Counter(0), 0)
            ),
            case(
                "(c => { try { c.step = 0 } catch (e) {} return c.step; })(new a.Counter(0))",
                lambda a: _step_after_failed_set(a.Counter(0)),
            ),
            case("new a.Counter(5).toString()", lambda a: a.Counter(5).toString()),
            case(
                "(() => { const x = new a.Counter(10), y = new a.Counter(20); x.increment();"
                " return [x.value, y.value]; })()",
                _independent,
            ),
            case(
                "(d => [d instanceof a.Counter, d.value, d.step, d.increment(), d.toString()])"
                "(a.Counter.withStep(100, -3))",
                _with_step,
            ),
            case("a.Counter.describe()", lambda a: a.Counter.describe()),
            case("a.Counter.name", lambda a: a.Counter.name),
        ],
    )


def test_counter_instances_are_proxies_of_the_class(rust):
    from napi_python import JSObject, js

    c = rust.Counter(3)
    assert isinstance(c, JSObject)
    assert js.instanceof(c, rust.Counter)
    assert js.get_prototype(c) == rust.Counter.prototype
    assert js.keys(c) == []  # node: Object.getOwnPropertyNames(new Counter()) is []
    assert c.increment() == 4
    assert c.value == 4


DESCRIPTOR_JS = r"""
const shape = (o, keys) => keys.map((k) => {
  const d = Object.getOwnPropertyDescriptor(o, k);
  return [k, 'value' in d ? 'data' : 'accessor', d.enumerable, d.configurable,
          'value' in d ? d.writable : null, typeof (d.value || d.get)];
});
"""


def _shape(descriptors: dict, keys: list) -> list:
    from napi_python import js

    out = []
    for k in keys:
        d = descriptors[k]
        data = "value" in d
        out.append(
            [
                k,
                "data" if data else "accessor",
                d["enumerable"],
                d["configurable"],
                d["writable"] if data else None,
                js.typeof(d["value"] if data else d["get"]),
            ]
        )
    return out


def test_class_property_attributes_match_node(rust):
    """napi_define_class: prototype methods/accessors and static methods with node's attributes."""
    from napi_python import js

    expected = node_eval(
        DESCRIPTOR_JS + f"const a = require({json.dumps(addon_path(ADDON))}); const C = a.Counter;"
        "console.log(JSON.stringify([Reflect.ownKeys(C.prototype), shape(C.prototype,"
        " Reflect.ownKeys(C.prototype)), shape(C, ['prototype', 'describe', 'withStep'])]))"
    )
    proto_keys, proto_shape, static_shape = expected
    proto = rust.Counter.prototype
    assert js.keys(proto) == proto_keys
    assert _shape(js.own_property_descriptors(proto), proto_keys) == proto_shape
    assert _shape(js.own_property_descriptors(rust.Counter), ["prototype", "describe", "withStep"]) == static_shape


def test_methods_and_accessors_check_their_receiver_like_node(rust):
    from napi_python import js

    def getter_on_plain_object(a):
        return js.own_property_descriptors(a.Counter.prototype)["value"]["get"].call({})

    assert_same_as_node(
        rust,
        [
            case("a.Counter.prototype.increment.call({})", lambda a: a.Counter.prototype.increment.call({})),
            case("Object.getOwnPropertyDescriptor(a.Counter.prototype, 'value').get.call({})", getter_on_plain_object),
        ],
    )


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def test_result_errors_carry_message_and_code_like_node(rust):
    assert_same_as_node(
        rust,
        [
            call("failPlain", "it broke"),
            call("failPlain", ""),
            call("failPlain", "ünïcödé 😀"),
            call("failInvalidArg", "bad input"),
            call("checkedDiv", 7, 2),
            call("checkedDiv", -7, 2),
            call("checkedDiv", 7, 0),
            call("checkedDiv", -(2**31), -1),
            call("parseInt32", " 42 "),
            call("parseInt32", "4x2"),
            call("parseInt32", "99999999999"),
            call("parseInt32", ""),
            call("failWithCode", "E_CUSTOM", "custom failure"),
            call("throwTypeError", "wrong type"),
            call("throwRangeError", "out of range"),
            call("panics", "oh no"),
        ],
    )


def test_error_classes_follow_the_js_error_name(rust):
    from napi_python import JSError, JSRangeError, JSTypeError

    with pytest.raises(JSTypeError) as t:
        rust.throwTypeError("wrong type")
    assert isinstance(t.value, TypeError)
    assert (t.value.name, t.value.message, t.value.code) == ("TypeError", "wrong type", "InvalidArg")

    with pytest.raises(JSRangeError) as r:
        rust.throwRangeError("out of range")
    assert isinstance(r.value, ValueError)
    assert (r.value.name, r.value.code) == ("RangeError", "ERR_OUT_OF_RANGE")

    with pytest.raises(JSError) as e:
        rust.failInvalidArg("bad input")
    assert not isinstance(e.value, (TypeError, ValueError))
    assert isinstance(e.value, RuntimeError)
    assert (e.value.name, e.value.message, e.value.code) == ("Error", "bad input", "InvalidArg")


def test_addon_keeps_working_after_errors_and_a_caught_panic(rust):
    from napi_python import JSError

    with pytest.raises(JSError) as e:
        rust.panics("oh no")
    assert (e.value.message, e.value.code) == ("oh no", "GenericFailure")
    with pytest.raises(JSError):
        rust.failPlain("x")
    assert rust.addI32(1, 1) == 2
    c = rust.Counter(1)
    with pytest.raises(JSError):
        c.step = 0
    assert c.increment() == 2
