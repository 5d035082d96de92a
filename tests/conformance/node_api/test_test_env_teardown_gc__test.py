"""node-api/test_env_teardown_gc/test.js: a wrap finalizer that runs during environment
teardown calls into JS (global.cleanup, which deletes global.it and calls gc()); calling JS may
be refused with napi_pending_exception then, but nothing may crash.

The JS file sets `global.it` and `global.cleanup`; the driver sets them on the host's global
object. The process must exit cleanly: closing the addon must not report a crash.
"""

from __future__ import annotations

import napi_python
from napi_python import js


def test_finalizer_calling_js_at_teardown(node_addon):
    binding = node_addon("node-api", "test_env_teardown_gc")
    global_object = js.global_this(binding)
    js.set(global_object, "it", js.new(binding.MyObject))

    def cleanup():
        # delete global.it; global.gc();
        del global_object["it"]
        js.gc(binding)

    js.set(global_object, "cleanup", cleanup)
    napi_python.close(binding)
