"""The napi-rs test addon in an in-process host whose JS thread is the thread that made it
(`js_thread="current"`): its calls run there directly, not relayed to the host's own thread, and
everything else that runs its JS (threadsafe-function calls, async completions, promise
settlements, other threads' calls) runs on that thread too, when it is inside the host: a call,
`Host.run_events`, a promise's `result()`.

napi-rs keeps per-thread state filled by its module init (the classes it registered): a class
instance made on another thread than the init's would fail, so each test makes one where it
matters. In-process only: the option is refused for isolated hosts.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from conftest import addon_path, fresh_copy

import napi_python
from napi_python import Host, load_addon
from napi_python.errors import StaleObjectError


@pytest.fixture
def host():
    h = Host(isolated=False, js_thread="current")
    yield h
    h.close()


@pytest.fixture
def rust(host):
    return host.load(fresh_copy(addon_path("rust_addon")))


def test_calls_on_the_js_thread_are_direct_and_make_class_instances(host, rust):
    assert host.direct_calls, "a Rust addon's calls are not relayed on the JS thread"
    assert rust.addI32(2, 3) == 5
    counter = rust.Counter.withStep(1, 2)
    assert counter.increment() == 3
    assert rust.Counter(5).value == 5


def test_an_async_functions_promise_settles_while_the_js_thread_waits_for_it(rust):
    assert rust.sleepAdd(1, 2, 5).result(30) == 3
    assert rust.asyncCheckedDiv(7, 2, 1).result(30) == 3
    assert rust.fib(10).result(30) == 55


def test_a_threadsafe_callback_runs_on_the_js_thread_and_makes_class_instances(rust):
    me = threading.get_ident()
    threads: list[int] = []

    def make(err: Any, x: int) -> int:
        threads.append(threading.get_ident())
        return rust.Counter.withStep(x, 1).increment()

    assert rust.askJs(make, 4).result(30) == 5
    assert threads == [me]


def test_an_asyncio_loop_on_the_js_thread_runs_the_hosts_work_while_it_awaits(rust):
    async def main() -> list[Any]:
        both = asyncio.gather(rust.sleepAdd(1, 2, 5), rust.askJs(lambda err, x: x + 1, 1))
        return [*await both, await rust.fib(10)]

    assert asyncio.run(main()) == [3, 2, 55]


def test_threadsafe_calls_wait_for_the_js_thread_to_run_events(host, rust):
    """A callback queued while the JS thread waits in a wait that is not the host's runs only
    once that thread runs events, as in Node while its JS thread is busy."""
    me = threading.get_ident()
    seen: list[tuple[bool, Any]] = []
    done = threading.Event()

    def callback(*args: Any) -> None:
        seen.append((threading.get_ident() == me, args[1] if len(args) > 1 else None))
        if args[0] is not None:
            done.set()

    rust.callFromThread(callback, 3)
    assert not done.wait(0.1), "the JS thread was blocked outside the host: nothing ran"
    assert seen == []
    while not done.is_set():
        host.run_events(5.0)
    assert seen == [(True, 0), (True, 1), (True, 2), (True, None)]


def test_another_threads_call_is_served_by_the_js_thread(host, rust):
    got: list[int] = []
    worker = threading.Thread(target=lambda: got.append(rust.addI32(4, 5)))
    worker.start()
    while worker.is_alive():
        host.run_events(1.0)
    worker.join()
    assert got == [9]


def test_run_events_inside_a_callback_of_the_host_is_refused(host, rust):
    def wait_inside(x: int) -> int:
        host.run_events(None)
        return x

    with pytest.raises(RuntimeError, match="inside a call of this host's"):
        rust.callWith(wait_inside, 1)


def test_run_events_elsewhere_returns_at_once():
    h = Host(isolated=False)
    try:
        h.run_events(None)
    finally:
        h.close()


def test_closing_and_loading_again_on_the_same_thread(host):
    first = host.load(fresh_copy(addon_path("rust_addon")))
    alive = first.Counter.withStep(1, 1)
    assert first.askJs(lambda err, x: x, 1).result(30) == 1
    host.close()
    del alive
    again = load_addon(fresh_copy(addon_path("rust_addon")), isolated=False, js_thread="current")
    try:
        assert again.Counter.withStep(2, 3).increment() == 5
    finally:
        napi_python.close(again)


def test_a_js_thread_that_is_not_the_main_thread_ends_cleanly():
    """A worker thread as the JS thread: an async function's settlement comes to it inline,
    and the thread ends after closing its host (Python deletes its thread state first)."""
    script = f"""
