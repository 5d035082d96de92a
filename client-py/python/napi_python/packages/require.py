"""Finding an npm package's Node-API binary in ``node_modules`` and loading it, as ``require``
does under Node.

``search`` finds the package's folder (from the ``paths`` given, the calling script's
directory, the current directory, then the cache ``python -m napi_python install`` fills);
``layouts`` finds the binary in it, in each layout packages ship one (napi-rs, node-gyp,
prebuilds...); when nothing is found, the error lists every place looked at and
``install_hints`` says what to install: the package, or the platform package holding its
binary, by name and version.

Only the package's binary is loaded, not its JavaScript: what a package's ``index.js`` adds
around the binding (option objects, argument checks, classes written in JS) is not there.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..addon import Addon
from ..errors import AddonNotFoundError
from ..hosts.host import load_addon
from ..machine import current_platform
from .search import _find_package, _Search, _search_roots
from .search import node_modules_dirs as node_modules_dirs

__all__ = ["require", "resolve"]


def resolve(name: str, paths: Sequence[str | os.PathLike[str]] | None = None, *, platform: str | None = None) -> str:
    """The ``.node`` file ``require(name, paths)`` loads, without loading it.

    ``name`` is a package name (``"@node-rs/crc32"``), or a path (starting with ``.`` or ``/``)
    to a package folder or a ``.node`` file. Packages are searched in the ``node_modules``
    folders from each of ``paths`` upwards, then from the calling script's directory upwards,
    then from the current directory upwards, then in the cache ``python -m napi_python install``
    installs into.
    ``platform`` picks another platform's build (napi-rs naming, ``"linux-x64-musl"``); the
    default is this machine's (``current_platform()``). Raises ``AddonNotFoundError`` listing
    every place it looked.
    """
    # Imported by the first call, not by `import napi_python`: a program that loads addons by
    # path never reads a package's layout.
    from .layouts import _package_binary
    from .platform_names import _Platform

    plat = _Platform.parse(platform or current_platform())
    search = _Search()
    if name.startswith((".", "/")):
        target = Path(name).resolve()
        if target.is_file():
            return str(target)
        pkg: Path | None = target if target.is_dir() else None
        if pkg is None:
            search.note(target, "no such file or folder")
    else:
        pkg = _find_package(name, _search_roots(paths), search)
    if pkg is not None:
        found = _package_binary(pkg, plat, search)
        if found is not None:
            return str(found)
    # Only when nothing was found: the hints read install scripts, with shlex and dataclasses.
    from .install_hints import _install_hint

    where = "\n  ".join(search.places)
    hint = _install_hint(name, pkg, plat)
    raise AddonNotFoundError(
        f"cannot find a Node-API binary of {name!r} for {plat.name}; looked at:\n  {where}"
        + (f"\n{hint}" if hint else ""),
        search.places,
    )


def require(
    name: str, paths: Sequence[str | os.PathLike[str]] | None = None, *, platform: str | None = None, **options: Any
) -> Addon:
    """Finds the npm package ``name`` (see ``resolve``) and loads its Node-API binary.

    ``options`` go to ``load_addon`` (``timeout``, ``sandbox``, ``restart``, ``env``...). The
    addon pickles as this call (the package name, searched for from the same directories), so a
    worker resolves the package in its own ``node_modules``.
    """
    addon = load_addon(resolve(name, paths, platform=platform), **options)
    # Relative names and search directories made absolute: the worker's directory may differ.
    again = os.path.abspath(name) if name.startswith(".") else name
    searched = [os.path.abspath(p) for p in (paths or ())] + [os.getcwd()]
    addon._napi_recipe = functools.partial(require, again, searched, platform=platform, **options)
    return addon
