"""napi_python: load Node-API native addons (``.node`` files) and call them from Python.

    from napi_python import load_addon, require
    addon = load_addon("crc32.linux-x64-gnu.node")
    addon.crc32c(b"hello")

    crc = require("@node-rs/crc32")     # finds node_modules/@node-rs/crc32's binary

Each addon runs in its own ``napi-hostd`` process by default, so a crash in native code raises
``AddonCrashedError`` here instead of killing Python; addons that share objects are loaded into
one ``Host``.
"""

from __future__ import annotations

import atexit
import collections.abc
import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from . import _native, cycles, errors, js
from ._native import JSBuffer, JSMethod
from .addon import Addon, AddonInfo, TypedAddon, addon_info, close
from .cycles import CyclesCollected
from .errors import (
    AddonClosedError,
    AddonCrashedError,
    AddonError,
    AddonInitError,
    AddonLoadError,
    AddonNotFoundError,
    AddonRestartLimitError,
    AddonSetupError,
    AddonTimeoutError,
    InstallError,
    IntegrityError,
    JSError,
    JSRangeError,
    JSTypeError,
    RegistryError,
    SandboxUnavailableError,
    StaleObjectError,
    UnsafeArchiveError,
)
from .hosts.host import Host, hostd_path, load_addon
from .hosts.host import close_open_hosts as _close_open_hosts
from .hosts.sandbox import RestartPolicy, Sandbox
from .js.makers import _ReceivesThis
from .machine import current_platform
from .packages.require import require, resolve
from .proxy import JSExternal, JSFunction, JSObject, JSSymbol
from .values import BigInt

if TYPE_CHECKING:
    from .promise import JSPromise, set_uncaught_hook
    from .workers.pool import AddonPool

# Imported at their first use: promises and the pool are `concurrent.futures` classes, and that
# module (with `logging`, `traceback` and `tokenize`) is a seventh of `import napi_python`, which
# a program that meets no promise and makes no pool need not pay.
_FIRST_USE = {
    "JSPromise": "promise",
    "set_uncaught_hook": "promise",
    "promise": "",
    "AddonPool": "workers.pool",
}


def __getattr__(name: str) -> Any:
    where = _FIRST_USE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{where or name}")
    value = module if not where else getattr(module, name)
    globals()[name] = value
    return value


# Before finalization: our Rust threads stop taking the GIL (see client-py/src/exit_gate.rs).
atexit.register(_native.interpreter_exiting)
# Runs first (atexit is last in, first out): open hosts tear their addons down while our
# threads may still take the GIL.
atexit.register(_close_open_hosts)

# The version of the package, as its metadata has it (both come from the workspace's Cargo.toml).
__version__: str = _native.__version__

__all__ = [
    "load_addon",
    "require",
    "resolve",
    "current_platform",
    "Host",
    "CyclesCollected",
    "cycles",
    "AddonPool",
    "Addon",
    "AddonInfo",
    "addon_info",
    "close",
    "TypedAddon",
    "Sandbox",
    "RestartPolicy",
    "hostd_path",
    "JSObject",
    "JSFunction",
    "JSMethod",
    "JSSymbol",
    "JSExternal",
    "JSPromise",
    "set_uncaught_hook",
    "JSBuffer",
    "BigInt",
    "js",
    "JSError",
    "JSTypeError",
    "JSRangeError",
    "AddonError",
    "AddonLoadError",
    "AddonNotFoundError",
    "AddonInitError",
    "AddonSetupError",
    "AddonCrashedError",
    "AddonTimeoutError",
    "AddonRestartLimitError",
    "AddonClosedError",
    "SandboxUnavailableError",
    "StaleObjectError",
    "InstallError",
    "RegistryError",
    "IntegrityError",
    "UnsafeArchiveError",
]


def _awaitable(conn: Any, obj: Any) -> Any:
    """A JS promise for the Python awaitable ``obj``, or None if it is not one: an object that is
    no awaitable and no ``concurrent.futures.Future`` (none can exist before that module is
    imported) is answered here, without importing the promise module."""
    futures = sys.modules.get("concurrent.futures")
    if isinstance(obj, (collections.abc.Awaitable, types.GeneratorType)) or (
        futures is not None and isinstance(obj, futures.Future)
    ):
        return __getattr__("promise")._awaitable(conn, obj)
    return None


# The classes and factories the native layer builds values with, each by name (documented and
# type-checked in client-py/src/python_types/configure.rs).
_native.configure(
    object_cls=JSObject,
    function_cls=JSFunction,
    symbol_cls=JSSymbol,
    external_cls=JSExternal,
    promise_class=lambda: __getattr__("JSPromise"),
    addon_cls=Addon,
    bigint_cls=BigInt,
    null=js.null,
    undefined=js.undefined,
    receives_this_cls=_ReceivesThis,
    js_error=errors._js_error,
    failure=errors._failure,
    dead=errors._dead,
    claimed=lambda p: __getattr__("promise")._claimed(p),
    uncaught=lambda exc, conn: __getattr__("promise")._uncaught(exc, conn),
    awaitable=_awaitable,
)
