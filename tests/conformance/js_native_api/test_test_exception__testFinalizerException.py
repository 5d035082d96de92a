"""js-native-api/test_exception/testFinalizerException.js

Node's child process takes the binding from the init error, calls `createExternal()`, and
collects until the external's finalizer throws `Error during Finalize`. Nothing catches it, so
it is an uncaught exception: node prints it to stderr and exits (the parent asserts no signal and
the message on stderr). napi_python reports an exception nothing catches to
`sys.unraisablehook` (its default prints it to stderr) and ends the host (D111): the driver
asserts the hook saw the message, once, and that what uses the host then raises
`AddonCrashedError` from that exception. Left out: the child-process plumbing.
"""

import sys
import time

import pytest

from napi_python import AddonCrashedError, AddonLoadError, js


def test_exception_in_finalizer_is_uncaught_not_a_crash(node_suite, monkeypatch):
    from napi_python import load_addon

    reports = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reports.append(u))
    with pytest.raises(AddonLoadError) as info:
        load_addon(str(node_suite.addon_file("js-native-api", "test_exception")))
    binding = info.value.error.props["binding"]
    binding.createExternal()
    for _ in range(10):  # gcLoop: ten collections, or until the exception ends the host
        try:
            js.gc(binding)
        except AddonCrashedError:
            break
    # Uncaught exceptions reach Python on the host's event dispatcher thread.
    deadline = time.monotonic() + 5
    while not reports and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(reports) == 1
    assert "Error during Finalize" in str(reports[0].exc_value)
    # As node's child process ends with it (no signal: not a crash), the host ends (D111).
    with pytest.raises(AddonCrashedError, match="Error during Finalize") as ended:
        while time.monotonic() < deadline + 5:  # until the dispatcher has ended the host
            binding.wasPending()
            time.sleep(0.01)
    assert ended.value.__cause__ is reports[0].exc_value
