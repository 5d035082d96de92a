"""Reading what a Windows DLL (a ``.node`` file built for Windows) imports and exports from its
PE headers, without loading it (for ``python -m napi_python inspect``), on any OS.

Only what the loader uses is read: the COFF header, the optional header's data directories, the
section table, the export directory (names), the import directory and the delay-load import
directory (node-gyp addons import Node-API from ``node.exe`` delay-loaded), each import tied to
the DLL it names. PE32 and PE32+ are understood. The result is a ``SharedObject`` (its
``file_format`` ``"PE"``), so ``inspect`` reads it as it reads ELF and Mach-O: exports are the
defined symbols, imports the undefined ones with their DLL as ``library``; ``needed`` lists the
DLLs, delay-loaded ones included; ``rodata`` is the read-only data, where napi-rs keeps the names
it looks up with ``GetProcAddress``.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from . import elf, shared_object

__all__ = ["PEError", "is_pe", "read", "names_in_rodata"]

_MACHINES = {0x8664: "x86-64", 0x14C: "x86", 0xAA64: "aarch64", 0x1C4: "arm"}
_PE32, _PE32_PLUS = 0x10B, 0x20B
_EXPORT, _IMPORT, _DELAY_IMPORT = 0, 1, 13
_SCN_INITIALIZED_DATA, _SCN_EXECUTE, _SCN_WRITE = 0x40, 0x20000000, 0x80000000
# Bounds against a hostile file's counts (real addons have a few dozen DLLs and some thousands
# of imports or exports).
_MAX_SECTIONS = 96  # the PE format's own limit
_MAX_DLLS = 4096
_MAX_ENTRIES = 1 << 20
_MAX_NAME = 4096


class PEError(elf.ElfError):
    """The file is not a PE image this module can read (an ``ElfError``, so callers that catch
    the other readers' errors catch it too)."""


def is_pe(path: str | os.PathLike[str]) -> bool:
    """True when the file starts as a PE image does (a DOS header whose ``e_lfanew`` points at
    ``PE\\0\\0``)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:2] != b"MZ":
                return False
            f.seek(struct.unpack_from("<I", head, 0x3C)[0])
            return f.read(4) == b"PE\0\0"
    except OSError:
        return False


class _Image:
    def __init__(self, f: BinaryIO, path: Path) -> None:
        self.f, self.path = f, path
        self.sections: list[tuple[bytes, int, int, int, int, int]] = []

    def at(self, offset: int, size: int) -> bytes:
        self.f.seek(offset)
        data = self.f.read(size)
        if len(data) != size:
            raise PEError(f"{self.path}: truncated PE file")
        return data

    def offset(self, rva: int) -> int:
        """The file offset of relative virtual address ``rva``."""
        for _, va, vsize, raw, raw_size, _ in self.sections:
            if va <= rva < va + max(vsize, raw_size) and rva - va < raw_size:
                return raw + rva - va
        raise PEError(f"{self.path}: address 0x{rva:x} is in no section of the file")

    def u32(self, rva: int) -> int:
        return int(struct.unpack("<I", self.at(self.offset(rva), 4))[0])

    def string(self, rva: int) -> str:
        start = self.offset(rva)
        self.f.seek(start)
        data = self.f.read(_MAX_NAME)
        end = data.find(b"\0")
        if end < 0:
            raise PEError(f"{self.path}: unterminated name at 0x{rva:x}")
        return data[:end].decode("ascii", "replace")


def read(path: str | os.PathLike[str]) -> shared_object.SharedObject:
    """The DLL at ``path``: its machine, exports, imports (by DLL) and read-only data; ``PEError``
    for a file that is not a PE image."""
    p = Path(path)
    with open(p, "rb") as f:
        img = _Image(f, p)
        dos = f.read(64)
        if len(dos) < 64 or dos[:2] != b"MZ":
            raise PEError(f"{p}: not a PE file (no MZ header)")
        pe = struct.unpack_from("<I", dos, 0x3C)[0]
        if img.at(pe, 4) != b"PE\0\0":
            raise PEError(f"{p}: not a PE file (no PE signature)")
        machine, count, _, _, _, optional_size, _ = struct.unpack("<HHIIIHH", img.at(pe + 4, 20))
        if count > _MAX_SECTIONS:
            raise PEError(f"{p}: {count} sections, more than a PE file has")
        optional = pe + 24
        magic = struct.unpack("<H", img.at(optional, 2))[0]
        if magic not in (_PE32, _PE32_PLUS):
            raise PEError(f"{p}: unknown optional header (magic 0x{magic:x})")
        plus = magic == _PE32_PLUS
        image_base = struct.unpack("<Q" if plus else "<I", img.at(optional + (24 if plus else 28), 8 if plus else 4))[0]
        directories_at = optional + (112 if plus else 96)
        n_directories = struct.unpack("<I", img.at(directories_at - 4, 4))[0]
        directories = [
            struct.unpack("<II", img.at(directories_at + 8 * i, 8)) if i < min(n_directories, 16) else (0, 0)
            for i in range(16)
        ]
        for i in range(count):
            name, vsize, va, raw_size, raw = struct.unpack("<8sIIII", img.at(optional + optional_size + 40 * i, 24))
            flags = struct.unpack("<I", img.at(optional + optional_size + 40 * i + 36, 4))[0]
            img.sections.append((name.rstrip(b"\0"), va, vsize, raw, raw_size, flags))
        so = shared_object.SharedObject(
            path=p, machine=_MACHINES.get(machine, f"0x{machine:x}"), bits=64 if plus else 32
        )
        so.file_format = "PE"
        so.symbols.extend(shared_object.Symbol(n, True, False, "func") for n in _exports(img, *directories[_EXPORT]))
        width = 8 if plus else 4
        for dll, names in _imports(img, directories[_IMPORT][0], width):
            so.needed.append(dll)
            so.symbols.extend(shared_object.Symbol(n, False, False, "func", library=dll) for n in names)
        for dll, names in _delay_imports(img, directories[_DELAY_IMPORT][0], width, image_base):
            so.needed.append(dll)
            so.symbols.extend(
                shared_object.Symbol(n, False, False, "func", version="delay-load", library=dll) for n in names
            )
        so.rodata.extend(
            (raw, min(raw_size, vsize) if vsize else raw_size)
            for _, _, vsize, raw, raw_size, flags in img.sections
            if flags & _SCN_INITIALIZED_DATA and not flags & (_SCN_EXECUTE | _SCN_WRITE) and raw_size
        )
    return so


def _exports(img: _Image, rva: int, size: int) -> list[str]:
    if not rva or not size:
        return []
    # IMAGE_EXPORT_DIRECTORY: NumberOfNames at 24, AddressOfNames at 32.
    n_names, _, names_at = struct.unpack("<III", img.at(img.offset(rva + 24), 12))
    if n_names > _MAX_ENTRIES:
        raise PEError(f"{img.path}: {n_names} exported names, more than this reader accepts")
    return [img.string(img.u32(names_at + 4 * i)) for i in range(n_names)]


def _thunk_names(img: _Image, rva: int, width: int, image_base: int = 0) -> list[str]:
    """The names a thunk table lists (an entry by ordinal is named ``#N``), up to its zero entry."""
    names: list[str] = []
    ordinal_flag = 1 << (8 * width - 1)
    for i in range(_MAX_ENTRIES):
        entry = int.from_bytes(img.at(img.offset(rva + width * i), width), "little")
        if not entry:
            return names
        if entry & ordinal_flag:
            names.append(f"#{entry & 0xFFFF}")
        else:
            # IMAGE_IMPORT_BY_NAME: a 2-byte hint, then the name.
            names.append(img.string((entry - image_base) + 2))
    raise PEError(f"{img.path}: an import table longer than this reader accepts")


def _imports(img: _Image, rva: int, width: int) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    if not rva:
        return found
    for i in range(_MAX_DLLS):
        lookup, _, _, name, address = struct.unpack("<IIIII", img.at(img.offset(rva + 20 * i), 20))
        if not (lookup or name or address):
            return found
        found.append((img.string(name), _thunk_names(img, lookup or address, width)))
    raise PEError(f"{img.path}: more imported DLLs than this reader accepts")


def _delay_imports(img: _Image, rva: int, width: int, image_base: int) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    if not rva:
        return found
    for i in range(_MAX_DLLS):
        attributes, name, _, _, names, *_ = struct.unpack("<8I", img.at(img.offset(rva + 32 * i), 32))
        if not (name or names):
            return found
        # Attribute bit 0 says the fields are relative addresses; old linkers wrote addresses.
        base = 0 if attributes & 1 else image_base
        found.append((img.string(name - base), _thunk_names(img, names - base, width, base)))
    raise PEError(f"{img.path}: more delay-loaded DLLs than this reader accepts")


def names_in_rodata(so: shared_object.SharedObject, names: Iterable[str]) -> set[str]:
    """Which of ``names`` (Node-API functions) the read-only data holds as a name: NUL-terminated,
    as C keeps it, or packed one after another with no terminator, as Rust keeps string
    literals (napi-rs built by MSVC names what it looks up with ``GetProcAddress`` so, adding the
    NUL only when it calls)."""
    wanted = set(names)
    # Each run of name characters starting as a Node-API name does, cut where another begins (no
    # Node-API name holds "napi_" or "node_api_" past its start): one pass, however many names.
    run = re.compile(rb"(?:napi|node_api)_[a-z0-9_]*")
    cut = re.compile(r"(?=napi_|node_api_)")
    found: set[str] = set()
    with open(so.path, "rb") as f:
        for offset, size in so.rodata:
            f.seek(offset)
            for m in run.finditer(f.read(size)):
                found.update(piece for piece in cut.split(m.group().decode("ascii")) if piece in wanted)
    return found
