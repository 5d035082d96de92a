"""js-native-api/test_constructor/test_null.js"""


def test_define_class_null_args(node_addon):
    test_null = node_addon("js-native-api", "test_constructor").testNull
    assert test_null.testDefineClass() == {
        "envIsNull": "Invalid argument",
        "nameIsNull": "Invalid argument",
        "lengthIsZero": "napi_ok",
        "nativeSideIsNull": "Invalid argument",
        "dataIsNull": "napi_ok",
        "propsLengthIsZero": "napi_ok",
        "propsIsNull": "Invalid argument",
        "resultIsNull": "Invalid argument",
    }
