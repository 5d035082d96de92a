"""What a file says of node's own ABI (V8's, not Node-API's), for refusing or describing an addon
built against it: how it registers with node and the NODE_MODULE_VERSION it was built for.
"""

from __future__ import annotations

import re

from .shared_object import SharedObject

__all__ = ["node_registration", "node_module_version", "node_major", "node_release"]


def node_registration(so: SharedObject) -> str | None:
    """How an addon built against node's own C++ API (V8's ABI: ``NODE_MODULE``, nan) registers
    with node, or None for anything else (Node-API addons, other libraries): the symbol node
    looks up (``node_register_module_vN``, ``NODE_MODULE_INIT``), or the call of
    ``node_module_register`` from a library constructor (``NODE_MODULE``). Node-API's own
    registrations win: such an addon may name node's too."""
    defined = so.defined
    imported = {s.name for s in so.undefined}
    if "napi_register_module_v1" in defined or "napi_module_register" in imported:
        return None
    initializer = next((n for n in sorted(defined) if _NODE_INITIALIZER.fullmatch(n)), None)
    if initializer is not None:
        return initializer
    if "node_module_register" in imported:
        return "node_module_register"
    return None


_NODE_INITIALIZER = re.compile(r"node_register_module_v(\d+)")


def node_module_version(so: SharedObject) -> int | None:
    """The NODE_MODULE_VERSION a V8-ABI addon was built for (each node major has its own: 115
    is node 20), when the file says: in the name of its ``node_register_module_vN``, or in the
    ``struct node_module`` that ``NODE_MODULE`` hands ``node_module_register`` (64-bit x86-64
    and aarch64 builds)."""
    found = {int(m.group(1)) for n in so.defined if (m := _NODE_INITIALIZER.fullmatch(n))}
    found.update(so.node_module_versions)
    return found.pop() if len(found) == 1 else None


# NODE_MODULE_VERSION -> node's major release (node's doc/abi_version_registry.json).
_NODE_RELEASES = {
    46: 4,
    47: 5,
    48: 6,
    51: 7,
    57: 8,
    59: 9,
    64: 10,
    67: 11,
    72: 12,
    79: 13,
    83: 14,
    88: 15,
    93: 16,
    102: 17,
    108: 18,
    111: 19,
    115: 20,
    120: 21,
    127: 22,
    131: 23,
    137: 24,
    141: 25,
    147: 26,
}


def node_major(version: int) -> int | None:
    """The node major release NODE_MODULE_VERSION ``version`` belongs to, when known."""
    return _NODE_RELEASES.get(version)


def node_release(version: int) -> str:
    """The node release NODE_MODULE_VERSION ``version`` belongs to, in words."""
    major = _NODE_RELEASES.get(version)
    release = f"node {major}" if major is not None else "a node release this napi_python does not know"
    return f"{release} (NODE_MODULE_VERSION {version})"
