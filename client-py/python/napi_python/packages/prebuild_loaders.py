"""The layouts a package's own loader computes a path for, read as that loader reads them
(``layouts`` tries these among the others):

- **pkg-prebuilds** (node-hid, @julusian/jpeg-turbo): the package hands the loader an options
  object (``binding-options.js``: ``{name: 'HID', napi_versions: [4]}``), and the loader tries
  ``build/Debug/<name>.node``, ``build/Release/<name>.node``, then for each Node-API version in
  the order listed ``prebuilds/<name>-<platform>-<arch>[-musl]/node-napi-v<N>.node``. The package's
  JavaScript may change the name before it calls the loader: node-hid takes ``HID_hidraw`` on
  Linux (``if (process.platform === "linux" ...) options.name = 'HID_hidraw'``); such an
  assignment for this OS is read from the package's main file, and the other names the package
  ships for this platform are listed in the search (each loads with ``load_addon(path)``). A
  package that depends on pkg-prebuilds but writes its options in its JS has its one build name
  taken, at the highest Node-API version this host implements.
- **node-pre-gyp**: package.json's ``binary.module_path`` template (``./lib/binding/napi-v{napi_build_version}-{platform}-{libc}-{arch}``)
  filled in as node-pre-gyp fills it, with ``binary.module_name``; ``napi_build_version`` is the
  highest of ``binary.napi_versions`` this host implements, as node-pre-gyp takes the highest the
  running node has. A path naming ``{node_abi}`` without Node-API is a build for one Node
  release's V8 ABI, which is not Node-API.

The JavaScript is read, not run: a name computed otherwise than by a literal is not seen, and the
search says what was looked for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

from .platform_names import _Platform
from .search import _object_field, _Search

# The Node-API version napi-hostd implements (server/napi/src/lifecycle.rs, HOST_NAPI_VERSION).
HOST_NAPI_VERSION = 10

_PKG_PREBUILDS_OPTIONS = "binding-options.js"


def _js_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _options_file(pkg: Path, meta: dict[str, Any]) -> Path:
    """The options file pkg-prebuilds' install check is given (``pkg-prebuilds-verify
    ./binding-options.js``), else the name the packages use."""
    scripts = _object_field(meta, "scripts")
    for command in scripts.values():
        match = re.search(r"pkg-prebuilds-verify\s+(\S+\.c?js)", command) if isinstance(command, str) else None
        if match:
            return pkg / match[1]
    return pkg / _PKG_PREBUILDS_OPTIONS


def _napi_versions(text: str, meta: dict[str, Any]) -> list[int]:
    """``napi_versions`` of the options (a literal list), else of package.json's ``binary``."""
    match = re.search(r"napi_versions\s*:\s*\[([\d\s,]*)\]", text)
    if match:
        return [int(v) for v in re.findall(r"\d+", match[1])]
    return _int_list(_object_field(meta, "binary").get("napi_versions"))


def _int_list(value: Any) -> list[int]:
    """The integers of a package.json list (none when it is not a list)."""
    if not isinstance(value, list):
        return []
    return [v for v in cast("list[object]", value) if isinstance(v, int)]


def _name_for_os(pkg: Path, meta: dict[str, Any], plat: _Platform, names: set[str]) -> str | None:
    """A name the package's main file gives the loader on this OS instead of the options' one:
    ``if (process.platform === "linux" ...) { options.name = 'HID_hidraw' }``, when the package
    ships builds of that name."""
    main = meta.get("main")
    text = _js_text(pkg / (main if isinstance(main, str) else "index.js"))
    condition = r"process\.platform\s*===?\s*['\"](\w+)['\"][^{};]*\)\s*\{[^{}]*?\bname\s*=\s*['\"]([\w.-]+)['\"]"
    for os_name, name in re.findall(condition, text):
        if os_name == plat.os and name in names:
            return str(name)
    return None


