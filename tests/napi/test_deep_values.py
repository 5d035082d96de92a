"""Values nested deep cross whole, both ways (addon: addons/c/deep.c).

JavaScript allows any depth napi builds (node's own callbacks get a 100,000-deep array whole),
so a return value, a callback's argument and result, and a promise's value reach Python at any
depth, and a deep Python list or dict reaches the addon whole: every conversion loops instead of
recursing. What is bounded is a value's size, `MAX_VALUES` values in all; a list that contains
itself is refused as json refuses it."""

from __future__ import annotations

import pytest
from conftest import addon_path, node_eval
from test_tsfn import wait_deep_outcome

# The limit on the number of values one conversion carries (README, "Limits").
MAX_VALUES = 1 << 22

DEPTHS = [5_000, 100_000]


def depth_of(v: object) -> int:
    """How deep `v` is nested: lists through element 0, dicts through key "k" (as deep.c)."""
    depth = 0
    while True:
        if isinstance(v, list) and v:
            v = v[0]
        elif isinstance(v, dict) and "k" in v:
            v = v["k"]
        else:
            return depth
        depth += 1


def nested_list(depth: int) -> list[object]:
    v: list[object] = []
    for _ in range(depth):
        v = [v]
    return v


def nested_dict(depth: int) -> dict[str, object]:
    v: dict[str, object] = {}
    for _ in range(depth):
        v = {"k": v}
    return v


def test_node_carries_these_depths_through_napi():
    """The oracle: under node, a deep value made by the addon reaches a JS callback and comes
    back from it whole, for both nestings."""
    script = (
        f"const a = require({addon_path('deep')!r}); const out = [];"
        f"for (const n of ['arrays', 'objects']) for (const d of {DEPTHS}) {{"
        " out.push(a.depthOf(a.make(d, n), n), a.callWith((v) => v, d, n)); }"
        "console.log(JSON.stringify(out));"
    )
    assert node_eval(script) == [d for _ in range(2) for d in DEPTHS for _ in range(2)]


@pytest.mark.parametrize("nesting", ["arrays", "objects"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deep_return_value_reaches_python_whole(load, depth, nesting):
    addon = load("deep")
    v = addon.make(depth, nesting)
    assert isinstance(v, list if nesting == "arrays" else dict)
    assert depth_of(v) == depth


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deep_python_list_and_dict_reach_the_addon_whole(load, depth):
    addon = load("deep")
    assert addon.depthOf(nested_list(depth), "arrays") == depth
    assert addon.depthOf(nested_dict(depth), "objects") == depth


@pytest.mark.parametrize("nesting", ["arrays", "objects"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_a_python_callback_gets_a_deep_value_and_returns_one(load, depth, nesting):
    addon = load("deep")
    seen = []

    def callback(v):
        seen.append(depth_of(v))
        return v

    assert addon.callWith(callback, depth, nesting) == depth
    assert seen == [depth]
    # A deep value Python built itself, returned from the callback.
    made = nested_list(depth + 1) if nesting == "arrays" else nested_dict(depth + 1)
    assert addon.callWith(lambda _: made, depth, nesting) == depth + 1


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_promise_resolved_with_a_deep_value_gives_it_whole(load, depth):
    addon = load("deep")
    assert depth_of(addon.resolved(depth, "arrays").result(timeout=30)) == depth


def test_a_threadsafe_callback_gets_a_deep_array(load):
    """A threadsafe function's call_js_cb hands Python a 5,000-deep array, as node's JS callback
    gets it (tests/napi/test_tsfn.py has node's side)."""
    addon = load("tsfn")
    seen = []
    for depth in DEPTHS:
        outcome = wait_deep_outcome(addon, addon.callWithDeepArray(lambda v: seen.append(depth_of(v)), depth))
        assert outcome == [0, ""]
    assert seen == DEPTHS


def test_a_list_that_contains_itself_is_refused_and_the_host_goes_on(load):
    addon = load("deep")
    cyclic: list[object] = [1]
    cyclic.append([2, cyclic])
    with pytest.raises(ValueError, match="contains itself"):
        addon.depthOf(cyclic, "arrays")
    looped: dict[str, object] = {}
    looped["k"] = {"k": looped}
    with pytest.raises(ValueError, match="contains itself"):
        addon.depthOf(looped, "objects")
    # The same list twice, side by side, is no cycle.
    shared = [[]]
    assert addon.depthOf([shared, shared], "arrays") == 2
    assert addon.depthOf(nested_list(3), "arrays") == 3


def test_a_value_over_the_size_limit_is_refused_naming_the_limit(load):
    addon = load("deep")
    with pytest.raises(ValueError, match=f"more than {MAX_VALUES} values"):
        addon.depthOf([[0] * MAX_VALUES], "arrays")
    # Near the limit it goes (the limit is on a call's values together: the list, its
    # elements, the string, and the call's `this`); a list of as many elements as the limit
    # does not, with itself.
    assert addon.depthOf([0] * (MAX_VALUES - 8), "arrays") == 1
    with pytest.raises(ValueError, match=f"more than {MAX_VALUES} values"):
        addon.depthOf([0] * MAX_VALUES, "arrays")
