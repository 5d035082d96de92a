"""This machine as npm and napi-rs name platforms (``process.platform``, ``process.arch``, the
libc), for choosing a package's binary (``require``) and its platform packages (``npm``)."""

from __future__ import annotations

import os
import sys
from typing import NamedTuple, TypeVar

__all__ = ["Platform", "current_platform", "this_arch", "this_os"]

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


def this_os() -> str:
    """This machine's OS as node's ``process.platform`` names it: ``linux``, ``darwin``,
    ``win32``, ``freebsd``... The one place the package asks which OS it runs on (tests fake
    another OS by replacing it)."""
    system = sys.platform
    if system.startswith("linux"):
        return "linux"
    # Python names some OSes with their major version (freebsd14, sunos5); node does not.
    return system if system == "win32" else system.rstrip("0123456789")


def current_platform() -> str:
    """This machine as napi-rs names platforms: ``linux-x64-gnu``, ``linux-arm64-musl``,
    ``linux-arm-gnueabihf``, ``darwin-arm64``..."""
    system = this_os()
    if system == "win32":
        return f"win32-{this_arch()}-msvc"
    arch = this_arch()
    if system != "linux":
        return f"{system}-{arch}"
    libc = "gnu" if _is_glibc() else "musl"
    return f"linux-{arch}-{libc}eabihf" if arch == "arm" else f"linux-{arch}-{libc}"


def this_arch() -> str:
    """This machine's CPU as node's ``process.arch`` names it: ``x64``, ``arm64``..."""
    machine = _machine_name().lower()
    return _ARCH.get(machine, machine)


def _machine_name() -> str:
    # os.uname answers what platform.machine() would on POSIX without importing `platform`
    # (a millisecond of every start-up); Windows has no uname.
    if sys.platform != "win32":
        return os.uname().machine
    import platform

    return platform.machine()


def _is_glibc() -> bool:
    # Asked on Linux alone; Windows' os has no confstr (and mypy --platform win32 says so).
    if sys.platform == "win32":
        return False
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        return False


_P = TypeVar("_P", bound="Platform")


class Platform(NamedTuple):
    """A napi-rs platform name taken apart: ``linux-x64-gnu`` -> linux, x64, gnu."""

    name: str
    os: str
    arch: str
    abi: str

    @classmethod
    def parse(cls: type[_P], name: str) -> _P:
        parts = name.split("-")
        if len(parts) < 2:
            raise ValueError(f"not a platform name like 'linux-x64-gnu': {name!r}")
        return cls(name, parts[0], parts[1], "-".join(parts[2:]))

    @property
    def libc(self) -> str | None:
        """The libc family as npm and node-gyp-build name it: ``glibc`` or ``musl`` (None off
        Linux)."""
        if self.os != "linux":
            return None
        return "musl" if self.abi.startswith("musl") else "glibc"
