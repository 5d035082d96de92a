"""Installing npm packages without node or npm: ``python -m napi_python install NAME[@RANGE]``,
or ``napi_python.npm.install(...)`` (``install``). Packages land in the cache ``require()``
searches after the ``node_modules`` folders Node would (``napi_python.packages.cache``), or in a
folder's ``node_modules``. What is found there, and how, is ``napi_python.packages``; the install
scripts napi_python never runs are read there too (``packages.install_scripts``)."""

from __future__ import annotations

from ..packages.cache import cache_dir
from ..packages.install_scripts import SkippedScript
from .install import Installed, install

__all__ = ["install", "Installed", "SkippedScript", "cache_dir"]
