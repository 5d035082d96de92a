"""What ``require``'s error tells the user to run when no binary was found: the install of a
package that is nowhere, of the platform package that holds its binary, or the install script
napi_python did not run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .cache import node_modules as installed_packages
from .install_scripts import skipped_scripts
from .layouts import _platform_packages
from .platform_names import _named_for, _Platform
from .search import _name_field, _object_field, _read_package_json

_INSTALL = "python -m napi_python install"


def _install_hint(name: str, pkg: Path | None, plat: _Platform) -> str | None:
    """What to run when nothing was found: the install of a package that is nowhere, or of
    the platform package (by name and the version the package asks for) that is missing."""
    if pkg is None:
        if name.startswith((".", "/")):
            return None
        return f"{name} is not installed; to install it (no node needed), run:\n  {_INSTALL} {name}"
    meta = _read_package_json(pkg)
    optional = _object_field(meta, "optionalDependencies")
    # Not installed, their package.json cannot be read: their names are all there is to go by.
    wanted = [
        (dep, str(optional[dep]))
        for dep in _platform_packages(pkg, meta, plat)
        if isinstance(optional.get(dep), str) and _named_for(dep, plat) < len(plat.suffixes)
    ]
    if not wanted:
        return _script_hint(name, pkg, meta)
    dep, version = wanted[0]
    return (
        f"its binary for {plat.name} is in the platform package {dep}@{version} (in its optionalDependencies), "
        f"which is not installed; to install it, run:\n  {_INSTALL} {dep}@{version}{_dir_option(pkg, meta)}"
    )


def _script_hint(name: str, pkg: Path, meta: dict[str, Any]) -> str | None:
    """For a package whose binary comes from its install script (re2, canvas): that script, which
    napi_python did not run, and what it would have done."""
    scripts = skipped_scripts(pkg, meta)
    if not scripts:
        return None
    said = "; ".join(f"its {s.stage} script `{s.command}` would {s.effect}" for s in scripts)
    return f"{name} gets its binary from a script npm runs at install, which napi_python does not run: {said}"


def _dir_option(pkg: Path, meta: dict[str, Any]) -> str:
    """`` --dir DIR`` for a package in ``DIR/node_modules``; nothing for one in the cache."""
    node_modules = pkg.parents[_name_field(pkg, meta).count("/")]
    if node_modules.name != "node_modules" or node_modules == installed_packages().resolve():
        return ""
    return f" --dir {node_modules.parent}"


# How the search notes a build for one Node release (layouts, prebuild_loaders).
_V8_BUILD = re.compile(r"one Node release's V8 ABI(?: \((abi\d+)\))?")


def no_binary_reason(searched: list[str], scripted: bool) -> str:
    """Why a package just installed has no binary ``require`` loads, from the places its search
    looked at (``AddonNotFoundError.searched``): builds for specific Node releases only (V8's
    ABI, which napi-hostd does not have), a binary only its install script would make, or no
    ``.node`` file for the platform at all."""
    found = [m for m in map(_V8_BUILD.search, searched) if m]
    if found:
        releases = sorted({m[1] for m in found if m[1]}, key=lambda abi: int(abi[3:]))
        which = f" ({', '.join(releases)})" if releases else ""
        return (
            f"its builds for this platform are for specific Node releases{which}, made against V8 and node's "
            "C++ ABI, not Node-API, which is all napi-hostd implements"
        )
    if scripted:
        return "its binary would come from the install script above"
    return "it ships no .node file for this platform, nor a platform package that does"
