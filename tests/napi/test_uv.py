"""libuv from addons (addon: addons/c/uv.c, compiled against node 20's uv.h).

Each facility real addons use runs under node and through napi_python, and the results are
compared: `uv_queue_work` completing into a Python callback, `uv_cancel` of queued work,
`uv_async_send` from a native thread (coalesced), a `uv_timer`, `uv_poll` on a pipe the test
writes to, mutexes, conditions, threads and `uv_once`, `uv_ref`/`uv_unref`, and close callbacks
at teardown in node's order. Callbacks libuv runs reach Python on the event dispatcher, so the
Python side collects them in a queue and waits (with a deadline) for the one that ends each run.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import time
from typing import Any

import pytest
from conftest import IN_PROCESS, ROOT, addon_path, fresh_copy, node_eval, oracle_node

import napi_python
from napi_python import AddonCrashedError

DEADLINE = 10.0
# libuv's error numbers: the negated errno on POSIX, numbers of libuv's own on Windows (uv/errno.h).
UV_ECANCELED, UV_EBUSY = (-4081, -4082) if sys.platform == "win32" else (-125, -16)
POOL = 2  # the host's UV_THREADPOOL_SIZE in the tests that block the pool (isolated)


def under_node(body: str, env: dict[str, str] | None = None) -> Any:
    """Runs `body` under node with `a` the uv addon; `done(x)` prints the result."""
    script = f"const a = require({json.dumps(addon_path('uv'))}); const done = (r) => console.log(JSON.stringify(r));\n{body}"
    if env is None:
        return node_eval(script)
    proc = subprocess.run(
        [oracle_node(), "-e", script], capture_output=True, text=True, timeout=60, env={**os.environ, **env}
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Calls:
    """A Python callback for the addon: its calls, in order, with a wait for the one that ends
    a run."""

    def __init__(self) -> None:
        self.seen: list[list[Any]] = []
        self._q: queue.Queue[list[Any]] = queue.Queue()

    def __call__(self, *args: Any) -> None:
        self._q.put(list(args))

    def until(self, tag: str) -> list[list[Any]]:
        deadline = time.monotonic() + DEADLINE
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {tag!r} call within {DEADLINE} s; seen {self.seen[-5:]}")
            try:
                got = self._q.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(got)
            if got[0] == tag:
                return self.seen


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


@pytest.fixture
def uv(load):
    return load("uv")


def test_uv_queue_work_runs_on_the_pool_and_completes_into_python(uv):
    node = under_node("a.queueWork(100, (...x) => { r.push(x); if (x[0] === 'thread') done(r) }); const r = []")
    calls = Calls()
    assert uv.queueWork(100, calls) == 0
    assert calls.until("thread") == node == [["done", 0, 5050], ["thread", 1]]


def test_uv_cancel_of_queued_work_and_the_pool_sized_by_uv_threadpool_size(load):
    """Both pool threads held (UV_THREADPOOL_SIZE=2): no third starts, running work cannot be
    cancelled (UV_EBUSY), queued work can, and its after-work callback gets UV_ECANCELED."""
    js = f"""a.blockPool({POOL}); const r = [];
      const t = setInterval(() => {{ if (a.gate()[0] !== {POOL}) return; clearInterval(t);
        setTimeout(() => {{ r.push(a.gate()[0], a.cancelBlocker(0), a.queueAndCancel((...x) => {{ r.push(x);
          if (x[0] === 'thread') {{ a.openGate(); const u = setInterval(() => {{ if (a.gate()[1] === {POOL}) {{ clearInterval(u); done(r) }} }}, 5) }} }})) }}, 100) }}, 5)"""
    node = under_node(js, env={"UV_THREADPOOL_SIZE": str(POOL)})
    if IN_PROCESS:
        pytest.skip("an in-process host shares Python's libuv pool, sized when it first ran")
    uv = load("uv", env={"UV_THREADPOOL_SIZE": str(POOL)})
    uv.blockPool(POOL)
    wait_for(lambda: uv.gate()[0] == POOL, f"{POOL} blockers running")
    time.sleep(0.1)  # room for a (wrong) third pool thread to show up
    calls = Calls()
    got: list[Any] = [uv.gate()[0], uv.cancelBlocker(0), uv.queueAndCancel(calls)]
    got += calls.until("thread")
    uv.openGate()
    wait_for(lambda: uv.gate()[1] == POOL, "the blockers' completions")
    assert got == node == [POOL, UV_EBUSY, [0, 0], ["done", UV_ECANCELED, 0], ["thread", 0]]


def coalesced(calls: list[list[Any]], n: int) -> list[Any]:
    """What must hold of a run of `asyncSends(n)` whatever the timing: the sends seen only grow,
    the last seen is the n-th, there are at most n deliveries, and the close reports them all."""
    sends = [c[1] for c in calls if c[0] == "send"]
    return [
        sends == sorted(sends),
        sends[-1] == n,
        1 <= len(sends) <= n,
        calls[-1] == ["closed", len(sends)],
    ]


def test_uv_async_send_from_a_native_thread_is_delivered_coalesced(uv):
    n = 10_000
    node = under_node(f"const r = []; a.asyncSends({n}, (...x) => {{ r.push(x); if (x[0] === 'closed') done(r) }})")
    calls = Calls()
    uv.asyncSends(n, calls)
    assert coalesced(calls.until("closed"), n) == coalesced(node, n) == [True] * 4


def test_a_uv_timer_ticks_on_time_then_closes(uv):
    def shape(calls):
        return [[c[0], c[1], c[2] >= 20 + 10 * (c[1] - 1)] if c[0] == "tick" else c for c in calls]

    node = under_node("const r = []; a.timer(20, 10, 3, (...x) => { r.push(x); if (x[0] === 'closed') done(r) })")
    calls = Calls()
    uv.timer(20, 10, 3, calls)
    assert (
        shape(calls.until("closed"))
        == shape(node)
        == [["tick", 1, True], ["tick", 2, True], ["tick", 3, True], ["closed", 3]]
    )


def test_uv_poll_reads_a_pipe_the_test_writes_to(uv):
    js = """const fs = require('fs'); const [rd, wr] = a.pipe(); const r = [];
      a.pollRead(rd, (...x) => { r.push(x); if (x[1] === 'hello') fs.writeSync(wr, 'world');
        else if (x[1] === 'world') a.closeFd(wr); else done(r) }); fs.writeSync(wr, 'hello')"""
    node = under_node(js)
    rd, wr = uv.pipe()
    # The pipe is the host's: reached through /proc from here when the host is another process.
    writer = os.open(f"/proc/{napi_python.addon_info(uv).pid}/fd/{wr}", os.O_WRONLY)
    try:
        calls = Calls()
        assert uv.pollRead(rd, calls) == 0
        os.write(writer, b"hello")
        calls.until("data")
        os.write(writer, b"world")
        calls.until("data")
    finally:
        os.close(writer)
    uv.closeFd(wr)
    assert calls.until("closed") == node == [["data", "hello"], ["data", "world"], ["closed"]]


def test_threads_mutexes_conditions_barriers_keys_and_once(uv):
    node = under_node("done(a.threads(4, 1000))")
    assert uv.threads(4, 1000) == node == [4000, 4, 1, 1, 4, 4]


def test_uv_ref_and_unref_are_accepted(uv):
    assert uv.refs() == under_node("done(a.refs())") == [1, 0, 1, 0]


def test_the_host_runs_the_default_loop_as_node_does(uv):
    if IN_PROCESS:
        pytest.skip("in-process, the first host of the process has the default loop")
    assert uv.loopIsDefault() is under_node("done(a.loopIsDefault())") is True


def test_in_process_hosts_after_the_first_get_loops_of_their_own():
    first = napi_python.load_addon(fresh_copy(addon_path("uv")), isolated=False)
    second = napi_python.load_addon(fresh_copy(addon_path("uv")), isolated=False)
    try:
        assert not (first.loopIsDefault() and second.loopIsDefault())
        calls = [Calls(), Calls()]
        for addon, c in zip((first, second), calls, strict=False):
            addon.timer(1, 0, 1, c)
        assert [c.until("closed")[-1] for c in calls] == [["closed", 1]] * 2
    finally:
        napi_python.close(second)
        napi_python.close(first)


def test_struct_sizes_addons_allocate_are_what_the_linked_libuv_says(uv):
    """The addon's sizeof of each handle, request and loop (node 20's uv.h) is what the libuv the
    host links says at run time."""
    assert uv.linkedSizes() == uv.headerSizes()


def test_struct_sizes_addons_allocate_agree_with_node_20s_headers(uv, tmp_path):
    """Every type's size (mutexes, conditions, threads, buffers, options) is the same under node
    20's headers and those of the libuv the host is built from."""
    theirs = tmp_path / "uv_sizes.node"
    subprocess.run(
        [
            "gcc",
            "-std=gnu11",
            "-fPIC",
            "-shared",
            f"-I{linked_libuv_headers()}",
            "-I/usr/include/node",
            f"-I{ROOT}/addons/c",
            "-o",
            str(theirs),
            str(ROOT / "addons" / "c" / "uv.c"),
        ],
        check=True,
    )
    ours = under_node("done(a.sizes())")
    assert uv.sizes() == ours
    assert node_eval(f"console.log(JSON.stringify(require({json.dumps(str(theirs))}).sizes()))") == ours


