"""node-api/1_hello_world/test.js (partial): a NAPI_MODULE_INIT addon's exports, and loading
the same module twice.

Left out: the second half loads the addon inside a worker_threads Worker; a host has no
workers. Loading twice gives two hosts here (each `load_addon` starts its own host), so
"a second load makes new functions" is checked across the two loads.
"""

from __future__ import annotations


def test_hello_world(node_addon):
    binding = node_addon("node-api", "1_hello_world")
    assert binding.hello() == "world"

    # Multiple loading of the same module.
    rebinding = node_addon("node-api", "1_hello_world")
    assert rebinding.hello() == "world"
    assert binding.hello != rebinding.hello
