"""An addon loaded into a host: its exports as attributes, every one by its JS name.

What napi_python itself knows of an addon is reached where no export can hide it:
``addon_info(addon)`` (path, host, pid, protections, Node-API version, registration, exports
value) and ``close(addon)``; ``with`` closes it too.

The host owns the process, its connection and its restarts, and makes the addons: ``host``
imports this module. An addon is a view of one module's exports and reaches its host only
through ``AddonHost``, the part of the host it uses, so this module does not import ``host``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, final

from . import _native
from .errors import AddonClosedError
from .proxy import JSFunction, member_of

__all__ = ["Addon", "AddonHost", "AddonInfo", "TypedAddon", "addon_info", "close"]

_Self = TypeVar("_Self")


class AddonHost(Protocol):
    """What an ``Addon`` uses of the host it runs in (``napi_python.Host`` is the one there is).

    In return the host drives the addon's exports: ``Addon._napi_adopt`` after a restart loaded
    the module again, ``Addon._napi_drop_exports`` when the process died."""

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
    such a protocol has no ``__getattr__``: a misspelt export is an error. It names no
    attribute of its own, so every export keeps its name (``addon_info`` and ``close`` take
    such an addon)."""

    def __getitem__(self, name: str) -> Any: ...
    def __enter__(self: _Self) -> _Self: ...
    def __exit__(self, *exc: object) -> None: ...


