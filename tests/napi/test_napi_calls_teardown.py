"""What an env's end runs, and in which order, against node: programs of the differential
fuzzer's addon (addons/c/napi_calls.c, its teardown(program, path)) that add cleanup hooks and
give objects finalizers, run under node (whose process then exits) and under napi_python (whose
host then closes); each appends a line to a file as it runs. client-py/fuzz/napi_calls.py draws
such programs at random; these are the orders it found napi_python did not follow."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, addon_path
from node_oracle import oracle_node

import napi_python

OP = {
    name: i
    for i, name in enumerate(re.findall(r'OP\((\w+), "', (ROOT / "addons" / "c" / "napi_calls_ops.h").read_text()))
}


def program(*ops: tuple[str, int, ...]) -> bytes:
    return b"".join(bytes([OP[name], *operands]) for name, *operands in ops)


def ran_at_the_end(log: Path) -> list[str]:
    lines = log.read_text().splitlines()
    log.unlink()
    return lines


def node_teardown(code: bytes, log: Path) -> list[str]:
    script = "require(process.argv[1]).teardown(Buffer.from(process.argv[2], 'hex'), process.argv[3])"
    subprocess.run(
        [oracle_node(), "-e", script, addon_path("napi_calls"), code.hex(), str(log)], check=True, timeout=60
    )
    return ran_at_the_end(log)


def our_teardown(load, code: bytes, log: Path) -> list[str]:
    addon = load("napi_calls")
    addon.teardown(code, str(log))
    napi_python.close(addon)
    return ran_at_the_end(log)


HOOK, POST = 0, 4  # cleanup_hook's first operand: 0 adds a hook, 4 posts a finalizer instead

CASES = {
    # node frees an external buffer's or ArrayBuffer's memory before any cleanup hook runs,
    # whenever it was made; the wrap's finalizer comes after the hooks.
    "external memory first": program(
        ("cleanup_hook", HOOK, 1),
        ("external_buffer", 2, 2),
        ("object", 3),
        ("wrap", 3, 4, 0),
        ("external_arraybuffer", 4, 5),
        ("cleanup_hook", HOOK, 6),
    ),
    # The instance data's finalizer runs among the objects' finalizers, newest first, by when
    # it was set (napi_python ran it last).
    "instance data among the finalizers": program(
        ("object", 1),
        ("add_finalizer", 1, 2, 9),
        ("set_instance_data", 7),
        ("object", 2),
        ("wrap", 2, 3, 0),
        ("external", 3, 4),
    ),
    # node frees a detached external ArrayBuffer's memory at once, so its finalizer runs on the
    # loop's next turn, before the env's end frees the other buffers' (napi_python ran it among
    # them, newest first, when the buffer died or the env ended).
    "a detached buffer's memory on the next turn": program(
        ("external_arraybuffer", 1, 1),
        ("external_arraybuffer", 2, 2),
        ("detach", 1),
        ("cleanup_hook", HOOK, 3),
    ),
    # A finalizer posted from a plain call runs on the loop's next turn too, before the env's end
    # (napi_python ran it at the next collection, or among the env's last finalizers).
    "a posted finalizer on the next turn": program(
        ("object", 1),
        ("add_finalizer", 1, 2, 9),
        ("cleanup_hook", POST, 5),
        ("external_buffer", 2, 3),
        ("cleanup_hook", HOOK, 4),
    ),
    # Both on one turn: node runs its immediates (the posted finalizer) before its thread-safe
    # ones (the detached buffer's), whichever came first.
    "posted before detached": program(
        ("external_arraybuffer", 1, 1),
        ("detach", 1),
        ("cleanup_hook", POST, 2),
        ("cleanup_hook", HOOK, 3),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_what_an_env_runs_at_its_end_comes_in_nodes_order(load, tmp_path, case):
    log = tmp_path / "log"
    expected = node_teardown(CASES[case], log)
    assert len(expected) >= 3  # every hook and finalizer ran under node
    assert our_teardown(load, CASES[case], log) == expected