def linked_libuv_headers() -> str:
    """The include folder of the libuv sources napi-libuv builds (server/libuv/libuv)."""
    return str(ROOT / "server" / "libuv" / "libuv" / "include")


def test_close_callbacks_at_teardown_in_nodes_order(load, tmp_path):
    """Cleanup hooks (newest first), the instance data's finalizer, then the close callback a
    hook asked for; handles left open are closed without callbacks."""
    node_log, our_log = tmp_path / "node.txt", tmp_path / "ours.txt"
    under_node(f"a.teardownLog({json.dumps(str(node_log))}); done(null)")
    uv = load("uv")
    uv.teardownLog(str(our_log))
    napi_python.close(uv)
    expected = ["hook second", "hook first", "instance finalizer", "close_cb closed by a hook"]
    assert our_log.read_text().splitlines() == node_log.read_text().splitlines() == expected


def test_an_exception_thrown_in_a_libuv_callback_is_reported_as_uncaught(uv, monkeypatch):
    reported = queue.Queue()
    napi_python.set_uncaught_hook(reported.put)
    try:

        def throws(tag):
            raise ValueError(f"thrown from a {tag}")

        uv.throwFromTimer(throws)
        error = reported.get(timeout=DEADLINE)
    finally:
        napi_python.set_uncaught_hook(None)
    assert isinstance(error, ValueError) and str(error) == "thrown from a tick"
    assert uv.refs() == [1, 0, 1, 0], "the host goes on"


