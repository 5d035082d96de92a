"""`hostd_path` checks the napi-hostd it chose before it is started: a host built for another
CPU (an arm64 napi-hostd on x86-64, which fails obscurely when run) is refused with an error
naming both CPUs, whether ELF or Mach-O; what cannot be told (a script wrapping the host) is
left to the system."""

from __future__ import annotations

import shutil
import stat
import struct
from pathlib import Path

import pytest
from conftest import ROOT, addon_path

from napi_python import AddonLoadError, hostd_path, load_addon, machine
from napi_python.binary import elf

# The other CPU of the two napi-python is built for, as ELF and Mach-O headers number and name it.
OTHER = {"x64": (183, "aarch64", 0x0100000C, "arm64"), "arm64": (62, "x86-64", 0x01000007, "x86-64")}
THIS = {"x64": ("x86-64", "x86-64"), "arm64": ("aarch64", "arm64")}


def executable(path: Path) -> str:
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def other_cpu():
    arch = machine.this_arch()
    if arch not in OTHER:
        pytest.skip(f"napi-python is built for x64 and arm64, not {arch}")
    return OTHER[arch], THIS[arch]


def the_real_host() -> str:
    """napi-hostd as this checkout built it (not any $NAPI_HOSTD a test sets)."""
    return hostd_path()


def test_a_host_whose_elf_header_names_another_cpu_is_refused_naming_both(tmp_path, monkeypatch, other_cpu):
    (number, name, _, _), (this_elf, _) = other_cpu
    copy = tmp_path / "napi-hostd"
    shutil.copy(the_real_host(), copy)
    with open(copy, "r+b") as f:
        f.seek(18)
        f.write(struct.pack("<H", number))
    assert elf.machine(copy) == name
    monkeypatch.setenv("NAPI_HOSTD", executable(copy))
    expected = f"napi-hostd {copy} [(]\\$NAPI_HOSTD[)] is built for {name}, but this machine is {this_elf}"
    with pytest.raises(AddonLoadError, match=expected):
        hostd_path()
    with pytest.raises(AddonLoadError, match=expected):
        load_addon(addon_path("values"))


def test_a_mach_o_host_without_this_cpu_is_refused_naming_both(tmp_path, monkeypatch, other_cpu):
    (_, _, cputype, name), (_, this_macho) = other_cpu
    fake = tmp_path / "napi-hostd"
    # A thin 64-bit Mach-O header (MH_MAGIC_64, cputype, subtype, MH_EXECUTE, no commands).
    fake.write_bytes(struct.pack("<IiiIIIII", 0xFEEDFACF, cputype, 0, 2, 0, 0, 0, 0))
    monkeypatch.setenv("NAPI_HOSTD", executable(fake))
    with pytest.raises(AddonLoadError, match=f"is built for {name}, but this machine is {this_macho}"):
        hostd_path()


def test_the_arm64_host_of_the_checkout_is_refused_on_x86_64(monkeypatch):
    """A real napi-hostd built for arm64 (scripts/arm64's), when the checkout has one."""
    built = [
        ROOT / "build/arm64/bundled/release/napi-hostd",
        ROOT / "target/sid-cross/aarch64-unknown-linux-gnu/release/napi-hostd",
    ]
    found = next((p for p in built if p.is_file()), None)
    if machine.this_arch() != "x64" or found is None:
        pytest.skip("needs an x86-64 machine and an arm64 napi-hostd (scripts/arm64 build)")
    monkeypatch.setenv("NAPI_HOSTD", str(found))
    with pytest.raises(AddonLoadError, match="is built for aarch64, but this machine is x86-64"):
        load_addon(addon_path("values"))


def test_a_host_of_this_cpu_and_a_script_wrapping_it_are_accepted(tmp_path, monkeypatch):
    real = the_real_host()
    monkeypatch.setenv("NAPI_HOSTD", real)
    assert hostd_path() == real
    wrapper = tmp_path / "napi-hostd"
    wrapper.write_text(f'#!/bin/sh\nexec "{real}" "$@"\n')
    monkeypatch.setenv("NAPI_HOSTD", executable(wrapper))
    assert hostd_path() == str(wrapper)
    with load_addon(addon_path("values")) as addon:
        assert addon.toInt32(7) == [0, 7]  # (status, value)
