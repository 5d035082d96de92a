"""Checksums with @node-rs/crc32: CRC-32 and CRC-32C of strings, bytes and a file read in chunks.

    .venv/bin/python examples/crc32_checksums.py [FILE]

The package's index.js only re-exports its binding's `crc32` and `crc32c`, so `require` gives
the package's whole API. examples/node/crc32_checksums.js makes the same calls under node;
tests/packages/test_examples.py checks that both print the same lines.

The exports are typed by examples/typings/node_rs_crc32.pyi, which `python -m napi_python stubs
@node-rs/crc32` wrote from the package's index.d.ts: mypy and pyright check the calls below.
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from napi_python import close, require

if TYPE_CHECKING:
    from node_rs_crc32 import Exports as Crc32

NPM = Path(__file__).resolve().parent.parent / "tests" / "npm"


def main(path: str) -> None:
    crc = cast("Crc32", require("@node-rs/crc32", paths=[NPM]))
    for text in ("", "123456789", "hello world", "héllo wörld ✓"):
        print(f"{text!r:18} crc32 {crc.crc32(text):08x} crc32c {crc.crc32c(text):08x}")
    print("bytes == utf-8 string:", crc.crc32(b"hello world") == crc.crc32("hello world"))

    # The second argument continues a checksum: a file in 4 KiB chunks, as a stream would.
    data = Path(path).read_bytes()
    # A JS number arrives as an int when integral, else a float: the stub says `int | float`.
    state32: float = 0
    state32c: float = 0
    for start in range(0, len(data), 4096):
        chunk = data[start : start + 4096]
        state32, state32c = crc.crc32(chunk, state32), crc.crc32c(chunk, state32c)
    print(f"file {len(data)} bytes in chunks: crc32 {state32:08x} crc32c {state32c:08x}")
    print("chunks == whole:", (state32, state32c) == (crc.crc32(data), crc.crc32c(data)))
    close(crc)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else __file__)
