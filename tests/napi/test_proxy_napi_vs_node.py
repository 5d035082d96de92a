"""Node-API functions on proxies, against node 20.

An addon's `napi_get_property`, `napi_has_property`, `napi_delete_property`,
`napi_get_property_names`, `napi_get_all_property_names`, `napi_get_prototype`, `napi_is_array`,
`napi_object_freeze` and `napi_call_function` reach a Proxy's traps as in V8, invariant errors
and revoked proxies included (addons/c/objects.c and functions.c, the same calls under node).
Traps are built-ins: `String` answers a string, `Number.isNaN` false, `Boolean` true.
"""

from __future__ import annotations

import pytest
from conftest import addon_path
from node_oracle import Case, assert_same_as_node

from napi_python import js

# (JavaScript for the proxy, target as Python, traps as {trap: path of a built-in}).
PROXIES = {
    "plain": ("new Proxy({a: 1, b: 2}, {})", {"a": 1, "b": 2}, {}),
    "get String": ("new Proxy({a: 1}, {get: String})", {"a": 1}, {"get": "String"}),
    "frozen get String": ("new Proxy(Object.freeze({a: 1}), {get: String})", "frozen", {"get": "String"}),
    "has false": ("new Proxy({a: 1}, {has: Number.isNaN})", {"a": 1}, {"has": "Number.isNaN"}),
    "frozen has false": ("new Proxy(Object.freeze({a: 1}), {has: Number.isNaN})", "frozen", {"has": "Number.isNaN"}),
    "ownKeys Object.keys": (
        "new Proxy({a: 1, b: 2}, {ownKeys: Object.keys})",
        {"a": 1, "b": 2},
        {"ownKeys": "Object.keys"},
    ),
    "frozen ownKeys none": ("new Proxy(Object.freeze({a: 1}), {ownKeys: Array})", "frozen", {"ownKeys": "Array"}),
    "delete true": ("new Proxy({a: 1}, {deleteProperty: Boolean})", {"a": 1}, {"deleteProperty": "Boolean"}),
    "frozen delete true": (
        "new Proxy(Object.freeze({a: 1}), {deleteProperty: Boolean})",
        "frozen",
        {"deleteProperty": "Boolean"},
    ),
    "array": ("new Proxy([1, 2], {})", [1, 2], {}),
    "prototype Number": ("new Proxy({}, {getPrototypeOf: Number})", {}, {"getPrototypeOf": "Number"}),
    "revoked": ("(() => { const r = Proxy.revocable({a: 1}, {}); r.revoke(); return r.proxy; })()", "revoked", {}),
}


def make(addon, name):
    _, target, traps = PROXIES[name]
    g = js.global_this(addon)

    def path(p):
        v = g
        for part in p.split("."):
            v = js.get(v, part)
        return v

    if target == "revoked":
        pair = js.get(js.get(g, "Proxy"), "revocable")({"a": 1}, {})
        js.get(pair, "revoke")()
        return js.get(pair, "proxy")
    if target == "frozen":
        # Made in the host and kept there (a dict would cross back as a fresh, unfrozen copy).
        target = path("Object.freeze")(js.object(addon, {"a": 1}))
    return js.new(js.get(g, "Proxy"), target, {k: path(v) for k, v in traps.items()})


def cases(names: list[str], js_call: str, py_call) -> list[Case]:
    return [
        Case(f"{js_call} on {n}", js_call.replace("PROXY", PROXIES[n][0]), lambda a, n=n: py_call(a, make(a, n)))
        for n in names
    ]


OBJECT_CASES = (
    cases(list(PROXIES), 'a.getProperty(PROXY, "a")', lambda a, p: a.getProperty(p, "a"))
    + cases(list(PROXIES), 'a.hasProperty(PROXY, "a")', lambda a, p: a.hasProperty(p, "a"))
    + cases(list(PROXIES), 'a.hasOwnProperty(PROXY, "a")', lambda a, p: a.hasOwnProperty(p, "a"))
    + cases(list(PROXIES), 'a.deleteProperty(PROXY, "a")', lambda a, p: a.deleteProperty(p, "a"))
    + cases(list(PROXIES), "a.propertyNames(PROXY)", lambda a, p: a.propertyNames(p))
    + cases(list(PROXIES), "a.allPropertyNames(PROXY, 1, 0, 1)", lambda a, p: a.allPropertyNames(p, 1, 0, 1))
    + cases(list(PROXIES), "a.isArray(PROXY)", lambda a, p: a.isArray(p))
    # V8's napi_get_prototype reads the proxy object's own [[Prototype]] slot (null), no trap.
    + cases(["plain", "prototype Number", "revoked"], "a.getPrototype(PROXY)", lambda a, p: a.getPrototype(p))
    + cases(["plain", "frozen has false", "revoked"], "a.freeze(PROXY)", lambda a, p: a.freeze(p))
)

