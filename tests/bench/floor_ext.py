"""The floor rows of the benchmarks, built by the benchmarks themselves into build/bench-floor/
from tests/bench/floor/ (gcc against this Python's headers):

- `module()`: the `_bench_floor` extension, whose C functions `noop` and `add` do the work of the
  benchmark addon's (CPython calling C directly: what no layer of ours can beat);
- `ShmEcho`: the spinning shared-memory round trip an isolated call is compared with (the same
  extension's `ping` and a `shm_echo` process answering it through two cache lines of a memfd).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SOURCES = Path(__file__).resolve().parent / "floor"
OUT = ROOT / "build" / "bench-floor"
CFLAGS = ["-O2", "-Wall", "-Wextra", "-std=gnu11"]


def _build(output: Path, source: str, *flags: str) -> Path:
    """`source` compiled to `output`, unless it is newer than every source already."""
    newest = max(p.stat().st_mtime for p in SOURCES.iterdir())
    if output.exists() and output.stat().st_mtime >= newest:
        return output
    OUT.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed into place: a benchmark and a test may build at once.
    partial = output.with_name(f"{output.name}.{os.getpid()}.tmp")
    subprocess.run(["gcc", *CFLAGS, *flags, str(SOURCES / source), "-o", str(partial)], check=True)
    partial.replace(output)
    return output


def module() -> ModuleType:
    """The `_bench_floor` extension module, built if need be."""
    if "_bench_floor" in sys.modules:
        return sys.modules["_bench_floor"]
    include = sysconfig.get_paths()["include"]
    name = "_bench_floor" + sysconfig.get_config_var("EXT_SUFFIX")
    path = _build(OUT / name, "floor.c", "-shared", "-fPIC", f"-I{include}")
    spec = importlib.util.spec_from_file_location("_bench_floor", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules["_bench_floor"] = mod
    return mod


class ShmEcho:
    """A `shm_echo` process answering `ping()`s through shared memory. One at a time per Python
    process (the extension holds one mapping); `timeout` bounds each ping's wait."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.floor = module()
        echo = _build(OUT / "shm_echo", "shm_echo.c")
        # Not close-on-exec: were it fd 3 already, dup2 would leave its flag as it is.
        fd = os.memfd_create("bench-shm-pingpong", 0)
        try:
            os.ftruncate(fd, 128)  # two cache lines
            # The child gets the memfd as fd 3, as napi-hostd gets its socket (bench_calls).
            self.proc = subprocess.Popen([str(echo)], close_fds=False, preexec_fn=lambda: os.dup2(fd, 3))
            self.floor.attach(fd)
        finally:
            os.close(fd)
        self.ping = self.floor.ping
        # The first answer waits for the process to start, which a loaded machine can make slow.
        self.floor.set_timeout(60.0)
        self.ping()
        self.floor.set_timeout(timeout)

    def run(self, n: int) -> None:
        """`n` round trips."""
        ping = self.ping
        for _ in range(n):
            ping()

    def close(self) -> None:
        self.floor.detach()
        self.proc.wait(5)
