"""js-native-api/test_exception/testFinalizerException.js

Node's child process takes the binding from the init error, calls `createExternal()`, and
collects until the external's finalizer throws `Error during Finalize`. Nothing catches it, so
it is an uncaught exception: node prints it to stderr and exits (the parent asserts no signal and
the message on stderr). napi_python reports an exception nothing catches to
`sys.unraisablehook` (its default prints it to stderr) and the host goes on, as for every other
uncaught exception (see test_reference/test_finalizer.js): the driver asserts the hook saw the
message, once, and that the host did not crash. Left out: the child-process plumbing.
"""

import sys
import time

import pytest

from napi_python import AddonLoadError, js


def test_exception_in_finalizer_is_uncaught_not_a_crash(node_suite, monkeypatch):
    from napi_python import load_addon

    reports = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reports.append(u))
    with pytest.raises(AddonLoadError) as info:
        load_addon(str(node_suite.addon_file("js-native-api", "test_exception")))
    binding = info.value.error.props["binding"]
    binding.createExternal()
    for _ in range(10):  # gcLoop: ten collections
        js.gc(binding)
    # Uncaught exceptions reach Python on the host's event dispatcher thread.
    deadline = time.monotonic() + 5
    while not reports and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(reports) == 1
    assert "Error during Finalize" in str(reports[0].exc_value)
    assert binding.wasPending() is False  # the host lives on
