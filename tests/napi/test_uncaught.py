"""An exception nothing can catch: raised by a Python callback that no JS caller receives (a
threadsafe function's call, here), or thrown by an addon's `napi_fatal_exception`. node ends its
process for one unless a `process.on("uncaughtException")` listener takes it. Here the default
reports it (`sys.unraisablehook`) and ends its host, so that nothing waits on a host that will
not answer; a hook installed with `set_uncaught_hook` takes it and the host goes on, as node's
listener does.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import time

import pytest
from conftest import IN_PROCESS, addon_path, oracle_node

import napi_python
from napi_python import AddonCrashedError

DEADLINE = 30.0


class Boom(Exception):
    pass


def one_host(load):
    """A pending JS promise (the promises addon's deferred), and the tsfn addon in the same host."""
    promises = load("promises")
    tsfn = load("tsfn", host=napi_python.addon_info(promises).host)
    return promises, tsfn, promises.deferred()


def test_a_python_callback_raising_with_no_js_caller_ends_what_waits_on_its_host(load, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    promises, tsfn, pending = one_host(load)
    boom = Boom("nobody catches this")

    def raising(*_args):
        raise boom

    pid = napi_python.addon_info(promises).pid
    tsfn.defaultCall(1, raising)
    # The promise never settles now: its wait ends with the host, the exception as the cause.
    with pytest.raises(AddonCrashedError, match=r"ended by an exception nothing caught.*Boom: nobody") as ended:
        pending.result(DEADLINE)
    assert ended.value.__cause__ is boom
    assert [r.exc_value for r in reported] == [boom], "the exception is reported with its traceback"
    if IN_PROCESS:
        # No process to start again: each later use says why the host ended.
        with pytest.raises(AddonCrashedError) as later:
            promises.isPromise(1)
        assert later.value.__cause__ is boom
    else:
        # The pending wait ends as the host starts to end; its teardown (cleanup hooks,
        # finalizers) then runs on, up to the close grace. Once it is gone, as after a crash, the
        # restart policy starts a new process on the next use.
        host = napi_python.addon_info(promises).host
        deadline = time.monotonic() + DEADLINE
        while host.alive and time.monotonic() < deadline:
            time.sleep(0.01)
        assert promises.isPromise(promises.deferred()) is True
        assert napi_python.addon_info(promises).pid != pid


def test_a_call_made_as_the_host_starts_to_end_is_refused_with_the_exception(load, monkeypatch):
    """Nothing of the program's runs on a host once an exception nothing caught has begun ending
    it, as node runs nothing after one: a call made as soon as the pending wait ends, while the
    host may still tear down, is refused with that exception. (In-process, a direct call would
    find the JS lock free and run.)"""
    monkeypatch.setattr(sys, "unraisablehook", lambda _: None)
    promises = load("promises") if IN_PROCESS else load("promises", restart=False)
    tsfn = load("tsfn", host=napi_python.addon_info(promises).host)
    pending = promises.deferred()
    boom = Boom("nobody catches this")

    def raising(*_args):
        raise boom

    tsfn.defaultCall(1, raising)
    with pytest.raises(AddonCrashedError):
        pending.result(DEADLINE)
    # No wait for the host to be gone: the end has begun, and that is enough.
    with pytest.raises(AddonCrashedError, match=r"ended by an exception nothing caught.*Boom: nobody") as refused:
        promises.isPromise(1)
    assert refused.value.__cause__ is boom


def test_an_addons_fatal_exception_ends_its_host_too(load, monkeypatch):
    monkeypatch.setattr(sys, "unraisablehook", lambda _: None)
    errors = load("errors") if IN_PROCESS else load("errors", restart=False)
    host = napi_python.addon_info(errors).host
    assert errors.fatalException("nobody catches this") == 0
    # The report runs on the event dispatcher (in-process, often before the call returns): the
    # wait is for the end to begin, which nothing else tells.
    deadline = time.monotonic() + DEADLINE
    while host.alive and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(
        AddonCrashedError, match=r"caught, as node ends its process: Error: nobody catches this \("
    ) as ended:
        errors.fatalException("too late")
    assert ended.value.__cause__.message == "nobody catches this"


def test_with_a_hook_installed_the_host_keeps_running(load):
    reported: queue.Queue[BaseException] = queue.Queue()
    napi_python.set_uncaught_hook(reported.put)
    try:
        promises, tsfn, pending = one_host(load)
        boom = Boom("handled")

        def raising(*_args):
            raise boom

        tsfn.defaultCall(1, raising)
        assert reported.get(timeout=DEADLINE) is boom
        tsfn.defaultCall(1, lambda *_: promises.resolveLast(42))
        assert pending.result(DEADLINE) == 42
        assert napi_python.addon_info(promises).host.alive
    finally:
        napi_python.set_uncaught_hook(None)


def test_node_ends_its_process_for_the_same_exception():
    """The behaviour the default follows: node, with no listener, exits with the exception, under
    the policy its deprecation DEP0168 asks for (without the flag, node 26 still drops an
    exception of a threadsafe function's call with that warning, for addons of older Node-API
    versions; `napi_fatal_exception` ends it either way)."""
    script = (
        f"const t = require({addon_path('tsfn')!r});"
        "setInterval(() => {}, 1000);"  # node would stay up for this, if the exception did not end it
        "t.defaultCall(1, () => { throw new Error('nobody catches this'); });"
    )
    ran = subprocess.run(
        [oracle_node(), "--force-node-api-uncaught-exceptions-policy=true", "-e", script],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert ran.returncode != 0
    assert "nobody catches this" in ran.stderr
