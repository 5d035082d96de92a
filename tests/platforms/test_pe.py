"""The PE reader (napi_python.binary.pe) and ``inspect`` on Windows addons: the C test addons mingw builds
(build/windows/addons, `scripts/windows addons`) and real npm Windows binaries
(build/windows/npm, `scripts/windows npm`): napi-rs built by MSVC, node-gyp's and
node-addon-api's prebuilds. On Linux the files are read only, their imports and exports checked
against llvm-readobj's; on Windows (scripts/windows-python suite, under wine) inspect loads them
too."""

from __future__ import annotations

import functools
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, missing_input

from napi_python.binary import pe
from napi_python.inspection import host_exports, inspect_addon

ADDONS = ROOT / "build" / "windows" / "addons"
NPM = ROOT / "build" / "windows" / "npm" / "node_modules"
# (file, how it registers, the DLL it imports Node-API from or None when it looks each up).
FILES = {
    "values": (ADDONS / "values.node", "napi_register_module_v1", "node.exe"),
    "lifecycle_legacy": (ADDONS / "lifecycle_legacy.node", "napi_module_register", "node.exe"),
    "rust_addon": (ADDONS / "rust_addon.node", "napi_register_module_v1", None),
    "crc32": (
        NPM / "@node-rs" / "crc32-win32-x64-msvc" / "crc32.win32-x64-msvc.node",
        "napi_register_module_v1",
        None,
    ),
    "bufferutil": (
        NPM / "bufferutil" / "prebuilds" / "win32-x64" / "bufferutil.node",
        "napi_module_register",
        "node.exe",
    ),
    "sodium-native": (
        NPM / "sodium-native" / "prebuilds" / "win32-x64" / "sodium-native.node",
        "napi_register_module_v1",
        "node.exe",
    ),
    "serialport": (
        NPM / "@serialport" / "bindings-cpp" / "prebuilds" / "win32-x64" / "@serialport+bindings-cpp.node",
        "napi_register_module_v1",
        "node.exe",
    ),
}


def windows_file(name: str) -> Path:
    path = FILES[name][0]
    if not path.exists():
        made_by = "scripts/windows addons" if path.is_relative_to(ADDONS) else "scripts/windows npm"
        missing_input(f"{path} is absent: run {made_by}")
    return path


def delay_directory_with_its_terminator(path: Path, tmp_path: Path) -> Path:
    """A copy of a mingw-built PE file whose delay-load directory's size counts its terminating
    zero entry. GNU ld sizes it by the descriptors alone; llvm-readobj takes the size as counting
    the terminator too, so it reads one descriptor fewer (none here), while Windows' delay-load
    helper walks the descriptors to the zero one, as pe.read does."""
    data = bytearray(path.read_bytes())
    (pe_at,) = struct.unpack_from("<I", data, 0x3C)
    size_at = pe_at + 24 + 112 + 13 * 8 + 4  # PE32+: the 14th data directory's size
    (size,) = struct.unpack_from("<I", data, size_at)
    struct.pack_into("<I", data, size_at, size + 32)
    copy = tmp_path / path.name
    copy.write_bytes(data)
    return copy


def readobj(path: Path) -> tuple[dict[str, list[str]], list[str]]:
    """llvm-readobj's imports (DLL -> names, delay-loaded ones included) and exported names."""
    tool = shutil.which("llvm-readobj")
    if tool is None:
        missing_input("llvm-readobj is absent (Debian's llvm package has it)")
    out = subprocess.run(
        [tool, "--coff-imports", "--coff-exports", str(path)], capture_output=True, text=True, check=True
    ).stdout
    imports: dict[str, list[str]] = {}
    exports: list[str] = []
    block, dll = "", ""
    for line in out.splitlines():
        line = line.strip()
        if line.endswith("{"):
            block = line[:-1].strip()
        elif block in ("Import", "DelayImport") and line.startswith("Name: "):
            dll = line[6:]
            imports.setdefault(dll, [])
        elif block in ("Import", "DelayImport") and line.startswith("Symbol: "):
            imports[dll].append(re.sub(r" \(\d+\)$", "", line[8:]))
        elif block == "Export" and line.startswith("Name: ") and line[6:]:
            exports.append(line[6:])
    return imports, exports


