"""`str()` of a JS proxy is JS's `String(value)` (the object's own `toString`, `valueOf` or
`Symbol.toPrimitive`), compared with node running the same expressions on the same addon; `repr`
stays the proxy's description."""

from __future__ import annotations

import json

import pytest
from conftest import addon_path, node_eval

from napi_python import JSError, js

# Each case: the JS expression under node (`addon` is classes.node), and the same value made
# through napi_python.
CASES = {
    "plain object": "({x: 1})",
    "nested array": "[1, 2, [3, 'four'], null, undefined]",
    "Map": "new Map([[1, 2]])",
    "Error": "new Error('boom')",
    "own toString": "({toString() { return 'custom' }})",
    "valueOf when toString gives an object": "({toString() { return {} }, valueOf() { return 42 }})",
    "Symbol.toPrimitive": "({[Symbol.toPrimitive](hint) { return 'hint:' + hint }})",
    "Math": "Math",
    "a builtin function": "Map",
    "a class of the addon": "addon.Counter",
    "an instance of it": "new addon.Counter(5)",
    "symbol": "Symbol('described')",
}


def _make(addon, case: str):
    g = js.global_this(addon)
    makers = {
        "plain object": lambda: js.object(addon, x=1),
        "nested array": lambda: js.array(addon, [1, 2, js.array(addon, [3, "four"]), js.null, None]),
        "Map": lambda: js.new(g.Map, js.array(addon, [js.array(addon, [1, 2])])),
        "Error": lambda: js.new(g.Error, "boom"),
        "own toString": lambda: js.object(addon, toString=js.function(lambda: "custom")),
        "valueOf when toString gives an object": lambda: js.object(
            addon, toString=js.function(lambda: js.object(addon)), valueOf=js.function(lambda: 42)
        ),
        "Symbol.toPrimitive": lambda: js.object(
            addon, {g.Symbol.toPrimitive: js.function(lambda hint: f"hint:{hint}")}
        ),
        "Math": lambda: g.Math,
        # js.get: the function itself (g.Map is bound to the global object, a JSMethod).
        "a builtin function": lambda: js.get(g, "Map"),
        "a class of the addon": lambda: addon.Counter,
        "an instance of it": lambda: js.new(addon.Counter, 5),
        "symbol": lambda: js.symbol(addon, "described"),
    }
    return makers[case]()


@pytest.fixture(scope="module")
def node_strings() -> dict[str, str]:
    script = (
        f"const addon = require({json.dumps(addon_path('classes'))});"
        f"const cases = {{{', '.join(f'{json.dumps(k)}: () => {v}' for k, v in CASES.items())}}};"
        "console.log(JSON.stringify(Object.fromEntries(Object.entries(cases).map(([k, f]) => [k, String(f())]))))"
    )
    answer = node_eval(script)
    assert isinstance(answer, dict)
    return answer


@pytest.mark.parametrize("case", list(CASES))
def test_str_is_what_js_string_gives(load, node_strings, case):
    addon = load("classes")
    value = _make(addon, case)
    assert str(value) == node_strings[case]


def test_repr_stays_the_proxys_description(load):
    addon = load("classes")
    assert repr(js.object(addon, x=1)) == "<JSObject Object>"
    assert repr(js.symbol(addon, "d")) == "JSSymbol('d')"
    assert str(js.object(addon, x=1)) == "[object Object]"


def test_an_object_string_cannot_convert_raises_as_js_throws(load):
    addon = load("classes")
    bare = js.object(addon)
    js.set_prototype(bare, js.null)
    with pytest.raises(JSError) as e:
        str(bare)
    assert e.value.name == "TypeError"
    assert node_eval("try { String(Object.create(null)) } catch (e) { console.log(JSON.stringify(e.name)) }") == (
        "TypeError"
    )
