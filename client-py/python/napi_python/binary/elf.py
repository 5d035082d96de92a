"""Reading what a shared library needs and provides from its ELF dynamic section and dynamic
symbol table, without loading it (for ``python -m napi_python inspect``).

Only the parts the dynamic linker uses are read: the section headers, ``.dynsym`` and its string
table, ``.dynamic`` (``DT_NEEDED``, ``DT_RPATH``, ``DT_RUNPATH``) and the GNU symbol versions
(``.gnu.version``, ``.gnu.version_r``) that tie an undefined symbol to the library that defines
it. Both ELF classes and byte orders are understood.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from .node_abi import node_registration
from .shared_object import SharedObject, Symbol

__all__ = ["ElfError", "read", "find_library", "provided_by"]

_SHT_RELA, _SHT_NOBITS, _SHT_DYNAMIC, _SHT_DYNSYM = 4, 8, 6, 11
_SHT_GNU_VERNEED, _SHT_GNU_VERSYM = 0x6FFFFFFE, 0x6FFFFFFF
_DT_NEEDED, _DT_RPATH, _DT_RUNPATH = 1, 15, 29
_STB_WEAK = 2
_STT_SECTION = 3
_STT_NAMES = {0: "notype", 1: "object", 2: "func", 3: "section", 4: "file", 5: "common", 6: "tls", 10: "ifunc"}
_SHF_EXECINSTR = 0x4
_MACHINES = {3: "x86", 40: "arm", 62: "x86-64", 183: "aarch64", 243: "riscv", 22: "s390", 21: "ppc64"}
# R_X86_64_RELATIVE and R_AARCH64_RELATIVE: a pointer to the library's own address plus addend.
_RELATIVE = {62: 8, 183: 1027}


class ElfError(ValueError):
    """The file is not an ELF shared library this module can read."""


class _Reader:
    def __init__(self, f: BinaryIO, endian: str, bits: int) -> None:
        self.f, self.endian, self.bits = f, endian, bits
        self.size = os.fstat(f.fileno()).st_size

    def unpack(self, fmt: str, offset: int) -> tuple[Any, ...]:
        fmt = self.endian + fmt
        return struct.unpack(fmt, self.blob(offset, struct.calcsize(fmt)))

    def blob(self, offset: int, size: int) -> bytes:
        # Offsets and sizes come from the file: one past its end is refused before any seek or
        # read (a seek beyond 2**63 raised ValueError, a read of a claimed 2**60 bytes MemoryError).
        if offset < 0 or size < 0 or offset + size > self.size:
            raise ElfError("truncated ELF file")
        self.f.seek(offset)
        data = self.f.read(size)
        if len(data) != size:
            raise ElfError("truncated ELF file")
        return data


def _c_string(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    return table[offset : end if end >= 0 else len(table)].decode("utf-8", "replace")


class _Section(NamedTuple):
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    entsize: int


def _reader(f: BinaryIO, p: Path) -> _Reader:
    """A reader of the ELF file open as ``f``, in its class and byte order (``ElfError`` for a
    file that is not ELF)."""
    ident = f.read(16)
    if len(ident) < 16 or ident[:4] != b"\x7fELF":
        raise ElfError(f"{p} is not an ELF file")
    if ident[4] not in (1, 2) or ident[5] not in (1, 2):
        raise ElfError(f"{p}: unknown ELF class or byte order")
    return _Reader(f, "<" if ident[5] == 1 else ">", 64 if ident[4] == 2 else 32)


def machine(path: str | os.PathLike[str]) -> str:
    """The CPU the ELF file at ``path`` is built for (``x86-64``, ``aarch64``...), read from its
    header alone (``read`` reads the whole file)."""
    p = Path(path)
    with open(p, "rb") as f:
        (number,) = _reader(f, p).unpack("H", 18)
    return _MACHINES.get(number, str(number))


def read(path: str | os.PathLike[str]) -> SharedObject:
    """The dynamic section and dynamic symbols of the ELF file at ``path``."""
    p = Path(path)
    with open(p, "rb") as f:
        r = _reader(f, p)
        bits = r.bits
        if bits == 64:
            _, machine, _, _, _, shoff, _, _, _, _, shentsize, shnum, shstrndx = r.unpack("HHIQQQIHHHHHH", 16)
        else:
            _, machine, _, _, _, shoff, _, _, _, _, shentsize, shnum, shstrndx = r.unpack("HHIIIIIHHHHHH", 16)
        if shoff == 0 or shnum == 0:
            raise ElfError(f"{p} has no section headers")
        sections = [_section(r, shoff + i * shentsize) for i in range(shnum)]
        if shstrndx < len(sections):
            table = sections[int(shstrndx)]
            names = r.blob(table.offset, table.size)
            sections = [s._replace(name=_c_string(names, int(s.name))) for s in sections]
        so = SharedObject(p, _MACHINES.get(machine, str(machine)), bits)
        # Only what lies in the file: c_strings reads these without the reader's checks.
        so.rodata = [
            (s.offset, s.size)
            for s in sections
            if s.name.startswith(".rodata") and not s.flags & _SHF_EXECINSTR and s.offset + s.size <= r.size
        ]
        for s in sections:
            if s.type == _SHT_DYNAMIC:
                _dynamic(r, s, sections, so)
        dynsym = next((s for s in sections if s.type == _SHT_DYNSYM), None)
        if dynsym is not None:
            versions = _needed_versions(r, sections)
            versym = next((s for s in sections if s.type == _SHT_GNU_VERSYM), None)
            so.symbols = list(_symbols(r, dynsym, sections, versions, versym))
        if node_registration(so) is not None and bits == 64 and machine in _RELATIVE:
            so.node_module_versions = _node_modules(r, sections, _RELATIVE[machine])
    return so


def _linked_strings(r: _Reader, sections: list[_Section], s: _Section) -> bytes:
    """The bytes of the section ``s`` names as its string table (``sh_link``)."""
    if s.link >= len(sections):
        raise ElfError(f"a section links to section {s.link} of {len(sections)}")
    return r.blob(sections[s.link].offset, sections[s.link].size)


def _section(r: _Reader, offset: int) -> _Section:
    if r.bits == 64:
        name, type_, flags, addr, off, size, link, _, _, entsize = r.unpack("IIQQQQIIQQ", offset)
    else:
        name, type_, flags, addr, off, size, link, _, _, entsize = r.unpack("IIIIIIIIII", offset)
    return _Section(str(name), type_, flags, addr, off, size, link, entsize)


def _dynamic(r: _Reader, s: _Section, sections: list[_Section], so: SharedObject) -> None:
    strings = _linked_strings(r, sections, s)
    fmt, size = ("qQ", 16) if r.bits == 64 else ("iI", 8)
    for i in range(s.size // size):
        tag, val = r.unpack(fmt, s.offset + i * size)
        if tag == 0:
            break
        if tag == _DT_NEEDED:
            so.needed.append(_c_string(strings, val))
        elif tag == _DT_RPATH:
            so.rpath.extend(_c_string(strings, val).split(":"))
        elif tag == _DT_RUNPATH:
            so.runpath.extend(_c_string(strings, val).split(":"))


def _needed_versions(r: _Reader, sections: list[_Section]) -> dict[int, tuple[str, str]]:
    """Version index -> (version name, library) from ``.gnu.version_r``."""
    out: dict[int, tuple[str, str]] = {}
    for s in sections:
        if s.type != _SHT_GNU_VERNEED:
            continue
        strings = _linked_strings(r, sections, s)
        offset = s.offset
        while True:
            _, count, file_, aux, next_ = r.unpack("HHIII", offset)
            library = _c_string(strings, file_)
            a = offset + aux
            for _ in range(count):
                _, _, index, name, anext = r.unpack("IHHII", a)
                out[index & 0x7FFF] = (_c_string(strings, name), library)
                if not anext:
                    break
                a += anext
            if not next_:
                break
            offset += next_
    return out


def _symbols(
    r: _Reader,
    dynsym: _Section,
    sections: list[_Section],
    versions: dict[int, tuple[str, str]],
    versym: _Section | None,
) -> Iterator[Symbol]:
    strings = _linked_strings(r, sections, dynsym)
    entsize = dynsym.entsize or (24 if r.bits == 64 else 16)
    if entsize < (24 if r.bits == 64 else 16):
        raise ElfError(f"dynamic symbols of {entsize} bytes each are too small to be symbols")
    count = dynsym.size // entsize
    indices = r.blob(versym.offset, 2 * count) if versym is not None else b""
    table = r.blob(dynsym.offset, count * entsize)
    for i in range(1, count):  # entry 0 is the null symbol
        if r.bits == 64:
            name, info, _, shndx, _, _ = struct.unpack_from(r.endian + "IBBHQQ", table, i * entsize)
        else:
            name, _, _, info, _, shndx = struct.unpack_from(r.endian + "IIIBBH", table, i * entsize)
        # aarch64 linkers put local section symbols (no name) in .dynsym; nm -D leaves them out.
        if info & 0xF == _STT_SECTION:
            continue
        version = library = None
        if indices:
            (vi,) = struct.unpack_from(r.endian + "H", indices, 2 * i)
            if (vi & 0x7FFF) in versions:
                version, library = versions[vi & 0x7FFF]
        yield Symbol(
            name=_c_string(strings, name),
            defined=shndx != 0,
            weak=(info >> 4) == _STB_WEAK,
            kind=_STT_NAMES.get(info & 0xF, str(info & 0xF)),
            version=version,
            library=library if shndx == 0 else None,
        )


def _node_modules(r: _Reader, sections: list[_Section], relative: int) -> list[int]:
    """The ``nm_version`` of each ``struct node_module`` in the data (node.h: an int version,
    an int of flags, then pointers: dso handle, file name, register function, context register
    function, module name, ...). Such a struct is where the dynamic linker points two pointers
    at C strings 24 bytes apart (``__FILE__`` and the module name) and one of the two between
    them at code: that shape, not a symbol (the struct is static), finds it."""
    pointers: dict[int, int] = {}
    for s in sections:
        if s.type == _SHT_RELA and s.entsize == 24:
            table = r.blob(s.offset, s.size)
            for offset, info, addend in struct.iter_unpack(r.endian + "QQq", table[: len(table) // 24 * 24]):
                if info & 0xFFFFFFFF == relative:
                    pointers[offset] = addend

    def string_at(addr: int | None) -> bool:
        data = _bytes_at(r, sections, addr, 256) if addr is not None else b""
        end = data.find(b"\0")
        return end > 0 and all(0x20 <= c < 0x7F for c in data[:end])

    versions: list[int] = []
    for filename, target in pointers.items():
        start = filename - 16
        functions = (start + 24 in pointers) + (start + 32 in pointers)
        if functions == 1 and string_at(target) and string_at(pointers.get(start + 40)):
            head = _bytes_at(r, sections, start, 8)
            if len(head) == 8:
                version, flags = struct.unpack(r.endian + "iI", head)
                if 0 < version < 10_000 and flags == 0:
                    versions.append(version)
    return versions


def _bytes_at(r: _Reader, sections: list[_Section], addr: int, size: int) -> bytes:
    """Up to ``size`` bytes of the file at virtual address ``addr`` (within one section)."""
    for s in sections:
        if s.type != _SHT_NOBITS and s.addr and s.addr <= addr < s.addr + s.size:
            return r.blob(s.offset + addr - s.addr, min(size, s.addr + s.size - addr))
    return b""


# Where the dynamic linker looks when nothing else says (Debian's multiarch folders first).
_DEFAULT_DIRS = [
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    "/usr/local/lib",
]


def _ld_so_conf(path: Path = Path("/etc/ld.so.conf"), depth: int = 0) -> list[str]:
    """The folders ``ldconfig`` caches, from ld.so.conf and the files it includes."""
    dirs: list[str] = []
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return dirs
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line.startswith("include ") and depth < 4:
            pattern = line.split(None, 1)[1]
            base = Path(pattern).parent if Path(pattern).is_absolute() else path.parent / Path(pattern).parent
            for inc in sorted(base.glob(Path(pattern).name)):
                dirs += _ld_so_conf(inc, depth + 1)
        elif line:
            dirs.append(line)
    return dirs


def find_library(name: str, requester: SharedObject) -> Path | None:
    """Where the dynamic linker would find ``name`` for ``requester``: its DT_RPATH (when it has
    no DT_RUNPATH), ``LD_LIBRARY_PATH``, its DT_RUNPATH, then the folders of ld.so.conf and the
    system's. ``$ORIGIN`` is the requester's folder."""
    if "/" in name:
        return Path(name) if Path(name).is_file() else None
    origin = str(requester.path.resolve().parent)

    def expand(dirs: Iterable[str]) -> list[str]:
        return [d.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for d in dirs if d]

    env = os.environ.get("LD_LIBRARY_PATH", "").split(":")
    search = (expand(requester.rpath) if not requester.runpath else []) + expand(env) + expand(requester.runpath)
    search += _ld_so_conf() + _DEFAULT_DIRS
    for d in search:
        candidate = Path(d) / name
        if candidate.is_file():
            try:
                if read(candidate).bits == requester.bits:
                    return candidate
            except (ElfError, OSError):
                continue
    return None


def provided_by(roots: Iterable[SharedObject]) -> tuple[set[str], list[Path], list[str]]:
    """The symbols defined by ``roots`` and every library they need, breadth first as the
    dynamic linker loads them; also where those libraries are, and the ones not found."""
    defined: set[str] = set()
    found: list[Path] = []
    missing: list[str] = []
    queue = list(roots)
    seen = {so.path.resolve() for so in queue}
    while queue:
        so = queue.pop(0)
        defined |= so.defined
        for name in so.needed:
            lib = find_library(name, so)
            if lib is None:
                if name not in missing:
                    missing.append(name)
                continue
            if lib.resolve() in seen:
                continue
            seen.add(lib.resolve())
            try:
                queue.append(read(lib))
                found.append(lib)
            except (ElfError, OSError):
                missing.append(name)
    return defined, found, missing
