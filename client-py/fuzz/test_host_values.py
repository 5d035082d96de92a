"""What a client sends, as the host makes JavaScript values of it: Python values of every kind
the value mapping knows (docs/python-api.md), nested deep or wide, with strings that are no UTF-8
(lone surrogates), integers past every width, floats at their edges and bytes, each sent to an
isolated host, which hands it to a JavaScript function (`Array.of`) and the value back. The value
comes back as it went (lists for tuples, BigInts for integers past 2**53), or the call raises an
`AddonError`, a `JSError` or a TypeError, ValueError or OverflowError for what the mapping does not
carry; never another exception, and the host still answers afterwards. The kept corpus holds
values as their `repr`s (literals), or `deep (DEPTH, "list"|"dict")` for a nesting too deep to
write out."""

from __future__ import annotations

import ast
import math
from typing import Any

import pytest
from fuzz_support import CORPUS, corpus_params, failure_kept, fuzzed
from hypothesis import given
from hypothesis import strategies as st

import napi_python
from napi_python import AddonError, BigInt, JSBuffer, JSError, js

ADDON = CORPUS.parents[2] / "build" / "addons" / "values.node"
# What a value the mapping does not carry may raise instead of coming back.
REFUSED = (AddonError, JSError, TypeError, ValueError, OverflowError, RecursionError)

_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**53 - 1, 2**53, -(2**53), 2**63, -(2**63) - 1, 2**64, 2**1000, -(2**1100)]),
    st.floats(),
    st.sampled_from([-0.0, 5e-324, 1.7976931348623157e308]),
    _text,
    st.sampled_from(["\ud800", "a\udfffb", "\udbff\udc00", "\x00", "\uffff" * 3]),
    st.binary(max_size=64),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.tuples(inner, inner),
        st.dictionaries(_text, inner, max_size=6),
    ),
    max_leaves=60,
)


@pytest.fixture(scope="module")
def host() -> Any:
    addon = napi_python.load_addon(str(ADDON))
    yield addon
    napi_python.close(addon)


def deep(depth: int, kind: str) -> Any:
    v: Any = 1
    for _ in range(depth):
        v = [v] if kind == "list" else {"k": v}
    return v


def plain(v: Any) -> Any:
    """A returned value as plain Python: buffers as bytes, BigInts as ints, inside lists and dicts."""
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, JSBuffer):
        return bytes(v)
    return int(v) if isinstance(v, BigInt) else v


def sent(v: Any) -> Any:
    """What `v` is expected back as: tuples as lists, an integral float within 2**53 (not -0.0)
    as an int (a JavaScript number comes back so)."""
    if isinstance(v, (list, tuple)):
        return [sent(x) for x in v]
    if isinstance(v, dict):
        # A JavaScript object lists its array-index keys first, in numeric order.
        index = [k for k in v if k.isdigit() and k.isascii() and str(int(k)) == k and int(k) < 2**32 - 1]
        order = sorted(index, key=int) + [k for k in v if k not in index]
        return {k: sent(v[k]) for k in order}
    if isinstance(v, float) and v.is_integer() and abs(v) <= 2**53 and not (v == 0 and math.copysign(1, v) < 0):
        return int(v)
    return v


def lone_surrogates(v: Any) -> bool:
    """Whether a string in `v` holds a lone surrogate, which JavaScript strings can hold but
    napi_python's strings do not carry (each of its UTF-8 bytes arrives as U+FFFD): not compared."""
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, (list, tuple)):
        return any(lone_surrogates(x) for x in v)
    return isinstance(v, dict) and any(lone_surrogates(k) or lone_surrogates(x) for k, x in v.items())


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN, -0.0 apart from 0.0, and an int apart from a float."""
    if isinstance(a, float) or isinstance(b, float):
        if type(a) is not type(b):
            return False
        return (math.isnan(a) and math.isnan(b)) or (math.copysign(1, a) == math.copysign(1, b) and a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def check(host: Any, value: Any) -> None:
    array_of = js.get(js.get(js.global_this(host), "Array"), "of")
    try:
        back = plain(array_of(value)[0])
    except REFUSED:
        pass
    else:
        assert lone_surrogates(value) or same(back, sent(value)), (value, back)
    assert array_of(1)[0] == 1  # the host still answers


@corpus_params("host_values")
def test_the_kept_values_come_back_as_they_went(host, kept):
    text = kept.read_text()
    value = deep(*ast.literal_eval(text[5:])) if text.startswith("deep ") else ast.literal_eval(text)
    check(host, value)


@fuzzed
@given(_values)
def test_a_value_a_client_sends_comes_back_or_is_refused(host, value):
    with failure_kept("host_values", repr(value).encode("utf-8", "surrogatepass")):
        check(host, value)
