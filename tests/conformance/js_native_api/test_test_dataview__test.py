"""js-native-api/test_dataview/test.js

`Reflect.construct(DataView, [new ArrayBuffer(128)])` is `js.typedarray("DataView", ...)`;
`instanceof DataView` is the result's `js_type`.
"""

import pytest

from napi_python import JSRangeError, js


def test_create_from_js_dataview(node_addon):
    test_dataview = node_addon("js-native-api", "test_dataview")
    template = js.typedarray("DataView", bytes(128))
    the_dataview = test_dataview.CreateDataViewFromJSDataView(template)
    assert the_dataview.js_type == "DataView", f"Expect {the_dataview} to be a DataView"


def test_create_out_of_range(node_addon):
    test_dataview = node_addon("js-native-api", "test_dataview")
    buffer = js.arraybuffer(bytes(128))
    with pytest.raises(JSRangeError):
        test_dataview.CreateDataView(buffer, 10, 200)
