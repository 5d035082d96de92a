"""Dask: each worker process gets one loaded copy of an addon.

    from dask.distributed import Client, LocalCluster
    from napi_python import require
    from napi_python.dask import AddonPlugin, export

    bcrypt = require("@node-rs/bcrypt")
    with Client(LocalCluster(n_workers=2, threads_per_worker=1)) as client:
        client.register_plugin(AddonPlugin(bcrypt, name="bcrypt"))
        hashes = client.gather(client.map(export("bcrypt", "hashSync"), passwords, [10] * len(passwords)))

The plugin travels as the addon's recipe (what loads it again: path or package name and
options), so the same code runs on a multi-machine cluster whose workers have the package
installed. With a restart policy (the default), a worker whose host crashed loads the addon again
on its next call; the task that met the crash raises ``AddonCrashedError`` (Dask's ``retries=``
runs it again).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from distributed import WorkerPlugin, get_worker

from .addon import Addon
from .workers import PerProcess

__all__ = ["AddonPlugin", "worker_addon", "export"]


class AddonPlugin(WorkerPlugin):
    """Loads ``addon`` (its recipe) once in each worker as it starts; ``worker_addon(name)``
    answers that copy inside a task. Closing the worker closes it."""

    def __init__(self, addon: Addon, name: str) -> None:
        self.name = name
        self.addon = PerProcess(addon)

    def setup(self, worker: Any) -> None:
        self.addon()

    def teardown(self, worker: Any) -> None:
        self.addon().close()


def worker_addon(name: str, worker: Any = None) -> Addon:
    """Inside a task: this worker's copy of the addon its ``AddonPlugin`` ``name`` loaded. Outside
    a task (``client.run(lambda dask_worker: ...)``), pass the worker."""
    plugin = (worker or get_worker()).plugins.get(name)
    if not isinstance(plugin, AddonPlugin):
        raise LookupError(f"this worker has no AddonPlugin named {name!r}: register one with client.register_plugin")
    return plugin.addon()


def export(name: str, export_name: str) -> Callable[..., Any]:
    """A task function (picklable) that calls ``export_name`` of the addon of the plugin ``name``
    with the task's arguments: ``client.map(export("bcrypt", "hashSync"), passwords)``."""
    return functools.partial(_call, name, export_name)


def _call(name: str, export_name: str, *args: Any) -> Any:
    return worker_addon(name)[export_name](*args)
