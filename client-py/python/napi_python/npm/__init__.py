"""Installing npm packages without node or npm: ``python -m napi_python install NAME[@RANGE]``,
or ``napi_python.npm.install(...)`` (``install``). Packages land in the cache ``require()``
searches after the ``node_modules`` folders Node would (``cache``), or in a folder's
``node_modules``."""

from __future__ import annotations

from ..package_cache import cache_dir
from .install import Installed, install
from .scripts import SkippedScript

__all__ = ["install", "Installed", "SkippedScript", "cache_dir"]
