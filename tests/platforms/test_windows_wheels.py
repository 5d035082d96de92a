"""The win_amd64 wheels `scripts/windows wheels` builds: built and checked here, never
run (no Windows CPython can be had on this machine). Each wheel's extension imports only its
own python3XX.dll and Windows' own DLLs and exports its module's init function; its napi-hostd.exe
exports every Node-API and libuv function of the shared lists and imports only Windows' DLLs; the
wheel's name, tag, RECORD and file list are what an installer expects. And the package finds
`napi-hostd.exe` when it runs on Windows.

`scripts/windows wheels` runs this file with NAPI_PYTHON_WINDOWS_WHEELS set to the wheels'
folder, where a missing wheel fails. Without it the wheel checks skip: wheels left in
build/windows/wheels by an earlier build may predate the checkout's files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import lief
import pytest
from wheel_files import (
    built_wheels,
    check_every_tag_built,
    check_files,
    check_name_and_wheel_file,
    check_record,
    export_names,
    tag_of,
)

from napi_python import AddonLoadError, machine
from napi_python.hosts import hostd_program

PLATFORM = "win_amd64"
FOUND = built_wheels("NAPI_PYTHON_WINDOWS_WHEELS", PLATFORM)

# Windows' own DLLs (system32, present on every Windows 10 and later), which Rust's standard
# library, tokio and libuv built by mingw import. Anything else (a mingw runtime DLL, a
# Visual C++ runtime) would be missing on a user's machine.
WINDOWS_DLLS = {
    "kernel32.dll",
    "ntdll.dll",
    "advapi32.dll",
    "bcryptprimitives.dll",
    "ws2_32.dll",
    "userenv.dll",
    "msvcrt.dll",
    "iphlpapi.dll",
    "psapi.dll",
    "shell32.dll",
    "ole32.dll",
    "user32.dll",
    "dbghelp.dll",
    "secur32.dll",
    "bcrypt.dll",
}


def is_windows_dll(name: str) -> bool:
    name = name.lower()
    return name in WINDOWS_DLLS or name.startswith(("api-ms-win-", "ext-ms-win-"))


def pe(wheel: Path, name: str) -> lief.PE.Binary:
    with zipfile.ZipFile(wheel) as zf:
        binary = lief.PE.parse(list(zf.read(name)))
    assert binary is not None, f"{wheel.name}: {name} is not a PE file"
    return binary


def imports(binary: lief.PE.Binary) -> set[str]:
    return {entry.name.lower() for entry in binary.imports}


def exports(binary: lief.PE.Binary) -> set[str]:
    table = binary.get_export()
    return {entry.name for entry in table.entries} if table is not None else set()


def test_wheels_were_built_for_every_cpython():
    check_every_tag_built("NAPI_PYTHON_WINDOWS_WHEELS", "NAPI_PYTHON_WINDOWS_WHEEL_TAGS", PLATFORM)


wheels = pytest.mark.parametrize("wheel", FOUND, ids=[w.name for w in FOUND])


@wheels
def test_the_name_and_wheel_file_carry_the_same_tag(wheel):
    check_name_and_wheel_file(wheel, PLATFORM)


@wheels
def test_record_lists_every_file_once_with_its_hash_and_size(wheel):
    check_record(wheel)


@wheels
def test_the_files_are_the_package_the_extension_and_the_host(wheel):
    check_files(wheel, f"_native.{tag_of(wheel)}-win_amd64.pyd", "bin/napi-hostd.exe")


@wheels
def test_the_extension_imports_its_python_and_windows_dlls_only(wheel):
    tag = tag_of(wheel)
    binary = pe(wheel, f"napi_python/_native.{tag}-win_amd64.pyd")
    assert binary.header.machine == lief.PE.Header.MACHINE_TYPES.AMD64
    assert binary.header.has_characteristic(lief.PE.Header.CHARACTERISTICS.DLL)
    python_dll = f"python{tag.removeprefix('cp')}.dll"
    found = imports(binary)
    assert python_dll in found
    assert {name for name in found if not is_windows_dll(name)} == {python_dll}
    assert "PyInit__native" in exports(binary)


@wheels
def test_the_host_exports_every_node_api_and_libuv_function_and_imports_windows_only(wheel):
    binary = pe(wheel, "napi_python/bin/napi-hostd.exe")
    assert binary.header.machine == lief.PE.Header.MACHINE_TYPES.AMD64
    assert not binary.header.has_characteristic(lief.PE.Header.CHARACTERISTICS.DLL)
    wanted = export_names("napi-exports.txt") | export_names("libuv-exports.txt")
    assert len(wanted) > 400
    assert wanted - exports(binary) == set()
    assert {name for name in imports(binary) if not is_windows_dll(name)} == set()


def test_the_package_finds_napi_hostd_exe_on_windows(tmp_path, monkeypatch):
    """The wheel carries bin/napi-hostd.exe: on Windows that is the name looked for, on Linux not."""
    monkeypatch.delenv("NAPI_HOSTD", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(hostd_program, "_PACKAGE_DIR", tmp_path)
    host = tmp_path / "bin" / "napi-hostd.exe"
    host.parent.mkdir()
    host.write_bytes(b"MZ")
    host.chmod(0o755)
    monkeypatch.setattr(machine, "this_os", lambda: "win32")
    assert hostd_program.hostd_path() == str(host)
    monkeypatch.setattr(machine, "this_os", lambda: "linux")
    with pytest.raises(AddonLoadError, match=r"napi-hostd not found: looked in \$NAPI_HOSTD, .*/bin/napi-hostd and"):
        hostd_program.hostd_path()
