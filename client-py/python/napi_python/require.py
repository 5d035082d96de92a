"""Finding an npm package's Node-API binary in ``node_modules`` and loading it, as ``require``
does under Node.

Packages ship their ``.node`` file in one of a few layouts, each tried in this order:

- ``main`` in package.json names a ``.node`` file (napi-rs platform packages themselves), or
  the package holds ``index.node`` (Node's own index lookup);
- napi-rs: ``<binaryName>.<platform>.node`` beside package.json, or the platform package
  ``<name>-<platform>`` (``@node-rs/crc32-linux-x64-gnu``) that npm installed from the
  package's ``optionalDependencies``, found from the package's directory upwards as Node finds
  it. The names come from package.json's ``napi`` field (``binaryName``/``packageName`` in
  napi-rs 3, ``name``/``package.name`` in napi-rs 2); the other packages of
  ``optionalDependencies`` are searched too (``@img/sharp-linux-x64``,
  ``@node-llama-cpp/linux-x64``). A platform package is taken when its own package.json's
  ``os``/``cpu``/``libc`` say it runs here, as npm chose it (``npm.platforms.Target``), not by
  the shape of its name, which only orders the candidates; the error says why each installed
  one was refused;
- node-gyp: ``build/Release/*.node``, then ``build/Debug/*.node``;
- prebuilds: ``prebuilds/<os>-<arch>.node`` (better-sqlite3), and node-gyp-build's
  ``prebuilds/<os>-<arch>/*.node``, choosing among the files by their tags
  (``node.napi.glibc.node``) as node-gyp-build does; builds for one Node release's V8 ABI
  (``abi115`` without ``napi``) are not Node-API and are passed over. Platform packages that
  hold such tagged files (node-gyp-build-optional-packages: ``@lmdb/lmdb-linux-x64``) are read
  the same way;
- when none of these fits, any ``.node`` file of the package whose path names this platform
  (``build/farmhash-linux-x64.node``, koffi's ``build/koffi/linux_x64/koffi.node``).

Packages are looked for in the ``node_modules`` folders from the ``paths`` given, then from the
directory of the script that calls ``require`` (as Node resolves from the requiring module),
then from the current directory, each upwards (``_search_roots``), and last in the cache that
``python -m napi_python install NAME`` installs into (``napi_python.npm.cache_dir()``:
``$NAPI_PYTHON_CACHE``, else ``$XDG_CACHE_HOME/napi-python``, else ``~/.cache/napi-python``). When
nothing is found, the error says what to install: the package, or the platform package holding
its binary, by name and version.

Only the package's binary is loaded, not its JavaScript: what a package's ``index.js`` adds
around the binding (option objects, argument checks, classes written in JS) is not there.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from .addon import Addon
from .errors import AddonNotFoundError
from .host import load_addon
from .machine import Platform, current_platform
from .npm.platforms import Target
from .npm.scripts import skipped_scripts
from .package_cache import node_modules as installed_packages

__all__ = ["require", "resolve", "current_platform"]


class _Platform(Platform):
    """A platform with the ends of the package names built for it."""

    @property
    def suffixes(self) -> list[str]:
        """How the names of platform packages end, most specific first: ``-linux-x64-gnu``
        (napi-rs), ``-linux-x64-glibc`` (@parcel/watcher), ``-linuxmusl-x64`` (sharp on musl),
        ``-linux-x64`` (sharp's ``@img/sharp-linux-x64``; lmdb's, which holds builds for both
        libcs). A scoped name may be the platform alone (``@node-llama-cpp/linux-x64``)."""
        out = [f"-{self.name}"]
        if self.libc == "glibc":
            out.append(f"-{self.os}-{self.arch}-glibc")
        elif self.libc == "musl":
            out.append(f"-linuxmusl-{self.arch}")
        out.append(f"-{self.os}-{self.arch}")
        return out


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


def _node_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".node" and p.is_file())
    except OSError:
        return []


def _pick(files: list[Path], package: str, folder: Path, plat: _Platform, search: _Search) -> Path | None:
    """One of a folder's ``.node`` files: the only one; among prebuilds named by their tags
    (``node.napi.glibc.node``), the one node-gyp-build would take; else the one named after the
    package."""
    if not files:
        search.note(folder, "no .node file")
        return None
    if len(files) == 1 and not _is_tagged(files[0]):
        return files[0]
    if any(_is_tagged(f) for f in files):
        return _best_prebuild(files, folder, plat, search)
    base = package.rsplit("/", 1)[-1]
    wanted = {base, base.replace("-", "_"), base.replace("_", "-")}
    named = [f for f in files if f.stem in wanted]
    if len(named) == 1:
        return named[0]
    search.note(folder, f"several .node files, none named after {package}: {', '.join(f.name for f in files)}")
    return None


def _main_node(pkg: Path, meta: dict[str, Any], search: _Search) -> Path | None:
    main = meta.get("main")
    if isinstance(main, str) and main.endswith(".node"):
        target = pkg / main
        if target.is_file():
            return target
        search.note(target, "package.json main names this file, which is missing")
    index = pkg / "index.node"
    return index if index.is_file() else None


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


def _napi_field(meta: dict[str, Any]) -> dict[str, Any]:
    return _object_field(meta, "napi")


def _named_for(dep: str, plat: _Platform) -> int:
    """How closely a package's name names ``plat``: the index of the first of its suffixes that
    ends it (``-linux-x64-gnu``; ``@node-llama-cpp/linux-x64``, whose scope carries the name),
    else the number of suffixes (it names no platform, or another)."""
    base = dep.rsplit("/", 1)[-1]
    for rank, suffix in enumerate(plat.suffixes):
        if dep.endswith(suffix) or base == suffix[1:]:
            return rank
    return len(plat.suffixes)


def _platform_packages(pkg: Path, meta: dict[str, Any], plat: _Platform) -> list[str]:
    """The packages that may hold ``pkg``'s binary, most likely first: napi-rs's
    ``<packageName>-<platform>``, then its ``optionalDependencies``, those whose names end in
    this platform (``-linux-x64-gnu``, ``/linux-x64``) before the others (``/linux-x64-cuda``),
    each in the order package.json lists them. Which of them fit is for their own package.json
    to say (``_fits``), as npm chose them."""
    napi = _napi_field(meta)
    name = _name_field(pkg, meta)
    legacy_package = _object_field(napi, "package")
    package_name = napi.get("packageName") or legacy_package.get("name") or name
    names = [f"{package_name}-{plat.name}"] if napi else []
    optional = list(_object_field(meta, "optionalDependencies"))
    names += sorted(optional, key=lambda dep: _named_for(dep, plat))
    return list(dict.fromkeys(names))


def _fits(dep: str, found: Path, dep_meta: dict[str, Any], plat: _Platform, search: _Search) -> bool:
    """Whether npm would have installed the platform package ``dep`` (found at ``found``) on
    ``plat``, by its package.json's ``os``/``cpu``/``libc``. One that declares none of them is
    a platform package only when its name says so (older packages), else it is JavaScript."""
    target = Target(plat.os, plat.arch, plat.libc)
    if not target.declares_platform(dep_meta):
        if _named_for(dep, plat) < len(plat.suffixes):
            return True
        search.note(found, f"{dep} declares no os/cpu/libc and its name names no platform: not a platform package")
        return False
    why = target.refusal(dep, dep_meta)
    if why is not None:
        search.note(found, f"{dep} is not for {plat.name}: {why}")
    return why is None


def _installed_platform_package(dep: str, pkg: Path, search: _Search) -> Path | None:
    """``dep`` as Node finds it from ``pkg``; one line in the search when it is not installed
    (not one per folder: a package names a dozen platforms)."""
    quiet = _Search()
    found = _find_package(dep, [pkg], quiet)
    if found is None:
        search.note(Path(dep), f"not installed (looked in {len(quiet.places)} node_modules folders)")
    return found


def _napi_rs(pkg: Path, meta: dict[str, Any], plat: _Platform, search: _Search) -> Path | None:
    napi = _napi_field(meta)
    binary = napi.get("binaryName") or napi.get("name")
    if isinstance(binary, str):
        local = pkg / f"{binary}.{plat.name}.node"
        if local.is_file():
            return local
        search.note(local, "no such file")
    for dep in _platform_packages(pkg, meta, plat):
        found = _installed_platform_package(dep, pkg, search)
        if found is None:
            continue
        dep_meta = _read_package_json(found)
        if not _fits(dep, found, dep_meta, plat, search):
            continue
        hit = _main_node(found, dep_meta, search)
        if hit is None and isinstance(binary, str) and (found / f"{binary}.{plat.name}.node").is_file():
            hit = found / f"{binary}.{plat.name}.node"
        if hit is None:
            hit = _pick(_all_node_files(found), dep, found, plat, search)
        if hit is None:
            # koffi 3's package holds one build per libc (`linux_x64/`, `musl_x64/`): the folder
            # names which one is this platform's.
            hit = _platform_named(found, plat, search)
        if hit is not None:
            return hit
    return None


def _all_node_files(pkg: Path) -> list[Path]:
    """The ``.node`` files of a platform package, which may keep them in a subfolder
    (``@img/sharp-linux-x64/lib/sharp-linux-x64.node``)."""
    return sorted(p for p in pkg.rglob("*.node") if "node_modules" not in p.relative_to(pkg).parts)


def _node_gyp(pkg: Path, plat: _Platform, search: _Search) -> Path | None:
    for kind in ("Release", "Debug"):
        folder = pkg / "build" / kind
        if not folder.is_dir():
            search.note(folder, "no such folder")
            continue
        hit = _pick(_node_files(folder), pkg.name, folder, plat, search)
        if hit is not None:
            return hit
    return None


def _prebuild_tags(file: Path) -> dict[str, Any]:
    """node-gyp-build's reading of a prebuild's name: ``node.napi.glibc.node`` has the runtime
    ``node``, ``napi``, libc ``glibc``; ``abi115``, ``uv1``, ``armv7`` are tags too."""
    tags: dict[str, Any] = {"file": file, "specificity": 0}
    for tag in file.name.split(".")[:-1]:
        if tag in ("node", "electron", "node-webkit"):
            tags["runtime"] = tag
        elif tag == "napi":
            tags["napi"] = True
        elif tag.startswith("abi") and tag[3:].isdigit():
            tags["abi"] = tag
        elif tag.startswith("uv") and tag[2:].isdigit():
            tags["uv"] = tag[2:]
        elif tag.startswith("armv") and tag[4:].isdigit():
            tags["armv"] = tag[4:]
        elif tag in ("glibc", "musl"):
            tags["libc"] = tag
        else:
            continue
        tags["specificity"] += 1
    return tags


def _is_tagged(file: Path) -> bool:
    tags = _prebuild_tags(file)
    return any(k in tags for k in ("runtime", "napi", "abi", "libc"))


def _best_prebuild(files: list[Path], folder: Path, plat: _Platform, search: _Search) -> Path | None:
    usable: list[dict[str, Any]] = []
    for file in files:
        tags = _prebuild_tags(file)
        if tags.get("runtime", "node") != "node":
            search.note(file, f"built for {tags['runtime']}, not Node")
        elif tags.get("abi") and not tags.get("napi"):
            search.note(file, f"built for one Node release's V8 ABI ({tags['abi']}), not for Node-API")
        elif tags.get("libc") and tags["libc"] != plat.libc:
            search.note(file, f"built for {tags['libc']}, this system uses {plat.libc}")
        else:
            usable.append(tags)
    if not usable:
        search.note(folder, "no Node-API build for this platform")
        return None
    # node-gyp-build's preference among matches: the most specific name.
    usable.sort(key=lambda t: -t["specificity"])
    best: Path = usable[0]["file"]
    return best


def _prebuilds(pkg: Path, plat: _Platform, search: _Search) -> Path | None:
    """node-gyp-build's folder. Untagged names (``bufferutil.node``) count as Node-API builds:
    node-gyp-build takes them too. better-sqlite3 names its files after the platform instead
    (``prebuilds/linux-x64.node``, ``prebuilds/linuxmusl-x64.node``)."""
    flat = pkg / "prebuilds" / f"{'linuxmusl' if plat.libc == 'musl' else plat.os}-{plat.arch}.node"
    if flat.is_file():
        return flat
    search.note(flat, "no such file")
    folder = _prebuild_folder(pkg / "prebuilds", plat)
    if folder is None:
        search.note(pkg / "prebuilds" / f"{plat.os}-{plat.arch}", "no such folder")
        return None
    files = _node_files(folder)
    if not files:
        search.note(folder, "no .node file")
        return None
    return _best_prebuild(files, folder, plat, search)


def _prebuild_folder(prebuilds: Path, plat: _Platform) -> Path | None:
    """The folder node-gyp-build takes: ``OS-ARCH``, or a universal build's ``OS-ARCH+ARCH``
    (``darwin-x64+arm64``) naming this architecture; of several, the one naming the fewest."""
    try:
        names = sorted(d.name for d in prebuilds.iterdir() if d.is_dir())
    except OSError:
        return None
    fits: list[tuple[int, str]] = []
    for name in names:
        parts = name.split("-")
        architectures = parts[1].split("+") if len(parts) == 2 else []
        if parts[0] == plat.os and all(architectures) and plat.arch in architectures:
            fits.append((len(architectures), name))
    return prebuilds / min(fits)[1] if fits else None


# Other names for an architecture in file and folder names (Node's are the keys).
_ARCH_ALIASES = {
    "x64": {"x64", "x86_64", "amd64"},
    "arm64": {"arm64", "aarch64"},
    "ia32": {"ia32", "x86", "i386", "i686"},
    "arm": {"arm", "armhf", "armv7", "armv7l"},
}


def _path_words(path: Path) -> set[str]:
    """The words of a path, split at separators, dots, dashes and underscores."""
    return {w for w in re.split(r"[/\\._-]+", path.as_posix().lower()) if w}


def _names_platform(file: Path, plat: _Platform) -> bool:
    """Whether a path inside a package names this platform: its OS (``musl`` standing for Linux
    with musl, as koffi names it) and its architecture, and no other libc."""
    words = _path_words(file)
    arch = _ARCH_ALIASES.get(plat.arch, {plat.arch})
    if not words & arch:
        return False
    if plat.libc == "glibc" and "musl" in words:
        return False
    return plat.os in words or (plat.libc == "musl" and "musl" in words)


def _platform_named(pkg: Path, plat: _Platform, search: _Search) -> Path | None:
    """The fallback when no known layout fits: the package's own ``.node`` file whose path names
    this platform (``build/farmhash-linux-x64.node``; koffi's
    ``build/koffi/linux_x64/koffi.node``). Among several, the one with the fewest words (the
    least decorated: ``linux_x64`` over ``linux_x64_debug``)."""
    files = [
        f
        for f in _all_node_files(pkg)
        # prebuilds/ was read by node-gyp-build's rules above, which may have refused its files.
        if _names_platform(f.relative_to(pkg), plat) and f.relative_to(pkg).parts[0] != "prebuilds"
    ]
    if not files:
        search.note(pkg, f"no .node file whose path names {plat.os}-{plat.arch}")
        return None
    files.sort(key=lambda f: (len(_path_words(f.relative_to(pkg))), str(f)))
    return files[0]


def _package_binary(pkg: Path, plat: _Platform, search: _Search) -> Path | None:
    meta = _read_package_json(pkg)
    return (
        _main_node(pkg, meta, search)
        or _napi_rs(pkg, meta, plat, search)
        or _node_gyp(pkg, plat, search)
        or _prebuilds(pkg, plat, search)
        or _platform_named(pkg, plat, search)
    )


_PACKAGE_DIR = Path(__file__).resolve().parent


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
    where = "\n  ".join(search.places)
    hint = _install_hint(name, pkg, plat)
    raise AddonNotFoundError(
        f"cannot find a Node-API binary of {name!r} for {plat.name}; looked at:\n  {where}"
        + (f"\n{hint}" if hint else ""),
        search.places,
    )


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
