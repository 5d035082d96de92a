"""js-native-api/3_callbacks/test.js

testRecv needs the callback to see its `this` (`assert.strictEqual(this, desiredRecv)` in a
strict-mode function): the driver asks for it with `js.function(fn, receives_this=True)`.
"""

import pytest

from napi_python import js

from ..helpers import same


def test_run_callback(node_addon):
    addon = node_addon("js-native-api", "3_callbacks")

    def cb(msg):
        assert msg == "hello world"

    addon.RunCallback(cb)


@pytest.mark.parametrize("kind", ["undefined", "null", "5", "true", "'Hello'", "[]", "{}"])
def test_run_callback_with_recv(node_addon, kind):
    addon = node_addon("js-native-api", "3_callbacks")
    desired = {
        "undefined": js.undefined,
        "null": js.null,
        "5": 5,
        "true": True,
        "'Hello'": "Hello",
        "[]": js.array(addon),
        "{}": js.object(addon),
    }[kind]
    seen = []

    def cb(this):
        seen.append(this)

    addon.RunCallbackWithRecv(js.function(cb, receives_this=True), desired)
    assert len(seen) == 1
    if desired is js.undefined or desired is js.null:
        # Python sees both as None (docs/python-api.md); that is all it can compare.
        assert seen[0] is None
    else:
        assert same(seen[0], desired)
