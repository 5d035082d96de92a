"""``python -m napi_python inspect FILE.node``: what an addon is and what it needs, before
trusting it with real work.

Read from the file itself (``elf``, ``macho``, ``pe``: ELF, Mach-O or a Windows DLL): how it registers (an exported ``napi_register_module_v1``,
or a library constructor calling ``napi_module_register``, or neither: a V8 addon), whether it
declares a Node-API version, the Node-API functions it imports or names for ``dlsym`` (napi-rs
looks every one up by name at load) and whether ``napi-hostd`` implements each (the host says,
with ``napi-hostd --exports``), and the symbols it needs that neither the host nor the libraries
it names provide: V8 and Node's C++ API, which exist only inside ``node`` (libuv the host
exports itself, as node does). Then it is
loaded into a sandboxed host, which reports the Node-API version it runs as and its exports.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, cast

from . import js, machine
from .addon import addon_info
from .binary import elf, macho, node_abi, pe, shared_object
from .errors import AddonError, AddonLoadError, SandboxUnavailableError
from .hosts.host import hostd_path, load_addon
from .hosts.sandbox import Sandbox
from .proxy import JSFunction, JSObject, JSSymbol
from .values import BigInt

__all__ = ["inspect_addon", "format_report", "host_exports"]

_NAPI = re.compile(r"^(napi|node_api)_[a-z0-9_]+$")
# Functions the host exports but can only refuse, and why.
_ALWAYS_FAILS = {
    "napi_run_script": "always fails: napi-hostd has no JavaScript engine",
}
_CATEGORIES = [
    ("libuv", re.compile(r"^uv_")),
    # Itanium C++ names (Linux, macOS, mingw), then MSVC's (``?New@String@v8@@...``).
    ("V8", re.compile(r"^_Z(?:N[VKRO]*|T[VIS]N)2v8|^\?[^@]*@(?:[^@]+@)*v8@@")),
    ("Node C++ API", re.compile(r"^_Z(?:N[VKRO]*|T[VIS]N)4node|^\?[^@]*@(?:[^@]+@)*node@@|^node_module_register$")),
]
# The DLL a Windows addon imports Node-API and node's own functions from (node-gyp links against
# node.lib; the host or the in-process client answers for it).
_NODE_DLL = "node.exe"


def host_exports() -> dict[str, str]:
    """The Node-API functions the host exports, each with its state (``implemented``/``missing``)."""
    hostd = hostd_path()
    try:
        out = subprocess.run([hostd, "--exports"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise AddonLoadError(f"napi-hostd {hostd} could not list its exports: {e}") from e
    return dict(line.split("\t", 1) for line in out.splitlines() if "\t" in line)


def _category(name: str) -> str:
    return next((label for label, pattern in _CATEGORIES if pattern.search(name)), "other")


def _registration(so: shared_object.SharedObject) -> str:
    defined = so.defined
    imported = {s.name for s in so.undefined}
    if "napi_register_module_v1" in defined:
        return "napi_register_module_v1"
    if "napi_module_register" in imported:
        return "napi_module_register"
    if node_abi.node_registration(so) is not None:
        return f"node (V8 ABI: NODE_MODULE, not Node-API{_built_for(so)})"
    return "none found"


def _built_for(so: shared_object.SharedObject) -> str:
    version = node_abi.node_module_version(so)
    return "" if version is None else f"; built for {node_abi.node_release(version)}"


def _read_binary(path: Path) -> shared_object.SharedObject:
    """An addon (or the host) read as what it is: a Windows DLL, ELF or Mach-O."""
    return pe.read(path) if pe.is_pe(path) else macho.read_binary(path)


def _how(so: shared_object.SharedObject, name: str, imported: set[str]) -> str:
    """How the addon reaches a Node-API function: imported (on Windows, ``delay`` when
    delay-loaded), or looked up by name (``dlsym``; ``GetProcAddress`` on Windows)."""
    if name not in imported:
        return "GetProcAddress" if so.file_format == "PE" else "dlsym"
    delayed = any(s.name == name and s.version == "delay-load" for s in so.undefined)
    return "delay" if delayed else "imported"


def _static(path: Path) -> dict[str, Any]:
    so = _read_binary(path)
    implemented = host_exports()
    imported = {s.name for s in so.undefined if _NAPI.match(s.name)}
    looked_up = shared_object.c_strings(so, rb"(?:napi|node_api)_[a-z0-9_]+") - imported
    if so.file_format == "PE":
        looked_up |= pe.names_in_rodata(so, implemented) - imported
    functions: list[dict[str, str]] = []
    for name in sorted(imported | looked_up):
        state = implemented.get(name, "not exported by napi-hostd")
        if name in looked_up and state == "not exported by napi-hostd":
            # A string that only looks like a function name (napi-rs's own identifiers).
            continue
        functions.append({"name": name, "how": _how(so, name, imported), "state": _ALWAYS_FAILS.get(name, state)})
    host = _read_binary(Path(hostd_path()))
    if so.file_format == "ELF":
        provided, _, missing_libs = elf.provided_by([host, so])
        _, libraries, _ = elf.provided_by([so])
    elif so.file_format == "PE":
        # Each import names its DLL: Windows' own are taken as there (their folders are not
        # searched for here); what comes from node.exe the host must provide.
        provided = host.defined | {s.name for s in so.undefined if (s.library or "").lower() != _NODE_DLL}
        libraries, missing_libs = [], []
    else:
        # Mach-O binds each import to the dylib that provides it (macOS's own, not searched for
        # here), but for those looked up in the loading process (`-undefined dynamic_lookup`):
        # node's, or the host's.
        provided, libraries, missing_libs = host.defined | {s.name for s in so.undefined if s.library}, [], []
    unresolved = sorted(
        s.name for s in so.undefined if not s.weak and not _NAPI.match(s.name) and s.name not in provided
    )
    readable = shared_object.demangle(unresolved)
    needs: dict[str, list[str]] = {}
    for name in unresolved:
        needs.setdefault(_category(name), []).append(readable.get(name, name))
    return {
        "path": str(path),
        "format": so.file_format,
        "machine": so.machine,
        "bits": so.bits,
        "registration": _registration(so),
        "declares_version": "node_api_module_get_api_version_v1" in so.defined,
        "libraries": so.needed,
        "library_dirs": sorted({str(p.parent) for p in libraries}),
        "missing_libraries": missing_libs,
        "napi_functions": functions,
        "unresolved": needs,
    }


def _describe(value: Any) -> tuple[str, str]:
    """(kind, detail) of an export, as `typeof` and a little more."""
    if isinstance(value, JSFunction):
        if not js.is_class(value):
            return "function", ""
        proto = js.get(value, "prototype")
        members = js.own_property_descriptors(proto) if isinstance(proto, JSObject) else {}
        methods = [
            str(k)
            for k, d in members.items()
            if "value" in d and isinstance(d["value"], JSFunction) and k != "constructor"
        ]
        accessors = [str(k) for k, d in members.items() if "get" in d or "set" in d]
        statics = [
            str(k) for k in js.keys(value) if k not in ("length", "name", "prototype") and not isinstance(k, JSSymbol)
        ]
        parts = [
            f"{label}: {', '.join(names)}"
            for label, names in (("methods", methods), ("accessors", accessors), ("static", statics))
            if names
        ]
        return "class", "; ".join(parts)
    if isinstance(value, bool):
        return "boolean", json.dumps(value)
    if isinstance(value, BigInt):
        return "bigint", f"{int(value)}n"
    if isinstance(value, (int, float)):
        return "number", repr(value)
    if isinstance(value, str):
        return "string", json.dumps(value)
    if value is None:
        return "undefined", ""
    if isinstance(value, dict):
        members = cast("dict[str, Any]", value)
        return "object", "{" + ", ".join(_member(k, v) for k, v in members.items()) + "}"
    if isinstance(value, list):
        return "array", f"{len(cast('list[object]', value))} items"
    if isinstance(value, JSSymbol):
        return "symbol", value.description or ""
    if isinstance(value, JSObject):
        return js.typeof(value), ", ".join(str(k) for k in js.keys(value) if not isinstance(k, JSSymbol))
    return type(value).__name__, ""


def _member(key: str, value: Any) -> str:
    """A plain object's member in one word: ``Round: 1`` (napi-rs enums), ``register()``."""
    if isinstance(value, JSFunction):
        return f"{key}()"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return f"{key}: {json.dumps(value)}"
    return key


