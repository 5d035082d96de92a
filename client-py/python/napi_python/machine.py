"""This machine as npm and napi-rs name platforms (``process.platform``, ``process.arch``, the
libc), for choosing a package's binary (``require``) and its platform packages (``npm``)."""

from __future__ import annotations

import os
import platform as _platform
import sys

__all__ = ["current_platform"]

# Node's process.arch for Python's platform.machine().
_ARCH = {
    "x86_64": "x64",
    "amd64": "x64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm",
    "armv6l": "arm",
    "i386": "ia32",
    "i686": "ia32",
    "riscv64": "riscv64",
    "s390x": "s390x",
    "ppc64le": "ppc64",
    "loongarch64": "loong64",
}


def current_platform() -> str:
    """This machine as napi-rs names platforms: ``linux-x64-gnu``, ``linux-arm64-musl``,
    ``linux-arm-gnueabihf``, ``darwin-arm64``..."""
    system = sys.platform
    if system.startswith("linux"):
        system = "linux"
    elif system == "win32":
        return f"win32-{_arch()}-msvc"
    arch = _arch()
    if system != "linux":
        return f"{system}-{arch}"
    libc = "gnu" if _is_glibc() else "musl"
    return f"linux-{arch}-{libc}eabihf" if arch == "arm" else f"linux-{arch}-{libc}"


def _arch() -> str:
    machine = _platform.machine().lower()
    return _ARCH.get(machine, machine)


def _is_glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        return False
