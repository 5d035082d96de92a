"""Node-API chapter "objects": named/keyed/indexed property access, napi_define_properties with
attributes, napi_get_property_names / napi_get_all_property_names, prototypes, instanceof,
freeze/seal and arrays (addon: addons/c/objects.c).

Most addon functions answer `[status, result, thrown]`: the napi_status of the call, its result
(None when it failed) and the exception it left pending (cleared; None when nothing was thrown).
Statuses and results were recorded under node 20.
"""

from __future__ import annotations

import json

import pytest
from conftest import addon_path, node_eval
from node_oracle import Case, assert_same_as_node

from napi_python import JSObject, js

NAPI_OK = 0
NAPI_OBJECT_EXPECTED = 2
NAPI_NAME_EXPECTED = 4
NAPI_FUNCTION_EXPECTED = 5
NAPI_ARRAY_EXPECTED = 8

# napi_key_collection_mode, napi_key_filter, napi_key_conversion
INCLUDE_PROTOTYPES, OWN_ONLY = 0, 1
ALL, WRITABLE, ENUMERABLE, CONFIGURABLE, SKIP_STRINGS, SKIP_SYMBOLS = 0, 1, 2, 4, 8, 16
KEEP_NUMBERS, NUMBERS_TO_STRINGS = 0, 1

OK = [NAPI_OK, None, None]


def assert_threw_type_error(answer, status):
    got_status, result, thrown = answer
    assert (got_status, result) == (status, None)
    assert thrown is not None and thrown.name == "TypeError"


def test_named_properties_set_get_has(load):
    addon = load("objects")
    obj = js.object(addon, x=1)
    assert addon.setNamed(obj, "y", 2) == OK
    assert obj.y == 2
    assert addon.getNamed(obj, "y") == [NAPI_OK, 2, None]
    assert addon.getNamed(obj, "missing") == [NAPI_OK, None, None]
    assert addon.hasNamed(obj, "y") == [NAPI_OK, True, None]
    assert addon.hasNamed(obj, "toString") == [NAPI_OK, True, None]  # inherited counts
    assert addon.hasNamed(obj, "missing") == [NAPI_OK, False, None]


def test_property_names_are_told_apart_whatever_the_name_cache_holds(load):
    """Names passed as C strings come from a small cache of recent names. A name must never
    be taken for another that shares its slot: hundreds of names through 128 slots, names longer
    than the cache keeps, and non-ASCII ones."""
    addon = load("objects")
    obj = js.object(addon)
    names = [f"n{i}" for i in range(300)] + ["é", "ключ", "日本", "z" * 40, "z" * 41]
    for i, name in enumerate(names):
        assert addon.setNamed(obj, name, i) == OK
    for i, name in enumerate(names):
        assert addon.getNamed(obj, name) == [NAPI_OK, i, None]
    assert addon.getNamed(obj, "n300") == [NAPI_OK, None, None]


def test_keyed_properties_accept_strings_numbers_and_symbols(load):
    addon = load("objects")
    obj = js.object(addon)
    sym = js.symbol(addon, "k")
    assert addon.setProperty(obj, 3, "three") == OK
    assert addon.setProperty(obj, 1.5, "x") == OK
    assert addon.setProperty(obj, sym, "s") == OK
    # numbers become their string form as keys
    assert addon.getProperty(obj, "3") == [NAPI_OK, "three", None]
    assert addon.getProperty(obj, "1.5") == [NAPI_OK, "x", None]
    assert addon.getProperty(obj, sym) == [NAPI_OK, "s", None]
    assert js.keys(obj) == ["3", "1.5", sym]
    assert addon.hasProperty(obj, 3) == [NAPI_OK, True, None]
    assert addon.hasProperty(obj, "toString") == [NAPI_OK, True, None]
    assert addon.hasOwnProperty(obj, "toString") == [NAPI_OK, False, None]
    assert addon.hasOwnProperty(obj, sym) == [NAPI_OK, True, None]


def test_has_own_property_with_a_non_name_key_returns_name_expected(load):
    addon = load("objects")
    obj = js.object(addon, a=1)
    for key in [3, None, js.null, True, js.object(addon)]:
        assert addon.hasOwnProperty(obj, key) == [NAPI_NAME_EXPECTED, None, None], repr(key)