FUNCTION_PROXIES = {
    "plain": ("new Proxy(Math.max, {})", {}),
    "plain Number": ("new Proxy(Number, {})", {}),
    "apply Array.of": ("new Proxy(Math.max, {apply: Array.of})", {"apply": "Array.of"}),
    "construct Object": ("new Proxy(Number, {construct: Object})", {"construct": "Object"}),
    "construct Number": ("new Proxy(Number, {construct: Number})", {"construct": "Number"}),
}


def make_function(addon, name):
    g = js.global_this(addon)
    target = js.get(js.get(g, "Math"), "max") if "Math.max" in FUNCTION_PROXIES[name][0] else js.get(g, "Number")
    traps = {
        k: js.get(g, v) if "." not in v else js.get(js.get(g, v.split(".")[0]), v.split(".")[1])
        for k, v in FUNCTION_PROXIES[name][1].items()
    }
    return js.new(js.get(g, "Proxy"), target, traps)


FUNCTION_CASES = [
    Case(f"call {n}", f"a.callStatus({src}, 1, 5)", lambda a, n=n: a.callStatus(make_function(a, n), 1, 5))
    for n, (src, _) in FUNCTION_PROXIES.items()
] + [
    # (Constructing a non-constructor: V8's message quotes the call site's source; left out.)
    Case(f"construct {n}", f"a.construct({src}, 7)", lambda a, n=n: a.construct(make_function(a, n), 7))
    for n, (src, _) in FUNCTION_PROXIES.items()
    if "Number" in src
]


@pytest.mark.parametrize("module", ["objects"])
def test_node_api_object_functions_see_through_proxies(load, module):
    assert_same_as_node(load(module), OBJECT_CASES, addon_path(module))


def test_node_api_calls_reach_apply_and_construct_traps(load):
    assert_same_as_node(load("functions"), FUNCTION_CASES, addon_path("functions"))


# A key on the object shadows the same key on its proxy prototype, enumerable or not; V8 still
# asks the prototype's getOwnPropertyDescriptor trap for every key it lists, the shadowed one too.
SHADOWED_BY_OWN_KEY = """(() => {
  const log = [];
  const proto = new Proxy({x: 1, y: 2}, {
    ownKeys(t) { log.push("ownKeys"); return Reflect.ownKeys(t); },
    getOwnPropertyDescriptor(t, k) { log.push("gopd " + k); return Reflect.getOwnPropertyDescriptor(t, k); },
  });
  const o = Object.create(proto);
  Object.defineProperty(o, "x", {value: 0, enumerable: false});
  o.w = 4;
  return [a.propertyNames(o), a.allPropertyNames(o, 0, 2, 1), log];
})()"""


def shadowed_by_own_key(a):
    g = js.global_this(a)
    reflect, obj = js.get(g, "Reflect"), js.get(g, "Object")
    log = []

    def own_keys(target):
        log.append("ownKeys")
        return js.get(reflect, "ownKeys")(target)

    def descriptor(target, key):
        log.append(f"gopd {key}")
        return js.get(reflect, "getOwnPropertyDescriptor")(target, key)

    traps = {"ownKeys": own_keys, "getOwnPropertyDescriptor": descriptor}
    proto = js.new(js.get(g, "Proxy"), js.object(a, {"x": 1, "y": 2}), traps)
    o = js.get(obj, "create")(proto)
    js.get(obj, "defineProperty")(o, "x", {"value": 0, "enumerable": False})
    js.set(o, "w", 4)
    return [a.propertyNames(o), a.allPropertyNames(o, 0, 2, 1), log]


def test_keys_shadowed_on_a_proxy_prototype_are_listed_once_as_in_v8(load):
    cases = [Case("shadowed by an own key", SHADOWED_BY_OWN_KEY, shadowed_by_own_key)]
    assert_same_as_node(load("objects"), cases, addon_path("objects"))
