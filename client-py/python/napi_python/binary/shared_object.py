"""What every reader of the package answers for a shared library, whatever its format: its
symbols (``Symbol``) and the rest the dynamic linker reads (``SharedObject``), with what is read
from them for any format: the C strings of its read-only data, C++ names made readable.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

__all__ = ["Symbol", "SharedObject", "c_strings", "demangle"]


class Symbol(NamedTuple):
    """One dynamic symbol. ``library`` is the DT_NEEDED file its GNU version names, for an
    undefined symbol that carries one (``memcpy@GLIBC_2.14`` -> ``libc.so.6``)."""

    name: str
    defined: bool
    weak: bool
    kind: str
    version: str | None = None
    library: str | None = None


class SharedObject:
    """What a reader found in a shared library, filled in as it reads (elf.py, macho.py and pe.py
    each fill one in)."""

    def __init__(self, path: Path, machine: str, bits: int) -> None:
        self.path, self.machine, self.bits = path, machine, bits
        self.needed: list[str] = []
        self.rpath: list[str] = []
        self.runpath: list[str] = []
        self.symbols: list[Symbol] = []
        # (offset, size) of the read-only data sections, where C strings live.
        self.rodata: list[tuple[int, int]] = []
        # What a V8-ABI addon's `struct node_module` says: NODE_MODULE_VERSION (see
        # `node_module_version`), read with the rest because it needs the section headers.
        self.node_module_versions: list[int] = []
        # What kind of file it is, for display: the Mach-O reader (macho.py) fills this in too.
        self.file_format = "ELF"

    def __repr__(self) -> str:
        return f"SharedObject({str(self.path)!r}, {self.machine!r}, {self.bits}, {len(self.symbols)} symbols)"

    @property
    def defined(self) -> set[str]:
        return {s.name for s in self.symbols if s.defined}

    @property
    def undefined(self) -> list[Symbol]:
        return [s for s in self.symbols if not s.defined]


def c_strings(so: SharedObject, pattern: bytes) -> set[str]:
    """The NUL-terminated strings in the read-only data that match ``pattern`` whole (napi-rs
    keeps the names of the Node-API functions it looks up with ``dlsym`` there)."""
    regex = re.compile(rb"(?<![\x21-\x7e])(" + pattern + rb")\0")
    found: set[str] = set()
    with open(so.path, "rb") as f:
        for offset, size in so.rodata:
            f.seek(offset)
            found.update(m.group(1).decode("ascii", "replace") for m in regex.finditer(f.read(size)))
    return found


def demangle(names: list[str]) -> dict[str, str]:
    """Readable C++ names, when binutils' c++filt is there (only for display)."""
    import shutil
    import subprocess

    tool = shutil.which("c++filt")
    if not tool or not names:
        return {}
    proc = subprocess.run([tool], input="\n".join(names), capture_output=True, text=True, timeout=30, check=False)
    readable = proc.stdout.splitlines()
    return (
        {n: r for n, r in zip(names, readable, strict=False) if r != n}
        if proc.returncode == 0 and len(readable) == len(names)
        else {}
    )
