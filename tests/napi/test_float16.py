"""Float16Array (Node 24, `napi_float16_array`) against node: storing numbers
rounds them to IEEE 754 binary16 as ECMAScript says (ties to even, straight from the double;
past 65504 to ±Infinity; subnormals; -0; NaN), element reads, `Math.f16round` and
`DataView.prototype.getFloat16`/`setFloat16` answer what node answers, and in Python the array
is a zero-copy buffer of format 'e' that numpy reads as float16."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
from conftest import addon_path, node_eval

from napi_python import js

# Edge values: the largest binary16 and the tie above it, the smallest subnormal and the tie
# below it (rounding to 0, and just past it, to 2^-24), a tie between subnormals, the tie just
# under the smallest normal, ties around 1 (to even both ways) and one a rounding through
# binary32 first would get wrong, decimals, and what leaves binary16's range entirely.
VALUES = [
    65504.0,
    65519.99,
    65520.0,
    -65520.0,
    2.0**-24,
    2.0**-25,
    2.0**-25 + 2.0**-60,
    3 * 2.0**-25,
    2.0**-14 - 2.0**-26,
    0.1,
    1 / 3,
    -0.0,
    math.nan,
    math.inf,
    -math.inf,
    1 + 2.0**-11,
    1 + 3 * 2.0**-11,
    2049 * 2.0**-11 + 2.0**-30,
    -2.5e-8,
    1e300,
    5e-324,
    12345.678,
]


def js_literal(x: float) -> str:
    return "-0" if x == 0 and math.copysign(1, x) < 0 else repr(x).replace("inf", "Infinity").replace("nan", "NaN")


def number(text: str) -> float:
    """A number as node's `String(x)` prints it (with -0 kept)."""
    return float(text.replace("Infinity", "inf"))


def same(a: float, b: float) -> bool:
    """`Object.is` on numbers."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def node_answers() -> dict:
    # String(x) prints every number exactly enough to read back, except -0.
    script = f"""
    const show = x => Object.is(x, -0) ? "-0" : String(x);
    const values = [{", ".join(js_literal(v) for v in VALUES)}];
    const ta = new Float16Array(values);
    const dv = new DataView(new ArrayBuffer(2));
    const set = (v, little) => (dv.setFloat16(0, v, little), [dv.getUint8(0), dv.getUint8(1)]);
    console.log(JSON.stringify({{
      bits: [...new Uint16Array(ta.buffer)],
      elements: [...ta].map(show),
      f16round: values.map(v => show(Math.f16round(v))),
      setBig: values.map(v => set(v, false)),
      setLittle: values.map(v => set(v, true)),
      getBig: [...new Uint16Array(ta.buffer)].map(b => (dv.setUint16(0, b), show(dv.getFloat16(0)))),
      bytesPerElement: Float16Array.BYTES_PER_ELEMENT,
    }}));
    """
    return node_eval(script)


def test_numbers_round_to_binary16_as_in_node(load):
    want = node_answers()
    addon = load("shared")
    g = js.global_this(addon)
    reflect_apply = js.get(js.get(g, "Reflect"), "apply")
    array_from = js.get(js.get(g, "Array"), "from")
    ctor = js.get(g, "Float16Array")
    assert js.get(ctor, "BYTES_PER_ELEMENT") == want["bytesPerElement"] == 2

    ta = js.new(ctor, js.array(addon, VALUES))
    view = memoryview(ta)
    assert ta.js_type == "Float16Array" and view.format == "e" and view.itemsize == 2
    assert np.frombuffer(ta, dtype=np.uint16).tolist() == want["bits"], "the stored bits"
    elements = array_from(ta)
    for v, got, expected in zip(VALUES, elements, want["elements"], strict=False):
        assert same(got, number(expected)), f"new Float16Array([{v!r}])[i]: {got!r}, node {expected}"
    # Python's own reading of format 'e' (struct, numpy) sees what JS sees.
    assert all(same(float(a), b) for a, b in zip(np.frombuffer(ta, dtype=np.float16), elements, strict=False))
    assert all(same(a, b) for a, b in zip(struct.unpack(f"{len(VALUES)}e", view), elements, strict=False))

    f16round = js.get(js.get(g, "Math"), "f16round")
    for v, expected in zip(VALUES, want["f16round"], strict=False):
        assert same(f16round(v), number(expected)), f"Math.f16round({v!r})"

    dv = js.new(js.get(g, "DataView"), js.new(js.get(g, "ArrayBuffer"), 2))
    proto = js.get(js.get(g, "DataView"), "prototype")
    set_f16, get_f16 = js.get(proto, "setFloat16"), js.get(proto, "getFloat16")
    for v, big, little in zip(VALUES, want["setBig"], want["setLittle"], strict=False):
        reflect_apply(set_f16, dv, js.array(addon, [0, v, False]))
        assert list(bytes(memoryview(dv))) == big, f"setFloat16(0, {v!r})"
        reflect_apply(set_f16, dv, js.array(addon, [0, v, True]))
        assert list(bytes(memoryview(dv))) == little, f"setFloat16(0, {v!r}, true)"
    for bits, expected in zip(want["bits"], want["getBig"], strict=False):
        memoryview(dv)[:] = bits.to_bytes(2, "big")
        assert same(reflect_apply(get_f16, dv, js.array(addon, [0])), number(expected)), f"getFloat16 of {bits:#06x}"


def test_a_float16_array_from_python_reaches_js_as_one(load):
    # Node's bits for VALUES, handed over as numpy float16: JS reads each as node does.
    want = node_answers()
    addon = load("shared")
    halves = np.array(want["bits"], dtype=np.uint16).view(np.float16)
    ta = js.typedarray("Float16Array", halves)
    assert ta.js_type == "Float16Array" and len(ta) == len(VALUES)
    assert addon.kind(ta) == "Float16Array", "napi_get_typedarray_info answers napi_float16_array"
    elements = js.get(js.get(js.global_this(addon), "Array"), "from")(ta)
    assert all(same(got, number(e)) for got, e in zip(elements, want["elements"], strict=False))


def test_napi_create_typedarray_makes_float16_arrays_as_node_does(load):
    # node: the addon's typed(11, 4) (napi_create_typedarray with napi_float16_array) and what
    # napi_get_typedarray_info says of it.
    script = f"""
    const a = require({json.dumps(addon_path("shared"))});
    const t = a.typed(11, 4);
    console.log(JSON.stringify([t.constructor.name, [...t], a.kind(t), t.byteLength]));
    """
    want = node_eval(script)
    addon = load("shared")
    t = addon.typed(11, 4)
    assert [t.js_type, np.frombuffer(t, dtype=np.float16).tolist(), addon.kind(t), len(bytes(memoryview(t)))] == want
