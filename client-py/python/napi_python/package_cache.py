"""Where ``python -m napi_python install`` puts packages by default, which ``require()`` searches
after the ``node_modules`` folders Node would: ``$NAPI_PYTHON_CACHE``, else
``$XDG_CACHE_HOME/napi-python``, else ``~/.cache/napi-python``; the packages are in its
``node_modules`` folder, laid out as npm lays out one. Outside the ``npm`` package, so that
``require`` (imported by ``import napi_python``) does not load the installer."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "node_modules"]


def cache_dir() -> Path:
    explicit = os.environ.get("NAPI_PYTHON_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "napi-python"


def node_modules() -> Path:
    """The ``node_modules`` folder of the installed packages (it may not exist yet)."""
    return cache_dir() / "node_modules"
