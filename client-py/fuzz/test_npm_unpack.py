"""Package tarballs as a hostile registry or a tampered mirror may serve them (``npm.unpack``):
every archive unpacks or is refused with ``UnsafeArchiveError``; what unpacks is regular files and
folders, all inside the destination, with the modes npm gives, and never more bytes than the cap.
Archives are made entry by entry (paths that climb out, links, devices and FIFOs, sizes the data
does not back, unknown entry types) and then perhaps damaged as bytes (cut short, corrupted
compression); compression bombs are archives of zeros far above the cap."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import tempfile
from pathlib import Path
from unittest import mock

from fuzz_support import corpus_params, damaged, failure_kept, fuzzed
from hypothesis import given
from hypothesis import strategies as st

from napi_python.errors import UnsafeArchiveError
from napi_python.npm import unpack as unpack_module

# The cap while fuzzing: small, so that a bomb passes it after a few hundred KiB of work.
CAP = 256 << 10

_components = st.sampled_from(["package", "..", ".", "", "lib", "a", "b.node", "x" * 300, "a\\..\\b", "\u00e9"])
_names = st.one_of(
    st.lists(_components, min_size=1, max_size=5).map("/".join),
    st.sampled_from(["/etc/passwd", "package/../../x", "package//a", "./package/a", "package/a/"]),
    st.text(max_size=40),
)
_LINKS = [tarfile.SYMTYPE, tarfile.LNKTYPE]
_SPECIAL = [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE, tarfile.CONTTYPE, tarfile.GNUTYPE_SPARSE, b"Z", b"\0"]
_types = st.sampled_from([tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE, *_LINKS, *_SPECIAL])


@st.composite
def _entry(draw: st.DrawFn) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(draw(_names))
    info.type = draw(_types)
    info.mode = draw(st.integers(0, 0o7777))
    info.linkname = draw(st.one_of(_names, st.just("")))
    data = draw(st.binary(max_size=64)) if info.type in tarfile.REGULAR_TYPES else None
    if data is not None:
        info.size = len(data)
        if draw(st.integers(0, 7)) == 0:
            # A zeros file larger than the cap: compressed, a few hundred bytes.
            data = bytes(draw(st.sampled_from([CAP + 1, 4 * CAP])))
            info.size = len(data)
    return info, data


@st.composite
def _archive(draw: st.DrawFn) -> bytes:
    raw = io.BytesIO()
    fmt = draw(st.sampled_from([tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]))
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
        for info, data in draw(st.lists(_entry(), max_size=8)):
            try:
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
            except (ValueError, UnicodeError):
                # A name this format cannot hold: the writer refuses it, as it should.
                continue
    tarball = gzip.compress(raw.getvalue(), compresslevel=1, mtime=0)
    if draw(st.integers(0, 3)) == 0:
        tarball = draw(damaged([tarball], head=64))
    return tarball


def check(tarball: bytes) -> None:
    """``tarball`` unpacked into a fresh folder inside a box: refused, or unpacked safely."""
    with failure_kept("npm_unpack", tarball), tempfile.TemporaryDirectory() as box_name:
        box = Path(box_name)
        source = box / "package.tgz"
        source.write_bytes(tarball)
        dest = box / "dest"
        try:
            with mock.patch.object(unpack_module, "MAX_BYTES", CAP):
                unpack_module.unpack(source, dest, "fuzzed")
        except UnsafeArchiveError:
            pass
        assert sorted(p.name for p in box.iterdir()) == ["dest", "package.tgz"], "written outside the folder"
        total = 0
        for folder, dirs, files in os.walk(dest):
            for name in dirs:
                mode = os.lstat(Path(folder, name)).st_mode
                assert stat.S_ISDIR(mode) and stat.S_IMODE(mode) == 0o755, (folder, name, oct(mode))
            for name in files:
                mode = os.lstat(Path(folder, name)).st_mode
                assert stat.S_ISREG(mode), f"{name} is not a regular file: {oct(mode)}"
                assert stat.S_IMODE(mode) in (0o644, 0o755), (name, oct(mode))
                total += os.lstat(Path(folder, name)).st_size
        assert total <= CAP


@corpus_params("npm_unpack")
def test_corpus(kept: Path) -> None:
    check(kept.read_bytes())


@fuzzed
@given(_archive())
def test_archives(tarball: bytes) -> None:
    check(tarball)
