"""node-api/test_fatal/test_threads.js (partial): napi_fatal_error called from a thread the
addon started (uv_thread_create) aborts the process with "FATAL ERROR: work_thread foobar".

Here the host is the child process. The JS child busy-loops until the thread aborts it; the
driver keeps asking the host (a cheap request) until it is gone, then checks the
AddonCrashedError every later call raises.
"""

from __future__ import annotations

import time

import pytest

import napi_python
from napi_python import AddonCrashedError, js

from ..helpers import assert_fatal_abort


@pytest.mark.isolated_only  # the addon aborts its process on purpose
def test_fatal_from_thread(node_addon):
    # Without a restart policy, and with the exports taken before the thread starts: the
    # event dispatcher may see the host die before this thread reads `exports` again, and a
    # read then (with the default policy) started a new host whose exports answered every call.
    test_fatal = node_addon("node-api", "test_fatal", restart=False)
    exports = napi_python.addon_info(test_fatal).exports
    deadline = time.monotonic() + 10
    with pytest.raises(AddonCrashedError) as info:
        # The thread may abort the host before TestThread's own answer is sent: the call then
        # raises the crash itself.
        test_fatal.TestThread()
        while time.monotonic() < deadline:
            js.keys(exports)
            time.sleep(0.01)
    assert_fatal_abort(info.value, "work_thread foobar")
