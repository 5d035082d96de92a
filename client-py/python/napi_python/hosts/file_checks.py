"""Checks of an addon's file made before any loader sees it."""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any

from ..errors import AddonLoadError

if TYPE_CHECKING:
    from ..binary import shared_object

# The binary readers are imported when an addon is first checked: `import napi_python` needs
# none of them.

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
    from ..binary import elf, macho, node_abi

    try:
        so = macho.read_binary(path)
    except (elf.ElfError, macho.MachOError, OSError):
        return  # not a file this can read: the loader's own error says what it is
    registration = node_abi.node_registration(so)
    if registration is None:
        _refuse_v8_imports(path, so)
        return
    version = node_abi.node_module_version(so)
    built = (
        f"built for {node_abi.node_release(version)}"
        if version is not None
        else "for a node version it does not record"
    )
    raise AddonLoadError(
        f"{path} is a V8-ABI addon {built}, not a Node-API one: it registers with node's {registration} "
        "and uses V8's and node's C++ API (node.h, nan), which exist only inside node, so it cannot run "
        "outside node. A Node-API build of the package (napi-rs, node-addon-api) would load here"
    )


# Mangled names of V8's and node's C++ API, as ELF and Mach-O (one more leading underscore)
# spell them: `v8::Isolate::GetCurrent()` is `_ZN2v87Isolate10GetCurrentEv`.
_V8_SYMBOL = re.compile(r"_?_ZN(?:K|St)?(?:2v8|4node)\d")
# An ABI number closing a file's name: `sentry_cpu_profiler-linux-x64-glibc-137.node`.
_ABI_IN_NAME = re.compile(r"[-_.](?:abi)?(\d{2,3})\.node$")


def _refuse_v8_imports(path: str, so: shared_object.SharedObject) -> None:
    """``AddonLoadError`` for an addon that registers through Node-API but also calls V8's or
    node's C++ API (``v8::Isolate::GetCurrent``: GC statistics, CPU profiles, node's event
    loop). Nothing outside node defines those, so its first call that reaches one would end the
    host (the dynamic linker's "undefined symbol") rather than fail."""
    imported = sorted({s.name for s in so.undefined if not s.weak and _V8_SYMBOL.match(s.name)})
    if not imported:
        return
    from ..binary import node_abi, shared_object

    readable = shared_object.demangle(imported)
    shown = ", ".join(readable.get(n, n) for n in imported[:3])
    more = f" and {len(imported) - 3} more" if len(imported) > 3 else ""
    abi = _ABI_IN_NAME.search(os.path.basename(path))
    built = f"; its name says it was built for {node_abi.node_release(int(abi[1]))}" if abi else ""
    raise AddonLoadError(
        f"{path} registers through Node-API but also imports V8's or node's C++ API ({shown}{more}), "
        f"which exist only inside node, so it cannot run outside node{built}"
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
    from ..binary import elf, pe

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
