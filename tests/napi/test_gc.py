"""Garbage collection in the host: `js.gc(addon)` frees what nothing references and runs each
due finalizer exactly once; weak references empty when their object dies; Python objects the
host lets go are dropped in Python; teardown runs every remaining finalizer, newest first,
then the instance-data finalizer."""

from __future__ import annotations

import gc
import json
import subprocess
import weakref

import pytest
from conftest import IN_PROCESS, addon_path, fresh_copy, oracle_node

import napi_python
from napi_python import Host, cycles, js


def test_dropped_instances_are_finalized_once_each(load):
    addon = load("gc")
    instances = [addon.Counted(i) for i in range(50)]
    assert addon.finalizedCount() == 0
    del instances
    js.gc(addon)
    assert addon.finalizedCount() == 50
    js.gc(addon)
    assert addon.finalizedCount() == 50  # never twice


def test_js_gc_from_a_python_callback_the_addon_calls_collects_there(load):
    # Inside a call the addon makes into Python, js.gc's pass (its questions to the client
    # included) runs nested in that call, on its chain: the dead instances are finalized before
    # the callback returns.
    addon = load("gc")
    instances = [addon.Counted(i) for i in range(5)]
    del instances
    assert addon.callOnce(lambda: (js.gc(addon), addon.finalizedCount())) == [5, 5]


def test_a_live_proxy_keeps_its_object(load):
    addon = load("gc")
    kept = addon.Counted(1)
    js.gc(addon)
    assert addon.finalizedCount() == 0
    assert js.instanceof(kept, addon.Counted)


def test_a_weak_reference_empties_when_its_object_is_collected(load):
    addon = load("gc")
    obj = js.object(addon, x=1)
    addon.weakRefTo(obj)
    assert addon.weakTarget() == obj
    del obj
    js.gc(addon)
    assert addon.weakTarget() is None


def test_a_strong_reference_keeps_its_object(load):
    addon = load("gc")
    obj = js.object(addon, x=1)
    addon.weakRefTo(obj)
    assert addon.strengthen() == 1
    del obj
    js.gc(addon)
    assert addon.weakTarget().x == 1


def test_added_finalizers_and_post_finalizers_run_on_collection(load, tmp_path):
    addon = load("gc")
    log = tmp_path / "log"
    addon.setLog(str(log))
    obj = js.object(addon)
    addon.addFinalizer(obj, 7)
    del obj
    js.gc(addon)
    assert addon.finalizedCount() == 1
    assert addon.postFinalizedCount() == 1
    assert log.read_text().splitlines() == ["added 7", "post 7"]


def test_a_finalizer_posted_from_a_call_runs_on_the_next_turn_as_in_node(load):
    # How many posted finalizers had run: in the posting call, in a promise job it queued, in an
    # immediate it set. node runs it after the call and its promise jobs, before that immediate
    # (napi_python ran it only at the next collection or at the env's end).
    script = f"require({str(addon_path('gc'))!r}).postFinalizerWatched(5).then((c) => console.log(JSON.stringify(c)))"
    out = subprocess.run([oracle_node(), "-e", script], capture_output=True, text=True, timeout=60, check=True)
    expected = json.loads(out.stdout)
    assert expected == [0, 0, 1]
    addon = load("gc")
    assert addon.postFinalizerWatched(5).result(timeout=10) == expected


def test_teardown_runs_remaining_finalizers_newest_first_then_instance_data(load, tmp_path):
    addon = load("gc")
    log = tmp_path / "log"
    addon.setLog(str(log))
    kept = [addon.Counted(1), addon.Counted(2)]
    other = js.object(addon)
    addon.addFinalizer(other, 3)
    napi_python.close(addon)
    assert log.read_text().splitlines() == ["added 3", "post 3", "wrap 2", "wrap 1", "instance_data 99"]
    del kept, other


def test_teardown_does_not_rerun_finalizers_that_already_ran(load, tmp_path):
    addon = load("gc")
    log = tmp_path / "log"
    addon.setLog(str(log))
    dropped = addon.Counted(1)
    kept = addon.Counted(2)
    del dropped
    js.gc(addon)
    napi_python.close(addon)
    assert log.read_text().splitlines() == ["wrap 1", "wrap 2", "instance_data 99"]
    del kept


@pytest.mark.usefixtures("no_pass_pending")
def test_python_objects_the_host_lets_go_are_dropped_in_python(load):
    addon = load("gc")

    class Probe:
        def __call__(self) -> int:
            return 42

    probe = Probe()
    alive = weakref.ref(probe)
    assert addon.callOnce(probe) == 42
    conn = napi_python.addon_info(addon).exports._napi_conn
    assert conn.exported_count == 1  # the probe
    del probe
    assert alive() is not None  # the host still holds it until it collects
    js.gc(addon)
    addon.finalizedCount()  # the drop notice arrives with a reply; any request will do
    gc.collect()
    assert alive() is None
    assert conn.exported_count == 0


def test_a_python_object_sent_again_after_being_dropped_works(load):
    addon = load("gc")

    def f() -> str:
        return "again"

    assert addon.callOnce(f) == "again"
    js.gc(addon)
    addon.finalizedCount()
    assert addon.callOnce(f) == "again"


def gc_addon_holding_nothing(load):
    """The gc addon and its connection, once the host let go of every Python object."""
    addon = load("gc")
    conn = napi_python.addon_info(addon).exports._napi_conn
    js.gc(addon)
    addon.finalizedCount()
    assert conn.exported_count == 0
    return addon, conn


