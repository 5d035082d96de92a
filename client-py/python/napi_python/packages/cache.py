"""Where ``python -m napi_python install`` puts packages by default, which ``require()`` searches
after the ``node_modules`` folders Node would: ``$NAPI_PYTHON_CACHE``, else, on Windows,
``%LOCALAPPDATA%\\napi-python`` (where Windows programs keep caches: local to the machine, not
roamed with the profile), else ``$XDG_CACHE_HOME/napi-python``, else ``~/.cache/napi-python``
(Linux, macOS and the other Unixes); the packages are in its
``node_modules`` folder, laid out as npm lays out one. Outside the ``npm`` package, so that
``require`` (imported by ``import napi_python``) does not load the installer."""

from __future__ import annotations

import os
from pathlib import Path

from ..machine import this_os

__all__ = ["cache_dir", "node_modules"]


def cache_dir() -> Path:
    explicit = os.environ.get("NAPI_PYTHON_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    if this_os() == "win32":
        local = os.environ.get("LOCALAPPDATA")
        # Unset only in unusual sessions (a service's): the folder it names by default.
        base = Path(local) if local and os.path.isabs(local) else Path.home() / "AppData" / "Local"
        return base / "napi-python"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "napi-python"


def node_modules() -> Path:
    """The ``node_modules`` folder of the installed packages (it may not exist yet)."""
    return cache_dir() / "node_modules"