def test_delete_property_reports_its_result(load):
    addon = load("objects")
    obj = js.object(addon, x=1, y=2)
    assert addon.deleteProperty(obj, "x") == [NAPI_OK, True, None]
    assert js.keys(obj) == ["y"]
    # deleting a missing property succeeds too (JS `delete` semantics)
    assert addon.deleteProperty(obj, "nope") == [NAPI_OK, True, None]
    js.define_property(obj, "fixed", value=1, configurable=False)
    assert addon.deleteProperty(obj, "fixed") == [NAPI_OK, False, None]
    assert obj.fixed == 1


def test_property_access_on_primitives_coerces_like_js(load):
    addon = load("objects")
    assert addon.getNamed("abc", "length") == [NAPI_OK, 3, None]
    assert addon.getElement("abc", 1) == [NAPI_OK, "b", None]
    assert addon.hasNamed(5, "toFixed") == [NAPI_OK, True, None]
    assert addon.setNamed(5, "y", 1) == OK  # silently dropped on the wrapper
    assert addon.setElement(5, 0, 1) == OK


@pytest.mark.parametrize(
    "call",
    [
        lambda a, v: a.setNamed(v, "y", 1),
        lambda a, v: a.getNamed(v, "y"),
        lambda a, v: a.hasNamed(v, "y"),
        lambda a, v: a.setProperty(v, "y", 1),
        lambda a, v: a.setElement(v, 0, 1),
        lambda a, v: a.getProperty(v, "y"),
        lambda a, v: a.hasProperty(v, "y"),
        lambda a, v: a.hasOwnProperty(v, "y"),
        lambda a, v: a.deleteProperty(v, "y"),
        lambda a, v: a.getElement(v, 0),
        lambda a, v: a.hasElement(v, 0),
        lambda a, v: a.deleteElement(v, 0),
        lambda a, v: a.propertyNames(v),
        lambda a, v: a.allPropertyNames(v, OWN_ONLY, ALL, NUMBERS_TO_STRINGS),
        lambda a, v: a.getPrototype(v),
        lambda a, v: a.freeze(v),
    ],
)
def test_property_access_on_null_or_undefined_returns_object_expected_with_a_type_error(load, call):
    # Node converts the target with ToObject: it throws for null/undefined and the call answers
    # napi_object_expected with the TypeError left pending (recorded under node 20).
    addon = load("objects")
    for target in [None, js.null]:
        assert_threw_type_error(call(addon, target), NAPI_OBJECT_EXPECTED)


def test_elements_set_get_has_delete(load):
    addon = load("objects")
    arr = js.array(addon, [1, 2])
    assert addon.setElement(arr, 9, "x") == OK
    # setting beyond the length grows the array and leaves holes
    assert addon.arrayLength(arr) == [NAPI_OK, 10, None]
    assert addon.hasElement(arr, 5) == [NAPI_OK, False, None]
    assert addon.hasElement(arr, 9) == [NAPI_OK, True, None]
    assert addon.getElement(arr, 5) == [NAPI_OK, None, None]
    assert addon.getElement(arr, 9) == [NAPI_OK, "x", None]
    assert addon.deleteElement(arr, 0) == [NAPI_OK, True, None]
    assert addon.hasElement(arr, 0) == [NAPI_OK, False, None]
    assert addon.arrayLength(arr) == [NAPI_OK, 10, None]  # delete leaves a hole
    assert addon.deleteElement(arr, 100) == [NAPI_OK, True, None]


def test_array_creation_length_and_is_array(load):
    addon = load("objects")
    assert addon.createArray() == []
    holes = addon.createArrayWithLength(3)
    assert addon.arrayLength(holes) == [NAPI_OK, 3, None]
    assert addon.hasElement(holes, 0) == [NAPI_OK, False, None]  # length only, no elements
    assert addon.arrayLength([1, 2]) == [NAPI_OK, 2, None]
    assert addon.isArray([]) == [NAPI_OK, True]
    assert addon.isArray({}) == [NAPI_OK, False]
    assert addon.isArray("x") == [NAPI_OK, False]


def test_array_length_of_a_non_array_returns_array_expected(load):
    addon = load("objects")
    for value in [{"length": 2}, "ab", 1, None]:
        assert addon.arrayLength(value) == [NAPI_ARRAY_EXPECTED, None, None], repr(value)


