"""Checks of an addon's file made before any loader sees it."""

from __future__ import annotations

import os

from .binary import elf, macho
from .errors import AddonLoadError

__all__ = ["checked", "beneath"]


def checked(path: str | os.PathLike[str]) -> str:
    """The absolute path of an addon file that exists and is not node's alone
    (``AddonLoadError`` otherwise)."""
    p: str = os.path.abspath(os.fspath(path))
    if not os.path.exists(p):
        raise AddonLoadError(f"no such file: {p}")
    if not os.path.isfile(p):
        raise AddonLoadError(f"not a file: {p}")
    _refuse_node_only(p)
    return p


def _refuse_node_only(path: str) -> None:
    """``AddonLoadError`` for an addon built against node's own C++ API, told from the file
    before any loader sees it: its library constructor calls ``node_module_register``, which
    nothing outside node defines, so the dynamic linker would end the process that opened it
    (Python itself, in-process) instead of failing the load."""
    try:
        so = macho.read_binary(path)
    except (elf.ElfError, macho.MachOError, OSError):
        return  # not a file this can read: the loader's own error says what it is
    registration = elf.node_registration(so)
    if registration is None:
        return
    version = elf.node_module_version(so)
    built = f"built for {elf.node_release(version)}" if version is not None else "for a node version it does not record"
    raise AddonLoadError(
        f"{path} is a V8-ABI addon {built}, not a Node-API one: it registers with node's {registration} "
        "and uses V8's and node's C++ API (node.h, nan), which exist only inside node, so it cannot run "
        "outside node. A Node-API build of the package (napi-rs, node-addon-api) would load here"
    )


def beneath(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` or lies beneath it, links resolved."""
    real, top = os.path.realpath(path), os.path.realpath(directory)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)