@pytest.mark.parametrize("name", FILES)
def test_the_reader_finds_what_llvm_readobj_finds(name, tmp_path):
    path = windows_file(name)
    so = pe.read(path)
    imports, exports = readobj(delay_directory_with_its_terminator(path, tmp_path) if ADDONS in path.parents else path)
    assert so.machine == "x86-64" and so.bits == 64 and so.file_format == "PE"
    assert sorted(so.defined) == sorted(exports)
    read: dict[str, list[str]] = {}
    for s in so.undefined:
        read.setdefault(s.library or "", []).append(s.name)
    # A DLL may be named twice (rust_addon imports from kernel32.dll and KERNEL32.dll apart).
    assert {d: sorted(n) for d, n in read.items()} == {d: sorted(n) for d, n in imports.items()}
    assert sorted(set(so.needed)) == sorted(imports)


def test_files_that_are_not_pe_are_refused(tmp_path):
    elf_file = Path(sys.executable).resolve()
    assert not pe.is_pe(elf_file) or sys.platform == "win32"
    truncated = tmp_path / "truncated.node"
    truncated.write_bytes(windows_file("values").read_bytes()[:600])
    assert pe.is_pe(truncated)
    with pytest.raises(pe.PEError, match=r"truncated PE file|in no section"):
        pe.read(truncated)
    text = tmp_path / "text.node"
    text.write_bytes(b"MZ" + b"\0" * 100)
    with pytest.raises(pe.PEError, match="not a PE file"):
        pe.read(text)


@pytest.mark.parametrize("name", FILES)
def test_inspect_names_the_node_api_functions_a_windows_addon_imports_or_looks_up(name):
    _, registration, node_dll = FILES[name]
    path = windows_file(name)
    # Sandboxed: on Windows the load is refused at once (the file is what this test reads; the
    # load is test_inspect_loads_a_windows_addon_on_windows's); elsewhere it is not tried.
    report = inspect_addon(path)
    assert report["format"] == "PE" and report["registration"] == registration
    data = read_only_data(path)
    functions = {f["name"]: f for f in report["napi_functions"]}
    so = pe.read(path)
    if node_dll is not None:
        # Node-API delay-loaded from node.exe, as node-gyp links: every one the file imports.
        from_node = {s.name for s in so.undefined if s.library == node_dll and s.name.startswith("napi_")}
        assert from_node and from_node <= set(functions)
        assert {functions[n]["how"] for n in from_node} == {"delay"}
    else:
        # napi-rs looks every function up by name when it registers (GetProcAddress): the names
        # are in the file, NUL-terminated (mingw's build) or packed without (MSVC's).
        looked_up = [f["name"] for f in functions.values() if f["how"] == "GetProcAddress"]
        assert len(looked_up) > 100
        assert all(n.encode() in data for n in looked_up)
    assert all(f["state"] in ("implemented", *host_states()) for f in functions.values())
    assert report["unresolved"] == {}
    if sys.platform == "win32":
        assert not report["load"]["loaded"] and "--no-sandbox" in report["load"]["error"]
    else:
        assert report["load"] == {"loaded": False, "error": f"it is built for Windows (PE), this is {sys.platform}"}


def read_only_data(path: Path) -> bytes:
    chunks = []
    with path.open("rb") as f:
        for offset, size in pe.read(path).rodata:
            f.seek(offset)
            chunks.append(f.read(size))
    return b"\0".join(chunks)


@functools.cache
def host_states() -> set[str]:
    return set(host_exports().values()) | {"always fails: napi-hostd has no JavaScript engine"}


@pytest.mark.skipif(sys.platform != "win32", reason="loads a Windows addon: on Windows alone")
def test_inspect_loads_a_windows_addon_on_windows():
    report = inspect_addon(windows_file("values"), sandbox=False)
    assert report["load"]["loaded"], report["load"]
    assert report["load"]["registered_by"] == "napi_register_module_v1"
    assert report["load"]["napi_version"] >= 8
    assert report["load"]["exports"]
    # The sandbox is refused on Windows, with its reason and the way round it.
    refused = inspect_addon(windows_file("values"))["load"]
    assert not refused["loaded"] and "--no-sandbox" in refused["error"]
