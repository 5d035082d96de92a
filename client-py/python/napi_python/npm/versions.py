"""Package specs (``NAME[@RANGE]``) and choosing the version npm would install for one.

Ranges are npm's semver ranges, evaluated by ``nodesemver`` (a port of npm's own ``semver``).
The choice follows ``npm-pick-manifest``: a dist-tag names its version; for a range, the
``latest`` tag's version when it satisfies the range, else the highest satisfying version that
is not deprecated, else the highest satisfying one. Prereleases only match ranges that name one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import nodesemver

from ..errors import InstallError

__all__ = ["Spec", "check_name", "pick_version"]

# npm's rules for names (validate-npm-package-name), loosened for old names with capitals: each
# part is one path component below node_modules, never '.', '..' or hidden.
_NAME_PART = r"[A-Za-z0-9\-~][A-Za-z0-9\-._~]*"
_NAME = re.compile(rf"^(?:@{_NAME_PART}/)?{_NAME_PART}$")
_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9\-._]*$")


def check_name(name: str, what: str = "package name") -> str:
    """``name`` if it is a valid npm package name (scoped or not), else ``InstallError``."""
    if len(name) > 214 or not _NAME.match(name):
        raise InstallError(f"not a valid npm {what}: {name!r}")
    return name


@dataclass(frozen=True)
class Spec:
    """``name`` and what was asked of its version: a range, an exact version or a dist-tag."""

    name: str
    wanted: str

    @classmethod
    def parse(cls, text: str) -> Spec:
        """``@node-rs/xxhash``, ``@node-rs/xxhash@^1.7``, ``sharp@latest``, ``left-pad@1.3.0``."""
        text = text.strip()
        at = text.find("@", 1)
        name, wanted = (text, "") if at == -1 else (text[:at], text[at + 1 :].strip())
        return cls(check_name(name), wanted)

    @property
    def exact(self) -> str | None:
        """The version when the spec names exactly one (``1.2.3``, ``=1.2.3``, ``v1.2.3``)."""
        # nodesemver answers a SemVer object; its str() is the normalised version.
        version = nodesemver.valid(self.wanted.lstrip("="), False) if self.wanted else None
        return None if version is None else str(version)

    def __str__(self) -> str:
        return f"{self.name}@{self.wanted}" if self.wanted else self.name


def pick_version(spec: Spec, packument: dict[str, Any]) -> str:
    """The version of ``spec.name`` npm would install, from its registry document."""
    versions = packument.get("versions")
    tags = packument.get("dist-tags")
    if not isinstance(versions, dict) or not versions:
        raise InstallError(f"{spec.name}: the registry lists no versions of it")
    tags = tags if isinstance(tags, dict) else {}
    wanted = spec.wanted or "latest"
    exact = spec.exact
    if exact is not None:
        if exact not in versions:
            raise InstallError(f"{spec.name} has no version {exact} (latest: {tags.get('latest', 'none')})")
        return exact
    if nodesemver.valid_range(wanted, False) is None:
        if not _TAG.match(wanted):
            raise InstallError(f"{spec}: {wanted!r} is neither a semver range nor a dist-tag")
        tagged = tags.get(wanted)
        if not isinstance(tagged, str) or tagged not in versions:
            known = ", ".join(f"{k}={v}" for k, v in tags.items()) or "none"
            raise InstallError(f"{spec.name} has no dist-tag {wanted!r} (its tags: {known})")
        return tagged
    latest = tags.get("latest")
    # A tag may name a key of `versions` that is no version: satisfies() raises ValueError for it.
    if (
        isinstance(latest, str)
        and latest in versions
        and nodesemver.valid(latest, True)
        and nodesemver.satisfies(latest, wanted, loose=True)
    ):
        return latest
    usable = [v for v in versions if nodesemver.valid(v, True)]
    fresh = [v for v in usable if not _deprecated(versions[v])]
    best = nodesemver.max_satisfying(fresh, wanted, loose=True) or nodesemver.max_satisfying(usable, wanted, loose=True)
    if best is None:
        raise InstallError(f"no version of {spec.name} satisfies {wanted!r} (latest: {latest or 'none'})")
    return str(best)


def _deprecated(manifest: Any) -> bool:
    return isinstance(manifest, dict) and bool(manifest.get("deprecated"))
