"""A `JSBuffer` indexes, slices and measures as a `memoryview` of the same bytes does:
an element of its kind for an index, a view for a slice (no copy: writes through it reach the
addon, and the addon's writes show in it), the same errors for bad keys (addon:
addons/c/shared.c, whose make/typed/sum/fill read and write a buffer's memory as an addon does)."""

from __future__ import annotations

import pytest

from napi_python import JSBuffer, js

# napi_typedarray_type of shared.typed(type, n)
INT16, FLOAT64, BIGINT64 = 3, 8, 9
KEYS = [0, 1, -1, -3, slice(None), slice(2, 6), slice(None, None, -1), slice(5, 1, -2), slice(1, None, 3), slice(9, 99)]


def buffers(shared):
    """One buffer of each origin and element size: the host's Buffer, typed arrays of 2, 8 and 8
    (BigInt) bytes, and one Python made."""
    return [
        shared.make(12),
        shared.typed(INT16, 12),
        shared.typed(FLOAT64, 12),
        shared.typed(BIGINT64, 12),
        js.buffer(bytes(range(12))),
    ]


def test_indexing_slicing_and_len_are_those_of_a_memoryview(load):
    for buf in buffers(load("shared")):
        view = memoryview(buf)
        assert len(buf) == len(view) == 12
        for key in KEYS:
            got, want = buf[key], view[key]
            if isinstance(key, slice):
                assert isinstance(got, memoryview)
                assert (got.format, got.tolist()) == (want.format, want.tolist()), (buf, key)
            else:
                assert got == want and type(got) is type(want), (buf, key)
        assert list(buf) == view.tolist()


def test_elements_are_of_the_buffers_kind(load):
    shared = load("shared")
    assert shared.make(4)[3] == 3
    assert shared.typed(INT16, 4)[1] == -2
    assert shared.typed(FLOAT64, 4)[0] == 1.5
    assert shared.typed(BIGINT64, 4)[-1] == -4


def test_a_slice_is_a_view_of_the_same_memory_both_ways(load):
    shared = load("shared")
    buf = shared.make(8)  # bytes 0..7
    middle = buf[2:6]
    middle[0] = 100  # the addon sees a write through the slice
    assert shared.sum(buf) == sum(range(8)) - 2 + 100
    shared.fill(buf, 7)  # and the slice sees the addon's write: no copy was made
    assert middle.tolist() == [7, 7, 7, 7]


def test_items_and_slices_can_be_assigned(load):
    shared = load("shared")
    buf = shared.make(4)
    buf[0] = 10
    buf[1:3] = b"\x14\x1e"
    assert shared.sum(buf) == 10 + 20 + 30 + 3
    floats = shared.typed(FLOAT64, 2)
    floats[1] = 0.25
    assert floats[1] == 0.25


def test_bad_keys_and_values_fail_as_on_a_memoryview(load):
    buf = load("shared").make(4)
    view = memoryview(buf)
    for key, value in [(4, None), (-5, None), ("0", None), (0, 256), (slice(0, 2), b"abc"), (0, "a")]:
        with pytest.raises(Exception) as want:
            if value is None:
                view[key]
            else:
                view[key] = value
        with pytest.raises(type(want.value), match=str(want.value).replace("memoryview", ".*")):
            if value is None:
                buf[key]
            else:
                buf[key] = value


def test_a_python_made_buffer_still_moves_into_the_host_after_an_item_write(load):
    shared = load("shared")
    buf = js.buffer(b"\x01\x02\x03")
    buf[0] = 9  # the view taken for the write is released at once
    assert shared.sum(buf) == 14
    assert buf.shared


def test_a_buffer_made_from_a_slice_copies_those_bytes(load):
    buf = load("shared").make(6)
    assert bytes(JSBuffer("Buffer", buf[1:4])) == b"\x01\x02\x03"