def test_setting_length_truncates_an_array(load):
    addon = load("objects")
    arr = js.array(addon, [1, 2, 3])
    assert addon.setNamed(arr, "length", 1) == OK
    assert addon.arrayLength(arr) == [NAPI_OK, 1, None]
    assert addon.getElement(arr, 1) == [NAPI_OK, None, None]


def test_define_properties_applies_every_attribute_combination(load):
    addon = load("objects")
    obj = js.object(addon)
    sym = js.symbol(addon, "k")
    addon.defineAll(obj, sym)
    descs = js.own_property_descriptors(obj)
    names = ["value_000", "value_w00", "value_0e0", "value_we0",
             "value_00c", "value_w0c", "value_0ec", "value_wec"]  # fmt: skip
    for bits, name in enumerate(names):
        assert descs[name] == {
            "value": bits + 1,
            "writable": bool(bits & 1),
            "enumerable": bool(bits & 2),
            "configurable": bool(bits & 4),
        }, name
    method = descs["method"]
    assert isinstance(method["value"], JSObject)
    assert (method["writable"], method["enumerable"], method["configurable"]) == (
        False, False, False)  # fmt: skip
    enumerable_method = descs["enumerableMethod"]
    assert (
        enumerable_method["writable"],
        enumerable_method["enumerable"],
        enumerable_method["configurable"],
    ) == (True, True, True)
    ro = descs["readOnlyAccessor"]
    assert ro["set"] is None and ro["get"] is not None
    assert (ro["enumerable"], ro["configurable"]) == (True, False)
    rw = descs["accessor"]
    assert rw["get"] is not None and rw["set"] is not None
    assert (rw["enumerable"], rw["configurable"]) == (False, True)
    assert descs[sym] == {
        "value": "by symbol",
        "writable": True,
        "enumerable": False,
        "configurable": False,
    }
    # key order is definition order
    assert js.keys(obj) == [*names, "method", "enumerableMethod", "readOnlyAccessor", "accessor", sym]


def test_defined_methods_and_accessors_receive_this_and_data(load):
    addon = load("objects")
    obj = js.object(addon)
    addon.defineAll(obj, js.symbol(addon))
    this, data = obj.method()
    assert this == obj and data == "m"
    assert obj.enumerableMethod()[1] == "em"
    assert obj.readOnlyAccessor == "ro"
    assert obj.accessor is None
    obj.accessor = 42
    assert obj.accessor == 42
    assert js.get(obj, "accessor") == 42


def test_writing_a_read_only_defined_property_is_silently_ignored(load):
    addon = load("objects")
    obj = js.object(addon)
    addon.defineAll(obj, js.symbol(addon))
    assert addon.setNamed(obj, "value_000", 99) == OK
    assert obj.value_000 == 1
    assert addon.setNamed(obj, "value_w00", 99) == OK
    assert obj.value_w00 == 99


def test_define_properties_misuse_statuses(load):
    # [a number as the target: boxed, the property lands on a wrapper (node's CHECK_TO_OBJECT),
    #  NULL descriptors with count 1 -> invalid_arg, a number as the name -> name_expected]
    expected = node_eval(
        f"const a = require({json.dumps(addon_path('objects'))});console.log(JSON.stringify(a.statusesOfBadDefine()))"
    )
    assert load("objects").statusesOfBadDefine() == expected == [NAPI_OK, 1, NAPI_NAME_EXPECTED]


def make_inheriting_object(addon):
    """own: 1 (index), "own", "b", non-enumerable "nonenum", a symbol; prototype: "inh",
    non-enumerable "hidden"; like `class P { constructor() { this.own = 1; this[1] = 2 } }`."""
    proto = js.object(addon, inh=3)
    js.define_property(proto, "hidden", value=1, writable=False)
    obj = js.object(addon)
    obj.own = 1
    obj[1] = 2
    sym = js.symbol(addon, "k")
    obj[sym] = 4
    obj.b = 5
    js.define_property(obj, "nonenum", value=1, writable=True, configurable=False)
    js.set_prototype(obj, proto)
    return obj, sym


