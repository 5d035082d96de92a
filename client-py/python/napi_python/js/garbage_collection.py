"""Garbage collection in a host, when the program asks for it."""

from __future__ import annotations

from typing import Any

from .anchor import required_connection


def gc(addon: Any) -> int:
    """Collects, in the addon's host, every object nothing references (no Python proxy, no
    handle scope, no strong reference) and runs the finalizers that came due, each once.
    Returns how many objects were freed. Python proxies dropped before the call are released
    first."""
    import gc as _pygc

    # Proxies in reference cycles only die in Python's own collection.
    _pygc.collect()
    return int(required_connection("gc", addon).gc())
