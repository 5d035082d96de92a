"""``os.fork()`` after an addon is loaded: the parent is never
affected; in the child an isolated addon loads itself again in a fresh host on first use and its
old proxies raise ``StaleObjectError``; an in-process host raises a clear error instead of
hanging; a ``multiprocessing`` fork ``Pool`` maps an addon function."""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
from collections.abc import Callable

import pytest
from conftest import IN_PROCESS

import napi_python
from napi_python import StaleObjectError

# Every wait on a child has this deadline: a child that hangs fails the test.
DEADLINE = 30.0


def in_child(work: Callable[[], object]) -> str:
    """Runs ``work`` in a forked child; answers the repr of what it returned, or ``"Name:
    message"`` of what it raised."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            try:
                out = repr(work())
            except BaseException as e:
                out = f"{type(e).__name__}: {e}"
            os.write(w, out.encode()[:4000])
        finally:
            os._exit(0)
    os.close(w)
    try:
        ready, _, _ = select.select([r], [], [], DEADLINE)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"the forked child did not answer within {DEADLINE} s")
        answer = os.read(r, 4096).decode()
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    return answer


@pytest.fixture(autouse=True)
def _fork_with_threads_is_what_is_tested():
    # Python 3.12 warns on a fork of a process with threads (the extension has some): what
    # these tests do on purpose.
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        yield


def test_the_parent_never_gets_a_childs_answer(load):
    addon = load("faults")
    assert addon.add(1, 2) == 3
    answer = in_child(lambda: addon.add(10, 20))
    if IN_PROCESS:
        assert answer.startswith("StaleObjectError: "), answer
    else:
        assert answer == "30"
    assert addon.add(1, 2) == 3
    assert addon.add(4, 5) == 9


@pytest.mark.isolated_only
def test_in_the_child_an_isolated_addon_loads_itself_again_in_a_fresh_host(load):
    addon = load("faults")
    parent_host = napi_python.addon_info(addon).pid

    def child() -> object:
        answer = addon.add(2, 3)  # the first use in the child loads the addon again
        pid = napi_python.addon_info(addon).pid
        return (answer, pid != parent_host, pid != os.getpid())

    assert in_child(child) == "(5, True, True)"
    assert napi_python.addon_info(addon).pid == parent_host
    assert addon.add(2, 3) == 5


@pytest.mark.isolated_only
def test_in_the_child_old_proxies_are_stale(load):
    addon = load("functions")
    f = addon.makeFunction("hello", -1)
    f()

    def child() -> object:
        try:
            f()
        except StaleObjectError as e:
            return f"stale: {e}"
        return "not stale"

    answer = in_child(child)
    assert "stale: " in answer and "forked from" in answer, answer
    # The parent's proxy is untouched.
    f()


def test_in_process_hosts_raise_a_clear_error_in_the_child(addons):
    addon = addons("faults")
    assert addon.add(1, 1) == 2
    answer = in_child(lambda: addon.add(1, 1))
    assert answer.startswith("StaleObjectError: "), answer
    assert "fork" in answer
    assert addon.add(1, 1) == 2


def test_load_addon_works_in_a_forked_child(load):
    load("faults").add(1, 1)  # the spawner thread and a host exist in the parent

    def child() -> object:
        from conftest import addon_path

        from napi_python import load_addon

        with load_addon(addon_path("faults")) as fresh:
            return fresh.add(20, 22)

    assert in_child(child) == "42"


# The addon the pool's workers inherit (a fork Pool pickles the function, not the addon).
_POOL_ADDON = None


def _add_one(n: int) -> int:
    assert _POOL_ADDON is not None
    return _POOL_ADDON.add(n, 1)


@pytest.mark.isolated_only
def test_a_fork_pool_maps_an_addon_function(load):
    global _POOL_ADDON
    _POOL_ADDON = load("faults")
    try:
        assert _POOL_ADDON.add(0, 1) == 1
        with multiprocessing.get_context("fork").Pool(2) as pool:
            result = pool.map_async(_add_one, range(20), chunksize=1)
            assert result.get(timeout=DEADLINE) == [n + 1 for n in range(20)]
        assert _POOL_ADDON.add(41, 1) == 42
    finally:
        _POOL_ADDON = None
