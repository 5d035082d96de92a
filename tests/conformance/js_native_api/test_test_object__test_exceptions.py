"""js-native-api/test_object/test_exceptions.js (Node 24; target test_exceptions): every object
function (set/has/get/delete of properties and elements, define_properties, the property names)
answers napi_pending_exception with the error pending when a Proxy trap throws; each trap runs
at least once."""

from napi_python import js

from ..helpers import MustCall

TRAPS = ("get", "getOwnPropertyDescriptor", "defineProperty", "deleteProperty", "has", "set", "ownKeys")


def test_every_call_reports_the_trap_s_exception(node_addon):
    addon = node_addon("js-native-api", "test_object", "test_exceptions")

    def throws(*_):
        raise RuntimeError("foobar")

    traps = {name: MustCall(fn=throws) for name in TRAPS}
    proxy = js.new(js.get(js.global_this(addon), "Proxy"), js.object(addon), traps)
    # The addon asserts each status itself and throws if one is not napi_pending_exception.
    assert addon.testExceptions(proxy) is None
    for name, trap in traps.items():
        assert trap.calls >= 1, f"trap {name} never ran"
