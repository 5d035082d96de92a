"""Types of the exports of @node-rs/bcrypt@2.0.0, from its binding.d.ts.

Written by `python -m napi_python stubs @node-rs/bcrypt`. Use:

    if TYPE_CHECKING:
        from node_rs_bcrypt import Exports
    addon = cast("Exports", require("@node-rs/bcrypt"))

Not declared in the file, so typed Any: AbortSignal.
"""

from typing import Any, Protocol, TypedDict

from typing_extensions import Buffer

from napi_python import JSPromise, TypedAddon

class ParsedHashOptions(TypedDict):
    """Prefix and cost of a stored hash, read with the verifier's parser."""
    version: str
    cost: float

class Exports(TypedAddon, Protocol):
    """The exports of the addon: ``cast("Exports", require(...))``.

    Reached as ``addon[name]`` only: __napiBindingTarget."""
    @property
    def BCRYPT_API_VERSION(self) -> int | float:
        """Internal binding contract, checked by the public JavaScript wrapper."""
    @property
    def DEFAULT_COST(self) -> int | float: ...
    def genSalt(self, round: float, version: str | None = ..., signal: Any = ..., /) -> JSPromise[str]: ...
    def genSaltSync(self, round: float, version: str | None = ..., /) -> str: ...
    def hash(self, input: str | Buffer, cost: float | None, salt: str | Buffer | None, version: str | None, rejectLongPasswords: bool, signal: Any = ..., /) -> JSPromise[str]: ...
    def hashSync(self, input: str | Buffer, cost: float | None, salt: str | Buffer | None, version: str | None, rejectLongPasswords: bool, /) -> str: ...
    def parseOptions(self, hash: str | Buffer, /) -> ParsedHashOptions: ...
    def verify(self, password: str | Buffer, hash: str | Buffer, signal: Any = ..., /) -> JSPromise[bool]: ...
    def verifySync(self, input: str | Buffer, hash: str | Buffer, /) -> bool: ...
