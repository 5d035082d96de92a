"""Checks of an addon's file made before any loader sees it."""

from __future__ import annotations

import os
import sys
from typing import Any

from .binary import elf, macho, pe
from .errors import AddonLoadError

__all__ = ["checked", "beneath", "unfound_dlls"]


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


def unfound_dlls(path: str) -> list[str]:
    """The DLLs the Windows addon at ``path`` imports that Windows' loader cannot find where it
    looks for them when node loads an addon (LOAD_WITH_ALTERED_SEARCH_PATH: the addon's own
    folder first, then the program's, the system's and PATH); delay-loaded ones and API sets
    (``api-ms-win-*``, which Windows maps rather than finds) left out. Empty elsewhere, or when
    the file cannot be read: Windows names none of them when a load fails for want of one."""
    if sys.platform != "win32":
        return []
    try:
        imports = pe.read(path)
    except (elf.ElfError, OSError):
        return []
    delay_loaded = {s.library for s in imports.symbols if s.version == "delay-load"}
    return [
        dll
        for dll in dict.fromkeys(imports.needed)
        if dll not in delay_loaded
        and not dll.lower().startswith(("api-ms-win-", "ext-ms-"))
        and not _findable(dll, os.path.dirname(path))
    ]


def _findable(dll: str, beside: str) -> bool:
    """Whether Windows finds ``dll`` in ``beside`` or on its standard search path, read as data
    (nothing of it runs)."""
    import ctypes

    # Looked up by name: the type checkers, reading this as Linux code, know no WinDLL.
    win_dll: Any = getattr(ctypes, "WinDLL")  # noqa: B009
    kernel32 = win_dll("kernel32", use_last_error=True)
    kernel32.LoadLibraryExW.restype = ctypes.c_void_p
    kernel32.LoadLibraryExW.argtypes = [ctypes.c_wchar_p, ctypes.c_void_p, ctypes.c_uint32]
    kernel32.FreeLibrary.argtypes = [ctypes.c_void_p]
    load_library_as_datafile = 0x2
    for candidate in (os.path.join(beside, dll), dll):
        handle = kernel32.LoadLibraryExW(candidate, None, load_library_as_datafile)
        if handle:
            kernel32.FreeLibrary(handle)
            return True
    return False
