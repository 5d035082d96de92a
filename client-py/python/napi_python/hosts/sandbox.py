"""What an addon's host may do: the sandbox and resource limits.

``Sandbox()`` with no arguments is what ``load_addon(path, sandbox=True)`` uses: the addon may
read its own directory (the addons of a shared ``Host``: the directories in ``read``) and the
system libraries, write nowhere, open no socket (nor socket pair), start no process, use no
io_uring, neither trace, signal, limit nor re-prioritise other processes, change no file's mode,
owner, times or extended attributes, use no SysV IPC and no file watches, make no device node,
enter no new namespace, and holds no capability (run as root too). Limits are off unless
given. The host applies all of it to itself before it loads the addon and before it starts any
thread, and reports what is in force; ``load_addon`` refuses to go on if something asked for is
missing (``SandboxUnavailableError``).

Only Linux's sandbox has been run and tested. Elsewhere ``sandbox=`` raises
``SandboxUnavailableError`` before any host starts, rather than promise a confinement no one
has checked: on Windows always; on macOS unless ``Sandbox(untested_seatbelt=True)`` accepts the
Seatbelt profile generated from the same policy, which has not yet run on a Mac.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

from .. import machine
from ..errors import SandboxUnavailableError

__all__ = ["Sandbox", "RestartPolicy"]

# What the host reports for each part of the confinement (server/hostd/src/sandbox), by OS.
_CONFINEMENT = {
    "linux": ("landlock_filesystem", "landlock_network", "landlock_scopes", "no_capabilities", "seccomp"),
    "darwin": ("seatbelt",),
}

# Why an OS has no sandbox to offer (macOS: unless the user accepts the untested one).
_WINDOWS = (
    "sandbox= is refused on Windows: no Windows sandbox has been built or checked (napi-python's "
    "Windows host is tested under wine, which confines nothing). One would need a restricted token, "
    "an AppContainer and a job object's limits. Load without sandbox= to run the addon in a process "
    "of its own, unconfined"
)
_MACOS = (
    "sandbox= on macOS would apply a Seatbelt profile generated from the Linux sandbox's policy that "
    "has not yet run on a Mac (nor have the limits): pass Sandbox(untested_seatbelt=True) to use it "
    "anyway, or load without sandbox="
)


class Sandbox(NamedTuple):
    """Confinement and limits for an addon's host.

    ``read``/``write``: extra paths (and everything beneath them) the addon may read, or read
    and write. ``memory``: bytes of address space; ``cpu``: seconds of CPU time; ``open_files``:
    file descriptors. ``confine=False`` applies only the limits (no Landlock, no seccomp).
    ``require``: the protections that must be in force, or True for all that were asked for.
    ``untested_seatbelt=True``: on macOS, accept the Seatbelt profile and limits that have not yet
    run on a Mac (without it, macOS refuses ``sandbox=``); it changes nothing elsewhere.
    """

    read: Sequence[str] = ()
    write: Sequence[str] = ()
    memory: int | None = None
    cpu: int | None = None
    open_files: int | None = None
    confine: bool = True
    require: bool | Sequence[str] = True
    untested_seatbelt: bool = False

    def check_platform(self) -> None:
        """``SandboxUnavailableError`` saying why, on an OS whose sandbox has not been tested
        (or, on macOS, not accepted untested)."""
        system = machine.this_os()
        if system == "linux" or (system == "darwin" and self.untested_seatbelt):
            return
        if system == "darwin":
            raise SandboxUnavailableError(_MACOS, list(self.required()))
        reason = (
            _WINDOWS if system == "win32" else f"sandbox= is refused on {system}: napi-python has no sandbox for it"
        )
        raise SandboxUnavailableError(reason, list(self.required()))

    def host_args(self, readable: Sequence[str] = ()) -> list[str]:
        """The host's command-line options for this sandbox; ``readable``: directories to allow
        reading besides ``read`` (an addon's own)."""
        args: list[str] = []
        if self.untested_seatbelt and machine.this_os() == "darwin":
            args.append("--sandbox-untested-seatbelt")
        if self.confine:
            args.append("--sandbox")
            for p in [*readable, *self.read]:
                args += ["--read", os.path.abspath(p)]
            for p in self.write:
                args += ["--write", os.path.abspath(p)]
        for flag, value in (("--memory", self.memory), ("--cpu", self.cpu), ("--open-files", self.open_files)):
            if value is not None:
                args += [flag, str(int(value))]
        return args

    def required(self) -> list[str]:
        """The protection names the host must report."""
        if self.require is False:
            return []
        if self.require is not True:
            return list(self.require)
        names = list(_CONFINEMENT.get(machine.this_os(), ())) if self.confine else []
        names += [
            n
            for n, v in (("memory_limit", self.memory), ("cpu_limit", self.cpu), ("open_files_limit", self.open_files))
            if v is not None
        ]
        return names


class RestartPolicy(NamedTuple):
    """How a host that died comes back: its addons are reloaded on the next call, at most
    ``max_restarts`` times within any ``period`` seconds; one more crash inside that window and
    it stays down (``AddonRestartLimitError``), as an OTP supervisor would."""

    max_restarts: int = 3
    period: float = 5.0
