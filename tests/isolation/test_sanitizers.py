"""The sanitizer lane's own check (scripts/sanitize, which sets NAPI_PYTHON_SANITIZED=1; skipped
elsewhere): its napi-hostd (AddressSanitizer) and its C addons (AddressSanitizer and UBSan, linked
against the host's runtime) do report, so that a lane with no report means the sanitizers looked.
A use of freed memory and a signed overflow in `addons/c/faults.c` each end the host with the
sanitizer's report in the log the host was told to write, and Python gets AddonCrashedError."""

from __future__ import annotations

import os

import pytest
from conftest import addon_path

import napi_python
from napi_python import AddonCrashedError

pytestmark = [
    pytest.mark.isolated_only,
    pytest.mark.skipif(
        os.environ.get("NAPI_PYTHON_SANITIZED") != "1", reason="the sanitizer lane's (scripts/sanitize)"
    ),
]


@pytest.mark.parametrize(
    "function, report",
    [
        ("useAfterFree", "ERROR: AddressSanitizer: heap-use-after-free"),
        ("overflowInt", "runtime error: signed integer overflow: 2147483647 + 8"),
    ],
)
def test_a_fault_in_an_addon_ends_its_host_with_the_sanitizers_report(tmp_path, function, report):
    # This host's reports go here, not where the lane looks for reports that fail it.
    options = {
        "ASAN_OPTIONS": f"log_path={tmp_path}/asan",
        "UBSAN_OPTIONS": f"halt_on_error=1:print_stacktrace=1:log_path={tmp_path}/ubsan",
    }
    addon = napi_python.load_addon(addon_path("faults"), env=options)
    try:
        assert addon.add(1, 2) == 3
        with pytest.raises(AddonCrashedError):
            getattr(addon, function)()
    finally:
        napi_python.close(addon)
    logs = "".join(path.read_text() for path in tmp_path.iterdir())
    assert report in logs
    assert function[0].upper() + function[1:] in logs, "the report names the addon's function"
