"""Isolated calls in the compact form (napi_protocol::quick): a call whose arguments are all
primitives, strings of at most 128 bytes of UTF-8 or `bytes` of at most 128 bytes (eight at
most) crosses in a fixed layout, and its answer too when it is a primitive. Each value here is
passed both ways, alone (the compact form, where it has one) and with eight more arguments
(nine: always a request), and must arrive the same: the same JS type and value, the same
answer. The connection's count of compact calls says which way each went (isolated only: an
in-process host takes its calls directly, and the answers must agree there too).

Addons: functions.c's `cbInfo` (the types and values of its first four arguments, copied
back), bench.c's `add`.
"""

from __future__ import annotations

import asyncio
import math

import pytest
from conftest import IN_PROCESS

import napi_python
from napi_python import BigInt
from napi_python.js import null, undefined

# A request whatever the values: nine arguments, one past the compact form's eight.
PADDING = [None] * 8
QUICK_ITEM = 128

# (value, whether it has a compact form)
BOUNDARIES = [
    (None, True),
    (undefined, True),
    (null, True),
    (True, True),
    (False, True),
    (0, True),
    (-1, True),
    (2**31 - 1, True),
    (2**31, True),
    (-(2**31) - 1, True),
    (2**53, True),
    (-(2**53), True),
    # Beyond 2^53 an int is a BigInt, which has no compact form.
    (2**53 + 1, False),
    (BigInt(5), False),
    (1.5, True),
    (-0.0, True),
    (math.nan, True),
    (math.inf, True),
    (-math.inf, True),
    (5e-324, True),
    (1.7976931348623157e308, True),
    ("", True),
    ("x" * QUICK_ITEM, True),
    ("x" * (QUICK_ITEM + 1), False),
    # Two bytes a character: the limit is the UTF-8's length.
    ("ü" * (QUICK_ITEM // 2), True),
    ("ü" * (QUICK_ITEM // 2) + "x", False),
    ("😀", True),
    # A lone surrogate crosses as U+FFFD, as a request makes it.
    ("a\ud800", False),
    (b"", True),
    (b"\x00\xff" * (QUICK_ITEM // 2), True),
    (b"x" * (QUICK_ITEM + 1), False),
    (bytearray(b"abc"), False),
]


def compact_calls(addon) -> int:
    return napi_python.addon_info(addon).exports._napi_conn._compact_calls


def same(a, b) -> bool:
    """Equal, NaN to NaN and -0.0 apart from 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return type(a) is type(b) and a == b


def arrived(info) -> tuple:
    """What the addon saw of its first argument: its JS type and its value come back."""
    value = info["values"][0]
    if hasattr(value, "tobytes"):
        value = bytes(value.tobytes())
    elif isinstance(value, napi_python.JSObject):
        value = bytes(memoryview(value))
    return info["types"][0], value


@pytest.mark.parametrize(("value", "compact"), BOUNDARIES, ids=repr)
def test_a_value_arrives_the_same_compact_or_by_request(load, value, compact):
    addon = load("functions")
    before = compact_calls(addon)
    quick = arrived(addon.cbInfo(value))
    between = compact_calls(addon)
    general = arrived(addon.cbInfo(value, *PADDING))
    after = compact_calls(addon)
    assert quick[0] == general[0]
    assert same(quick[1], general[1]) or (isinstance(value, BigInt) and quick[1] == general[1])
    if not IN_PROCESS:
        assert (between - before, after - between) == (int(compact), 0)


@pytest.mark.parametrize(
    ("a", "b"),
    [(1, 2), (-0.0, -0.0), (0.0, -0.0), (math.nan, 1), (math.inf, -math.inf), (2**53, 1), (1e308, 1e308), (0.1, 0.2)],
    ids=repr,
)
def test_a_number_answered_compactly_is_the_number_a_reply_carries(load, a, b):
    bench = load("bench")
    before = compact_calls(bench)
    quick = bench.add(a, b)
    general = bench.add(a, b, *PADDING[:7])
    assert same(quick, general)
    # JS adds doubles; an integral answer comes back as an int.
    assert same(float(quick), float(a) + float(b))
    if not IN_PROCESS:
        assert compact_calls(bench) - before == 1


def test_a_call_on_a_receiver_and_a_thrown_error_go_compactly_too(load):
    bench = load("bench")
    functions = load("functions")
    assert bench.noop() is None
    before = compact_calls(functions)
    # A method of the exports is called on them: `this` crosses as the object it is.
    assert functions.cbInfo(1)["thisType"] == 6
    # A throw is answered by the usual reply.
    with pytest.raises(napi_python.JSError):
        functions.call(1, None)
    if not IN_PROCESS:
        assert compact_calls(functions) - before == 2


def test_a_promise_a_compact_call_answers_settles_however_soon_it_settles(load):
    """The host may send a promise's settlement, on the event stream, before the client has read
    the reply that makes the promise: the settlement is expected from before the call is sent,
    as for any request (its early arrival was once taken for a host's lie, and the host ended)."""
    bench = load("bench_async")

    async def many() -> list:
        return [await bench.asyncAdd(i, 1) for i in range(2000)]

    assert asyncio.run(many()) == [i + 1 for i in range(2000)]


def test_eight_arguments_of_every_compact_kind_arrive_in_order(load):
    """A compact call's arguments are made into the direct call's in their order, each of its
    kind, up to the eighth: `Array.of` gives back what it was called with."""
    functions = load("functions")
    array = napi_python.js.global_this(functions).Array
    args = [1.5, "text", b"\x00\xff", True, False, None, null, -7]
    before = compact_calls(functions)
    made = array.of(*args)
    if not IN_PROCESS:
        assert compact_calls(functions) - before == 1
    got = [made[i] for i in range(len(args))]
    assert bytes(memoryview(got[2])) == b"\x00\xff"
    assert got[:2] + got[3:] == [1.5, "text", True, False, None, None, -7]
