"""Loading an addon into a host and using its exports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Mapping

from . import _native
from .errors import AddonCrashedError, AddonError, AddonLoadError
from .proxy import JSFunction

__all__ = ["Addon", "load_addon", "hostd_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def hostd_path() -> str:
    """Where the ``napi-hostd`` binary is: ``$NAPI_HOSTD``, else the one installed with this
    package, else the first on ``PATH``."""
    explicit = os.environ.get("NAPI_HOSTD")
    if explicit:
        return explicit
    bundled = _PACKAGE_DIR / "bin" / "napi-hostd"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("napi-hostd")
    if found:
        return found
    raise AddonLoadError(
        f"napi-hostd not found: looked in $NAPI_HOSTD, {bundled} and PATH (run the project's setup script)"
    )


class Addon:
    """A loaded addon: its exports as attributes.

    The exports are read once, when it loads. Close it with ``close()`` or use it as a context
    manager; its host process ends then.
    """

    def __init__(self, path: str, conn: _native.Connection, exports: Any, members: dict[str, Any]) -> None:
        self._path = path
        self._conn = conn
        self._exports = exports
        self._members = members
        # Exports live in the instance dict, so `addon.f` is a plain attribute read (it is on
        # every call's path). Names the class itself uses (`close`, `pid`...) stay the class's;
        # `addon["close"]` reaches such an export.
        for name, value in members.items():
            if not hasattr(type(self), name) and not name.startswith("_"):
                self.__dict__[name] = value

    @property
    def path(self) -> str:
        return self._path

    @property
    def pid(self) -> int:
        """The host's process id."""
        return self._conn.pid

    @property
    def exports(self) -> Any:
        """The exports value itself (a ``JSObject``, or whatever the module's init returned)."""
        return self._exports

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"addon {os.path.basename(self._path)} has no export {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        """The export ``name``, also when it is shadowed by an attribute of ``Addon``."""
        if name in self._members:
            return self._members[name]
        exports = self._exports
        if isinstance(exports, _native.JSRef) and self._conn.has(exports, name):
            return self._conn.get(exports, name)
        raise KeyError(name)

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __call__(self, *args: Any) -> Any:
        if isinstance(self._exports, JSFunction):
            return self._exports(*args)
        raise TypeError(f"the exports of {os.path.basename(self._path)} are not a function")

    def close(self) -> None:
        """Ends the host, letting the addon run its cleanup hooks. Idempotent."""
        self._conn.close()

    def __enter__(self) -> "Addon":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "" if self._conn.alive else " (closed)"
        return f"<Addon {os.path.basename(self._path)} pid={self.pid}{state}>"


def load_addon(path: "str | os.PathLike[str]", *, isolated: bool = True, env: Mapping[str, str] | None = None) -> Addon:
    """Loads the Node-API addon at ``path`` and returns its exports as an ``Addon``.

    ``isolated=True`` (the default) runs it in its own ``napi-hostd`` process, so a crash in the
    addon raises ``AddonCrashedError`` instead of killing Python. ``env`` adds environment
    variables for that process.
    """
    if not isolated:
        raise NotImplementedError("in-process mode (isolated=False) is not available yet; use isolated=True")
    p = os.path.abspath(os.fspath(path))
    if not os.path.exists(p):
        raise AddonLoadError(f"no such file: {p}")
    if not os.path.isfile(p):
        raise AddonLoadError(f"not a file: {p}")
    conn = _native.Connection.spawn(hostd_path(), dict(env) if env else None)
    try:
        exports, members = conn.load(p)
    except AddonLoadError:
        conn.close()
        raise
    except AddonCrashedError as e:
        conn.close()
        raise AddonLoadError(f"the host crashed while loading {p}: {e}") from e
    except BaseException:
        conn.close()
        raise
    return Addon(p, conn, exports, members)