# A load that fails in the sandbox may fail because of it: an addon that opens a socket, a
# device or a file outside its folder while it loads is refused that, and fails as if broken.
_SANDBOX_NOTE = (
    "it was loaded in inspect's sandbox, which may be the cause: there the addon may read only its own "
    "folder and the system's libraries, write nowhere, open no socket and start no process, and an addon "
    "that needs any of that while it loads fails as above. To inspect it without the sandbox (only an addon "
    "you trust: it runs unconfined), run: python -m napi_python inspect --no-sandbox {path}"
)


def _loaded(path: Path, sandbox: bool, library_dirs: list[str]) -> dict[str, Any]:
    # The sandbox lets the addon read its own folder and the system's libraries; libraries it
    # ships elsewhere (sharp's libvips, in a sibling package) must be readable too.
    box = Sandbox(read=library_dirs) if sandbox else None
    try:
        addon = load_addon(path, sandbox=box, restart=False, timeout=60)
    except SandboxUnavailableError as e:
        return {"loaded": False, "error": f"{e} (--no-sandbox loads it unconfined)"}
    except AddonError as e:
        return {"loaded": False, "error": str(e)}
    with addon:
        info = addon_info(addon)
        exports = info.exports
        if isinstance(exports, JSObject) and not isinstance(exports, JSFunction):
            entries = [(str(k), js.get(exports, k)) for k in js.keys(exports)]
        else:
            entries = [("module.exports", exports)]
        return {
            "loaded": True,
            "sandboxed": sandbox,
            "protections": info.protections,
            "napi_version": info.napi_version,
            "registered_by": info.registration,
            "exports": [
                dict(zip(("name", "kind", "detail"), (name, *_describe(v)), strict=False)) for name, v in entries
            ],
        }


