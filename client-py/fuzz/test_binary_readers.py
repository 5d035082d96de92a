"""Files ``inspect`` is handed (``python -m napi_python inspect FILE``), read without loading them:
ELF, Mach-O (thin and universal) and PE. Every file is read or refused with the reader's own error
(``ElfError``, of which ``PEError`` is one, or ``MachOError``), in bounded time and memory: never
another exception, whatever its headers, counts and offsets say. The seeds are small real addons
(the test addons' ELF, and a DLL and a Mach-O image zig made from one C file), damaged where their
headers and tables are."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fuzz_support import corpus, corpus_params, damaged, failure_kept, fuzzed
from hypothesis import given
from hypothesis import strategies as st

from napi_python.binary import elf, macho, node_abi, pe, shared_object
from napi_python.inspection import _read_binary

SEEDS = [p.read_bytes() for p in corpus("binary_readers")]
# Names a PE reader looks for in read-only data (what napi-hostd exports, in part).
NAMES = {"napi_create_object", "napi_get_cb_info", "node_api_module_get_api_version_v1"}


def check(data: bytes) -> None:
    with failure_kept("binary_readers", data), tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "addon.node")
        path.write_bytes(data)
        try:
            so = _read_binary(path)
        except (elf.ElfError, macho.MachOError):
            return
        node_abi.node_registration(so)
        node_abi.node_module_version(so)
        shared_object.c_strings(so, rb"(?:napi|node_api)_[a-z0-9_]+")
        if so.file_format == "PE":
            pe.names_in_rodata(so, NAMES)


@corpus_params("binary_readers")
def test_corpus(kept: Path) -> None:
    check(kept.read_bytes())


@fuzzed
@given(damaged(SEEDS))
def test_damaged_binaries(data: bytes) -> None:
    check(data)


@fuzzed
@given(st.sampled_from([b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b""]), st.binary(max_size=512))
def test_short_files(magic: bytes, rest: bytes) -> None:
    check(magic + rest)