@pytest.mark.usefixtures("no_pass_pending")
def test_python_functions_sent_in_a_loop_are_held_once_and_let_go_after(load):
    # One function sent again and again is one object the host holds, however often it went;
    # a new function each call is one more until the host collects. Once it has, and its drop
    # notices came back, none is held: each was forgotten only when the host had received it
    # exactly as often as it was sent.
    addon, conn = gc_addon_holding_nothing(load)

    def f() -> int:
        return 7

    for _ in range(3000):
        assert addon.callOnce(f) == 7
    assert conn.exported_count <= 1
    for i in range(3000):
        assert addon.callOnce(lambda i=i: i) == i
    js.gc(addon)
    addon.finalizedCount()
    assert conn.exported_count == 0
    assert addon.callOnce(f) == 7
    assert conn.exported_count == 1


@pytest.mark.usefixtures("no_pass_pending")
def test_js_gc_leaves_no_host_pass_to_run_after_it(load):
    # js.gc's full collection of Python's asks the collector thread for no pass of its own (js.gc
    # ran it): a function sent after it is held until the host collects again, however long the
    # program waits for the collector thread.
    addon, conn = gc_addon_holding_nothing(load)

    def f() -> int:
        return 7

    js.gc(addon)
    assert addon.callOnce(f) == 7
    assert cycles.settle(timeout=30.0)
    assert conn.exported_count == 1, "nothing collected the host since js.gc"


@pytest.mark.usefixtures("no_pass_pending")
def test_a_place_let_go_and_taken_again_names_only_its_later_object(load):
    # The client holds what it sent in places reused once the host let their object go (the
    # id then carries the place's next generation). A function the host keeps sits beside a
    # place taken by a new function each round: each call names the function of its round, the
    # kept one still comes back as itself, and what was let go is let go in Python too.
    addon, conn = gc_addon_holding_nothing(load)

    def kept() -> str:
        return "kept"

    addon.weakRefTo(kept)
    assert addon.strengthen() == 1
    let_go = []
    for i in range(40):
        f = lambda i=i: i  # noqa: E731
        let_go.append(weakref.ref(f))
        assert addon.callOnce(f) == i
        del f
        js.gc(addon)
        addon.finalizedCount()
        assert conn.exported_count == 1, "only the kept function is held"
        assert addon.weakTarget() is kept
        assert addon.callOnce(addon.weakTarget()) == "kept"
    gc.collect()
    assert [r() for r in let_go] == [None] * 40


@pytest.mark.parametrize("rounds", [3])
def test_gc_reports_how_many_objects_it_freed(load, rounds):
    addon = load("gc")
    js.gc(addon)  # whatever the load left
    for _ in range(rounds):
        js.array(addon, [1, 2, 3])  # one array each, unreachable once Python let it go
    assert js.gc(addon) == rounds
    assert js.gc(addon) == 0


def test_deleting_the_reference_a_finalizer_came_with_cancels_it_as_in_node(load, tmp_path):
    # napi_wrap's and napi_add_finalizer's returned references own their finalizers: deleted
    # while the object lives (1, 3, 4 before the collection, 6 after it), the finalizer never
    # runs; the others run once, at the collection (2) or at teardown (7 and 5, newest first).
    node_log = tmp_path / "node.log"
    script = f"""
    const a = require({json.dumps(addon_path("gc"))});
    a.setLog({json.dumps(str(node_log))});
    let x = {{}}; a.addOwnedFinalizer(x, 1); a.addOwnedFinalizer(x, 2); a.wrapOwned(x, 3);
    const y = {{}}; a.wrapOwned(y, 4); a.addOwnedFinalizer(y, 5);
    const z = {{}}; a.addOwnedFinalizer(z, 6); a.wrapOwned(z, 7);
    a.dropOwner(1); a.dropOwner(3); a.dropOwner(4);
    x = null;
    globalThis.gc();
    setImmediate(() => {{ a.dropOwner(6); globalThis.keep = [y, z]; }});
    """
    subprocess.run([oracle_node(), "--expose-gc", "-e", script], check=True, timeout=60)

    addon = load("gc")
    log = tmp_path / "host.log"
    addon.setLog(str(log))
    x, y, z = js.object(addon), js.object(addon), js.object(addon)
    addon.addOwnedFinalizer(x, 1)
    addon.addOwnedFinalizer(x, 2)
    addon.wrapOwned(x, 3)
    addon.wrapOwned(y, 4)
    addon.addOwnedFinalizer(y, 5)
    addon.addOwnedFinalizer(z, 6)
    addon.wrapOwned(z, 7)
    for tag in (1, 3, 4):
        addon.dropOwner(tag)
    del x
    js.gc(addon)
    addon.dropOwner(6)
    napi_python.close(addon)
    assert log.read_text().splitlines() == node_log.read_text().splitlines()
    del y, z


def test_an_exception_sent_as_a_value_and_raised_is_held_while_either_stand_in_lives():
    # Sent as a value, a Python exception has a JS object standing for it in the host; raised
    # in a callback, a JS error as well. Here the value's stand-in dies while an addon keeps
    # the error: the exception is still held, and the error comes back as that exception.
    with Host(isolated=not IN_PROCESS) as host:
        copy = fresh_copy if IN_PROCESS else str
        errors, references = host.load(copy(addon_path("errors"))), host.load(copy(addon_path("references")))
        conn = errors._napi_conn
        exception = ValueError("kept")
        assert errors.isError(exception) is False  # the value's stand-in, kept by nothing

        def raiser():
            raise exception

        assert errors.catchFrom(raiser) is exception  # the error's
        references.remember(exception)  # the error, the exception's stand-in now, kept
        js.gc(errors)
        errors.isError(None)  # the drop notices arrive with a reply
        assert conn.exported_count == 1, "the exception is held while its error lives"
        assert references.recall() is exception
        references.remember({})  # the error let go
        js.gc(errors)
        errors.isError(None)
        assert conn.exported_count == 0, "and let go once neither stand-in lives"
