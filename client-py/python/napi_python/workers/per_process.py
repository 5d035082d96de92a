"""One loaded copy of an addon per worker process, for engines that ship functions and their
arguments to other processes (``multiprocessing``, Dask, Ray).

An ``Addon`` passed to a task pickles as its recipe, so each task would load it again in a host
of its own. ``PerProcess(addon)`` pickles as the same recipe but loads it once per process, on
first use, and hands every later task in that process the same addon.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..addon import Addon

__all__ = ["PerProcess"]

# The addons loaded in this process by a PerProcess, by their pickled recipe.
_loaded: dict[bytes, Addon] = {}
_loading = threading.Lock()


class PerProcess:
    """Stands for ``addon`` in other processes: calling it answers that process's copy, loaded on
    the first call there (into a host of its own, with the addon's options)."""

    def __init__(self, addon: Addon) -> None:
        self._recipe: Callable[[], Addon] = addon._napi_recipe
        import pickle  # here, not at `import napi_python`, which imports this module for the pool

        self._key = pickle.dumps(self._recipe)

    def __call__(self) -> Addon:
        addon = _loaded.get(self._key)
        if addon is None:
            with _loading:
                addon = _loaded.get(self._key)
                if addon is None:
                    addon = _loaded[self._key] = self._recipe()
        return addon

    def __reduce__(self) -> tuple[Callable[[bytes], PerProcess], tuple[bytes]]:
        return _from_recipe, (self._key,)

    def __repr__(self) -> str:
        return f"PerProcess({self._recipe!r})"


def _from_recipe(key: bytes) -> PerProcess:
    made = PerProcess.__new__(PerProcess)
    import pickle

    made._recipe = pickle.loads(key)
    made._key = key
    return made


def call(addon: PerProcess, export: str, *args: Any) -> Any:
    """``addon().<export>(*args)``: a module-level function, so that it pickles by name."""
    return addon()[export](*args)
