"""napi_run_script (addons/c/run_script.c) against node: the expressions addons pass it evaluate as
node evaluates them, and what the host does not evaluate throws a SyntaxError naming it.
koffi 3 runs the first four in its init."""

from __future__ import annotations

import pytest
from conftest import addon_path
from node_oracle import assert_same_as_node, call, node_eval

from napi_python import JSError

KOFFI = [
    "typeof Deno != 'undefined'",
    "process.isBun",
    "String(Symbol.dispose)",
    "Object.prototype === Object.getPrototypeOf({})",
]

EXPRESSIONS = [
    *KOFFI,
    "typeof Bun",
    "typeof process.versions.node",
    "process.platform + '-' + process.arch",
    "1 + 2 * 3 - 4 / 8 % 3",
    "2 ** 10 | 1",
    "-7 >> 1 >>> 28",
    "'a' + 1 + 2",
    "1 + 2 + 'a'",
    "[1, 2, 3].map(String).join()",
    "[, 1].length",
    "({a: 1, ['b' + 1]: 2, 'c d': 3})",
    "JSON.stringify({x: [1, null, 'y']})",
    "Math.max(1, 5, 3) > 4 ? 'big' : 'small'",
    "null ?? 'x'",
    "0 || '' || 'y'",
    "1 && 0",
    "10n ** 20n + 1n",
    "1n == 1 && 2n > 1 && '3' == 3n",
    "null == undefined && null !== undefined",
    "NaN == NaN",
    "'b' > 'a' && '10' < '9' && 10 > 9",
    # Relational comparison: both sides become primitives first (in source order, even for `>`
    # and `<=`, which compare the other way round), and two strings compare as strings.
    "[[2] < [10], [2] > [10], [10] <= [2], '10' < [9], [1, 2] < [1, 3], ({}) < ({})]",
    "[new Date(0) < new Date(1), null < 1, undefined < 1]",
    "globalThis.log = []; globalThis.lhs = {valueOf: log.push.bind(log, 'l')};"
    " globalThis.rhs = {valueOf: log.push.bind(log, 'r')}; lhs > rhs; lhs <= rhs; log.join()",
    "globalThis.log = []; globalThis.lhs = {toString: log.push.bind(log, 'l'), valueOf: null}; lhs < 'x'; log.join()",
    # BigInt against Number and String, exactly (2n ** 64n + 1n has no double of its own).
    "[2n ** 64n + 1n == 2 ** 64, 2n ** 64n == 2 ** 64, 2 ** 64 < 2n ** 64n + 1n, 2n ** 64n + 1n > 2 ** 64]",
    "[1n < 1.5, 2n > 1.5, 1n == 1.5, -1n < -0.5, 1n < NaN, 1n > NaN]",
    "[2n ** 1100n > Infinity, 2n ** 1100n < Infinity, -(2n ** 1100n) > -Infinity]",
    "['18446744073709551617' > 18446744073709551616n, 18446744073709551617n == '18446744073709551617']",
    "[1n < 'x', 1n >= 'x', '1e3' > 5n, 5n < '0x10', 5n == ' 5 ']",
    "[] + {}",
    "typeof null + typeof undefined + typeof 1n + typeof Symbol()",
    "void 0",
    "!'' && !0 && !NaN",
    "'x' in globalThis",
    "'Math' in globalThis",
    "new Date(0).toISOString()",
    "new Date(Date.UTC(2020, 1, 29)).getUTCDate()",
    "/a(b)?/.exec('cab')[1]",
    "/(?<y>\\d{4})/u.exec('in 2024').groups.y",
    "`x${1 + 1}y`",
    "Number('0x1f') + parseInt('12px')",
    "Array.isArray([]) && [] instanceof Array && !({} instanceof Array)",
    # A primitive is no instance before the prototype is read: Math.max has none.
    "1 instanceof Math.max",
    "globalThis.napiScriptValue = 42; napiScriptValue + 1",
    "undefined?.x",
    "Buffer.from('hi').toString('hex')",
    "Buffer.from('x').constructor === Buffer && Buffer.from('x') instanceof Uint8Array",
    "Buffer.isBuffer(Buffer.alloc(2)) && !Buffer.isBuffer(new Uint8Array(2))",
    "[RegExp, Date, Math, ArrayBuffer, Uint8Array, Map, Promise].every(Boolean)",
    "Promise.all([1, Promise.resolve(2)]) instanceof Promise",
    "typeof setTimeout + typeof queueMicrotask + typeof process.nextTick",
    "(1, 2, 3)",
    "'use strict'; 5",
    "1; 2; 3",
    "",
]

ERRORS = [
    "({}) instanceof Math.max",
    "nope + 1",
    "undefined.x",
    "null.x",
    "Math.nope()",
    "new Math.max()",
    "1 +",
    "Symbol() + ''",
    "1n + 1",
]


@pytest.mark.parametrize("source", EXPRESSIONS + ERRORS)
def test_a_script_evaluates_as_node_evaluates_it(load, source):
    addon = load("run_script")
    assert_same_as_node(addon, [call("run", source)], addon_path("run_script"))


@pytest.mark.parametrize(
    ("source", "construct"),
    [
        ("(() => 1)()", "arrow functions"),
        ("var x = 1", "variable declarations"),
        ("function f() {}", "function declarations"),
        ("if (1) 2", "if statements"),
        ("class A {}", "class declarations"),
        ("[...[1]]", "spread elements"),
        ("x++", "increments and decrements"),
    ],
)
def test_what_is_not_evaluated_throws_a_syntax_error_naming_it(load, source, construct):
    addon = load("run_script")
    with pytest.raises(JSError, match=f"napi_run_script: {construct} are not supported") as raised:
        addon.run(source)
    assert raised.value.name == "SyntaxError"


def test_a_script_that_is_refused_runs_no_part_of_it(load):
    addon = load("run_script")
    with pytest.raises(JSError, match="function expressions are not supported"):
        addon.run("globalThis.ranPartly = 1; (function () {})")
    assert addon.run("typeof ranPartly") == "undefined"


def test_a_script_that_is_not_a_string_is_refused_with_napi_string_expected(load):
    addon = load("run_script")
    assert addon.status(1) == 3  # napi_string_expected, as node answers


@pytest.mark.parametrize("source", ["nope + 1", "1 +", "Symbol() + ''", "1 + 1"])
def test_a_script_that_throws_answers_the_status_node_answers(load, source):
    # napi_generic_failure (9) with the exception pending, as node's V8 compile or run gives
    # nothing, not napi_pending_exception.
    addon = load("run_script")
    expected = node_eval(f"console.log(require({addon_path('run_script')!r}).status({source!r}))")
    assert addon.status(source) == expected
