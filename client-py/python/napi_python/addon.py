"""An addon loaded into a host: its exports as attributes.

The host owns the process, its connection and its restarts, and makes the addons: ``host``
imports this module. An addon is a view of one module's exports and reaches its host only
through ``AddonHost``, the part of the host it uses, so this module does not import ``host``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from . import _native
from .errors import AddonClosedError
from .proxy import JSFunction

__all__ = ["Addon", "AddonHost", "TypedAddon"]

_Self = TypeVar("_Self")


class AddonHost(Protocol):
    """What an ``Addon`` uses of the host it runs in (``napi_python.Host`` is the one there is).

    In return the host drives the addon's exports: ``Addon._adopt`` after a restart loaded the
    module again, ``Addon._drop_exports`` when the process died."""

    # The connection to the process that runs now (a restart replaces it).
    _conn: _native.Connection
    _closed: bool

    @property
    def pid(self) -> int: ...

    @property
    def protections(self) -> list[str]: ...

    @property
    def isolated(self) -> bool: ...

    @property
    def alive(self) -> bool: ...

    def close(self) -> None: ...

    def _revive(self) -> None:
        """Starts a new process and loads every addon again if the process died and the restart
        policy allows it; raises otherwise."""
        ...


class TypedAddon(Protocol):
    """What every ``Addon`` has besides its exports, for type checkers: the base of the
    ``Exports`` protocol that ``python -m napi_python stubs`` writes for a package, which adds
    one typed member per export. ``Addon`` is one (structurally); attach a stub to an addon
    with ``cast("Exports", require(...))``. Unlike ``Addon``, whose every attribute is ``Any``,
    such a protocol has no ``__getattr__``: a misspelt export is an error."""

    @property
    def path(self) -> str: ...
    @property
    def host(self) -> AddonHost: ...
    @property
    def pid(self) -> int: ...
    @property
    def protections(self) -> list[str]: ...
    @property
    def napi_version(self) -> int: ...
    @property
    def registration(self) -> str: ...
    @property
    def exports(self) -> Any: ...
    def __getitem__(self, name: str) -> Any: ...
    def close(self) -> None: ...
    def __enter__(self: _Self) -> _Self: ...
    def __exit__(self, *exc: object) -> None: ...


class Addon(_native.ExportHolder):
    """A loaded addon: its exports as attributes.

    The exports are read once, when it loads. ``addon.host`` is the ``Host`` it runs in. With a
    restart policy, an addon whose host died is loaded again (with the host's other addons) on
    the next use of an export; objects from the old host raise ``StaleObjectError``.
    """

    def __init__(
        self,
        host: AddonHost,
        path: str,
        exports: Any,
        members: dict[str, Any],
        module: dict[str, Any],
        *,
        recipe: Callable[[], Addon],
        owns_host: bool = False,
    ) -> None:
        self._host = host
        # Loads this addon again in another process (a picklable callable, see `__reduce__`).
        self._recipe = recipe
        self._path = path
        self._module = module
        self._owns_host = owns_host
        # Set when the host died: the exports are gone from the instance dict, so the next
        # attribute read reaches _missing_attribute, which has the host restart.
        self._down = False
        self._closed = False
        self._adopt(exports, members)

    def _adopt(self, exports: Any, members: dict[str, Any]) -> None:
        self._exports = exports
        self._members = members
        self._down = False
        # Exports live in the instance dict, so `addon.f` is a plain attribute read (it is on
        # every call's path). Names the class itself uses (`close`, `pid`...) stay the class's;
        # `addon["close"]` reaches such an export.
        # Interned, as the names in Python code are: the dict lookup of `addon.f` then finds
        # its key by identity instead of comparing the strings' bytes.
        for name, value in members.items():
            if not hasattr(type(self), name) and not name.startswith("_"):
                self.__dict__[sys.intern(name)] = value

    def _drop_exports(self) -> None:
        """Forgets the exports (the host died, or this handle was closed)."""
        self._down = True
        for name in self._members:
            self.__dict__.pop(name, None)

    def _ensure_usable(self) -> None:
        if self._closed:
            raise AddonClosedError(f"{os.path.basename(self._path)} was closed")
        if self._down:
            self._host._revive()

    @property
    def path(self) -> str:
        return self._path

    @property
    def host(self) -> AddonHost:
        """The ``Host`` this addon runs in."""
        return self._host

    @property
    def _conn(self) -> _native.Connection:
        # What `js.*` functions taking an addon use to reach its host.
        return self._host._conn

    @property
    def napi_version(self) -> int:
        """The Node-API version the module runs as: what its
        ``node_api_module_get_api_version_v1`` declares, or 8 when it exports none (as in Node)."""
        return int(self._module["version"])

    @property
    def registration(self) -> str:
        """How the module registered: ``"napi_register_module_v1"`` (an exported function) or
        ``"napi_module_register"`` (the legacy call from a library constructor)."""
        return str(self._module["registration"])

    @property
    def pid(self) -> int:
        """The host's process id."""
        return self._host.pid

    @property
    def protections(self) -> list[str]:
        """The protections the host reported as in force (see ``Sandbox``)."""
        return self._host.protections

    @property
    def exports(self) -> Any:
        """The exports value itself (a ``JSObject``, or whatever the module's init returned)."""
        self._ensure_usable()
        return self._exports

    if TYPE_CHECKING:
        # For type checkers only: every export is an attribute of type `Any`. At run time the
        # native base reads exports (`_missing_attribute`); a real `__getattr__` would cost
        # every call a failed lookup first.
        def __getattr__(self, name: str) -> Any: ...

    # Not `__getattr__`: the native base calls this when the generic lookup fails, which keeps
    # `addon.f` (on every call's path) a native read (see `_native.ExportHolder`).
    def _missing_attribute(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"addon {os.path.basename(self._path)} has no export {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        """The export ``name``, also when it is shadowed by an attribute of ``Addon``."""
        self._ensure_usable()
        if name in self._members:
            return self._members[name]
        exports = self._exports
        conn = self._conn
        if isinstance(exports, _native.JSRef) and conn.has(exports, name):
            return conn.get(exports, name)
        raise KeyError(name)

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __call__(self, *args: Any) -> Any:
        exports = self.exports
        if isinstance(exports, JSFunction):
            return exports(*args)
        raise TypeError(f"the exports of {os.path.basename(self._path)} are not a function")

    def close(self) -> None:
        """Closes the addon. An addon loaded without ``host=`` has a host of its own, which
        ends (its cleanup hooks run). An addon of a shared ``Host`` only closes this handle:
        Node-API cannot unload one addon, so its env lives until the host closes. Idempotent."""
        if self._owns_host:
            self._host.close()
        else:
            self._closed = True
            self._drop_exports()

    def __reduce__(self) -> tuple[Callable[[], Addon], tuple[()]]:
        # The recipe is picklable by construction: a functools.partial of a module-level loader
        # (`load_addon`, `require`) with plain options.
        return self._recipe, ()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        closed = self._closed or self._host._closed
        state = "" if self._host.alive and not closed else " (closed)" if closed else " (down)"
        where = f"pid={self.pid}" if self._host.isolated else "in-process"
        return f"<Addon {os.path.basename(self._path)} {where}{state}>"
