"""js-native-api/test_cannot_run_js/test.js

`createRef(fn)` adds a finalizer to `fn`; the finalizer (posted with node_api_post_finalizer for
the NAPI_EXPERIMENTAL build) reads `global.setTimeout` and calls abort() unless the status is
napi_ok or napi_cannot_run_js (experimental) / napi_pending_exception (NAPI_VERSION=8). In node
it runs at teardown. The driver closes each addon and checks that its host did not abort, then
repeats with a collection (js.gc) before closing, the other way the finalizer can run.
"""

import pytest

import napi_python
from napi_python import AddonCrashedError, js

from ..helpers import must_not_call


@pytest.mark.parametrize("target", ["test_pending_exception", "test_cannot_run_js"])
def test_finalizer_at_teardown(node_addon, target):
    addon = node_addon("js-native-api", "test_cannot_run_js", target)
    cb = must_not_call()
    addon.createRef(cb)
    napi_python.close(addon)
    cb.check()


@pytest.mark.parametrize("target", ["test_pending_exception", "test_cannot_run_js"])
def test_finalizer_after_gc(node_addon, target):
    addon = node_addon("js-native-api", "test_cannot_run_js", target)
    cb = must_not_call()

    def scope():
        addon.createRef(lambda: cb())

    scope()
    try:
        for _ in range(3):
            js.gc(addon)
        assert js.keys(napi_python.addon_info(addon).exports)  # the host is alive: the finalizer did not abort
    except AddonCrashedError as exc:  # pragma: no cover - the failure being tested
        pytest.fail(f"the finalizer aborted the host: {exc.stderr}")
    cb.check()