def test_get_property_names_is_for_in_order_with_inherited_enumerable_string_keys(load):
    addon = load("objects")
    obj, _ = make_inheriting_object(addon)
    # integer keys first, converted to strings; no symbols; no non-enumerables
    assert addon.propertyNames(obj) == [NAPI_OK, ["1", "own", "b", "inh"], None]
    assert addon.propertyNames(js.object(addon)) == [NAPI_OK, [], None]
    assert addon.propertyNames([7, 8]) == [NAPI_OK, ["0", "1"], None]
    assert addon.propertyNames("ab") == [NAPI_OK, ["0", "1"], None]


@pytest.mark.parametrize(
    "mode, key_filter, conversion, expected",
    [
        (OWN_ONLY, ALL, KEEP_NUMBERS, [1, "own", "b", "nonenum", "SYM"]),
        (OWN_ONLY, ALL, NUMBERS_TO_STRINGS, ["1", "own", "b", "nonenum", "SYM"]),
        (OWN_ONLY, ENUMERABLE, NUMBERS_TO_STRINGS, ["1", "own", "b", "SYM"]),
        (OWN_ONLY, CONFIGURABLE, NUMBERS_TO_STRINGS, ["1", "own", "b", "SYM"]),
        (OWN_ONLY, WRITABLE, NUMBERS_TO_STRINGS, ["1", "own", "b", "nonenum", "SYM"]),
        (OWN_ONLY, SKIP_STRINGS, NUMBERS_TO_STRINGS, ["SYM"]),
        (OWN_ONLY, SKIP_SYMBOLS, KEEP_NUMBERS, [1, "own", "b", "nonenum"]),
        (OWN_ONLY, ENUMERABLE | SKIP_SYMBOLS, NUMBERS_TO_STRINGS, ["1", "own", "b"]),
        (INCLUDE_PROTOTYPES, ENUMERABLE, NUMBERS_TO_STRINGS, ["1", "own", "b", "SYM", "inh"]),
        (INCLUDE_PROTOTYPES, ENUMERABLE | SKIP_SYMBOLS, KEEP_NUMBERS, [1, "own", "b", "inh"]),
        (INCLUDE_PROTOTYPES, ENUMERABLE | WRITABLE, NUMBERS_TO_STRINGS, ["1", "own", "b", "SYM", "inh"]),
    ],
)
def test_get_all_property_names_modes_filters_and_conversion(load, mode, key_filter, conversion, expected):
    addon = load("objects")
    obj, sym = make_inheriting_object(addon)
    status, keys, thrown = addon.allPropertyNames(obj, mode, key_filter, conversion)
    assert (status, thrown) == (NAPI_OK, None)
    assert ["SYM" if k == sym else k for k in keys] == expected


def test_get_all_property_names_with_prototypes_and_no_filter_reaches_object_prototype(load):
    addon = load("objects")
    obj, sym = make_inheriting_object(addon)
    status, keys, _ = addon.allPropertyNames(obj, INCLUDE_PROTOTYPES, ALL, NUMBERS_TO_STRINGS)
    assert status == NAPI_OK
    assert keys[:5] == ["1", "own", "b", "nonenum", sym]  # own keys first, then the chain
    assert {"inh", "hidden", "toString", "hasOwnProperty"} <= set(k for k in keys if isinstance(k, str))
    # the writable filter drops the non-writable "hidden"
    _, writable, _ = addon.allPropertyNames(obj, INCLUDE_PROTOTYPES, WRITABLE, NUMBERS_TO_STRINGS)
    assert "hidden" not in writable and "inh" in writable


def test_get_all_property_names_of_a_primitive_is_empty(load):
    addon = load("objects")
    assert addon.allPropertyNames(5, OWN_ONLY, ALL, NUMBERS_TO_STRINGS) == [NAPI_OK, [], None]


def test_get_prototype(load):
    addon = load("objects")
    obj, _ = make_inheriting_object(addon)
    proto = js.get_prototype(obj)
    status, got, _ = addon.getPrototype(obj)
    assert status == NAPI_OK and js.strict_equals(got, proto)
    made = addon.makeObject()  # a plain object made in C: prototype Object.prototype -> a dict
    assert made == {"1": 3, "2": 1, "b": 0, "a": 2}
    assert list(made) == ["1", "2", "b", "a"]  # integer-like keys first, ascending
    bare = js.object(addon)
    js.set_prototype(bare, js.null)
    assert addon.getPrototype(bare) == [NAPI_OK, None, None]


