"""hdr
"""

from typing import Protocol

from typing_extensions import Buffer

from napi_python import TypedAddon

class Exports(TypedAddon, Protocol):
    """The exports of the addon: ``cast("Exports", require(...))``."""
    def crc32(self, input: Buffer | str, initialState: float | None = ..., /) -> int | float: ...
    def crc32c(self, input: Buffer | str, initialState: float | None = ..., /) -> int | float: ...