class Addon(_native.ExportHolder):
    """A loaded addon: its exports as attributes, each by its JS name (``addon["lambda"]`` for a
    name Python cannot spell).

    The exports are read once, when it loads. With a restart policy, an addon whose host died is
    loaded again (with the host's other addons) on the next use of an export; objects from the
    old host raise ``StaleObjectError``. ``addon_info(addon)`` tells what it is and where it
    runs; ``close(addon)`` or leaving a ``with`` block closes it. Its own attributes are dunders
    and ``_napi_`` names, which no export takes.
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
        setup: Callable[[Addon], object] | None = None,
    ) -> None:
        self._napi_host = host
        # What the program does to every fresh load of the addon before it serves (the
        # `setup=` of `load_addon`): the host runs it after the first load and every reload.
        self._napi_setup = setup
        # Loads this addon again in another process (a picklable callable, see `__reduce__`).
        self._napi_recipe = recipe
        self._napi_path = path
        self._napi_module = module
        self._napi_owns_host = owns_host
        # Set when the host died: the exports are gone from the instance dict, so the next
        # attribute read reaches _napi_missing_attribute, which has the host restart.
        self._napi_down = False
        self._napi_closed = False
        self._napi_adopt(exports, members)
        self._napi_publish()

    def _napi_adopt(self, exports: Any, members: dict[str, Any]) -> None:
        """Takes the exports of a fresh load, not yet published: until ``_napi_publish``, every
        use of an export goes through the host (``_napi_ensure_usable``), whose lock holds other
        threads back while the setup runs on the thread that restarted it."""
        self._napi_exports = exports
        self._napi_members = members

    def _napi_publish(self) -> None:
        """Makes the adopted exports the addon's attributes."""
        exports, members = self._napi_exports, self._napi_members
        self._napi_down = False
        # Exports live in the instance dict, so `addon.f` is a plain attribute read (it is on
        # every call's path), and an export wins over anything of the class (the native base
        # looks in the instance first). Dunders and `_napi_` names stay Python's: `addon["…"]`
        # reaches such an export. Interned, as the names in Python code are: the dict lookup
        # of `addon.f` then finds its key by identity instead of comparing the strings' bytes.
        # A function is kept bound to the exports, so that `addon.f()` gets them as `this`, as
        # `a.f()` does in JS (a class constructs, whatever its `this`).
        bind = isinstance(exports, _native.JSRef)
        for name, value in members.items():
            if not _is_own_name(name):
                self.__dict__[sys.intern(name)] = member_of(exports, value) if bind else value

    def _napi_drop_exports(self) -> None:
        """Forgets the exports (the host died, or this handle was closed)."""
        self._napi_down = True
        for name in self._napi_members:
            if not _is_own_name(name):
                self.__dict__.pop(name, None)

    def _napi_ensure_usable(self) -> None:
        if self._napi_closed:
            raise AddonClosedError(f"{os.path.basename(self._napi_path)} was closed")
        if self._napi_down:
            self._napi_host._revive()

    @property
    def _napi_conn(self) -> _native.Connection:
        # The connection to the process that runs the addon now, whether alive or not.
        return self._napi_host._conn

    def _napi_live_conn(self) -> _native.Connection:
        """The connection `js` helpers given this addon use, its host restarted first if it died
        (as the next use of an export would)."""
        self._napi_ensure_usable()
        return self._napi_host._conn

    @property
    def _napi_export_value(self) -> Any:
        """The exports value itself, its host revived if it died (the native layer passes an
        addon to JS as this)."""
        self._napi_ensure_usable()
        return self._napi_exports

    if TYPE_CHECKING:
        # For type checkers only: every export is an attribute of type `Any`. At run time the
        # native base reads exports (`_napi_missing_attribute`); a real `__getattr__` would
        # cost every call a failed lookup first.
        def __getattr__(self, name: str) -> Any: ...

    # Not `__getattr__`: the native base calls this when the generic lookup fails, which keeps
    # `addon.f` (on every call's path) a native read (see `_native.ExportHolder`).
    def _napi_missing_attribute(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"addon {os.path.basename(self._napi_path)} has no export {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        """The export ``name``, whatever it is called (``addon["lambda"]``, ``addon["__init__"]``)."""
        self._napi_ensure_usable()
        exports = self._napi_exports
        if name in self._napi_members:
            value = self._napi_members[name]
        elif isinstance(exports, _native.JSRef) and self._napi_conn.has(exports, name):
            value = self._napi_conn.get(exports, name)
        else:
            raise KeyError(name)
        # Bound to the exports, as `addon.f` is: `addon["f"]()` is JS's `addon["f"]()`.
        return member_of(exports, value) if isinstance(exports, _native.JSRef) else value

    def __dir__(self) -> list[str]:
        return sorted(self._napi_members)

    def __call__(self, *args: Any) -> Any:
        exports = self._napi_export_value
        if isinstance(exports, JSFunction):
            return exports(*args)
        raise TypeError(f"the exports of {os.path.basename(self._napi_path)} are not a function")

    def _napi_close(self) -> None:
        if self._napi_owns_host:
            self._napi_host.close()
        else:
            self._napi_closed = True
            self._napi_drop_exports()

    def __reduce__(self) -> tuple[Callable[[], Addon], tuple[()]]:
        # The recipe is picklable by construction: a functools.partial of a module-level loader
        # (`load_addon`, `require`) with plain options.
        return self._napi_recipe, ()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._napi_close()

    def __repr__(self) -> str:
        host = self._napi_host
        closed = self._napi_closed or host._closed
        state = "" if host.alive and not closed else " (closed)" if closed else " (down)"
        where = f"pid={host.pid}" if host.isolated else "in-process"
        return f"<Addon {os.path.basename(self._napi_path)} {where}{state}>"


def _is_own_name(name: str) -> bool:
    """Whether ``name`` is one ``Addon`` keeps for Python (an export so named is reached as
    ``addon[name]``)."""
    return name.startswith("_napi_") or (name.startswith("__") and name.endswith("__"))


@final
class AddonInfo:
    """What napi_python knows of a loaded addon besides its exports: ``addon_info(addon)``.

    A live view: ``pid`` and ``protections`` are those of the process that runs the addon now
    (a restart changes them)."""

    __slots__ = ("_addon",)

    def __init__(self, addon: Addon) -> None:
        self._addon = addon

    @property
    def path(self) -> str:
        """The ``.node`` file loaded."""
        return self._addon._napi_path

    @property
    def host(self) -> AddonHost:
        """The ``Host`` the addon runs in."""
        return self._addon._napi_host

    @property
    def pid(self) -> int:
        """The host's process id (Python's own for an in-process host)."""
        return self._addon._napi_host.pid

    @property
    def protections(self) -> list[str]:
        """The protections the host reported as in force (see ``Sandbox``)."""
        return self._addon._napi_host.protections

    @property
    def napi_version(self) -> int:
        """The Node-API version the module runs as: what its
        ``node_api_module_get_api_version_v1`` declares, or 8 when it exports none (as in Node)."""
        return int(self._addon._napi_module["version"])

    @property
    def registration(self) -> str:
        """How the module registered: ``"napi_register_module_v1"`` (an exported function) or
        ``"napi_module_register"`` (the legacy call from a library constructor)."""
        return str(self._addon._napi_module["registration"])

    @property
    def exports(self) -> Any:
        """The exports value itself (a ``JSObject``, or whatever the module's init returned)."""
        return self._addon._napi_export_value

    @property
    def closed(self) -> bool:
        """Whether the addon was closed (by ``close``, or its host's)."""
        return self._addon._napi_closed or self._addon._napi_host._closed

    def __repr__(self) -> str:
        return f"AddonInfo({self._addon!r})"


def addon_info(addon: Addon | TypedAddon) -> AddonInfo:
    """What napi_python knows of ``addon`` besides its exports (path, host, pid, protections,
    Node-API version, registration, the exports value), which no export can hide."""
    return AddonInfo(_as_addon(addon))


def close(addon: Addon | TypedAddon) -> None:
    """Closes ``addon``, as leaving its ``with`` block does. An addon loaded without ``host=`` has
    a host of its own, which ends (its cleanup hooks run). An addon of a shared ``Host`` only
    closes this handle: Node-API cannot unload one addon, so its env lives until the host
    closes. Idempotent."""
    _as_addon(addon)._napi_close()


def _as_addon(addon: object) -> Addon:
    if not isinstance(addon, Addon):
        raise TypeError(f"expected an Addon (from load_addon or require), got {type(addon).__name__}")
    return addon
