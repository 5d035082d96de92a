"""What the names of npm packages and ``.node`` files say about the platform they were built for:
how platform packages' names end (``-linux-x64-gnu``), node-gyp-build's prebuild tags
(``node.napi.glibc.node``), and the words of a path (``build/koffi/linux_x64/koffi.node``).
Names only: which files and packages there are is ``layouts``'s business."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..machine import Platform


class _Platform(Platform):
    """A platform with the ends of the package names built for it."""

    @property
    def suffixes(self) -> list[str]:
        """How the names of platform packages end, most specific first: ``-linux-x64-gnu``
        (napi-rs), ``-linux-x64-glibc`` (@parcel/watcher), ``-linuxmusl-x64`` (sharp on musl),
        ``-linux-x64`` (sharp's ``@img/sharp-linux-x64``; lmdb's, which holds builds for both
        libcs). A scoped name may be the platform alone (``@node-llama-cpp/linux-x64``)."""
        out = [f"-{self.name}"]
        if self.libc == "glibc":
            out.append(f"-{self.os}-{self.arch}-glibc")
        elif self.libc == "musl":
            out.append(f"-linuxmusl-{self.arch}")
        out.append(f"-{self.os}-{self.arch}")
        return out


def _named_for(dep: str, plat: _Platform) -> int:
    """How closely a package's name names ``plat``: the index of the first of its suffixes that
    ends it (``-linux-x64-gnu``; ``@node-llama-cpp/linux-x64``, whose scope carries the name),
    else the number of suffixes (it names no platform, or another)."""
    base = dep.rsplit("/", 1)[-1]
    for rank, suffix in enumerate(plat.suffixes):
        if dep.endswith(suffix) or base == suffix[1:]:
            return rank
    return len(plat.suffixes)


def _prebuild_tags(file: Path) -> dict[str, Any]:
    """node-gyp-build's reading of a prebuild's name: ``node.napi.glibc.node`` has the runtime
    ``node``, ``napi``, libc ``glibc``; ``abi115``, ``uv1``, ``armv7`` are tags too."""
    tags: dict[str, Any] = {"file": file, "specificity": 0}
    for tag in file.name.split(".")[:-1]:
        if tag in ("node", "electron", "node-webkit"):
            tags["runtime"] = tag
        elif tag == "napi":
            tags["napi"] = True
        elif tag.startswith("abi") and tag[3:].isdigit():
            tags["abi"] = tag
        elif tag.startswith("uv") and tag[2:].isdigit():
            tags["uv"] = tag[2:]
        elif tag.startswith("armv") and tag[4:].isdigit():
            tags["armv"] = tag[4:]
        elif tag in ("glibc", "musl"):
            tags["libc"] = tag
        else:
            continue
        tags["specificity"] += 1
    return tags


def _is_tagged(file: Path) -> bool:
    tags = _prebuild_tags(file)
    return any(k in tags for k in ("runtime", "napi", "abi", "libc"))


# Other names for an architecture in file and folder names (Node's are the keys).
_ARCH_ALIASES = {
    "x64": {"x64", "x86_64", "amd64"},
    "arm64": {"arm64", "aarch64"},
    "ia32": {"ia32", "x86", "i386", "i686"},
    "arm": {"arm", "armhf", "armv7", "armv7l"},
}


def _path_words(path: Path) -> set[str]:
    """The words of a path, split at separators, dots, dashes and underscores."""
    return {w for w in re.split(r"[/\\._-]+", path.as_posix().lower()) if w}


def _names_platform(file: Path, plat: _Platform) -> bool:
    """Whether a path inside a package names this platform: its OS (``musl`` standing for Linux
    with musl, as koffi names it) and its architecture, and no other libc."""
    words = _path_words(file)
    arch = _ARCH_ALIASES.get(plat.arch, {plat.arch})
    if not words & arch:
        return False
    if plat.libc == "glibc" and "musl" in words:
        return False
    return plat.os in words or (plat.libc == "musl" and "musl" in words)
