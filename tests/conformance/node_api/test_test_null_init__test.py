"""node-api/test_null_init/test.js: a module registered with napi_module_register and a NULL
init function fails to load with "Module has no declared entry point."."""

from __future__ import annotations

import re

import pytest

from napi_python import AddonLoadError


def test_null_init(node_addon):
    with pytest.raises(AddonLoadError) as info:
        node_addon("node-api", "test_null_init")
    assert re.search(r"Module has no declared entry point[.]", str(info.value))
