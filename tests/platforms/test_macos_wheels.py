"""The macOS wheels `scripts/macos wheels` builds: built and checked here, never run (no
Mac can be had on this machine). In each wheel, read as tests/platforms/test_macos_build.py reads the build
(napi_python's Mach-O reader, LIEF for the export trie and the minimum macOS): the extension
exports PyInit__native, links macOS's own libraries alone and takes Python's functions from the
interpreter that loads it; the host exports every Node-API and libuv function of the shared lists,
links macOS's own libraries alone and is packed executable; both are for the CPU and the oldest
macOS the wheel's tag names; the wheel's name, tag, RECORD and file list are what an installer
expects (tests/wheel_files.py, shared with the Windows wheels). A wheel whose RECORD, CPU or macOS
version lies fails those checks.

`scripts/macos wheels` runs this file with NAPI_PYTHON_MACOS_WHEELS set to the wheels' folder,
where a missing wheel fails. Without it the wheel checks skip: wheels left by an earlier build may
predate the checkout's files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import lief
import pytest
from conftest import ROOT
from test_macos_build import check_extension, check_host
from wheel_files import (
    built_wheels,
    check_every_tag_built,
    check_files,
    check_name_and_wheel_file,
    check_record,
    tag_of,
)

pytestmark = pytest.mark.either_mode

# Each wheel's platform tag: the CPU napi_python.binary.macho names and the oldest macOS it runs on.
PLATFORMS = {"macosx_11_0_arm64": ("arm64", [11, 0, 0]), "macosx_11_0_x86_64": ("x86-64", [11, 0, 0])}
FOUND = [wheel for platform in PLATFORMS for wheel in built_wheels("NAPI_PYTHON_MACOS_WHEELS", platform)]
HOST = "bin/napi-hostd"


def platform_of(wheel: Path) -> str:
    return wheel.name.removesuffix(".whl").split("-")[4]


def extension_of(wheel: Path) -> str:
    return f"_native.cpython-{tag_of(wheel).removeprefix('cp')}-darwin.so"


def unpacked(wheel: Path, name: str, folder: Path) -> Path:
    """`napi_python/NAME` of the wheel, written into folder (the readers take paths)."""
    path = folder / wheel.name / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        path.write_bytes(zf.read(f"napi_python/{name}"))
    return path


def minimum_macos(path: Path) -> list[int]:
    """The oldest macOS the file says it runs on: LC_BUILD_VERSION's minos, or
    LC_VERSION_MIN_MACOSX's version where the linker wrote the older command."""
    fat = lief.MachO.parse(str(path))
    assert fat is not None and fat.size == 1, f"{path.name} is not a thin Mach-O file"
    binary = fat.at(0)
    if binary.has_build_version:
        assert binary.build_version.platform == lief.MachO.BuildVersion.PLATFORMS.MACOS
        return list(binary.build_version.minos)
    assert binary.has_version_min, f"{path.name} names no minimum macOS"
    return list(binary.version_min.version)


def check_binaries(wheel: Path, folder: Path) -> None:
    """The extension and the host in the wheel are for the CPU and macOS its tag names, and
    import and export what they must."""
    cpu, oldest = PLATFORMS[platform_of(wheel)]
    extension = unpacked(wheel, extension_of(wheel), folder)
    host = unpacked(wheel, HOST, folder)
    check_extension(extension, cpu)
    check_host(host, cpu)
    assert minimum_macos(extension) == oldest
    assert minimum_macos(host) == oldest


def test_wheels_were_built_for_every_cpython_and_both_macs():
    for platform in PLATFORMS:
        check_every_tag_built("NAPI_PYTHON_MACOS_WHEELS", "NAPI_PYTHON_MACOS_WHEEL_TAGS", platform)


wheels = pytest.mark.parametrize("wheel", FOUND, ids=[w.name for w in FOUND])


@wheels
def test_the_name_and_wheel_file_carry_the_same_tag(wheel):
    check_name_and_wheel_file(wheel, platform_of(wheel))


@wheels
def test_record_lists_every_file_once_with_its_hash_and_size(wheel):
    check_record(wheel)


@wheels
def test_the_files_are_the_package_the_extension_and_the_host(wheel):
    check_files(wheel, extension_of(wheel), HOST)


@wheels
def test_the_host_is_installed_executable(wheel):
    """pip gives an installed file the mode its zip entry carries: a host without the executable
    bit could not be started."""
    with zipfile.ZipFile(wheel) as zf:
        assert zf.getinfo(f"napi_python/{HOST}").external_attr >> 16 == 0o100755


@wheels
def test_the_binaries_are_for_the_cpu_and_macos_the_tag_names(wheel, tmp_path):
    check_binaries(wheel, tmp_path)


def test_a_wheel_whose_record_or_binaries_lie_fails(tmp_path):
    """The checks above fail on a wheel with a file changed after RECORD was written, and on one
    tagged for the other Mac (packed right, with the other CPU's binaries)."""
    arm64 = [w for w in FOUND if platform_of(w) == "macosx_11_0_arm64"]
    x86_64 = [w for w in FOUND if platform_of(w) == "macosx_11_0_x86_64"]
    if not (arm64 and x86_64):
        pytest.skip("needs a wheel for each Mac: scripts/macos wheels builds them")
    changed = tmp_path / "changed" / arm64[0].name
    changed.parent.mkdir()
    with zipfile.ZipFile(arm64[0]) as source, zipfile.ZipFile(changed, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            copy.writestr(info, data + b"\0" if info.filename == f"napi_python/{HOST}" else data)
    with pytest.raises(AssertionError, match=HOST):
        check_record(changed)

    python = "3." + tag_of(x86_64[0]).removeprefix("cp3")
    other_mac = [
        str(unpacked(x86_64[0], extension_of(x86_64[0]), tmp_path / "x86_64")),
        str(unpacked(x86_64[0], HOST, tmp_path / "x86_64")),
    ]
    pack = [sys.executable, str(ROOT / "scripts" / "pack-wheel"), "--platform", "macosx_11_0_arm64"]
    pack += ["--extension", other_mac[0], "--hostd", other_mac[1], "--python", python]
    packed = subprocess.run([*pack, "--out", str(tmp_path / "mislabelled")], capture_output=True, text=True, check=True)
    mislabelled = Path(packed.stdout.strip())
    # Its name, WHEEL and RECORD agree: only reading the binaries tells.
    check_name_and_wheel_file(mislabelled, "macosx_11_0_arm64")
    check_record(mislabelled)
    with pytest.raises(AssertionError, match="x86-64"):
        check_binaries(mislabelled, tmp_path / "read")
