"""What `scripts/macos build` made for each Mac (build/macos/TARGET), checked by reading it: no
macOS program runs here. Each file is read with napi_python's Mach-O reader (what `inspect` and
`require` use) and its exports with LIEF (the export trie, which is what dyld binds against):

- napi-hostd exports every function of the one export list (server/napi/napi-exports.txt and
  libuv-exports.txt), as the Linux host does: an addon linked `-undefined dynamic_lookup` finds
  them in the executable, napi-rs addons with dlsym; it links libSystem alone.
- the extension (`_native.so`) exports PyInit__native and, for in-process hosts, the same list;
  it links macOS's own libraries alone and takes Python's functions from the interpreter that loads it;
- the test addons are bundles or dylibs for the right CPU that import Node-API from whatever
  loads them (the C ones) or look it up at run time (napi-rs, `dyn-symbols`: no import at all).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, missing_input
from test_macho import lief_reads

from napi_python.binary import macho

pytestmark = pytest.mark.either_mode

TARGETS = {"aarch64-apple-darwin": "arm64", "x86_64-apple-darwin": "x86-64"}
LIBSYSTEM = "/usr/lib/libSystem.B.dylib"
# What Rust's standard library links on a Mac besides libSystem: libiconv (the libc crate's
# `#[link(name = "iconv")]`), whose stub has zig link libcharset too. Both are macOS's own, in
# every Mac's /usr/lib; nothing else (no libpython, nothing of Homebrew's) may be linked.
CORE_FOUNDATION = "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation"
SYSTEM_DYLIBS = {LIBSYSTEM, "/usr/lib/libiconv.2.dylib", "/usr/lib/libcharset.1.dylib"}
NAPI_DIR = ROOT / "server" / "napi"


def _export_list() -> set[str]:
    napi = {
        line.split("\t")[0]
        for line in (NAPI_DIR / "napi-exports.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    uv = {
        line.strip()
        for line in (NAPI_DIR / "libuv-exports.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    return napi | uv


def _built(target: str, name: str) -> Path:
    path = ROOT / "build" / "macos" / target / name
    if not path.is_file():
        missing_input(f"{path} is missing: scripts/macos build makes it")
    return path


def _exports(path: Path) -> set[str]:
    (arch,) = lief_reads(path)
    return set(arch["exported"])


def check_host(path: Path, cpu: str) -> None:
    """The host for `cpu` (also in each macOS wheel, tests/platforms/test_macos_wheels.py)."""
    host_file = macho.read(path)
    assert host_file.machine == cpu
    assert "executable" in host_file.file_format
    assert LIBSYSTEM in host_file.needed and set(host_file.needed) <= SYSTEM_DYLIBS, host_file.needed
    missing = _export_list() - _exports(path)
    assert not missing, f"{len(missing)} listed functions not exported, e.g. {sorted(missing)[:5]}"
    # Every function the list names is defined in the host itself, not imported from elsewhere.
    assert not {s.name for s in host_file.undefined} & _export_list()


def check_extension(path: Path, cpu: str) -> None:
    """The extension for `cpu` (also in each macOS wheel, tests/platforms/test_macos_wheels.py)."""
    module = macho.read(path)
    assert module.machine == cpu
    assert "dylib" in module.file_format or "bundle" in module.file_format
    assert LIBSYSTEM in module.needed and set(module.needed) <= SYSTEM_DYLIBS, module.needed
    exported = _exports(path)
    assert "PyInit__native" in exported
    missing = _export_list() - exported
    assert not missing, f"{len(missing)} listed functions not exported, e.g. {sorted(missing)[:5]}"
    # Python's own functions come from the interpreter that loads it (-undefined dynamic_lookup):
    # bound to no library, never to a libpython of the build machine.
    python_imports = [s for s in module.undefined if s.name.startswith("Py")]
    assert python_imports, "the module calls into Python"
    assert all(s.library is None for s in python_imports)


@pytest.mark.parametrize("target", TARGETS)
def test_the_host_exports_every_listed_function_and_links_system_libraries_alone(target):
    check_host(_built(target, "napi-hostd"), TARGETS[target])


@pytest.mark.parametrize("target", TARGETS)
def test_the_extension_exports_its_module_and_the_listed_functions(target):
    check_extension(_built(target, "_native.so"), TARGETS[target])


@pytest.mark.parametrize("target", TARGETS)
def test_the_test_addons_import_node_api_from_whatever_loads_them(target):
    c_addon = macho.read(_built(target, "addons/values.node"))
    assert c_addon.machine == TARGETS[target]
    assert c_addon.needed == [LIBSYSTEM]
    node_api = [s for s in c_addon.undefined if s.name.startswith("napi_")]
    assert node_api and all(s.library is None for s in node_api)
    assert "napi_register_module_v1" in c_addon.defined
    # napi-rs with `dyn-symbols` links no Node-API function: it looks each up with dlsym.
    rust_addon = macho.read(_built(target, "addons/rust_addon.node"))
    assert rust_addon.machine == TARGETS[target]
    assert not [s for s in rust_addon.undefined if s.name.startswith("napi_")]
    assert "napi_register_module_v1" in rust_addon.defined
    # It reads the time zone through CoreFoundation (chrono): each function it calls is bound to
    # the framework, as a Mac's SDK would bind it, none left to be looked up anywhere.
    assert set(rust_addon.needed) <= SYSTEM_DYLIBS | {CORE_FOUNDATION}, rust_addon.needed
    core_foundation = [s for s in rust_addon.undefined if s.name.startswith("CF")]
    assert core_foundation and all(s.library == CORE_FOUNDATION for s in core_foundation)
