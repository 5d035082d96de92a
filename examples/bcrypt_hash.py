"""Hashing and verifying passwords with @node-rs/bcrypt, synchronously and with asyncio.

    .venv/bin/python examples/bcrypt_hash.py

`require` loads the package's native binding. The package's JavaScript (api.cjs) turns option
objects into the binding's positional arguments and maps its errors; the part this example uses
is redone below, minimally: keyword options instead of an options object, and the binding's
InvalidArg errors raised as `OutOfRange` (a ValueError with code ERR_OUT_OF_RANGE, where
api.cjs throws a RangeError with that code). api.cjs's own type checks and abort signals are
left out. examples/node/bcrypt_hash.js makes the same calls through the package under node;
tests/packages/test_examples.py checks that both print the same lines.

The binding is typed by examples/typings/node_rs_bcrypt.pyi, which `python -m napi_python stubs
@node-rs/bcrypt` wrote from the package's binding.d.ts (the binding's own declarations, not
index.d.ts's wrapper API).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from napi_python import JSError, close, require

if TYPE_CHECKING:
    from node_rs_bcrypt import Exports as BcryptBinding
    from node_rs_bcrypt import ParsedHashOptions

T = TypeVar("T")

NPM = Path(__file__).resolve().parent.parent / "tests" / "npm"


class OutOfRange(ValueError):
    code = "ERR_OUT_OF_RANGE"


class Bcrypt:
    """The few functions of api.cjs this example uses, over the binding."""

    def __init__(self, binding: BcryptBinding) -> None:
        self.binding = binding
        self.DEFAULT_COST = int(binding.DEFAULT_COST)

    def _native(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except JSError as e:
            if e.code == "InvalidArg":
                raise OutOfRange(e.message) from None
            raise

    def hash_sync(
        self,
        password: str | bytes,
        *,
        cost: int | None = None,
        salt: str | bytes | None = None,
        version: str | None = None,
        reject_long_passwords: bool = False,
    ) -> str:
        return self._native(lambda: self.binding.hashSync(password, cost, salt, version, reject_long_passwords))

    async def hash(
        self,
        password: str | bytes,
        *,
        cost: int | None = None,
        salt: str | bytes | None = None,
        version: str | None = None,
        reject_long_passwords: bool = False,
    ) -> str:
        return await self._native(lambda: self.binding.hash(password, cost, salt, version, reject_long_passwords))

    def verify_sync(self, password: str | bytes, hashed: str | bytes) -> bool:
        return self.binding.verifySync(password, hashed)

    async def verify(self, password: str | bytes, hashed: str | bytes) -> bool:
        return await self.binding.verify(password, hashed)

    def gen_salt_sync(self, *, cost: int | None = None, version: str | None = None) -> str:
        return self._native(lambda: self.binding.genSaltSync(self.DEFAULT_COST if cost is None else cost, version))

    async def gen_salt(self, *, cost: int | None = None, version: str | None = None) -> str:
        return await self._native(lambda: self.binding.genSalt(self.DEFAULT_COST if cost is None else cost, version))

    def parse_options(self, hashed: str | bytes) -> ParsedHashOptions:
        return self._native(lambda: self.binding.parseOptions(hashed))


async def main() -> None:
    binding = cast("BcryptBinding", require("@node-rs/bcrypt", paths=[NPM]))
    bcrypt = Bcrypt(binding)
    print("default cost", bcrypt.DEFAULT_COST)

    # A fixed raw salt makes the hash deterministic: the same bytes as under node.
    fixed = bcrypt.hash_sync("correct horse battery staple", cost=4, salt=bytes(range(16)))
    print("fixed salt hash", fixed)
    print("parsed", bcrypt.parse_options(fixed))
    print(
        "verify right/wrong",
        bcrypt.verify_sync("correct horse battery staple", fixed),
        bcrypt.verify_sync("Tr0ub4dor&3", fixed),
    )

    salt = bcrypt.gen_salt_sync(cost=5, version="2a")
    salted = bcrypt.hash_sync(b"bytes work too", salt=salt)
    print("encoded salt", salt[:7], "hash", salted.startswith(salt), bcrypt.verify_sync(b"bytes work too", salted))

    # The async API runs on napi-hostd's worker threads; the promises are awaited here.
    hashed = await bcrypt.hash("async password", cost=4)
    print("async verify", await bcrypt.verify("async password", hashed), await bcrypt.verify("nope", hashed))
    many = await asyncio.gather(*(bcrypt.hash(f"user{i}", cost=4) for i in range(4)))
    checks = await asyncio.gather(*(bcrypt.verify(f"user{i}", h) for i, h in enumerate(many)))
    print("concurrent hashes verified", list(checks), "distinct", len(set(many)))
    print("async salt", (await bcrypt.gen_salt(cost=6))[:7])

    for cost, version in ((3, None), (4, "2x")):
        try:
            bcrypt.hash_sync("pw", cost=cost, version=version)
        except OutOfRange as e:
            print("error", e.code, e)
    close(binding)


if __name__ == "__main__":
    asyncio.run(main())
