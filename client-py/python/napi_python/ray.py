"""Ray: tasks that use one loaded copy of an addon per worker process, and an actor wrapping a
host of its own whose exports are remote calls and which keeps the JS objects it made.

    import ray
    from napi_python import require
    from napi_python.ray import AddonActor, per_process

    ray.init(num_cpus=2)
    bcrypt = per_process(require("@node-rs/bcrypt"))

    @ray.remote
    def hash_one(password):
        return bcrypt().hashSync(password, 10)

    hashes = ray.get([hash_one.remote(p) for p in passwords])

    counter = AddonActor.remote(require("my-napi-rs-addon"))   # a stateful actor
    handle = ray.get(counter.new.remote("Counter", 5))          # `new Counter(5)`, kept in the actor
    ray.get(counter.method.remote(handle, "increment"))

Both travel as the addon's recipe (path or package name and options), so the same code runs on
a multi-machine Ray cluster whose nodes have the package installed. A task whose host crashed
raises ``AddonCrashedError``; the next call in that worker loads the addon again (restart
policy), and ``retry_exceptions=[AddonCrashedError]`` runs the task again.
"""

from __future__ import annotations

import itertools
from typing import Any

import ray

from .addon import Addon, addon_info
from .workers import PerProcess

__all__ = ["AddonActor", "per_process"]


def per_process(addon: Addon) -> PerProcess:
    """Stands for ``addon`` in tasks: ``handle()`` answers the worker process's copy."""
    return PerProcess(addon)


class _AddonActor:
    """A host of its own running ``addon`` (its recipe, loaded in the actor's process). JS
    objects it makes stay in it, named by handles (ints) the caller passes back."""

    def __init__(self, addon: PerProcess | Addon) -> None:
        self._addon = addon() if isinstance(addon, PerProcess) else addon
        self._objects: dict[int, Any] = {}
        self._handles = itertools.count(1)

    def call(self, export: str, *args: Any) -> Any:
        """``addon.<export>(*args)``; its result must be plain data (a JS object answers an error
        saying so: keep it with ``new`` or ``keep`` instead)."""
        return self._addon[export](*args)

    def new(self, cls: str, *args: Any) -> int:
        """``new addon.<cls>(*args)``, kept in the actor; answers its handle."""
        return self._keep(self._addon[cls](*args))

    def keep(self, export: str, *args: Any) -> int:
        """Calls ``export`` and keeps its result (a JS object) in the actor; answers its handle."""
        return self._keep(self._addon[export](*args))

    def method(self, handle: int, name: str, *args: Any) -> Any:
        """``object.<name>(*args)`` on a kept object."""
        return getattr(self._objects[handle], name)(*args)

    def get(self, handle: int, name: str) -> Any:
        """``object.<name>`` of a kept object."""
        return getattr(self._objects[handle], name)

    def release(self, handle: int) -> None:
        """Lets the kept object go."""
        del self._objects[handle]

    def pid(self) -> int:
        """The host's process id (this actor's own when the addon runs in-process)."""
        return addon_info(self._addon).pid

    def _keep(self, obj: Any) -> int:
        handle = next(self._handles)
        self._objects[handle] = obj
        return handle


AddonActor = ray.remote(_AddonActor)
"""The Ray actor class: ``AddonActor.remote(addon)`` (``.options(...)`` as any actor)."""
