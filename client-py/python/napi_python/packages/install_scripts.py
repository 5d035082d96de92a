"""The install scripts npm would run for a package, which napi_python never runs, and what each
would have fetched or built: a package whose binary comes only from its script (node-gyp,
prebuild-install, a download from GitHub) has none after ``install``, and the user is told why.

npm runs ``preinstall``, ``install`` and ``postinstall``, and ``node-gyp rebuild`` for a package
with a ``binding.gyp`` and neither of the first two (npm's default). A script is read as a
shell command line: steps joined by ``||`` (the next one when the last failed) and ``&&`` (the
next one when it succeeded); each step is named by the tool it runs.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .search import _object_field

__all__ = ["SkippedScript", "skipped_scripts"]

_STAGES = ("preinstall", "install", "postinstall")
# npm's default install script for a package with a binding.gyp.
_GYP_DEFAULT = "node-gyp rebuild"


@dataclass(frozen=True)
class SkippedScript:
    """A script npm would have run: its stage (``install``), its command line and what it
    would have done, as a phrase (``build the binary from C/C++ sources with node-gyp``);
    ``implied`` when the package declares none and npm runs ``node-gyp rebuild`` for its
    ``binding.gyp``. The command is as the package has it, control characters escaped (it is
    shown on a terminal)."""

    stage: str
    command: str
    effect: str
    implied: bool = False
    # Whether a step of it runs a tool named here (node-gyp, prebuild-install...): a script of
    # the package's own alone (`node ./scripts/install.js`) says nothing of what it does.
    known: bool = True


def skipped_scripts(folder: Path, meta: dict[str, Any]) -> list[SkippedScript]:
    """The install scripts of the package in ``folder`` (its package.json ``meta``)."""
    declared = _object_field(meta, "scripts")
    found = [
        SkippedScript(stage, _printable(command), _printable(_effect(command, meta)), known=_known(command))
        for stage in _STAGES
        if isinstance(command := declared.get(stage), str) and command.strip()
    ]
    if (folder / "binding.gyp").is_file() and not any(s.stage in ("preinstall", "install") for s in found):
        found.insert(0, SkippedScript("install", _GYP_DEFAULT, _effect(_GYP_DEFAULT, meta), implied=True))
    return found


def _printable(text: str) -> str:
    """``text`` with control characters (a terminal's escape sequences) written as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _effect(command: str, meta: dict[str, Any]) -> str:
    """What ``command`` would do: its steps, ``a || b`` as "a, else b", ``a && b`` as "a, then b"."""
    parts = re.split(r"(\|\||&&|;)", command)
    out = _step(parts[0], meta)
    for joint, step in zip(parts[1::2], parts[2::2], strict=False):
        if step.strip():
            out += (", else " if joint == "||" else ", then ") + _step(step, meta)
    return out


def _known(command: str) -> bool:
    """Whether a step of ``command`` runs a tool whose effect ``_step`` names."""
    return any(not _step(step, {}).startswith("run `") for step in re.split(r"\|\||&&|;", command) if step.strip())


def _step(step: str, meta: dict[str, Any]) -> str:
    try:
        words = shlex.split(step)
    except ValueError:
        words = step.split()
    if words[:1] in (["npx"], ["node"]) and len(words) > 1 and not words[1].endswith((".js", ".mjs", ".cjs")):
        words = words[1:]
    tool = words[0].rsplit("/", 1)[-1] if words else ""
    releases = _releases(meta)
    if tool == "node-gyp" and any(w in ("rebuild", "build", "configure") for w in words[1:]):
        return "build the binary from its C/C++ sources with node-gyp (a compiler, Python and node's headers)"
    if tool == "node-gyp-build":
        return "take a prebuild for this platform from its prebuilds/ folder, else build the binary with node-gyp"
    if tool == "pkg-prebuilds-verify":
        return "check that its prebuilds/ folder holds a build for this platform (pkg-prebuilds)"
    if tool == "prebuild-install":
        return f"download a prebuilt binary with prebuild-install{releases}"
    if tool in ("install-from-cache", "install-artifact-from-github"):
        return f"download a prebuilt binary with {tool}{releases}"
    if tool == "node-pre-gyp":
        host = _object_field(meta, "binary").get("host")
        return "download a prebuilt binary with node-pre-gyp" + (f" from {host}" if isinstance(host, str) else "")
    if tool == "cmake-js":
        return "build the binary from its sources with cmake-js (CMake and a compiler)"
    return f"run `{step.strip()}`"


def _releases(meta: dict[str, Any]) -> str:
    """`` from https://github.com/o/r/releases`` for a package whose repository is on GitHub (where
    prebuild-install and install-artifact-from-github download from), else nothing."""
    repository: Any = meta.get("repository")
    url: Any = _object_field(meta, "repository").get("url") if isinstance(repository, dict) else repository
    if not isinstance(url, str):
        return ""
    match = re.search(r"github\.com[/:]([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", url) or re.fullmatch(
        r"(?:github:)?([\w.-]+)/([\w.-]+)", url
    )
    return f" from https://github.com/{match[1]}/{match[2]}/releases" if match else ""
