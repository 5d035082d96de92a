"""Reading what a macOS shared library or bundle (an addon built for a Mac) needs and provides
from its Mach-O load commands and symbol table, without loading it (for ``inspect`` and
``require``'s checks), on any machine.

Thin and fat (universal) files, 64-bit x86-64 and arm64 slices. What is read: the dylibs a file
links (``LC_LOAD_DYLIB`` and its weak, re-export, lazy and upward kinds), its install name and
rpaths, and the external symbols of ``LC_SYMTAB`` (defined: what it exports; undefined: what it
imports, each bound to the dylib its two-level namespace ordinal names, or to none when it is
looked up in every loaded image, ``-undefined dynamic_lookup``, as addons import Node-API).
Names are given as C spells them: the leading underscore Mach-O adds to each is taken off, so
what every format's reader answers (``shared_object``: ``c_strings``; ``node_abi``) works on the result.

Every offset and count is checked against the slice it lies in before it is used: a truncated
or inconsistent file raises ``MachOError``, never an IndexError or a read past its end.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from ..machine import current_platform
from . import elf, node_abi, shared_object

__all__ = ["MachOError", "Slice", "slices", "read", "read_binary", "is_macho"]

_FAT_MAGIC, _FAT_MAGIC_64 = 0xCAFEBABE, 0xCAFEBABF
_MH_MAGIC_64, _MH_MAGIC = 0xFEEDFACF, 0xFEEDFACE
_CPU_TYPES = {0x01000007: "x86-64", 0x0100000C: "arm64", 7: "x86", 12: "arm", 0x01000012: "ppc64", 18: "ppc"}
_FILE_TYPES = {1: "object", 2: "executable", 6: "dylib", 8: "bundle", 9: "dylib stub", 11: "kext"}
_MH_TWOLEVEL = 0x80

_LC_SEGMENT_64, _LC_SYMTAB, _LC_ID_DYLIB, _LC_RPATH = 0x19, 0x2, 0xD, 0x8000001C
_LC_DYLD_CHAINED_FIXUPS = 0x80000034
# The commands that link a dylib, in the order two-level library ordinals count them.
_LINKING = {0xC: "load", 0x80000018: "weak", 0x8000001F: "reexport", 0x20: "lazy", 0x80000023: "upward"}

_N_STAB, _N_PEXT, _N_TYPE, _N_EXT = 0xE0, 0x10, 0x0E, 0x01
_N_UNDF, _N_SECT = 0x0, 0xE
_N_WEAK_REF, _N_WEAK_DEF = 0x40, 0x80
_SELF_LIBRARY_ORDINAL, _DYNAMIC_LOOKUP_ORDINAL, _EXECUTABLE_ORDINAL = 0, 0xFE, 0xFF
_S_ATTR_PURE_INSTRUCTIONS, _S_ATTR_SOME_INSTRUCTIONS = 0x80000000, 0x400
_S_ZEROFILL_TYPES = {0x1, 0xC, 0x12}  # S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL
_S_CSTRING_LITERALS = 0x2
# A rebase in a chain of fixups keeps its target's address in its low 36 bits (bit 63: a bind).
_CHAINED_TARGET = (1 << 36) - 1
# `struct node_module` (node.h): version, flags, dso handle, file name, register function,
# context register function, module name.
_NODE_MODULE = struct.Struct("<iIQQQQQ")
# Where C strings live: napi-rs names the Node-API functions it looks up with dlsym there.
_STRING_SECTIONS = {("__TEXT", "__cstring"), ("__TEXT", "__const"), ("__DATA_CONST", "__const")}

# No real file comes near these; they stop a lying header from making the reader loop long.
_MAX_FAT_ARCHES = 64
_MAX_COMMANDS = 65536
_NLIST_64 = struct.Struct("<IBBHQ")


class MachOError(ValueError):
    """The file is not a Mach-O file this module can read, or it contradicts itself."""


class Slice(NamedTuple):
    """One architecture's image inside a file: where it starts and how long it is (the whole
    file for a thin one)."""

    cpu: str
    offset: int
    size: int


def is_macho(head: bytes) -> bool:
    """Whether a file's first four bytes are a Mach-O or universal file's magic (either byte
    order; 0xcafebabe is also a Java class file's, which ``slices`` tells apart)."""
    if len(head) < 4:
        return False
    magic_be, magic_le = struct.unpack(">I", head[:4])[0], struct.unpack("<I", head[:4])[0]
    return magic_be in (_FAT_MAGIC, _FAT_MAGIC_64) or {magic_be, magic_le} & {_MH_MAGIC_64, _MH_MAGIC} != set()


class _Region:
    """Reads of one slice, each checked to lie inside it."""

    def __init__(self, f: BinaryIO, name: str, start: int, size: int) -> None:
        self.f, self.name, self.start, self.size = f, name, start, size

    def blob(self, offset: int, size: int, what: str) -> bytes:
        if offset < 0 or size < 0 or offset + size > self.size:
            raise MachOError(
                f"{self.name}: {what} ({size} bytes at offset {offset}) lies outside the file's "
                f"{self.size} bytes: truncated or corrupt"
            )
        self.f.seek(self.start + offset)
        data = self.f.read(size)
        if len(data) != size:
            raise MachOError(f"{self.name}: truncated Mach-O file: {what} is cut short")
        return data


def _file_size(f: BinaryIO) -> int:
    return os.fstat(f.fileno()).st_size


def _slices(f: BinaryIO, name: str) -> list[Slice]:
    whole = _Region(f, name, 0, _file_size(f))
    (magic,) = struct.unpack(">I", whole.blob(0, 4, "the magic number"))
    if magic not in (_FAT_MAGIC, _FAT_MAGIC_64):
        (cpu,) = struct.unpack("<i", whole.blob(4, 4, "the header")) if whole.size >= 8 else (0,)
        return [Slice(_CPU_TYPES.get(cpu & 0xFFFFFFFF, hex(cpu & 0xFFFFFFFF)), 0, whole.size)]
    (count,) = struct.unpack(">I", whole.blob(4, 4, "the universal header"))
    if count == 0 or count > _MAX_FAT_ARCHES:
        raise MachOError(f"{name}: a universal header naming {count} architectures is not a Mach-O file's")
    wide = magic == _FAT_MAGIC_64
    entry = struct.Struct(">iiQQII" if wide else ">iiIII")
    table = whole.blob(8, count * entry.size, "the universal header's architectures")
    out: list[Slice] = []
    for i in range(count):
        cpu, _, offset, size, *_ = entry.unpack_from(table, i * entry.size)
        if offset < 8 + count * entry.size or offset + size > whole.size or size == 0:
            raise MachOError(
                f"{name}: architecture {i} claims {size} bytes at offset {offset}, outside the file's "
                f"{whole.size} bytes or over its header: truncated or corrupt"
            )
        out.append(Slice(_CPU_TYPES.get(cpu & 0xFFFFFFFF, hex(cpu & 0xFFFFFFFF)), offset, size))
    return out


def slices(path: str | os.PathLike[str]) -> list[Slice]:
    """The architectures a Mach-O file holds: one for a thin file, each of a universal one's."""
    with open(path, "rb") as f:
        return _slices(f, str(path))


class _Section(NamedTuple):
    segment: str
    name: str
    addr: int
    offset: int
    size: int
    flags: int


def _name16(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


def _lc_str(command: bytes, offset: int, region: _Region, what: str) -> str:
    """A load command's string (``union lc_str``): at ``offset`` from the command's start,
    NUL-terminated inside the command."""
    if offset < 8 or offset >= len(command):
        raise MachOError(f"{region.name}: {what}'s name lies outside its load command")
    end = command.find(b"\0", offset)
    return command[offset : end if end >= 0 else len(command)].decode("utf-8", "replace")


def _commands(region: _Region, ncmds: int, sizeofcmds: int) -> Iterator[tuple[int, bytes]]:
    if ncmds > min(_MAX_COMMANDS, sizeofcmds // 8):
        raise MachOError(f"{region.name}: {ncmds} load commands cannot fit in {sizeofcmds} bytes")
    table = region.blob(32, sizeofcmds, "the load commands")
    at = 0
    for i in range(ncmds):
        if at + 8 > len(table):
            raise MachOError(f"{region.name}: load command {i} runs past the load commands' {sizeofcmds} bytes")
        cmd, size = struct.unpack_from("<II", table, at)
        if size < 8 or at + size > len(table):
            raise MachOError(f"{region.name}: load command {i} (0x{cmd:x}) claims {size} bytes, which do not fit")
        yield cmd, table[at : at + size]
        at += size


def _segment_sections(command: bytes, region: _Region) -> list[_Section]:
    if len(command) < 72:
        raise MachOError(f"{region.name}: a segment command is cut short")
    (nsects,) = struct.unpack_from("<I", command, 64)
    if 72 + nsects * 80 > len(command):
        raise MachOError(f"{region.name}: a segment names {nsects} sections its command cannot hold")
    out: list[_Section] = []
    for i in range(nsects):
        base = 72 + i * 80
        sectname, segname = _name16(command[base : base + 16]), _name16(command[base + 16 : base + 32])
        addr, size, offset, _, _, _, flags = struct.unpack_from("<QQIIIII", command, base + 32)
        out.append(_Section(segname, sectname, addr, offset, size, flags))
    return out


def _symbols(
    region: _Region, symtab: bytes, sections: list[_Section], dylibs: list[str], two_level: bool
) -> Iterator[shared_object.Symbol]:
    if len(symtab) < 24:
        raise MachOError(f"{region.name}: the symbol table command is cut short")
    symoff, nsyms, stroff, strsize = struct.unpack_from("<IIII", symtab, 8)
    table = region.blob(symoff, nsyms * _NLIST_64.size, "the symbol table")
    strings = region.blob(stroff, strsize, "the symbol names")
    for i in range(nsyms):
        strx, type_, sect, desc, value = _NLIST_64.unpack_from(table, i * _NLIST_64.size)
        if type_ & _N_STAB or not type_ & _N_EXT or type_ & _N_PEXT:
            continue  # debugging entries, and symbols no other image sees
        if strx >= strsize:
            raise MachOError(f"{region.name}: symbol {i}'s name lies outside the symbol names")
        end = strings.find(b"\0", strx)
        raw = strings[strx : end if end >= 0 else strsize].decode("utf-8", "replace")
        name = raw[1:] if raw.startswith("_") else raw
        # An undefined symbol with a value is a common (tentative) definition, defined here.
        undefined = type_ & _N_TYPE == _N_UNDF and value == 0
        library: str | None = None
        if undefined and two_level:
            ordinal = int(desc) >> 8
            if 0 < ordinal <= len(dylibs):
                library = dylibs[ordinal - 1]
            elif ordinal not in (_SELF_LIBRARY_ORDINAL, _DYNAMIC_LOOKUP_ORDINAL, _EXECUTABLE_ORDINAL):
                raise MachOError(f"{region.name}: symbol {raw} names library {ordinal} of {len(dylibs)}")
        yield shared_object.Symbol(
            name=name,
            defined=not undefined,
            weak=bool(desc & (_N_WEAK_REF if undefined else _N_WEAK_DEF)),
            kind=_kind(type_, sect, sections, undefined),
            library=library,
        )


def _kind(type_: int, sect: int, sections: list[_Section], undefined: bool) -> str:
    """``func`` or ``object`` as ELF says, told from the section a symbol is in (Mach-O's symbol
    table does not say)."""
    if undefined or type_ & _N_TYPE != _N_SECT or not 0 < sect <= len(sections):
        return "notype"
    flags = sections[sect - 1].flags
    return "func" if flags & (_S_ATTR_PURE_INSTRUCTIONS | _S_ATTR_SOME_INSTRUCTIONS) else "object"


def _image(f: BinaryIO, path: Path, piece: Slice, universal: list[Slice]) -> shared_object.SharedObject:
    region = _Region(f, str(path), piece.offset, piece.size)
    header = region.blob(0, 32, "the Mach-O header")
    (magic,) = struct.unpack_from("<I", header)
    if magic == _MH_MAGIC:
        raise MachOError(f"{path}: a 32-bit Mach-O file ({piece.cpu}); only 64-bit ones are read")
    if magic != _MH_MAGIC_64:
        raise MachOError(f"{path}: not a little-endian 64-bit Mach-O image (magic 0x{magic:08x})")
    _, _, _, filetype, ncmds, sizeofcmds, flags, _ = struct.unpack_from("<IiiIIIII", header)
    kind = "Mach-O universal" if len(universal) > 1 else "Mach-O"
    so = shared_object.SharedObject(path, piece.cpu, 64)
    so.file_format = f"{kind} {_FILE_TYPES.get(filetype, f'file type {filetype}')}"
    if len(universal) > 1:
        so.file_format += f" ({', '.join(s.cpu for s in universal)})"
    sections: list[_Section] = []
    symtab: bytes | None = None
    chained = False
    for cmd, command in _commands(region, ncmds, sizeofcmds):
        if cmd == _LC_SEGMENT_64:
            sections += _segment_sections(command, region)
        elif cmd in _LINKING:
            so.needed.append(_lc_str(command, _u32(command, 8, region), region, "a linked dylib"))
        elif cmd == _LC_RPATH:
            so.runpath.append(_lc_str(command, _u32(command, 8, region), region, "an rpath"))
        elif cmd == _LC_SYMTAB:
            symtab = command
        elif cmd == _LC_DYLD_CHAINED_FIXUPS:
            chained = True
    if symtab is not None:
        so.symbols = list(_symbols(region, symtab, sections, so.needed, bool(flags & _MH_TWOLEVEL)))
    if node_abi.node_registration(so) is not None:
        so.node_module_versions = _node_modules(region, sections, chained)
    for s in sections:
        if (s.segment, s.name) in _STRING_SECTIONS and s.flags & 0xFF not in _S_ZEROFILL_TYPES:
            if s.offset + s.size > region.size:
                raise MachOError(f"{path}: section {s.segment},{s.name} runs past the end of the file")
            so.rodata.append((piece.offset + s.offset, s.size))
    return so


def _node_modules(region: _Region, sections: list[_Section], chained: bool) -> list[int]:
    """The ``nm_version`` of each ``struct node_module`` a V8-ABI addon hands node, found by its
    shape as ``elf`` finds it: ``__FILE__`` and the module name are C strings, and one of the
    two register functions between them is code. On disk a pointer holds its target's address
    before the slide (with chained fixups, in its low bits)."""
    strings = [
        (s.addr, region.blob(s.offset, s.size, f"section {s.segment},{s.name}"))
        for s in sections
        if s.flags & 0xFF == _S_CSTRING_LITERALS
    ]
    code = [(s.addr, s.addr + s.size) for s in sections if s.flags & _S_ATTR_PURE_INSTRUCTIONS]

    def target(raw: int) -> int:
        return -1 if chained and raw >> 63 else raw & _CHAINED_TARGET if chained else raw

    def is_string(addr: int) -> bool:
        for start, data in strings:
            if start <= addr < start + len(data):
                end = data.find(b"\0", addr - start)
                return end > addr - start and all(0x20 <= c < 0x7F for c in data[addr - start : end])
        return False

    def is_code(addr: int) -> bool:
        return any(start <= addr < end for start, end in code)

    versions: list[int] = []
    for s in sections:
        if s.segment != "__DATA" or s.flags & 0xFF in _S_ZEROFILL_TYPES:
            continue
        data = region.blob(s.offset, s.size, f"section {s.segment},{s.name}")
        for at in range(0, len(data) - _NODE_MODULE.size + 1, 8):
            version, flags, _, filename, register, context, name = _NODE_MODULE.unpack_from(data, at)
            if 0 < version < 10_000 and flags == 0 and is_string(target(filename)) and is_string(target(name)):
                if is_code(target(register)) + is_code(target(context)) == 1:
                    versions.append(version)
    return versions


def _u32(command: bytes, offset: int, region: _Region) -> int:
    if offset + 4 > len(command):
        raise MachOError(f"{region.name}: a load command is cut short")
    return int(struct.unpack_from("<I", command, offset)[0])


def read(path: str | os.PathLike[str], cpu: str | None = None) -> shared_object.SharedObject:
    """The linked dylibs and external symbols of the Mach-O file at ``path``; of a universal
    file, the slice for ``cpu`` (``arm64``, ``x86-64``), by default this machine's if it holds
    one, else its first. ``file_format`` says which kind of file it is and, for a universal one,
    every architecture it holds."""
    p = Path(path)
    with open(p, "rb") as f:
        if not is_macho(f.read(4)):
            raise MachOError(f"{p} is not a Mach-O file")
        pieces = _slices(f, str(p))
        wanted = cpu or _this_cpu()
        piece = next((s for s in pieces if s.cpu == wanted), None)
        if piece is None:
            if cpu is not None:
                raise MachOError(f"{p} holds no {cpu} image, only {', '.join(s.cpu for s in pieces)}")
            piece = pieces[0]
        return _image(f, p, piece, pieces)


def _this_cpu() -> str:
    arch = current_platform().split("-")[1]
    return {"x64": "x86-64", "arm64": "arm64"}.get(arch, arch)


def read_binary(path: str | os.PathLike[str]) -> shared_object.SharedObject:
    """An addon's file read as what it is, ELF or Mach-O (``SharedObject.file_format`` says
    which); ``elf.ElfError`` or ``MachOError`` for anything else."""
    with open(path, "rb") as f:
        head = f.read(4)
    return read(path) if is_macho(head) else elf.read(path)
