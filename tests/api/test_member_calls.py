"""`obj["name"](...)` is JS's member call, as `obj.name(...)` is: a function read from
an object by item, as by attribute, calls with that object as `this`, and keeps it when held
(`f = obj["f"]; f()`, as a Python bound method). `js.get` reads the bare function, JS's
`const g = obj.f; g()`. Expected values come from node running the same calls on the same files
(addons: addons/c/objects.c, functions.c, classes.c)."""

from __future__ import annotations

import json

import pytest
from conftest import addon_path, node_eval

import napi_python
from napi_python import JSError, js

NODE = f"""
const o = require({json.dumps(addon_path("objects"))});
const f = require({json.dumps(addon_path("functions"))});
const c = require({json.dumps(addon_path("classes"))});
const api = o.makeApi();
const detached = api.getName;
const list = [f.getThis];
const counter = new c.Counter(10);
const bareIncrement = counter.increment;
let bareThrew = null;
try {{ bareIncrement(); }} catch (e) {{ bareThrew = e.name; }}
console.log(JSON.stringify({{
  member: api.getName(),
  item: api["getName"](),
  detached: detached() === undefined ? null : detached(),
  elementThisIsTheArray: list[0]() === list,
  exportByItemThisIsTheExports: f["getThis"]() === f,
  classMethodByItem: counter["increment"](),
  bareClassMethod: bareThrew,
  functionNameByItem: api["getName"]["name"],
  prototypeConstructorName: Object.getPrototypeOf(api)["constructor"]["name"],
}}));
"""


@pytest.fixture(scope="module")
def node():
    return node_eval(NODE)


def test_a_function_property_read_by_item_calls_with_its_object_as_this(load, node):
    api = load("objects").makeApi()
    assert api.getName() == node["member"] == "api"
    assert api["getName"]() == node["item"] == "api"


def test_a_function_held_from_an_item_stays_bound_as_a_python_method_does(load):
    api = load("objects").makeApi()
    get_name = api["getName"]
    assert get_name() == "api"
    assert get_name.__self__ == api


def test_js_get_reads_the_bare_function_as_a_detached_call_in_js(load, node):
    api = load("objects").makeApi()
    # The receiver is then undefined, which a native function sees as the global object.
    assert js.get(api, "getName")() is node["detached"] is None


def test_an_array_element_calls_with_the_array_as_this(load, node):
    functions = load("functions")
    items = js.array(functions, [functions.getThis])
    assert js.strict_equals(items[0](), items) is node["elementThisIsTheArray"] is True


def test_an_export_read_by_item_calls_with_the_exports_as_this(load, node):
    functions = load("functions")
    this = functions["getThis"]()
    exports = napi_python.addon_info(functions).exports
    assert js.strict_equals(this, exports) is node["exportByItemThisIsTheExports"] is True


def test_a_class_method_read_by_item_gets_its_instance(load, node):
    counter = load("classes").Counter(10)
    assert counter["increment"]() == node["classMethodByItem"] == 11
    # Without its instance the method refuses, in node as here.
    with pytest.raises(JSError) as info:
        js.get(counter, "increment")()
    assert info.value.name == node["bareClassMethod"] == "TypeError"


def test_a_function_read_by_item_keeps_its_own_properties_by_item(load, node):
    # The conformance suite reads `Object.getPrototypeOf(o).constructor.name` so: a bound
    # method answered neither `["name"]` nor took a property.
    api = load("objects").makeApi()
    assert api["getName"]["name"] == node["functionNameByItem"]
    assert js.get_prototype(api)["constructor"]["name"] == node["prototypeConstructorName"] == "Object"
    api["getName"]["tag"] = 5
    assert js.get(api, "getName")["tag"] == 5
    del api["getName"]["tag"]
    assert "tag" not in js.get(api, "getName")
