"""node-api/test_null_init/test.js: a module registered with napi_module_register and a NULL
init function fails to load with "Module has no declared entry point."."""

from __future__ import annotations

import re

import pytest

from napi_python import AddonLoadError


@pytest.mark.xfail(
    strict=True,
    reason="loading a module registered with nm_register_func == NULL: node throws 'Module has no "
    "declared entry point.', napi-hostd says 'the registered module has no register function'",
)
def test_null_init(node_addon):
    with pytest.raises(AddonLoadError) as info:
        node_addon("node-api", "test_null_init")
    assert re.search(r"Module has no declared entry point[.]", str(info.value))
