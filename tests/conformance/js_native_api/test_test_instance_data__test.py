"""js-native-api/test_instance_data/test.js: napi_set/get_instance_data from a binding and from
a finalizer; the instance-data finalizer runs when the environment is torn down.

Node runs the module in a child process (and in a worker of a child process) and checks that
the child exits with status 0 and prints "deleting addon data" first. Here the host process is
the child: the driver closes the addon (tearing the environment down) and reads what the host
wrote to standard output.
Host output is read from the test's file descriptors or the "napi_python.host" log. The worker-thread variant is left out: a host has no worker threads.
"""

from __future__ import annotations

import logging

import napi_python
from napi_python import js

from ..helpers import host_output


def test_instance_data(node_addon, capfd, caplog):
    caplog.set_level(logging.INFO, logger="napi_python.host")
    addon = node_addon("js-native-api", "test_instance_data")
    capfd.readouterr()

    addon.setPrintOnDelete()
    assert addon.increment() == 42

    calls = []
    addon.objectWithFinalizer(lambda: calls.append(1))
    js.gc(addon)

    napi_python.close(addon)
    assert calls == [1]  # common.mustCall(): called exactly once
    out = host_output(capfd, caplog, "stdout", lambda text: text.strip() != "")
    assert out.splitlines()[0:1] == ["deleting addon data"]
