"""The digest a registry publishes for a tarball (``dist.integrity``, Subresource Integrity), and
checking a download against it before anything of it is unpacked.

As npm's ``ssri``: of the hashes an integrity string lists, the strongest algorithm counts
(sha512 for every package published since 2017), and the download must match one hash of that
algorithm. Packages older than ``integrity`` have only ``dist.shasum`` (hex sha1), used then.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from ..errors import InstallError, IntegrityError

__all__ = ["Integrity"]

# Strongest first, as ssri ranks them.
_ALGORITHMS = ("sha512", "sha384", "sha256", "sha1")


@dataclass(frozen=True)
class Integrity:
    """The hashes of one algorithm that a tarball may have; ``text`` is as published."""

    algorithm: str
    digests: frozenset[bytes]
    text: str

    @classmethod
    def of(cls, dist: Any, what: str) -> Integrity:
        """The integrity a version's ``dist`` object publishes (``what`` names it in errors)."""
        if not isinstance(dist, dict):
            raise InstallError(f"{what}: the registry gave no dist object")
        sri = dist.get("integrity")
        if isinstance(sri, str) and sri.strip():
            return cls.parse(sri, what)
        shasum = dist.get("shasum")
        if isinstance(shasum, str):
            try:
                return cls("sha1", frozenset([bytes.fromhex(shasum)]), f"sha1 {shasum}")
            except ValueError:
                pass
        raise InstallError(f"{what}: the registry publishes no integrity for it, so it cannot be checked")

    @classmethod
    def parse(cls, sri: str, what: str) -> Integrity:
        found: dict[str, set[bytes]] = {}
        for item in sri.split():
            algorithm, sep, rest = item.partition("-")
            if not sep or algorithm not in _ALGORITHMS:
                continue
            try:
                digest = base64.b64decode(rest.split("?", 1)[0], validate=True)
            except (binascii.Error, ValueError):
                continue
            if len(digest) == hashlib.new(algorithm).digest_size:
                found.setdefault(algorithm, set()).add(digest)
        for algorithm in _ALGORITHMS:
            if algorithm in found:
                return cls(algorithm, frozenset(found[algorithm]), sri)
        raise InstallError(f"{what}: no usable hash in its integrity {sri!r}")

    def hasher(self) -> Any:
        return hashlib.new(self.algorithm)

    def check(self, digest: bytes, what: str) -> None:
        """Raises ``IntegrityError`` unless ``digest`` (of ``hasher()``) is one published."""
        if digest not in self.digests:
            got = f"{self.algorithm}-{base64.b64encode(digest).decode()}"
            raise IntegrityError(
                f"{what}: the tarball downloaded has {got}, the registry publishes {self.text}: not unpacked"
            )
