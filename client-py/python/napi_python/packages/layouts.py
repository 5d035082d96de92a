"""Finding the Node-API binary inside an npm package's folder (found by ``search``).

Packages ship their ``.node`` file in one of a few layouts, each tried in this order
(``_package_binary``):

- ``main`` in package.json names a ``.node`` file (napi-rs platform packages themselves), or
  the package holds ``index.node`` (Node's own index lookup);
- napi-rs: ``<binaryName>.<platform>.node`` beside package.json, or the platform package
  ``<name>-<platform>`` (``@node-rs/crc32-linux-x64-gnu``) that npm installed from the
  package's ``optionalDependencies``, found from the package's directory upwards as Node finds
  it. The names come from package.json's ``napi`` field (``binaryName``/``packageName`` in
  napi-rs 3, ``name``/``package.name`` in napi-rs 2); the other packages of
  ``optionalDependencies`` are searched too (``@img/sharp-linux-x64``,
  ``@node-llama-cpp/linux-x64``). A platform package is taken when its own package.json's
  ``os``/``cpu``/``libc`` say it runs here, as npm chose it (``platform_fit.Target``), not by
  the shape of its name, which only orders the candidates; the error says why each installed
  one was refused;
- the packages whose loader computes the path from what the package tells it
  (``prebuild_loaders``): pkg-prebuilds' ``prebuilds/<NAME>-<platform>-<arch>/node-napi-v<N>.node``
  (node-hid, @julusian/jpeg-turbo), node-pre-gyp's ``binary.module_path``;
- node-gyp: ``build/Release/*.node``, then ``build/Debug/*.node``;
- prebuilds: ``prebuilds/<os>-<arch>.node`` (better-sqlite3), and node-gyp-build's
  ``prebuilds/<os>-<arch>/*.node`` or ``prebuilds/<os><libc>-<arch>/*.node`` (``linuxglibc-x64``),
  choosing among the files by their tags
  (``node.napi.glibc.node``) as node-gyp-build does; builds for one Node release's V8 ABI
  (``abi115`` without ``napi``) are not Node-API and are passed over. Platform packages that
  hold such tagged files (node-gyp-build-optional-packages: ``@lmdb/lmdb-linux-x64``) are read
  the same way;
- when none of these fits, any ``.node`` file of the package whose path names this platform
  (``build/farmhash-linux-x64.node``, koffi's ``build/koffi/linux_x64/koffi.node``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .platform_fit import Target
from .platform_names import _is_tagged, _named_for, _names_platform, _path_words, _Platform, _prebuild_tags
from .prebuild_loaders import declares_module_path, node_pre_gyp, pkg_prebuilds
from .search import _find_package, _name_field, _object_field, _read_package_json, _Search


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


def _napi_field(meta: dict[str, Any]) -> dict[str, Any]:
    return _object_field(meta, "napi")


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
    (``darwin-x64+arm64``) naming this architecture; of several, the one naming the fewest.
    prebuildify's ``--tag-libc`` folders (``linuxglibc-x64``, ``linuxmusl-x64``: Datadog's
    addons) come first when they name this system's libc, as node-gyp-build 3 and 4 try the
    most specific name first."""
    try:
        names = sorted(d.name for d in prebuilds.iterdir() if d.is_dir())
    except OSError:
        return None
    fits: list[tuple[int, int, str]] = []
    for name in names:
        parts = name.split("-")
        architectures = parts[1].split("+") if len(parts) == 2 else []
        if not (all(architectures) and plat.arch in architectures):
            continue
        if parts[0] == plat.os:
            fits.append((1, len(architectures), name))
        elif plat.libc and parts[0] == plat.os + plat.libc:
            fits.append((0, len(architectures), name))
    return prebuilds / min(fits)[2] if fits else None


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
    files = _for_node_release(files, pkg, search)
    files.sort(key=lambda f: (len(_path_words(f.relative_to(pkg))), str(f)))
    return files[0]


# The node release napi-hostd answers as (server/runtime/src/builtins/node_globals.rs, VERSIONS).
HOST_NODE_RELEASE = (26, 10)
_NODE_RELEASE_FOLDER = re.compile(r"(?:^|[/_-])node-(\d+)(?:\.(\d+))?(?:/|$)")


# A NODE_MODULE_VERSION closing a file's name: `sentry_cpu_profiler-linux-x64-glibc-147.node`.
_ABI_IN_NAME = re.compile(r"-(\d{2,3})\.node$")


def _node_release(file: Path) -> tuple[int, int | None] | None:
    m = _NODE_RELEASE_FOLDER.search(file.as_posix())
    return (int(m[1]), int(m[2]) if m[2] else None) if m else None


def _abi_release(file: Path) -> tuple[int, int | None] | None:
    from ..binary import node_abi

    m = _ABI_IN_NAME.search(file.name)
    major = node_abi.node_major(int(m[1])) if m else None
    return None if major is None else (major, None)


def _for_node_release(files: list[Path], pkg: Path, search: _Search) -> list[Path]:
    """Of builds kept one per node release, in folders (deasync's ``bin/linux-x64-node-26/``)
    or by NODE_MODULE_VERSION (``sentry_cpu_profiler-linux-x64-glibc-147.node``), the ones the
    package's loader takes under the release the host answers as: ``node-26.10``, else
    ``node-26``; when there is none, the newest, which the search says."""
    releases = {f: _node_release(f.relative_to(pkg)) for f in files}
    if not any(releases.values()):
        by_abi = {f: _abi_release(f) for f in files}
        # Two at least: one name ending in a number is no series of builds.
        if len({r for r in by_abi.values() if r}) >= 2:
            releases = by_abi
    tagged = [f for f, r in releases.items() if r is not None]
    if not tagged:
        return files
    major, minor = HOST_NODE_RELEASE
    for wanted in ((major, minor), (major, None)):
        hits = [f for f in tagged if releases[f] == wanted]
        if hits:
            return hits
    newest = max(tagged, key=lambda f: (releases[f][0], releases[f][1] or 0))  # type: ignore[index]
    search.note(newest, f"no build for node {major}: the newest release's taken")
    return [newest]


def _package_binary(pkg: Path, plat: _Platform, search: _Search) -> Path | None:
    meta = _read_package_json(pkg)
    return (
        _main_node(pkg, meta, search)
        or _napi_rs(pkg, meta, plat, search)
        or pkg_prebuilds(pkg, meta, plat, search)
        or node_pre_gyp(pkg, meta, plat, search)
        or _node_gyp(pkg, plat, search)
        or _prebuilds(pkg, plat, search)
        # node-pre-gyp's loader names its file: another one whose path names the platform
        # (a build for a Node release's V8 ABI in the same folders) is not what it loads.
        or (None if declares_module_path(meta) else _platform_named(pkg, plat, search))
    )
