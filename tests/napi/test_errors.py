"""Node-API chapter "errors": napi_throw*, napi_create_*error (with codes, SyntaxError from
Node-API 9), napi_is_error, pending exceptions, napi_get_and_clear_last_exception,
napi_get_last_error_info, and how JS errors and Python exceptions cross into Python
(addon: addons/c/errors.c).

Statuses and messages were recorded under node 20.
"""

from __future__ import annotations

import json

import pytest
from conftest import addon_path, node_eval

from napi_python import JSError, JSObject, JSRangeError, JSTypeError, js

NAPI_OK = 0
NAPI_INVALID_ARG = 1
NAPI_STRING_EXPECTED = 3
NAPI_NUMBER_EXPECTED = 6
NAPI_PENDING_EXCEPTION = 10

ERROR, TYPE_ERROR, RANGE_ERROR, SYNTAX_ERROR = 0, 1, 2, 3
NAMES = {ERROR: "Error", TYPE_ERROR: "TypeError", RANGE_ERROR: "RangeError",
         SYNTAX_ERROR: "SyntaxError"}  # fmt: skip


@pytest.mark.parametrize("code", [None, "E_CODE"])
@pytest.mark.parametrize("kind", [ERROR, TYPE_ERROR, RANGE_ERROR, SYNTAX_ERROR])
def test_thrown_errors_carry_name_message_and_code(load, kind, code):
    addon = load("errors")
    with pytest.raises(JSError) as info:
        addon.throwKind(kind, code, "msg")
    error = info.value
    assert error.name == NAMES[kind]
    assert error.message == "msg"
    assert error.code == code


def test_type_error_is_a_python_type_error(load):
    addon = load("errors")
    with pytest.raises(TypeError) as info:
        addon.throwKind(TYPE_ERROR, None, "bad type")
    assert isinstance(info.value, JSTypeError) and isinstance(info.value, JSError)


def test_range_error_is_a_python_value_error(load):
    addon = load("errors")
    with pytest.raises(ValueError) as info:
        addon.throwKind(RANGE_ERROR, "ERR_OUT_OF_RANGE", "too big")
    assert isinstance(info.value, JSRangeError)
    assert info.value.code == "ERR_OUT_OF_RANGE"


@pytest.mark.parametrize("kind", [ERROR, SYNTAX_ERROR])
def test_other_errors_are_plain_js_errors(load, kind):
    addon = load("errors")
    with pytest.raises(JSError) as info:
        addon.throwKind(kind, None, "m")
    assert isinstance(info.value, RuntimeError)
    assert not isinstance(info.value, (JSTypeError, JSRangeError, TypeError, ValueError))


def test_error_properties_reach_python(load):
    addon = load("errors")
    with pytest.raises(JSError) as info:
        addon.throwWithProps()
    error = info.value
    assert (error.name, error.message, error.code) == ("Error", "with props", "E_PROPS")
    assert error.props["errno"] == 42
    assert error.props["details"] == {"path": "/tmp/x"}
    assert "message" not in error.props  # message is not enumerable
    assert addon.isError(error.value) is True


@pytest.mark.parametrize("kind", [ERROR, TYPE_ERROR, RANGE_ERROR, SYNTAX_ERROR])
def test_created_errors_have_the_kind_code_and_message(load, kind):
    addon = load("errors")
    status, error, thrown = addon.createKind(kind, "E_C", "made")
    assert (status, thrown) == (NAPI_OK, None)
    assert isinstance(error, JSObject)
    assert js.get(error, "name") == NAMES[kind]
    assert error.message == "made"
    assert error.code == "E_C"
    assert addon.isError(error) is True
    # code is an own enumerable property; message is own but not enumerable
    descs = js.own_property_descriptors(error)
    assert descs["code"]["enumerable"] is True
    assert descs["message"]["enumerable"] is False


def test_created_error_without_code_has_no_code_property(load):
    addon = load("errors")
    status, error, _ = addon.createKind(ERROR, None, "m")
    assert status == NAPI_OK
    assert "code" not in js.own_property_descriptors(error)


def test_create_error_with_non_string_code_or_message_returns_string_expected(load):
    addon = load("errors")
    assert addon.createKind(ERROR, 5, "m") == [NAPI_STRING_EXPECTED, None, None]
    assert addon.createKind(TYPE_ERROR, None, 5) == [NAPI_STRING_EXPECTED, None, None]


def test_is_error_needs_a_real_error(load):
    addon = load("errors")
    assert addon.isError(js.object(addon, name="Error", message="x")) is False
    assert addon.isError(42) is False
    fake = js.object(addon)
    _, real, _ = addon.createKind(ERROR, None, "m")
    js.set_prototype(fake, js.get_prototype(real))
    assert addon.isError(fake) is False  # inheriting Error.prototype is not enough


def test_thrown_non_error_values(load):
    addon = load("errors")
    with pytest.raises(JSError) as info:
        addon.throwValue(42)
    assert (info.value.name, info.value.message, info.value.value) == ("", "42", 42)
    with pytest.raises(JSError) as info:
        addon.throwValue("plain string")
    assert (info.value.name, info.value.message, info.value.value) == (
        "", "plain string", "plain string")  # fmt: skip


