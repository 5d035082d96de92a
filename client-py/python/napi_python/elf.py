"""Reading what a shared library needs and provides from its ELF dynamic section and dynamic
symbol table, without loading it (for ``python -m napi_python inspect``).

Only the parts the dynamic linker uses are read: the section headers, ``.dynsym`` and its string
table, ``.dynamic`` (``DT_NEEDED``, ``DT_RPATH``, ``DT_RUNPATH``) and the GNU symbol versions
(``.gnu.version``, ``.gnu.version_r``) that tie an undefined symbol to the library that defines
it. Both ELF classes and byte orders are understood.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["ElfError", "Symbol", "SharedObject", "read", "find_library", "provided_by", "c_strings"]

_SHT_DYNAMIC, _SHT_DYNSYM = 6, 11
_SHT_GNU_VERNEED, _SHT_GNU_VERSYM = 0x6FFFFFFE, 0x6FFFFFFF
_DT_NEEDED, _DT_RPATH, _DT_RUNPATH = 1, 15, 29
_STB_WEAK = 2
_STT_SECTION = 3
_STT_NAMES = {0: "notype", 1: "object", 2: "func", 3: "section", 4: "file", 5: "common", 6: "tls", 10: "ifunc"}
_SHF_EXECINSTR = 0x4
_MACHINES = {3: "x86", 40: "arm", 62: "x86-64", 183: "aarch64", 243: "riscv", 22: "s390", 21: "ppc64"}


class ElfError(ValueError):
    """The file is not an ELF shared library this module can read."""


@dataclass(frozen=True)
class Symbol:
    """One dynamic symbol. ``library`` is the DT_NEEDED file its GNU version names, for an
    undefined symbol that carries one (``memcpy@GLIBC_2.14`` -> ``libc.so.6``)."""

    name: str
    defined: bool
    weak: bool
    kind: str
    version: str | None = None
    library: str | None = None


@dataclass
class SharedObject:
    path: Path
    machine: str
    bits: int
    needed: list[str] = field(default_factory=list[str])
    rpath: list[str] = field(default_factory=list[str])
    runpath: list[str] = field(default_factory=list[str])
    symbols: list[Symbol] = field(default_factory=list[Symbol])
    # (offset, size) of the read-only data sections, where C strings live.
    rodata: list[tuple[int, int]] = field(default_factory=list[tuple[int, int]])

    @property
    def defined(self) -> set[str]:
        return {s.name for s in self.symbols if s.defined}

    @property
    def undefined(self) -> list[Symbol]:
        return [s for s in self.symbols if not s.defined]


class _Reader:
    def __init__(self, f: BinaryIO, endian: str, bits: int) -> None:
        self.f, self.endian, self.bits = f, endian, bits

    def unpack(self, fmt: str, offset: int) -> tuple[Any, ...]:
        fmt = self.endian + fmt
        self.f.seek(offset)
        data = self.f.read(struct.calcsize(fmt))
        if len(data) != struct.calcsize(fmt):
            raise ElfError("truncated ELF file")
        return struct.unpack(fmt, data)

    def blob(self, offset: int, size: int) -> bytes:
        self.f.seek(offset)
        data = self.f.read(size)
        if len(data) != size:
            raise ElfError("truncated ELF file")
        return data


def _c_string(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    return table[offset : end if end >= 0 else len(table)].decode("utf-8", "replace")


@dataclass
class _Section:
    name: str
    type: int
    flags: int
    offset: int
    size: int
    link: int
    entsize: int


def read(path: str | os.PathLike[str]) -> SharedObject:
    """The dynamic section and dynamic symbols of the ELF file at ``path``."""
    p = Path(path)
    with open(p, "rb") as f:
        ident = f.read(16)
        if len(ident) < 16 or ident[:4] != b"\x7fELF":
            raise ElfError(f"{p} is not an ELF file")
        if ident[4] not in (1, 2) or ident[5] not in (1, 2):
            raise ElfError(f"{p}: unknown ELF class or byte order")
        bits = 64 if ident[4] == 2 else 32
        r = _Reader(f, "<" if ident[5] == 1 else ">", bits)
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
            for s in sections:
                s.name = _c_string(names, int(s.name))
        so = SharedObject(p, _MACHINES.get(machine, str(machine)), bits)
        so.rodata = [
            (s.offset, s.size) for s in sections if s.name.startswith(".rodata") and not s.flags & _SHF_EXECINSTR
        ]
        for s in sections:
            if s.type == _SHT_DYNAMIC:
                _dynamic(r, s, sections, so)
        dynsym = next((s for s in sections if s.type == _SHT_DYNSYM), None)
        if dynsym is not None:
            versions = _needed_versions(r, sections)
            versym = next((s for s in sections if s.type == _SHT_GNU_VERSYM), None)
            so.symbols = list(_symbols(r, dynsym, sections, versions, versym))
    return so


def _section(r: _Reader, offset: int) -> _Section:
    if r.bits == 64:
        name, type_, flags, _, off, size, link, _, _, entsize = r.unpack("IIQQQQIIQQ", offset)
    else:
        name, type_, flags, _, off, size, link, _, _, entsize = r.unpack("IIIIIIIIII", offset)
    return _Section(str(name), type_, flags, off, size, link, entsize)


def _dynamic(r: _Reader, s: _Section, sections: list[_Section], so: SharedObject) -> None:
    strings = r.blob(sections[s.link].offset, sections[s.link].size)
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
        strings = r.blob(sections[s.link].offset, sections[s.link].size)
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
    strings = r.blob(sections[dynsym.link].offset, sections[dynsym.link].size)
    entsize = dynsym.entsize or (24 if r.bits == 64 else 16)
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
