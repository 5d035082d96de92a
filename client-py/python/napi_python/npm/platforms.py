"""npm's ``os``/``cpu``/``libc`` checks, kept in ``platform_fit`` (``require`` uses them without
the installer)."""

from __future__ import annotations

from ..platform_fit import Target

__all__ = ["Target"]