def test_calls_while_an_exception_is_pending(load):
    # [is_exception_pending, create_object, get_boolean, set_named_property, call_function,
    #  coerce_to_string, last error code, throw_error again, message of the cleared exception,
    #  pending after clearing]: creating values still works, anything that may run JS answers
    # napi_pending_exception, and a second throw does not replace the first.
    addon = load("errors")
    assert addon.statusesWhilePending() == [
        True, NAPI_OK, NAPI_OK,
        NAPI_PENDING_EXCEPTION, NAPI_PENDING_EXCEPTION, NAPI_PENDING_EXCEPTION,
        NAPI_PENDING_EXCEPTION, NAPI_PENDING_EXCEPTION, "first", False,
    ]  # fmt: skip


def test_get_and_clear_with_nothing_pending_returns_undefined(load):
    addon = load("errors")
    assert addon.clearWhenNothingPending() == [NAPI_OK, 0]  # 0 = napi_undefined


def test_last_error_info_describes_the_previous_call(load):
    addon = load("errors")
    assert addon.lastErrorInfo("s") == [NAPI_NUMBER_EXPECTED, "A number was expected", NAPI_OK, None]
    assert addon.lastErrorInfo(1) == [NAPI_OK, None, NAPI_OK, None]


def test_the_last_error_record_is_the_envs_own_and_each_call_rewrites_it_as_in_node(load):
    """node hands out a pointer to the env's record: a later call's status shows through it
    (node-addon-api reads `error_code` after `napi_is_exception_pending` and makes a plain
    `Error` of a number query's failure: keccak). Which calls answer napi_pending_exception
    while one is pending, and which run regardless, is node's too."""
    expected = node_eval(
        f"const a = require({json.dumps(addon_path('errors'))});"
        "console.log(JSON.stringify(a.heldErrorInfo('s', () => 1)))"
    )
    assert load("errors").heldErrorInfo("s", lambda: 1) == expected


def test_misuse_statuses(load):
    # [throw_error(NULL message), create_error(number message), create_error(number code),
    #  napi_throw(NULL)]
    addon = load("errors")
    assert addon.statusesOfBadErrors() == [NAPI_INVALID_ARG, NAPI_STRING_EXPECTED,
                                           NAPI_STRING_EXPECTED, NAPI_INVALID_ARG]  # fmt: skip


def test_python_exception_rethrown_by_the_addon_is_the_same_object(load):
    addon = load("errors")
    error = ZeroDivisionError("mine")

    def raiser():
        raise error

    with pytest.raises(ZeroDivisionError) as info:
        addon.callAndRethrow(raiser)
    assert info.value is error
    assert addon.callAndRethrow(lambda: 5) == 5


def test_python_exception_is_a_js_error_inside_the_addon(load):
    addon = load("errors")

    def raiser():
        raise KeyError("k")

    caught = addon.catchFrom(raiser)
    assert addon.isError(caught) is True
    assert addon.catchFrom(lambda: 1) is None


def test_js_error_thrown_through_a_callback_keeps_its_identity(load):
    addon = load("errors")
    with pytest.raises(JSError) as first:
        addon.throwKind(ERROR, "E1", "inner")

    def rethrow_js():
        raise first.value

    with pytest.raises(JSError) as second:
        addon.callAndRethrow(rethrow_js)
    assert second.value is first.value or js.strict_equals(second.value.value, first.value.value)
    assert second.value.code == "E1"


def test_napi_fatal_exception_reaches_the_uncaught_hook_and_the_host_goes_on(load):
    # As node's process.on("uncaughtException") listener: with a hook installed, uncaught
    # exceptions go to it (through the host's event dispatcher, hence the wait) and the host
    # lives on (without one, the host ends: test_uncaught.py).
    import queue

    from napi_python import set_uncaught_hook

    reported: queue.Queue[BaseException] = queue.Queue()
    addon = load("errors")
    set_uncaught_hook(reported.put)
    try:
        assert addon.fatalException("nobody catches this") == 0
        assert reported.get(timeout=10).message == "nobody catches this"
        assert addon.fatalException("and again") == 0  # the host lives on
        assert reported.get(timeout=10).message == "and again"
    finally:
        set_uncaught_hook(None)


def test_an_uncaught_python_exception_waiting_for_the_dispatcher_survives_a_collection(load):
    # The report of an uncaught exception names the Python exception; the dispatcher looks it
    # up when it runs the report. Nothing in the host holds it meanwhile, so a collection lets
    # it go: the drop notice must not reach the client before the report has run, or the
    # client forgets the exception first (the report became a KeyError).
    import threading

    from napi_python import set_uncaught_hook

    addon = load("errors")
    reported: list[BaseException] = []
    busy, go_on, both = threading.Event(), threading.Event(), threading.Event()

    def hook(exc: BaseException) -> None:
        reported.append(exc)
        if len(reported) == 1:
            busy.set()
            go_on.wait(10)  # the dispatcher is held here: the second report waits behind
        else:
            both.set()

    first, second = ValueError("first"), ValueError("second")
    set_uncaught_hook(hook)
    try:
        assert addon.fatalExceptionOf(first) == NAPI_OK
        assert busy.wait(10), "the first report never ran"
        assert addon.fatalExceptionOf(second) == NAPI_OK
        js.gc(addon)  # nothing in the host holds `second` any more
        go_on.set()
        assert both.wait(10), "the second report never ran"
    finally:
        go_on.set()
        set_uncaught_hook(None)
    assert reported[0] is first
    assert reported[1] is second
