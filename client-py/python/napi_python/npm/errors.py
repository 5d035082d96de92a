"""What can go wrong installing an npm package."""

from __future__ import annotations

__all__ = ["InstallError", "RegistryError", "IntegrityError", "UnsafeArchiveError"]


class InstallError(Exception):
    """An npm package could not be installed; the message says which and why. Nothing of the
    package that failed is left in place."""


class RegistryError(InstallError):
    """The registry could not be reached, refused the request, or answered something that is
    not a package document. ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class IntegrityError(InstallError):
    """A downloaded tarball does not have the digest the registry published for it (its
    ``dist.integrity``): it was not unpacked."""


class UnsafeArchiveError(InstallError):
    """A tarball holds an entry that would land outside the package's folder (an absolute path,
    a ``..`` component, a link pointing out) or unpacks to more than the limits allow: nothing
    of it was installed."""