_BUILT_FOR = {"ELF": "Linux", "PE": "Windows"}


def inspect_addon(path: str | Path, *, sandbox: bool = True) -> dict[str, Any]:
    """Everything ``inspect`` prints, as a dict (``--json`` prints it as is)."""
    p = Path(path).resolve()
    report = _static(p)
    here, built = machine.this_os(), report["format"]
    # A Windows DLL loads on Windows alone; ELF and Mach-O (macOS loads both kinds) elsewhere.
    if built == "PE" if here == "win32" else built != "PE" and (built == "ELF" or here == "darwin"):
        report["load"] = _loaded(p, sandbox, report["library_dirs"])
        # Symbols only node has, or a library that is nowhere, fail the load in or out of it.
        if sandbox and not report["load"]["loaded"] and not report["unresolved"] and not report["missing_libraries"]:
            report["load"]["sandbox_note"] = _SANDBOX_NOTE.format(path=p)
    else:
        report["load"] = {
            "loaded": False,
            "error": f"it is built for {_BUILT_FOR.get(report['format'], 'macOS')} ({report['format']}), this is {here}",
        }
    return report


def format_report(r: dict[str, Any]) -> str:
    lines = [f"{r['path']}", f"  {r['format']}, {r['bits']}-bit {r['machine']}"]
    lines.append(f"  registration: {r['registration']}")
    load = r["load"]
    version = f"{load['napi_version']}" if load.get("loaded") else "unknown (not loaded)"
    declared = (
        "declared by node_api_module_get_api_version_v1" if r["declares_version"] else "declares none, so 8 as in Node"
    )
    lines.append(f"  Node-API version: {version} ({declared})")
    funcs = r["napi_functions"]
    by_state: dict[str, int] = {}
    for f in funcs:
        by_state[f["state"]] = by_state.get(f["state"], 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(by_state.items())) or "none"
    lines.append(f"  Node-API functions ({len(funcs)}: {summary}):")
    width = max((len(f["name"]) for f in funcs), default=0)
    lines += [f"    {f['name']:<{width}}  {f['how']:<8}  {f['state']}" for f in funcs]
    if r["unresolved"]:
        lines.append(
            "  needs symbols neither napi-hostd nor the libraries named provide (V8 and node's C++ API exist only inside node):"
        )
        for category, names in r["unresolved"].items():
            lines.append(f"    {category} ({len(names)}):")
            lines += [f"      {n}" for n in names]
    else:
        lines.append("  other symbols: all provided by napi-hostd and the libraries it names")
    lines.append(f"  libraries: {', '.join(r['libraries']) or 'none'}")
    if r["missing_libraries"]:
        lines.append(f"  libraries not found: {', '.join(r['missing_libraries'])}")
    if not load.get("loaded"):
        lines.append(f"  loading it failed: {load['error']}")
        if load.get("sandbox_note"):
            lines.append(f"  {load['sandbox_note']}")
        return "\n".join(lines)
    where = (
        f"a sandboxed napi-hostd ({', '.join(load['protections'])})"
        if load["sandboxed"]
        else "napi-hostd (not sandboxed)"
    )
    lines.append(f"  loaded in {where}; registered by {load['registered_by']}")
    lines.append(f"  exports ({len(load['exports'])}):")
    width = max((len(e["name"]) for e in load["exports"]), default=0)
    for e in load["exports"]:
        lines.append(f"    {e['name']:<{width}}  {e['kind']}" + (f"  {e['detail']}" if e["detail"] else ""))
    return "\n".join(lines)
