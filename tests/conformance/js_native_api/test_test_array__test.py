"""js-native-api/test_array/test.js

The JS array is made in the host with `js.array` (by reference), so `TestGetElement` returns the
very element objects (`strictEqual`).
"""

from napi_python import js

from ..helpers import throws


def _is_array(addon, value):
    # Arrays cross as Python lists (copies); a sparse one stays a proxy: ask `instanceof Array`.
    if isinstance(value, list):
        return True
    array_ctor = js.get_prototype(js.array(addon))["constructor"]
    return js.instanceof(value, array_ctor)


def test_array(node_addon):
    test_array = node_addon("js-native-api", "test_array")
    hello = js.object(test_array, name="hello")
    words = js.array(test_array, ["world", "node", "abi"])
    elements = [1, 9, 48, 13493, 9459324, hello, words]
    array = js.array(test_array, elements)
    length = len(elements)

    throws(
        lambda: test_array.TestGetElement(array, length + 1),
        r"^Error: assertion \(\(\(uint32_t\)index < length\)\) failed: Index out of bounds!$",
    )
    throws(
        lambda: test_array.TestGetElement(array, -2),
        r"^Error: assertion \(index >= 0\) failed: Invalid index\. Expects a positive integer\.$",
    )

    for index, element in enumerate(elements):
        got = test_array.TestGetElement(array, index)
        if isinstance(element, int):
            assert got == element and type(got) is int
        else:
            assert js.strict_equals(got, element)

    plain = [1, 9, 48, 13493, 9459324, {"name": "hello"}, ["world", "node", "abi"]]
    assert test_array.New(plain) == plain

    assert test_array.TestHasElement(array, 0)
    assert test_array.TestHasElement(array, length + 1) is False

    assert _is_array(test_array, test_array.NewWithLength(0))
    assert _is_array(test_array, test_array.NewWithLength(1))
    assert _is_array(test_array, test_array.NewWithLength(4294967295))


def test_delete_element(node_addon):
    test_array = node_addon("js-native-api", "test_array")
    arr = js.array(test_array, ["a", "b", "c", "d"])

    assert arr.length == 4
    assert js.has(arr, 2) is True
    assert test_array.TestDeleteElement(arr, 2) is True
    assert arr.length == 4
    assert js.has(arr, 2) is False
