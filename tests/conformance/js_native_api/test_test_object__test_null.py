"""js-native-api/test_object/test_null.js: NULL arguments to the object functions."""

from __future__ import annotations


def test_null_arguments(node_addon):
    test_null = node_addon("js-native-api", "test_object").testNull
    expected_for_property = {
        "envIsNull": "Invalid argument",
        "objectIsNull": "Invalid argument",
        "keyIsNull": "Invalid argument",
        "valueIsNull": "Invalid argument",
    }
    assert test_null.setProperty() == expected_for_property
    assert test_null.getProperty() == expected_for_property
    assert test_null.hasProperty() == expected_for_property
    assert test_null.hasOwnProperty() == expected_for_property
    # It's OK not to want the result of a deletion.
    assert test_null.deleteProperty() == {**expected_for_property, "valueIsNull": "napi_ok"}
    assert test_null.setNamedProperty() == expected_for_property
    assert test_null.getNamedProperty() == expected_for_property
    assert test_null.hasNamedProperty() == expected_for_property

    expected_for_element = {
        "envIsNull": "Invalid argument",
        "objectIsNull": "Invalid argument",
        "valueIsNull": "Invalid argument",
    }
    assert test_null.setElement() == expected_for_element
    assert test_null.getElement() == expected_for_element
    assert test_null.hasElement() == expected_for_element
    assert test_null.deleteElement() == {**expected_for_element, "valueIsNull": "napi_ok"}

    assert test_null.defineProperties() == {
        "envIsNull": "Invalid argument",
        "objectIsNull": "Invalid argument",
        "descriptorListIsNull": "Invalid argument",
        "utf8nameIsNull": "Invalid argument",
        "methodIsNull": "Invalid argument",
    }

    assert test_null.getPropertyNames() == expected_for_element
    assert test_null.getAllPropertyNames() == expected_for_element
    assert test_null.getPrototype() == expected_for_element
