"""node-api/test_fatal/test2.js (partial): napi_fatal_error with explicit lengths (16 and 13,
shorter than the strings) ends the process with "FATAL ERROR: test_fatal::Test fatal message".

Here the host is the child process: the call raises AddonCrashedError whose `stderr` (and
message) carry the fatal message, and whose `signal`/`exit_code` say it aborted.
"""

from __future__ import annotations

import pytest

from napi_python import AddonCrashedError

from ..helpers import assert_fatal_abort


@pytest.mark.isolated_only  # the addon aborts its process on purpose
def test_fatal_string_length(node_addon):
    test_fatal = node_addon("node-api", "test_fatal")
    with pytest.raises(AddonCrashedError) as info:
        test_fatal.TestStringLength()
    assert_fatal_abort(info.value, "test_fatal::Test fatal message")
