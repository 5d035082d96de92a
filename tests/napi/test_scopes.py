"""Node-API chapter "scopes": handle scopes opened and closed in loops and nested, escapable
scopes, and the statuses of misuse (addon: addons/c/scopes.c).

Statuses were recorded under node 20.
"""

from __future__ import annotations

import json

from conftest import addon_path, node_eval

NAPI_OK = 0
NAPI_INVALID_ARG = 1
NAPI_ESCAPE_CALLED_TWICE = 12
NAPI_HANDLE_SCOPE_MISMATCH = 13


def test_opening_and_closing_scopes_100000_times_creating_values(load):
    # Guards against a host that leaks a slot per value or per scope: 100000 iterations of three
    # values each must not fail. (How long they take beside node's ~50 ms:
    # tests/bench/bench_lifetime.py.)
    addon = load("scopes")
    assert addon.loopScopes(100_000) == 100_000
    assert addon.loopScopes(10) == 10  # and the host is still balanced afterwards


def test_escaped_value_outlives_nested_escapable_scopes(load):
    addon = load("scopes")
    assert addon.nestedScopes(0) == "innermost"
    assert addon.nestedScopes(200) == "innermost"


def test_second_escape_returns_escape_called_twice(load):
    # [first escape, second escape, property of the escaped object read after closing]
    addon = load("scopes")
    assert addon.escapeTwice() == [NAPI_OK, NAPI_ESCAPE_CALLED_TWICE, 7]


def test_closing_with_no_scope_open_returns_handle_scope_mismatch(load):
    addon = load("scopes")
    assert addon.closeWithoutOpen() == [NAPI_HANDLE_SCOPE_MISMATCH, NAPI_HANDLE_SCOPE_MISMATCH]


def test_closing_scopes_out_of_order_is_not_detected_by_node(load):
    # node 20 counts open scopes and does not check the order: both closes answer napi_ok.
    addon = load("scopes")
    assert addon.closeOutOfOrder() == [NAPI_OK, NAPI_OK]
    assert addon.loopScopes(10) == 10


def test_null_scope_arguments_return_invalid_arg(load):
    # [open(NULL result), close(NULL), escape with a NULL scope]
    addon = load("scopes")
    assert addon.statusesOfNullScopes() == [NAPI_INVALID_ARG] * 3


def test_values_stored_in_an_outer_object_survive_the_inner_scope(load):
    addon = load("scopes")
    assert addon.valuesSurviveInnerScope() == [0, 10, 20]


def test_a_value_returned_from_a_scope_the_callback_closed_reads_as_under_node(load):
    """node-addon-api callbacks open a HandleScope and return a value made in it after it
    closes; V8 leaves the slot as it was, so node returns the value (node-pty's `open`)."""
    expected = node_eval(
        f"console.log(JSON.stringify(require({json.dumps(addon_path('scopes'))}).returnFromClosedScope()))"
    )
    addon = load("scopes")
    assert addon.returnFromClosedScope() == expected == {"answer": "made in a closed scope"}


def test_a_scope_a_callback_leaves_open_is_closed_after_each_call(load):
    """A callback that opens a scope and returns without closing it (node aborts on that; the
    host closes it), called many times: its answer, made in that scope, is read before the host
    closes the scope (in-process, the scope
    is left inside the call's own, closed with it; the unwinding itself is
    `handles::tests::a_callback_in_its_own_or_its_callers_scope_leaves_the_stack_as_it_found_it`),
    and scopes opened and closed by the calls after it still balance."""
    addon = load("scopes")
    assert [addon.leaveScopeOpen(i) for i in range(1000)] == list(range(1000))
    assert addon.loopScopes(10) == 10
    assert addon.closeOutOfOrder() == [NAPI_OK, NAPI_OK]
