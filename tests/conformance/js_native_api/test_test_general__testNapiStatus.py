"""js-native-api/test_general/testNapiStatus.js"""


def test_napi_status_cleanup(node_addon):
    addon = node_addon("js-native-api", "test_general")
    addon.createNapiError()
    assert addon.testNapiErrorCleanup(), "napi_status cleaned up for second call"
