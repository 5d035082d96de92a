"""Garbage collection in a host, when the program asks for it."""

from __future__ import annotations

from typing import Any

from .anchor import required_connection


def gc(addon: Any) -> int:
    """Collects, in the addon's host, every object nothing references (no Python proxy, no
    handle scope, no strong reference) and runs the finalizers that came due, each once.
    Returns how many objects were freed. Python proxies dropped before the call are released
    first. Python's full collection, run first, also starts the collector thread's pass over
    every host's cycles (`napi_python.cycles`), which runs after this returns and lets go of
    what a host then holds for nothing; `cycles.settle()` waits for it."""
    import gc as _pygc

    # Proxies in reference cycles only die in Python's own collection.
    _pygc.collect()
    return int(required_connection("gc", addon).gc())