import sys, threading
sys.path.insert(0, {os.path.dirname(os.path.dirname(__file__))!r})
from conftest import addon_path, fresh_copy
from napi_python import Host
def worker():
    host = Host(isolated=False, js_thread="current")
    rust = host.load(fresh_copy(addon_path("rust_addon")))
    print(rust.sleepAdd(1, 1, 1).result(30), rust.Counter.withStep(1, 1).increment())
    host.close()
t = threading.Thread(target=worker)
t.start()
t.join()
print("ended")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, "2 2\nended\n"), done.stderr[-2000:]


ENDED_JS_THREAD = """
import select, sys, threading
sys.path.insert(0, {tests!r})
from conftest import addon_path, fresh_copy
from napi_python import Host
from napi_python.errors import AddonClosedError

def outcome(call):
    try:
        return repr(call())
    except AddonClosedError as e:
        return "AddonClosedError: " + str(e)

made = {{}}
seen = {{}}
third = threading.Thread(target=lambda: seen.update(third=outcome(lambda: made["rust"].addI32(3, 4))), daemon=True)

def js_thread():
    host = Host(isolated=False, js_thread="current")
    made.update(host=host, rust=host.load(fresh_copy(addon_path("rust_addon"))))
    print("own call", made["rust"].addI32(1, 2), flush=True)
    host.run_events(0.0)  # runs what is due, leaving the descriptor below unreadable
    third.start()
    # Ends once the third thread's call waits for it (the descriptor readable: work is due; on
    # Windows, where there is none, the call may come before or after the end).
    fd = host._conn.js_thread_fd
    if fd is not None:
        select.select([fd], [], [], 30)

worker = threading.Thread(target=js_thread)
worker.start()
worker.join()
third.join(30)
print("waiting call:", seen.get("third", "still waiting"), flush=True)
print("later call:", outcome(lambda: made["rust"].addI32(5, 6)), flush=True)
made["host"].close()
print("closed", flush=True)
"""


def test_calls_after_the_js_thread_ended_without_closing_fail_and_close_still_works():
    """A worker thread as the JS thread, ending without closing its host: the call another
    thread made that waits for it, and the calls made after, fail at once, naming why, rather
    than wait for ever; `close()` still tears the host down (on the host's own thread)."""
    script = ENDED_JS_THREAD.format(tests=os.path.dirname(os.path.dirname(__file__)))
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as hung:
        pytest.fail(f"hung after: {hung.stdout!r}")
    why = 'AddonClosedError: this in-process host\'s JS thread (the thread that made it, js_thread="current") has ended'
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr[-2000:]
    assert lines[0] == "own call 3"
    assert lines[1].startswith(f"waiting call: {why}")
    assert "close() the host before its thread ends, or make a host per thread" in lines[1]
    assert lines[2].startswith(f"later call: {why}")
    assert lines[3:] == ["closed"]


ENDED_WITH_A_PROMISE = """
import sys, threading, time
sys.path.insert(0, {tests!r})
from conftest import addon_path, fresh_copy
from napi_python import Host
from napi_python.errors import AddonClosedError

made = {{}}

def js_thread():
    host = Host(isolated=False, js_thread="current")
    rust = host.load(fresh_copy(addon_path("rust_addon")))
    made.update(host=host, promise=rust.sleepAdd(1, 2, 100))

worker = threading.Thread(target=js_thread)
worker.start()
worker.join()
began = time.monotonic()
try:
    print("result:", made["promise"].result(30), flush=True)
except AddonClosedError as e:
    print("AddonClosedError:", e, flush=True)
except TimeoutError:
    print("still waiting after", round(time.monotonic() - began), "s", flush=True)
made["host"].close()
print("closed", flush=True)
"""


def test_a_promise_of_a_js_thread_that_ended_without_closing_fails_rather_than_waits():
    """The JS thread makes a promise whose work needs that thread to settle it (napi-rs
    settles through a threadsafe function), then ends without closing its host: another
    thread's `result()` fails, naming why, instead of waiting for ever."""
    script = ENDED_WITH_A_PROMISE.format(tests=os.path.dirname(os.path.dirname(__file__)))
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as hung:
        pytest.fail(f"hung after: {hung.stdout!r}")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    why = 'AddonClosedError: this in-process host\'s JS thread (the thread that made it, js_thread="current") has ended'
    assert lines[0].startswith(why), lines
    assert lines[1:] == ["closed"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_finds_the_host_stale(rust):
    pid = os.fork()
    if pid == 0:
        try:
            rust.addI32(1, 2)
        except StaleObjectError:
            os._exit(0)
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert rust.addI32(1, 2) == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"isolated": False, "js_thread": "main"}, "js_thread must be one of"),
        ({"js_thread": "current"}, "use isolated=False"),
    ],
)
def test_bad_js_thread_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        Host(**options)
