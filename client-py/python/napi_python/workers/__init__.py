"""An addon across threads and processes: ``AddonPool`` (``pool``), the same addon in several
hosts so that calls run in parallel, and ``PerProcess`` (``per_process``), one loaded copy per
worker process for engines that ship work to other processes (``multiprocessing``; Dask and
Ray through ``napi_python.dask`` and ``napi_python.ray``).
"""

from __future__ import annotations

# `call` too: tasks name it (a module-level function pickles by name).
from .per_process import PerProcess
from .per_process import call as call

__all__ = ["PerProcess"]