def pkg_prebuilds(pkg: Path, meta: dict[str, Any], plat: _Platform, search: _Search) -> Path | None:
    """The binary pkg-prebuilds' ``loadBinding(__dirname, options)`` loads; None (and nothing
    noted) for a package that does not use it."""
    options = _options_file(pkg, meta)
    text = _js_text(options)
    declared = re.search(r"\bname\s*:\s*['\"]([\w.-]+)['\"]", text)
    suffix = f"{plat.os}-{plat.arch}" + ("-musl" if plat.libc == "musl" else "")
    prebuilds = pkg / "prebuilds"
    shipped = {d.name[: -len(suffix) - 1] for d in prebuilds.glob(f"*-{suffix}") if d.is_dir()}
    if declared is not None:
        name = _name_for_os(pkg, meta, plat, shipped) or declared[1]
        versions = _napi_versions(text, meta)
    elif "pkg-prebuilds" in _object_field(meta, "dependencies") and len(shipped) == 1:
        # Options written in the package's JS, not in a file of their own: the one name it
        # ships builds of, and the highest Node-API version this host implements.
        (name,) = shipped
        search.note(options, f"no pkg-prebuilds options here: taking its one build name, {name}")
        found = (re.fullmatch(r"node-napi-v(\d+)\.node", f.name) for f in (prebuilds / f"{name}-{suffix}").iterdir())
        versions = sorted((int(m[1]) for m in found if m and int(m[1]) <= HOST_NAPI_VERSION), reverse=True)
    else:
        return None
    candidates = [pkg / "build" / kind / f"{name}.node" for kind in ("Debug", "Release")]
    candidates += [prebuilds / f"{name}-{suffix}" / f"node-napi-v{v}.node" for v in versions]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
        search.note(candidate, "no such file (pkg-prebuilds' candidate)")
    others = sorted(shipped - {name})
    if others:
        search.note(prebuilds, f"it ships other builds for {suffix}, not the one its loader takes: {', '.join(others)}")
    return None


def _template_values(meta: dict[str, Any], binary: dict[str, Any], plat: _Platform) -> dict[str, str]:
    """node-pre-gyp's values for ``module_path`` (versioning.js ``evaluate``), where this host
    has one: no ``node_abi``, which names a Node release."""
    values = {
        "name": str(meta.get("name", "")),
        "module_name": str(binary.get("module_name", "")),
        "version": str(meta.get("version", "")),
        "configuration": "Release",
        "platform": plat.os,
        "target_platform": plat.os,
        "arch": plat.arch,
        "target_arch": plat.arch,
        "libc": plat.libc or "unknown",
        "runtime": "node",
    }
    major, _, rest = values["version"].partition(".")
    minor, _, patch = rest.partition(".")
    values.update(major=major, minor=minor, patch=patch.split("-")[0])
    return values


def declares_module_path(meta: dict[str, Any]) -> bool:
    """Whether the package names its binary with node-pre-gyp's ``binary.module_path``."""
    return isinstance(_object_field(meta, "binary").get("module_path"), str)


def node_pre_gyp(pkg: Path, meta: dict[str, Any], plat: _Platform, search: _Search) -> Path | None:
    """The binary node-pre-gyp's ``find`` names; None (and nothing noted) for a package without
    ``binary.module_path``."""
    binary = _object_field(meta, "binary")
    module_path, module_name = binary.get("module_path"), binary.get("module_name")
    if not isinstance(module_path, str) or not isinstance(module_name, str):
        return None
    values = _template_values(meta, binary, plat)
    napi = _int_list(binary.get("napi_versions"))
    usable = [v for v in napi if v <= HOST_NAPI_VERSION]
    if napi and not usable:
        search.note(pkg, f"node-pre-gyp builds for Node-API {napi}, newer than this host's {HOST_NAPI_VERSION}")
        return None
    if usable:
        best = str(max(usable))
        values.update(napi_version=best, napi_build_version=best, node_abi_napi="napi", node_napi_label=f"napi-v{best}")
    missing = sorted(set(re.findall(r"\{(\w+)\}", module_path)) - set(values))
    if missing:
        why = (
            "a build for one Node release's V8 ABI, not for Node-API"
            if {"node_abi", "node_abi_napi", "node_napi_label"} & set(missing)
            else f"its {', '.join(missing)} are not known here"
        )
        search.note(pkg / module_path, f"node-pre-gyp's module_path names {why}")
        return None
    folder = re.sub(r"\{(\w+)\}", lambda m: values[m[1]], module_path)
    candidate = pkg / folder / f"{module_name}.node"
    if candidate.is_file():
        return candidate
    search.note(candidate, "no such file (node-pre-gyp's module_path; its install script downloads it)")
    return None
