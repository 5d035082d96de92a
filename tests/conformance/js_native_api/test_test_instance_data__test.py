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
import time

from napi_python import js


def host_output(capfd, caplog, stream: str, until, timeout: float = 5.0) -> str:
    """What the host wrote to `stream` ("stdout"/"stderr"): read from the test's own file
    descriptors (a host that inherits them) plus the "napi_python.host" log records (a host
    whose output napi_python forwards to logging, one record per line). Waits up to `timeout`
    for `until(text)` to hold, since forwarded lines arrive from a background thread."""
    fd_text = ""
    deadline = time.monotonic() + timeout
    while True:
        out, err = capfd.readouterr()
        fd_text += out if stream == "stdout" else err
        logged = [r.args[2] for r in caplog.records
                  if r.name == "napi_python.host" and isinstance(r.args, tuple) and len(r.args) == 3
                  and r.args[1] == stream]
        text = fd_text + "".join(line + "\n" for line in logged)
        if until(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_instance_data(node_addon, capfd, caplog):
    caplog.set_level(logging.INFO, logger="napi_python.host")
    addon = node_addon("js-native-api", "test_instance_data")
    capfd.readouterr()

    addon.setPrintOnDelete()
    assert addon.increment() == 42

    calls = []
    addon.objectWithFinalizer(lambda: calls.append(1))
    js.gc(addon)

    addon.close()
    assert calls == [1]  # common.mustCall(): called exactly once
    out = host_output(capfd, caplog, "stdout", lambda text: text.strip() != "")
    assert out.splitlines()[0:1] == ["deleting addon data"]
