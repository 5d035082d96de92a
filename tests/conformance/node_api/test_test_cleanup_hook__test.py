"""node-api/test_cleanup_hook/test.js: environment cleanup hooks run at teardown (the removed
one does not), after which wrap finalizers of strongly referenced objects run, and the process
exits with status 0 having printed "cleanup(42)".

Node runs the module in a child process and reads its stdout; here the host is the child:
closing the addon tears the environment down, and the host's stdout is the test's.
"""

from __future__ import annotations

import logging
import time


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


def test_cleanup_hooks_at_teardown(node_addon, capfd, caplog):
    caplog.set_level(logging.INFO, logger="napi_python.host")
    capfd.readouterr()
    binding = node_addon("node-api", "test_cleanup_hook")
    binding.close()
    out = host_output(capfd, caplog, "stdout", lambda text: text.strip() != "")
    err = host_output(capfd, caplog, "stderr", lambda text: False, timeout=0.2)
    # status 0: the finalizers' assert(cleanup_hook_count == 1) did not abort the host.
    assert "Assertion" not in err and "FATAL" not in err, err
    assert out.strip() == "cleanup(42)"
