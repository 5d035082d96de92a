"""Unpacking a package tarball into a fresh folder, trusting nothing in it.

As npm (pacote over node-tar): the first path component (``package/``) is dropped, and links are
not made. Beyond that, anything that would write outside the folder is refused outright rather
than skipped: an absolute path, a ``..`` component, a symbolic or hard link whose target lies
outside the package. Links that stay inside are left out, as npm leaves them out; so are devices
and FIFOs. Files get mode 0644, or 0755 when any execute bit was set; directories 0755. The
archive may not unpack to more than ``MAX_BYTES`` or hold more than ``MAX_ENTRIES`` entries.

Only regular files and directories are ever created, below a folder this process has just made,
so no path can be redirected through something the archive made earlier.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
from pathlib import Path

from ..errors import UnsafeArchiveError

__all__ = ["unpack", "MAX_BYTES", "MAX_ENTRIES"]

MAX_BYTES = 4 << 30
MAX_ENTRIES = 200_000
_CHUNK = 1 << 20


def _inside(name: str, what: str) -> str | None:
    """The entry's path below the package folder (first component dropped), or None for the
    top folder itself; refuses paths that would leave it."""
    if "\0" in name:
        raise UnsafeArchiveError(f"{what}: an entry name holds a NUL byte")
    if name.startswith("/") or posixpath.isabs(name):
        raise UnsafeArchiveError(f"{what}: the entry {name!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"{what}: the entry {name!r} climbs out of the package with '..'")
    rest = parts[1:]
    return "/".join(rest) if rest else None


def _link_stays_inside(entry: str, member: tarfile.TarInfo) -> bool:
    if member.linkname.startswith("/"):
        return False
    if member.issym():
        target = posixpath.normpath(posixpath.join(posixpath.dirname(entry), member.linkname))
    else:
        # A hard link names another entry of the archive, first component included.
        target = posixpath.normpath(member.linkname.partition("/")[2])
    return target != ".." and not target.startswith("../")


def unpack(tarball: str | os.PathLike[str], dest: str | os.PathLike[str], what: str) -> list[str]:
    """Unpacks the gzipped npm tarball into folder ``dest``, which must not exist yet; answers
    the entries left out (links inside the package, special files). ``what`` names the package
    in errors. On ``UnsafeArchiveError`` the caller discards ``dest``."""
    root = Path(dest)
    root.mkdir(mode=0o755)
    skipped: list[str] = []
    total = 0
    try:
        archive = tarfile.open(tarball, mode="r|gz")
    except (tarfile.TarError, OSError, TypeError) as e:
        # TypeError: the streaming reader takes ord() of the gzip header's bytes, and of an
        # empty read when the header is cut short (b"\x1f\x8b\x08" alone).
        raise UnsafeArchiveError(f"{what}: not a gzipped tar archive: {e}") from e
    with archive:
        try:
            for count, member in enumerate(archive, 1):
                if count > MAX_ENTRIES:
                    raise UnsafeArchiveError(f"{what}: more than {MAX_ENTRIES} entries")
                entry = _inside(member.name, what)
                if member.issym() or member.islnk():
                    if entry is None or not _link_stays_inside(entry, member):
                        kind = "symbolic" if member.issym() else "hard"
                        raise UnsafeArchiveError(
                            f"{what}: the entry {member.name!r} is a {kind} link to {member.linkname!r}, outside the package"
                        )
                    skipped.append(entry)
                    continue
                if entry is None:
                    continue
                target = root.joinpath(*entry.split("/"))
                if member.isdir():
                    target.mkdir(mode=0o755, parents=True, exist_ok=True)
                elif member.isreg():
                    total += member.size
                    if total > MAX_BYTES:
                        raise UnsafeArchiveError(f"{what}: unpacks to more than {MAX_BYTES >> 30} GiB")
                    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
                    _write(archive, member, target)
                else:
                    skipped.append(entry)
        except (tarfile.TarError, EOFError, OSError) as e:
            raise UnsafeArchiveError(f"{what}: the archive is damaged: {e}") from e
    return skipped


def _write(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    source = archive.extractfile(member)
    if source is None:
        raise UnsafeArchiveError(f"cannot read the entry {member.name!r}")
    mode = 0o755 if member.mode & 0o111 else 0o644
    # O_NOFOLLOW: the folder holds only what this function made, but a link there is never followed.
    # Windows has neither flag (nor links an archive could have made: links are skipped above).
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | nofollow | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(target, flags, mode)
    with source, os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(source, out, _CHUNK)
    os.chmod(target, mode)
