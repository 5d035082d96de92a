"""The checks of a ``Host``'s options made before anything starts: what only a process of the
host's own can honour, and a sandbox this OS has none of (``Sandbox.check_platform``)."""

from __future__ import annotations

from collections.abc import Mapping

from .sandbox import RestartPolicy, Sandbox

__all__ = ["checked_sandbox"]

# Where a host's output can go (Host(output=...)).
_OUTPUTS = ("stdio", "logging")


def checked_sandbox(
    isolated: bool,
    env: Mapping[str, str] | None,
    timeout: float | None,
    restart: bool | RestartPolicy,
    sandbox: bool | Sandbox | None,
    output: str,
) -> Sandbox | None:
    """The sandbox the options ask for, once they are known to be honourable here: a
    ``ValueError`` for an option that is not, a ``SandboxUnavailableError`` for a sandbox this
    OS has not got."""
    if output not in _OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(map(repr, _OUTPUTS))}, not {output!r}")
    if not isolated:
        _check_in_process(env, timeout, restart, sandbox, output)
    box = Sandbox() if sandbox is True else sandbox or None
    if box is not None:
        box.check_platform()
    return box


def _check_in_process(
    env: Mapping[str, str] | None,
    timeout: float | None,
    restart: bool | RestartPolicy,
    sandbox: bool | Sandbox | None,
    output: str,
) -> None:
    """Refuses the options that need a process of the host's own."""
    refused = {
        "env": env is not None,
        "timeout": timeout is not None,
        "restart": restart is not True and restart is not False,
        "sandbox": sandbox is not None and sandbox is not False,
        # An in-process addon writes to this process's own stdout and stderr.
        "output": output != "stdio",
    }
    named = [name for name, given in refused.items() if given]
    if named:
        raise ValueError(
            f"isolated=False runs the addon on a thread of this process, which {', '.join(named)} cannot apply to "
            "(no process to confine, kill or restart; a crash in the addon ends Python): use isolated=True"
        )
