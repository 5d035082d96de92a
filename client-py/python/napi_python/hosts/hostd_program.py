"""Finding the ``napi-hostd`` program and checking, before it is started, that this machine can
run it: a file, executable, and built for this machine's CPU (an arm64 host on x86-64 would
otherwise fail with an error that names neither CPU)."""

from __future__ import annotations

import os
from pathlib import Path

from .. import machine
from ..errors import AddonLoadError

__all__ = ["hostd_path"]

# The package's folder (napi_python/), where the wheel puts the program: this file lies in hosts/.
_PACKAGE_DIR = Path(__file__).resolve().parents[1]

# This machine's CPU (node's name for it, machine.py) as ELF and Mach-O headers name it.
_ELF_CPU = {
    "x64": "x86-64",
    "arm64": "aarch64",
    "arm": "arm",
    "ia32": "x86",
    "riscv64": "riscv",
    "s390x": "s390",
    "ppc64": "ppc64",
}
_MACHO_CPU = {"x64": "x86-64", "arm64": "arm64"}


def hostd_path() -> str:
    """Where the ``napi-hostd`` binary is: ``$NAPI_HOSTD``, else the one installed with this
    package (a wheel carries it in ``napi_python/bin/``, as ``napi-hostd.exe`` on Windows), else
    the first on ``PATH``.

    Raises ``AddonLoadError`` naming the path when the binary chosen is missing, cannot be run,
    or is built for another CPU than this machine's.
    """
    explicit = os.environ.get("NAPI_HOSTD")
    if explicit:
        return _runnable(explicit, "$NAPI_HOSTD")
    name = "napi-hostd.exe" if machine.this_os() == "win32" else "napi-hostd"
    bundled = _PACKAGE_DIR / "bin" / name
    if bundled.exists():
        return _runnable(str(bundled), "the host installed with napi_python")
    # shutil is imported only here: it imports the compression modules (lzma, bz2) at once,
    # which an installed package, whose host is bundled, never needs.
    import shutil

    found = shutil.which(name)
    if found:
        return _runnable(found, "found on PATH")
    raise AddonLoadError(
        f"{name} not found: looked in $NAPI_HOSTD, {bundled} and PATH "
        "(reinstall napi-python with pip; in a checkout, run scripts/build)"
    )


def _runnable(path: str, source: str) -> str:
    """``path`` when it is an executable file built for this machine; ``AddonLoadError`` saying
    which and why otherwise."""
    if not os.path.isfile(path):
        raise AddonLoadError(f"napi-hostd {path} ({source}) is not a file")
    if not os.access(path, os.X_OK):
        raise AddonLoadError(f"napi-hostd {path} ({source}) is not executable")
    built_for, this = _cpus(path)
    if built_for is not None and this is not None and this not in built_for:
        raise AddonLoadError(
            f"napi-hostd {path} ({source}) is built for {' and '.join(built_for)}, but this machine is {this}: "
            f"install the napi-python wheel for {this} (in a checkout, run scripts/build), "
            "or point $NAPI_HOSTD at a napi-hostd built for it"
        )
    return path


def _cpus(path: str) -> tuple[list[str] | None, str | None]:
    """The CPUs the program at ``path`` is built for and this machine's, both named as its
    format names them; None for what cannot be told (a script wrapping the host, an unknown
    CPU), which is then left to the system to judge."""
    from ..binary import elf, macho  # read only when a host is started

    arch = machine.this_arch()
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if macho.is_macho(head):
            return [s.cpu for s in macho.slices(path)], _MACHO_CPU.get(arch)
        return [elf.machine(path)], _ELF_CPU.get(arch)
    except (elf.ElfError, macho.MachOError, OSError):
        return None, None
