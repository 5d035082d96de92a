"""Cycles through Python and JS: a Python callable stored on an addon's object whose
closure refers to that object's proxy. After Python's full collection napi_python collects them
in the host too (`Host.collect_cycles`): the callable dies and the addon's finalizers run, while
a cycle something still reaches, from Python or from JS, survives and still works. Closing a
host lets go of every Python object it held, in a cycle or not."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from conftest import IN_PROCESS, addon_path, fresh_copy

import napi_python
from napi_python import Host, cycles, js

N = 50


def make_cycle(addon, i: int) -> weakref.ref:
    """An object holding a callable that refers to the object; answers a weak reference to the
    callable."""
    obj = addon.Counted(i)
    cb = lambda: obj  # noqa: E731
    obj.cb = cb
    return weakref.ref(cb)


def make_cycles(addon, n: int) -> list[weakref.ref]:
    return [make_cycle(addon, i) for i in range(n)]


def collect_everything() -> None:
    """What a user does: a full collection of Python's; then the host pass it started."""
    gc.collect()
    assert cycles.settle(timeout=30.0), "the host collection after gc.collect() did not finish"


def test_cycles_die_after_a_full_collection_and_their_finalizers_run(load, no_pass_pending):
    # Python's collection alone frees none of them (the host holds each callable); the host pass
    # that a full collection asks the collector thread for does. Automatic collections are off
    # (the fixture) and the first collection asks for no pass, so nothing frees them early.
    addon = load("gc")
    base = addon.finalizedCount()
    refs = make_cycles(addon, N)
    cycles.collect_python_only()
    assert sum(r() is not None for r in refs) == N, "Python's collection alone freed a callable"
    gc.collect()
    assert cycles.settle(timeout=30.0)
    assert [r() for r in refs] == [None] * N
    assert addon.finalizedCount() - base == N


def test_collect_cycles_collects_at_once_and_says_what_it_did(load):
    addon = load("gc")
    base = addon.finalizedCount()
    refs = make_cycles(addon, N)
    done = napi_python.addon_info(addon).host.collect_cycles()
    assert (done.proxies, done.python) == (N, N)
    assert done.freed >= 2 * N  # each object and its callable's stand-in, at least
    assert [r() for r in refs] == [None] * N
    assert addon.finalizedCount() - base == N
    assert napi_python.addon_info(addon).host.collect_cycles().proxies == 0, "nothing left to let go"


def test_js_gc_collects_its_hosts_cycles_before_it_returns(load):
    # js.gc runs the host's pass over the cycles through Python itself: they are gone, and their
    # finalizers have run, when it returns, with no wait for the collector thread.
    addon = load("gc")
    base = addon.finalizedCount()
    refs = make_cycles(addon, N)
    assert js.gc(addon) >= 2 * N  # each object and its callable's stand-in, at least
    assert [r() for r in refs] == [None] * N
    assert addon.finalizedCount() - base == N


def test_a_cycle_kept_from_python_survives_and_works(load):
    addon = load("gc")
    base = addon.finalizedCount()
    kept = addon.Counted(7)
    kept.cb = lambda: kept
    ref = weakref.ref(kept.cb)
    make_cycles(addon, 5)
    collect_everything()
    assert napi_python.addon_info(addon).host.collect_cycles().proxies == 0
    assert ref() is not None
    assert kept.cb() is kept
    assert addon.callOnce(kept.cb) is kept, "JS still calls it, and it returns the same proxy"
    assert addon.finalizedCount() - base == 5


def kept_by_js(addon) -> weakref.ref:
    """`make_cycle`, with the addon holding the object by a strong reference."""
    ref = make_cycle(addon, 9)
    addon.weakRefTo(ref().__closure__[0].cell_contents)  # the object, through the callable
    assert addon.strengthen() == 1
    return ref


def test_a_cycle_kept_from_js_survives_and_works(load):
    addon = load("gc")
    base = addon.finalizedCount()
    [dropped] = make_cycles(addon, 1)
    ref = kept_by_js(addon)
    collect_everything()
    assert dropped() is None and addon.finalizedCount() - base == 1
    assert ref() is not None, "JS keeps the object, which keeps the callable"
    target = addon.weakTarget()
    assert js.instanceof(target, addon.Counted)
    assert addon.callOnce(target.cb) is target
    assert addon.finalizedCount() - base == 1


def two_addon_cycle(counted, counter) -> weakref.ref:
    """Counted -> Counter -> callable -> Counted's proxy."""
    counted.peer = counter
    cb = lambda: counted  # noqa: E731
    counter.cb = cb
    return weakref.ref(cb)


def test_a_cycle_through_two_addons_of_one_host_is_collected():
    with Host(isolated=not IN_PROCESS) as host:
        copy = fresh_copy if IN_PROCESS else str
        gc_addon, classes = host.load(copy(addon_path("gc"))), host.load(copy(addon_path("classes")))
        base = gc_addon.finalizedCount()
        refs = []
        for i in range(N):
            refs.append(two_addon_cycle(gc_addon.Counted(i), classes.Counter(i)))
        collect_everything()
        assert [r() for r in refs] == [None] * N
        assert gc_addon.finalizedCount() - base == N


# The count below is read with no pass of the collector thread's pending: one would collect
# the cycle before the close does.
@pytest.mark.usefixtures("no_pass_pending")
def test_closing_lets_go_of_every_python_object_held(load):
    addon = load("gc")
    [in_cycle] = make_cycles(addon, 1)
    kept = addon.Counted(1)

    def plain() -> None:
        pass

    kept.cb = plain
    outside = weakref.ref(plain)
    del plain
    assert addon._napi_conn.exported_count == 2
    napi_python.close(addon)
    assert in_cycle() is None, "the cycle's callable died with the host"
    assert outside() is None, "and so did the callable a kept object held"


def test_closing_a_host_lets_go_of_cycles_through_its_addons():
    host = Host(isolated=not IN_PROCESS)
    addon = host.load(fresh_copy(addon_path("gc")) if IN_PROCESS else addon_path("gc"))
    refs = make_cycles(addon, 3)
    host.close()
    assert [r() for r in refs] == [None] * 3


def test_calls_from_another_thread_stay_right_during_collections(load):
    addon = load("gc")
    base = addon.finalizedCount()
    errors: list[BaseException] = []
    done = threading.Event()

    def caller() -> None:
        try:
            kept = addon.Counted(-1)
            kept.cb = lambda: kept
            while not done.is_set():
                # A proxy and its callable made and used while collections run beside.
                assert addon.callOnce(kept.cb) is kept
                assert js.instanceof(addon.Counted(-2), addon.Counted)
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=caller)
    thread.start()
    try:
        refs = []
        for _ in range(10):
            refs += make_cycles(addon, 20)
            napi_python.addon_info(addon).host.collect_cycles()
    finally:
        done.set()
        thread.join()
    assert errors == []
    napi_python.addon_info(addon).host.collect_cycles()
    assert [r() for r in refs] == [None] * len(refs)
    assert addon.finalizedCount() - base >= len(refs)
