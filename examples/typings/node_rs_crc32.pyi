"""Types of the exports of @node-rs/crc32@1.10.8, from its index.d.ts.

Written by `python -m napi_python stubs @node-rs/crc32`. Use:

    if TYPE_CHECKING:
        from node_rs_crc32 import Exports
    addon = cast("Exports", require("@node-rs/crc32"))
"""

from typing import Protocol

from typing_extensions import Buffer

from napi_python import TypedAddon

class Exports(TypedAddon, Protocol):
    """The exports of the addon: ``cast("Exports", require(...))``."""
    def crc32(self, input: Buffer | str, initialState: float | None = ..., /) -> int | float: ...
    def crc32c(self, input: Buffer | str, initialState: float | None = ..., /) -> int | float: ...