def test_instanceof_walks_the_prototype_chain(load):
    addon = load("objects")
    ctor = addon.getPrototype  # any function made by the addon has a .prototype object
    obj = js.object(addon)
    js.set_prototype(obj, ctor.prototype)
    assert addon.instanceOf(obj, ctor) == [NAPI_OK, True, None]
    assert addon.instanceOf(js.object(addon), ctor) == [NAPI_OK, False, None]
    assert addon.instanceOf(5, ctor) == [NAPI_OK, False, None]


def test_instanceof_with_a_non_function_returns_function_expected_with_a_type_error(load):
    addon = load("objects")
    obj = js.object(addon)
    for ctor in [js.object(addon), 5, "Object"]:
        assert_threw_type_error(addon.instanceOf(obj, ctor), NAPI_FUNCTION_EXPECTED)


def test_frozen_object_ignores_writes_and_deletes_without_failing(load):
    # sloppy-mode semantics: napi_set_property answers napi_ok and changes nothing
    addon = load("objects")
    obj = js.object(addon, a=1)
    assert addon.freeze(obj) == OK
    assert addon.setProperty(obj, "a", 2) == OK
    assert addon.setNamed(obj, "b", 2) == OK
    assert addon.setElement(obj, 0, 1) == OK
    assert addon.deleteProperty(obj, "a") == [NAPI_OK, False, None]
    assert js.keys(obj) == ["a"] and obj.a == 1
    assert js.own_property_descriptors(obj)["a"] == {
        "value": 1, "writable": False, "enumerable": True, "configurable": False}  # fmt: skip


def test_sealed_object_allows_writes_but_not_new_keys_or_deletes(load):
    addon = load("objects")
    obj = js.object(addon, a=1)
    assert addon.seal(obj) == OK
    assert addon.setProperty(obj, "a", 5) == OK
    assert addon.setProperty(obj, "b", 5) == OK
    assert addon.deleteProperty(obj, "a") == [NAPI_OK, False, None]
    assert js.keys(obj) == ["a"] and obj.a == 5


def test_seal_and_freeze_of_a_typed_array_with_elements_go_as_far_as_v8s(load):
    # V8 refuses both, a seal after making the array non-extensible (so a second seal passes)
    # and a freeze after making its named properties read-only and non-configurable.
    steps = ["seal", "seal", "freeze", "seal"]
    expected = node_eval(
        f"const a = require({addon_path('objects')!r}); const out = [];"
        "for (const first of ['seal', 'freeze']) {"
        "  const t = new Uint8Array(4); t.x = 1; const seen = [];"
        f"  for (const f of [first, ...{json.dumps(steps)}]) {{"
        "    const [status, , thrown] = a[f](t); seen.push([status, thrown ? thrown.message : null]); }"
        "  const d = Object.getOwnPropertyDescriptor(t, 'x');"
        "  out.push([seen, Object.isExtensible(t), d.writable, d.configurable]); }"
        "console.log(JSON.stringify(out))"
    )
    addon = load("objects")
    got = []
    for first in ["seal", "freeze"]:
        t = js.new(js.get(js.global_this(addon), "Uint8Array"), 4)
        js.set(t, "x", 1)
        seen = []
        for f in [first, *steps]:
            status, _, thrown = getattr(addon, f)(t)
            seen.append([status, thrown and thrown.message])
        d = js.own_property_descriptors(t)["x"]
        got.append([seen, js.get(js.global_this(addon), "Object").isExtensible(t), d["writable"], d["configurable"]])
    assert got == expected
    assert expected[0][0][:2] == [[10, "Cannot seal array buffer views with elements"], [0, None]]


def test_freeze_and_seal_of_primitives_succeed(load):
    addon = load("objects")
    assert addon.freeze(5) == OK
    assert addon.seal("s") == OK


