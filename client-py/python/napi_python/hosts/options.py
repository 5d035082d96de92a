"""A ``Host``'s options, held in one place, and the checks made of them before anything starts:
what only a process of the host's own can honour, and a sandbox this OS has none of
(``Sandbox.check_platform``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from .sandbox import RestartPolicy, Sandbox

__all__ = ["HostOptions"]

# Where a host's output can go (Host(output=...)).
_OUTPUTS = ("stdio", "logging")
# Which thread runs an in-process host's JS (Host(js_thread=...)).
_JS_THREADS = ("host", "current")


class HostOptions(NamedTuple):
    """The options of ``Host(...)`` and ``load_addon(...)``, as given (see ``Host`` for each);
    the defaults are theirs."""

    isolated: bool = True
    env: Mapping[str, str] | None = None
    timeout: float | None = None
    restart: bool | RestartPolicy = True
    sandbox: bool | Sandbox | None = None
    output: str = "stdio"
    distinct_nulls: bool = False
    js_thread: str = "host"

    def checked_sandbox(self) -> Sandbox | None:
        """The sandbox the options ask for, once they are known to be honourable here: a
        ``ValueError`` for an option that is not, a ``SandboxUnavailableError`` for a sandbox
        this OS has not got."""
        if self.output not in _OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(map(repr, _OUTPUTS))}, not {self.output!r}")
        if self.js_thread not in _JS_THREADS:
            raise ValueError(f"js_thread must be one of {', '.join(map(repr, _JS_THREADS))}, not {self.js_thread!r}")
        if self.isolated and self.js_thread != "host":
            raise ValueError(
                "js_thread='current' makes this thread an in-process host's JS thread; an isolated host runs its JS "
                "in its own process: use isolated=False"
            )
        if not self.isolated:
            self._check_in_process()
        box = Sandbox() if self.sandbox is True else self.sandbox or None
        if box is not None:
            box.check_platform()
        return box

    def _check_in_process(self) -> None:
        """Refuses the options that need a process of the host's own."""
        refused = {
            "env": self.env is not None,
            "timeout": self.timeout is not None,
            "restart": self.restart is not True and self.restart is not False,
            "sandbox": self.sandbox is not None and self.sandbox is not False,
            # An in-process addon writes to this process's own stdout and stderr.
            "output": self.output != "stdio",
        }
        named = [name for name, given in refused.items() if given]
        if named:
            raise ValueError(
                f"isolated=False runs the addon on a thread of this process, which {', '.join(named)} cannot apply to "
                "(no process to confine, kill or restart; a crash in the addon ends Python): use isolated=True"
            )
