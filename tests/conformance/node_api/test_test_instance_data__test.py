"""node-api/test_instance_data/test.js (partial): instance data reached from an async work
callback, from a buffer finalizer and from a threadsafe function; and a clean exit when the
instance data holds references to JS objects.

Node runs the first part in a child process and in a worker thread of a child process; here
the host is the child (workers are left out: a host has none). `testProcessExit` loads
test_ref_then_set / test_set_then_ref in a child and wants status 0, no signal, and stderr
exactly "addon_free"; here closing the addon is the exit and the host's stderr is the test's.
"""

from __future__ import annotations

import logging
import threading

import pytest

import napi_python
from napi_python import js

from ..helpers import host_output

TIMEOUT = 30


def test_instance_data_in_callbacks(node_addon):
    addon = node_addon("node-api", "test_instance_data")

    # Instance data used in an async work callback.
    done = threading.Event()
    addon.asyncWorkCallback(lambda *args: done.set())
    assert done.wait(TIMEOUT)

    # The buffer finalizer can reach the instance data.
    done = threading.Event()
    addon.testBufferFinalizer(lambda *args: done.set())
    js.gc(addon)
    assert done.wait(TIMEOUT)

    # The thread-safe function can reach the instance data.
    done = threading.Event()
    calls = []
    addon.testThreadsafeFunction(lambda *args: calls.append(args), lambda *args: done.set())
    assert done.wait(TIMEOUT)
    assert len(calls) == 1  # common.mustCall()


@pytest.mark.parametrize("addon_name", ["test_ref_then_set", "test_set_then_ref"])
def test_process_exit(node_addon, capfd, caplog, addon_name):
    caplog.set_level(logging.INFO, logger="napi_python.host")
    capfd.readouterr()
    addon = node_addon("node-api", "test_instance_data", addon_name)
    napi_python.close(addon)
    err = host_output(capfd, caplog, "stderr", lambda text: text != "")
    # Exactly "addon_free" (forwarded output arrives as a line: no terminator to compare).
    assert err.rstrip("\n") == "addon_free"
