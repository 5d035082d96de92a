"""Real npm packages' calls as their READMEs show them, through the raw bindings: what the Linux
tests (test_uv_packages.py, against node) and the Windows ones (test_windows_npm.py) both make."""

from __future__ import annotations

import asyncio
from typing import Any

from napi_python import js

PASSWORD, SALT = b"correct horse", bytes([7]) * 16
OPS, MEM, ALG = 2, 8192, 2


def pwhash(sodium: Any) -> str:
    """`crypto_pwhash` in the call: the hash, in hex."""
    out = bytearray(32)
    sodium.crypto_pwhash(out, PASSWORD, SALT, OPS, MEM, ALG)
    return out.hex()


def pwhash_async(sodium: Any, deadline: float) -> tuple[Any, str]:
    """`crypto_pwhash_async`, which takes ArrayBuffers with offsets and calls back from libuv's
    pool, its callback resolving a future of the running asyncio loop (on Windows the proactor
    loop, its default): what the callback got, and the hash in hex."""
    out = js.alloc(sodium, 32, "ArrayBuffer")

    async def run() -> Any:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        password, salt = js.arraybuffer(PASSWORD), js.arraybuffer(SALT)
        sodium.crypto_pwhash_async(
            *(out, 0, 32, password, 0, len(PASSWORD), salt, 0, len(SALT), OPS, MEM, ALG),
            lambda err=None: loop.call_soon_threadsafe(done.set_result, err),
        )
        return await asyncio.wait_for(done, deadline)

    err = asyncio.run(run())
    return err, bytes(out).hex()


# @serialport/bindings-cpp's `open` options, as its JS wrapper fills them in by default.
SERIAL_OPEN_OPTIONS = {
    "baudRate": 9600,
    "dataBits": 8,
    "parity": "none",
    "stopBits": 1,
    "rtscts": False,
    "xon": False,
    "xoff": False,
    "xany": False,
    "hupcl": True,
    "lock": True,
}