def test_a_throwing_accessor_answers_pending_exception_with_the_error_pending(load):
    # node 24: a getter or setter that throws inside napi_get_property, napi_set_property,
    # napi_get_named_property, napi_set_named_property, napi_get_element or napi_set_element
    # answers napi_pending_exception (10) with the error pending (node 20 answered
    # napi_generic_failure, 9).
    addon = load("objects")
    obj = js.object(addon)

    def boom(*_):
        raise ValueError("accessor")

    for key in ("x", 0):
        js.define_property(obj, key, get=boom, set=boom, configurable=True)
    answers = [
        addon.getProperty(obj, "x"),
        addon.setProperty(obj, "x", 1),
        addon.getNamed(obj, "x"),
        addon.setNamed(obj, "x", 1),
        addon.getElement(obj, 0),
        addon.setElement(obj, 0, 1),
    ]
    for status, result, thrown in answers:
        assert status == 10 and result is None
        assert isinstance(thrown, ValueError) and str(thrown) == "accessor"


def test_an_object_of_functions_stays_in_the_host_so_its_functions_get_it_as_this(load):
    # node: const api = addon.makeApi(); api.getName() === "api". A copied dict would call
    # getName with no `this`.
    addon = load("objects")
    api = addon.makeApi()
    assert isinstance(api, JSObject)
    assert api.getName() == "api"
    assert api.name == "api"
    # Data-only objects are still copied.
    assert isinstance(addon.makeObject(), dict)


# Ordinary chains and a typed array, against node: a key shadows the same key further up whether
# or not it is enumerable, integer keys sort first on each object, and a typed array's elements
# come before its prototype's keys. (An ordinary object's keys are read in place, a typed array's
# asked key by key: both routes are compared here.)
CHAIN = """(() => {
  const top = {x: 1, y: 2, 5: "n"};
  const mid = Object.create(top);
  Object.defineProperty(mid, "x", {value: 0, enumerable: false});
  Object.defineProperty(mid, "ro", {value: 0, enumerable: true, writable: false});
  mid.z = 3;
  const o = Object.create(mid);
  o.w = 4;
  o[2] = 1;
  return o;
})()"""

TYPED = """(() => {
  const p = Object.create(Uint8Array.prototype);
  p.k = 1;
  p[0] = "shadowed";
  const t = new Uint8Array(2);
  Object.setPrototypeOf(t, p);
  return t;
})()"""


def chain(a):
    g = js.global_this(a)
    obj = js.get(g, "Object")
    create, define = js.get(obj, "create"), js.get(obj, "defineProperty")
    top = js.object(a, {"x": 1, "y": 2, "5": "n"})
    mid = create(top)
    define(mid, "x", {"value": 0, "enumerable": False})
    define(mid, "ro", {"value": 0, "enumerable": True, "writable": False})
    js.set(mid, "z", 3)
    o = create(mid)
    js.set(o, "w", 4)
    js.set(o, "2", 1)
    return o


def typed(a):
    g = js.global_this(a)
    obj, u8 = js.get(g, "Object"), js.get(g, "Uint8Array")
    p = js.get(obj, "create")(js.get(u8, "prototype"))
    js.set(p, "k", 1)
    js.set(p, "0", "shadowed")
    t = js.new(u8, 2)
    js.get(obj, "setPrototypeOf")(t, p)
    return t


def test_names_of_ordinary_chains_and_typed_arrays_are_nodes(load):
    # With prototypes, only filters that keep out the built-ins' non-enumerable keys: the order
    # of Object.prototype's own keys is not what is compared here.
    filters = [(OWN_ONLY, f) for f in (ALL, ENUMERABLE, WRITABLE, SKIP_STRINGS)] + [
        (INCLUDE_PROTOTYPES, f) for f in (ENUMERABLE, ENUMERABLE | WRITABLE, ENUMERABLE | SKIP_STRINGS)
    ]
    calls = [("a.propertyNames(OBJ)", lambda a, o: a.propertyNames(o))] + [
        (f"a.allPropertyNames(OBJ, {m}, {f}, {c})", lambda a, o, m=m, f=f, c=c: a.allPropertyNames(o, m, f, c))
        for m, f in filters
        for c in (KEEP_NUMBERS, NUMBERS_TO_STRINGS)
    ]
    cases = [
        Case(label.replace("OBJ", name), label.replace("OBJ", source), lambda a, make=make, call=call: call(a, make(a)))
        for name, source, make in (("chain", CHAIN, chain), ("typed", TYPED, typed))
        for label, call in calls
    ]
    assert_same_as_node(load("objects"), cases, addon_path("objects"))