def test_the_loop_and_calls_from_python_interleave(uv):
    """A repeating timer keeps ticking while Python calls without pause, and the calls go on:
    neither starves the other (counts, not timings; the deadline only bounds a starved run)."""
    ticks = Calls()
    uv.timer(1, 1, 1_000_000, ticks)
    calls, deadline = 0, time.monotonic() + DEADLINE
    while (calls < 200 or ticks._q.qsize() < 5) and time.monotonic() < deadline:
        uv.refs()
        calls += 1
    during = ticks._q.qsize()
    assert calls >= 200 and during >= 5, f"{calls} calls, {during} ticks meanwhile, within {DEADLINE} s"


@pytest.mark.isolated_only
def test_a_symbol_missing_at_its_first_call_ends_the_host_naming_it(load):
    uv = load("uv")
    with pytest.raises(AddonCrashedError, match="napi_python_test_symbol_nobody_defines"):
        uv.callMissing()


def test_in_process_a_symbol_missing_at_its_first_call_ends_python_naming_it():
    """Documented (python-api.md): bound lazily as node binds addons, a missing symbol ends the
    process at its first call, with the dynamic linker's message; in-process that is Python."""
    code = (
        f"import napi_python; a = napi_python.load_addon({fresh_copy(addon_path('uv'))!r}, isolated=False); "
        "print('loaded', flush=True); a.callMissing()"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout == "loaded\n"
    assert proc.returncode == 127
    assert "undefined symbol: napi_python_test_symbol_nobody_defines" in proc.stderr
