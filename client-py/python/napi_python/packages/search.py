"""Finding an npm package's folder as Node's ``require`` does, and reading its package.json.

Packages are looked for in the ``node_modules`` folders from the ``paths`` given, then from the
directory of the script that calls ``require`` (as Node resolves from the requiring module),
then from the current directory, each upwards (``_search_roots``), and last in the cache that
``python -m napi_python install NAME`` installs into (``napi_python.npm.cache_dir()``:
``$NAPI_PYTHON_CACHE``, else ``%LOCALAPPDATA%\\napi-python`` on Windows, else
``$XDG_CACHE_HOME/napi-python``, else ``~/.cache/napi-python``).
Every place looked at goes into a ``_Search``, for the error when nothing is found.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from .cache import node_modules as installed_packages


class _Search:
    """Every place looked at, and what was found there, for the error message."""

    def __init__(self) -> None:
        self.places: list[str] = []

    def note(self, path: Path, outcome: str) -> None:
        self.places.append(f"{path}: {outcome}")


def node_modules_dirs(start: Path) -> Iterator[Path]:
    """The ``node_modules`` folders Node searches from ``start``: ``start/node_modules``, then
    each parent's, skipping folders that are themselves named ``node_modules``."""
    d = start.resolve()
    while True:
        if d.name != "node_modules":
            yield d / "node_modules"
        if d.parent == d:
            return
        d = d.parent


def _unique(dirs: Iterator[Path]) -> list[Path]:
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def _read_package_json(pkg: Path) -> dict[str, Any]:
    try:
        data = json.loads((pkg / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return cast("dict[str, Any]", data)


def _find_package(name: str, starts: Sequence[Path], search: _Search) -> Path | None:
    """Package ``name`` in the ``node_modules`` folders from ``starts`` upwards, then in the
    packages ``python -m napi_python install`` put in its cache."""
    for nm in _unique(iter([*(d for s in starts for d in node_modules_dirs(s)), installed_packages()])):
        candidate = nm / name
        if candidate.is_dir():
            # Node searches on from the real path: pnpm links packages into node_modules from
            # a store where their platform packages sit beside them.
            return candidate.resolve()
        search.note(candidate, "no such package")
    return None


def _object_field(meta: dict[str, Any], key: str) -> dict[str, Any]:
    """package.json's object ``key`` ({} when missing or not an object)."""
    value = meta.get(key)
    if not isinstance(value, dict):
        return {}
    return cast("dict[str, Any]", value)


def _name_field(pkg: Path, meta: dict[str, Any]) -> str:
    """package.json's ``name``, or the folder's name."""
    name = meta.get("name")
    return name if isinstance(name, str) else pkg.name


# The package's folder (napi_python/; this file lies in packages/): a caller inside it is not the
# program's script.
_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _calling_script_dir() -> Path | None:
    """The directory of the file whose code called into this package (``require`` or
    ``resolve``), as Node resolves from the requiring module; None from a prompt or ``-c``."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith("<"):
            path = Path(filename).resolve()
            if _PACKAGE_DIR not in path.parents:
                return path.parent
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _search_roots(paths: Sequence[str | os.PathLike[str]] | None) -> list[Path]:
    """Where packages are looked for, in order, each upwards through its ``node_modules``
    folders: the ``paths`` given, the calling script's directory, the current directory."""
    roots = [Path(p) for p in (paths or ())]
    caller = _calling_script_dir()
    if caller is not None:
        roots.append(caller)
    roots.append(Path.cwd())
    return roots
