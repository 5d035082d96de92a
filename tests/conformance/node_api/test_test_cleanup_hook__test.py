"""node-api/test_cleanup_hook/test.js: environment cleanup hooks run at teardown (the removed
one does not), after which wrap finalizers of strongly referenced objects run, and the process
exits with status 0 having printed "cleanup(42)".

Node runs the module in a child process and reads its stdout; here the host is the child:
closing the addon tears the environment down, and the host's stdout is the test's.
"""

from __future__ import annotations

import logging

import napi_python

from ..helpers import host_output


def test_cleanup_hooks_at_teardown(node_addon, capfd, caplog):
    caplog.set_level(logging.INFO, logger="napi_python.host")
    capfd.readouterr()
    binding = node_addon("node-api", "test_cleanup_hook")
    napi_python.close(binding)
    out = host_output(capfd, caplog, "stdout", lambda text: text.strip() != "")
    err = host_output(capfd, caplog, "stderr", lambda text: False, timeout=0.2)
    # status 0: the finalizers' assert(cleanup_hook_count == 1) did not abort the host.
    assert "Assertion" not in err and "FATAL" not in err, err
    assert out.strip() == "cleanup(42)"
