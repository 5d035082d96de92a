"""Node-API chapter "references": napi_create_reference, napi_reference_ref/unref,
napi_get_reference_value, napi_delete_reference, references kept across calls, and the global
object that real addons reach through napi_get_global (addon: addons/c/references.c).

Statuses were recorded under node 20 with a module that declares no Node-API version (8).
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import addon_path
from node_oracle import oracle_node

import napi_python
from napi_python import JSObject, js

NAPI_OK = 0
NAPI_INVALID_ARG = 1
NAPI_GENERIC_FAILURE = 9

UNDEFINED, OBJECT, FUNCTION, SYMBOL = 0, 6, 7, 5


def test_reference_counts_go_up_and_down(load):
    addon = load("references")
    obj = js.object(addon, a=1)
    status, slot = addon.createRef(obj, 1)
    assert status == NAPI_OK
    assert addon.refRef(slot) == [NAPI_OK, 2]
    assert addon.refRef(slot) == [NAPI_OK, 3]
    assert addon.unrefRef(slot) == [NAPI_OK, 2]
    assert addon.unrefRef(slot) == [NAPI_OK, 1]
    assert addon.unrefRef(slot) == [NAPI_OK, 0]
    status, value = addon.getRef(slot)
    assert status == NAPI_OK and value == obj  # weak, but Python still holds the object
    assert addon.refRef(slot) == [NAPI_OK, 1]
    assert addon.deleteRef(slot) == NAPI_OK


def test_unref_below_zero_returns_generic_failure(load):
    addon = load("references")
    obj = js.object(addon)
    status, slot = addon.createRef(obj, 0)
    assert status == NAPI_OK
    assert addon.unrefRef(slot) == [NAPI_GENERIC_FAILURE, None]
    assert addon.refRef(slot) == [NAPI_OK, 1]


def test_references_to_functions_and_symbols_are_allowed_before_node_api_10(load):
    addon = load("references")
    assert addon.createRef(addon.getRef, 0)[0] == NAPI_OK
    assert addon.createRef(js.symbol(addon, "s"), 1)[0] == NAPI_OK


@pytest.mark.parametrize("value", [5, "s", True, None])
def test_references_to_other_primitives_return_invalid_arg_before_node_api_10(load, value):
    addon = load("references")
    assert addon.createRef(value, 1) == [NAPI_INVALID_ARG, None]
    assert addon.createRef(js.null, 1) == [NAPI_INVALID_ARG, None]


def test_reference_misuse_statuses(load):
    # [delete_reference(NULL), reference_ref(NULL), create_reference(NULL value)]
    addon = load("references")
    assert addon.statusesOfBadRefs() == [NAPI_INVALID_ARG] * 3


def test_strong_reference_keeps_a_value_across_calls(load):
    addon = load("references")
    obj = js.object(addon, keep=2)
    addon.remember(obj)
    del obj  # Python no longer holds it: only the addon's reference does
    for _ in range(100):
        js.object(addon, filler=list(range(10)))  # churn the host heap
    recalled = addon.recall()
    assert isinstance(recalled, JSObject) and recalled.keep == 2
    addon.remember({"copied": [1, 2]})
    assert addon.recall() == {"copied": [1, 2]}


def test_reference_to_a_remembered_object_gives_back_the_same_object(load):
    addon = load("references")
    obj = js.object(addon)
    addon.remember(obj)
    assert addon.recall() == obj
    assert js.strict_equals(addon.recall(), obj)


def test_get_global_is_stable(load):
    assert load("references").globalIsStable() is True


@pytest.mark.parametrize(
    "path, kind",
    [
        ("Object", FUNCTION),
        ("Object.prototype", OBJECT),
        ("Object.defineProperty", FUNCTION),
        ("Error", FUNCTION),
        ("TypeError", FUNCTION),
        ("RangeError", FUNCTION),
        ("SyntaxError", FUNCTION),
        ("Symbol", FUNCTION),
        ("Symbol.iterator", SYMBOL),
        ("Symbol.for", FUNCTION),
        ("JSON", OBJECT),
        ("JSON.stringify", FUNCTION),
        ("JSON.parse", FUNCTION),
        ("Promise", FUNCTION),
        ("Promise.resolve", FUNCTION),
        ("Promise.prototype.then", FUNCTION),
        ("Promise.prototype.catch", FUNCTION),
        ("Promise.prototype.finally", FUNCTION),
        ("Set", FUNCTION),
        ("Map", FUNCTION),
        ("Array", FUNCTION),
        ("Reflect", OBJECT),
        ("Reflect.getOwnPropertyDescriptor", FUNCTION),
        ("globalThis", OBJECT),
    ],
)
def test_global_offers_what_real_addons_look_up(load, path, kind):
    # napi-rs and node-addon-api reach these through napi_get_global (see CONFORMANCE.md).
    assert load("references").globalPathType(path) == kind


def test_missing_globals_are_undefined(load):
    addon = load("references")
    assert addon.globalPathType("NoSuchGlobal") == UNDEFINED
    assert addon.globalPathType("NoSuchGlobal.x") == -1


@pytest.mark.parametrize("name", ["Error", "TypeError", "RangeError"])
def test_global_error_constructors_make_errors(load, name):
    addon = load("references")
    is_error, error = addon.constructGlobal(name, "m")
    assert is_error is True
    assert js.get(error, "name") == name and error.message == "m"


def test_global_json_stringify(load):
    addon = load("references")
    assert addon.jsonStringify({"a": [1, "x", js.null]}) == '{"a":[1,"x",null]}'


def test_a_finalizer_at_the_envs_end_may_not_run_js_as_under_node(load, tmp_path):
    # The finalizer reads global.cleanup and calls it: an env's end refuses both with
    # napi_pending_exception (a module of Node-API 8), lets it delete its reference, and the
    # probe frees its memory after (node's own test_env_teardown_gc returns before its free).
    log = tmp_path / "log"
    script = (
        "require(process.argv[1]).armTeardownProbe(process.argv[2]);"
        "globalThis.cleanup = () => { throw new Error('ran at teardown'); };"
    )
    subprocess.run([oracle_node(), "-e", script, addon_path("references"), str(log)], check=True, timeout=60)
    under_node = log.read_text().splitlines()
    log.unlink()
    assert under_node == ["get_global 0", "get_named_property 10", "call_function 10", "delete_reference 0"]

    ran = []
    addon = load("references")
    addon.armTeardownProbe(str(log))
    js.set(js.global_this(addon), "cleanup", lambda: ran.append("cleanup"))
    napi_python.close(addon)
    assert log.read_text().splitlines() == under_node
    assert ran == []
