"""node-api/test_fatal/test.js (partial): napi_fatal_error ends the process with
"FATAL ERROR: <location> <message>" on stderr and SIGABRT (or status 134).

Here the host is the child process: the call raises AddonCrashedError whose `stderr` (and
message) carry the fatal message, and whose `signal`/`exit_code` say it aborted.
"""

from __future__ import annotations

import pytest

from napi_python import AddonCrashedError

from ..helpers import assert_fatal_abort


@pytest.mark.isolated_only  # the addon aborts its process on purpose
def test_fatal(node_addon):
    test_fatal = node_addon("node-api", "test_fatal")
    with pytest.raises(AddonCrashedError) as info:
        test_fatal.Test()
    assert_fatal_abort(info.value, "test_fatal::Test fatal message")
