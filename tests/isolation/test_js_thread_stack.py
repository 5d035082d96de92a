"""Recursion on a small stack: an in-process host whose JS thread is a Python thread
(`js_thread="current"`) made with `threading.stack_size(256 KiB)` stops a runaway recursion with
V8's RangeError where that thread's stack ends, not at a call count an 8 MiB stack holds. Each
program runs in a child Python: without the limit it dies of the overflow (SIGSEGV), which the
test would otherwise share."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import addon_path

ROOT = Path(__file__).resolve().parents[2]

# The children choose their mode (in-process) themselves.
pytestmark = pytest.mark.either_mode

# The child: runs `body` on a thread with a 256 KiB stack that makes the host and loads the
# functions addon (addons/c/functions.c) as `f`, then prints what it recorded.
PROGRAM = """
import sys, threading
from napi_python import Host, JSRangeError, js
seen = []
def run():
    host = Host(isolated=False, js_thread="current")
    f = host.load({path!r})
    try:
{body}
    except JSRangeError as e:
        seen.append(str(e))
    host.close()
threading.stack_size(256 * 1024)
thread = threading.Thread(target=run)
thread.start()
thread.join()
print(seen)
"""


def run_on_a_small_stack(body: str) -> str:
    indented = "\n".join(" " * 8 + line for line in body.strip().splitlines())
    script = PROGRAM.format(path=str(addon_path("functions")), body=indented)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, f"the child died ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout.strip()


STOPPED = "['RangeError: Maximum call stack size exceeded']"


def test_an_addon_function_calling_itself_without_end_gets_a_range_error():
    # callKept calls the function keep() was given: itself, through the runtime each time.
    assert run_on_a_small_stack("f.keep(f.callKept)\nf.callKept()") == STOPPED


@pytest.mark.parametrize("how", ["parse", "stringify"])
def test_json_deeper_than_the_stack_gets_a_range_error(how):
    # 1,990 levels: under the depth cap, which a host's 8 MiB stack reaches first.
    deep = "'[' * 1990 + ']' * 1990"
    body = {
        "parse": f"js.global_this(f).JSON.parse({deep}, lambda key, value: value)",
        "stringify": f"JSON = js.global_this(f).JSON\nJSON.stringify(JSON.parse({deep}))",
    }[how]
    assert run_on_a_small_stack(body) == STOPPED
