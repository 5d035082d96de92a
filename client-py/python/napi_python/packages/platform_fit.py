"""Which platform packages fit this machine: npm's ``os``/``cpu``/``libc`` checks
(``npm-install-checks``), for the platform napi_python runs on (``current_platform()``). Kept
outside the ``npm`` package so that ``require`` asks it without importing the installer, which
asks it too."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from ..errors import InstallError
from ..machine import Platform
from .platform_names import _named_for, _Platform

__all__ = ["Target"]


def _check_list(value: str, entries: Any) -> bool:
    """npm's ``checkList``: ``value`` must be listed, or not excluded by a list of ``!x`` only."""
    listed = cast("list[object]", entries) if isinstance(entries, list) else []
    items: Sequence[str] = [entries] if isinstance(entries, str) else [str(e) for e in listed]
    if not items or (len(items) == 1 and items[0] == "any"):
        return True
    negated, match = 0, False
    for text in items:
        if text.startswith("!"):
            negated += 1
            if value == text[1:]:
                return False
        else:
            match = match or value == text
    return match or negated == len(items)


class Target(NamedTuple):
    """A machine as npm sees it: ``process.platform``, ``process.arch`` and the libc family."""

    os: str
    cpu: str
    libc: str | None

    @classmethod
    def parse(cls, platform: str) -> Target:
        """From napi-rs's name of a platform: ``linux-x64-gnu`` -> linux, x64, glibc."""
        try:
            parsed = Platform.parse(platform)
        except ValueError as e:
            raise InstallError(str(e)) from None
        return cls(parsed.os, parsed.arch, parsed.libc)

    def declares_platform(self, manifest: dict[str, Any]) -> bool:
        """Whether a package is a platform package: one that says where it runs."""
        return any(manifest.get(key) for key in ("os", "cpu", "libc"))

    def named_here(self, name: str) -> bool:
        """Whether a package's name ends in this platform's name as platform packages' names do
        (``-linux-x64-gnu``, ``-linux-x64``; ``platform_names``)."""
        abi = {"glibc": "gnu", "musl": "musl"}.get(self.libc or "", "")
        plat = _Platform.parse("-".join(p for p in (self.os, self.cpu, abi) if p))
        return _named_for(name, plat) < len(plat.suffixes)

    def accepts(self, name: str, manifest: dict[str, Any]) -> bool:
        """Whether npm would install package ``name`` (a version's manifest) here."""
        return self.refusal(name, manifest) is None

    def refusal(self, name: str, manifest: dict[str, Any]) -> str | None:
        """Why npm would not install package ``name`` (a version's manifest) here, as a phrase
        (``its cpu is ["arm64"], not x64``); None when it would."""
        for field, value in (("os", self.os), ("cpu", self.cpu)):
            if not _check_list(value, manifest.get(field)):
                return f"its {field} is {_shown(manifest.get(field))}, not {value}"
        libc = manifest.get("libc")
        if libc:
            if self.libc is None or not _check_list(self.libc, libc):
                return f"its libc is {_shown(libc)}, " + (f"not {self.libc}" if self.libc else "which only Linux has")
            return None
        # Packages older than the `libc` field say it in their names only.
        if self.libc == "glibc" and ("-musl" in name or "linuxmusl" in name):
            return "its name says musl, not glibc"
        if self.libc == "musl" and name.endswith(("-gnu", "-glibc", "-gnueabihf")):
            return "its name says glibc, not musl"
        return None


def _shown(value: Any) -> str:
    """A package.json field as its JSON (as the user would find it in the file)."""
    return json.dumps(value)
