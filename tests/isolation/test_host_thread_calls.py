"""In-process, the Python calls of the host thread's event turns (libuv callbacks, async-work
completions, threadsafe functions) run on the host thread itself, as node runs them on its
loop's thread, instead of crossing to the event dispatcher and back. They keep their
order with what the dispatcher runs (settlements, uncaught exceptions): a call that comes while
the dispatcher has events in hand goes to the dispatcher, behind them.

Threads are told apart by their names (tests/processes.py's thread_name): the host thread is
`napi-host-N`, the event dispatcher `napi-events-PID`."""

from __future__ import annotations

import queue
import threading
import time

from processes import thread_name

import napi_python

DEADLINE = 10.0


def test_a_libuv_completion_calls_python_on_the_host_thread_and_may_call_back_in(addons):
    uv = addons("uv")
    seen: queue.Queue[tuple] = queue.Queue()

    def cb(tag, *values):
        # A call into the same host from the host thread's own Python call: served there, nested.
        seen.put((tag, values, thread_name(), uv.gate()))

    assert uv.queueWork(100, cb) == 0
    got = [seen.get(timeout=DEADLINE) for _ in range(2)]
    assert [(tag, values) for tag, values, _, _ in got] == [("done", (0, 5050)), ("thread", (1,))]
    assert [name.split("-")[:2] for _, _, name, _ in got] == [["napi", "host"]] * 2, got
    assert [gate for *_, gate in got] == [uv.gate()] * 2


def test_a_threadsafe_functions_calls_run_on_the_host_thread_in_order(addons):
    stream = addons("bench_async")
    n = 1000
    seen: list[tuple[int, str]] = []
    last = threading.Event()

    def on_call(i):
        seen.append((i, thread_name()))
        if i == n - 1:
            last.set()

    stream.stream(n, on_call)
    assert last.wait(DEADLINE)
    assert [i for i, _ in seen] == list(range(n))
    assert {name.split("-")[1] for _, name in seen} == {"host"}


def one_host(*names: str):
    """An in-process host with the test addons `names` loaded into it (each from a copy of its
    own), and those addons."""
    from conftest import addon_path, fresh_copy

    host = napi_python.Host(isolated=False)
    return host, [host.load(fresh_copy(addon_path(name))) for name in names]


def test_a_call_does_not_overtake_what_the_dispatcher_has_in_hand():
    """A settlement made by a direct call (its promise jobs run on the calling thread) goes to
    the dispatcher, whose done callback runs slowly here; a work item's Python calls that come
    meanwhile go to the dispatcher and run after it, not beside it on the host thread."""
    host, (uv, promises) = one_host("uv", "promises")
    order: list[str] = []
    settling = threading.Event()
    done: queue.Queue[str] = queue.Queue()

    def slow(_):
        settling.set()
        # Long enough for a call that is not kept behind the settlement to overtake it.
        time.sleep(0.3)
        order.append("settled")

    def cb(tag, *_):
        order.append(tag)
        done.put(thread_name())

    with host:
        p = promises.deferred()
        p.add_done_callback(slow)
        promises.resolveLast(1)
        assert settling.wait(DEADLINE)
        uv.queueWork(10, cb)
        first = done.get(timeout=DEADLINE)
        done.get(timeout=DEADLINE)
    assert order == ["settled", "done", "thread"]
    assert first.startswith("napi-events-"), "the dispatcher had the settlement in hand: 'done' went to it"


def test_a_call_does_not_overtake_an_event_the_dispatcher_has_not_read_yet():
    """A direct call's settlement goes to the dispatcher; a threadsafe function's calls come
    microseconds later, before the dispatcher may even have read it: they wait for it all the
    same."""
    host, (stream, promises) = one_host("bench_async", "promises")
    order: list[str] = []
    last = threading.Event()

    def on_call(i):
        order.append(f"call {i}")
        if i == 9:
            last.set()

    with host:
        p = promises.deferred()
        p.add_done_callback(lambda _: order.append("settled"))
        promises.resolveLast(1)
        stream.stream(10, on_call)
        assert last.wait(DEADLINE)
    assert order == ["settled"] + [f"call {i}" for i in range(10)]


def test_the_host_threads_settlements_and_uncaught_exceptions_are_delivered_there(addons):
    """A promise settled, and an exception left uncaught, by a turn of the host thread reach
    Python on that thread, as its Python calls do, in order with them."""
    uv = addons("uv")
    order: list[tuple[str, str]] = []
    reported = threading.Event()

    def report(error):
        order.append((f"reported {error}", thread_name()))
        reported.set()

    def throws(tag):
        order.append((tag, thread_name()))
        raise ValueError(tag)

    napi_python.set_uncaught_hook(report)
    try:
        uv.throwFromTimer(throws)
        assert reported.wait(DEADLINE)
    finally:
        napi_python.set_uncaught_hook(None)
    assert [what for what, _ in order] == ["tick", "reported tick"]
    assert {name.split("-")[1] for _, name in order} == {"host"}, order

    host, (tsfn, promises) = one_host("tsfn", "promises")
    with host:
        p = promises.deferred()
        settled: queue.Queue[tuple[object, str]] = queue.Queue()
        p.add_done_callback(lambda p: settled.put((p.result(), thread_name())))
        tsfn.callWithDeepArray(lambda deep: promises.resolveLast(["resolved", deep]), 2)
        value, name = settled.get(timeout=DEADLINE)
    assert value == ["resolved", [[[]]]]
    assert name.startswith("napi-host-"), name


def event_turn_values(isolated: bool):
    """A threadsafe function's call of Python with a nested list, answered with a dict, which
    resolves a promise with a nested value: what Python got, where, and how many protocol
    containers the thread running those callbacks built meanwhile."""
    from conftest import addon_path, fresh_copy

    from napi_python import _native

    copy = str if isolated else fresh_copy
    with napi_python.Host(isolated=isolated) as host:
        tsfn, promises = host.load(copy(addon_path("tsfn"))), host.load(copy(addon_path("promises")))
        built: list[int] = []
        marked = threading.Event()

        def mark(_):
            built.append(_native._protocol_containers_built())
            marked.set()

        # The count starts on the thread that runs the event turns' Python calls.
        tsfn.callWithDeepArray(mark, 0)
        assert marked.wait(DEADLINE)
        p = promises.deferred()
        got: queue.Queue[tuple[object, ...]] = queue.Queue()

        def on_call(deep):
            promises.resolveLast({"deep": deep, "list": [1, "two", {"three": [3.5, None, True]}]})
            return {"answered": [deep, {"k": "v"}]}

        def on_settled(p):
            got.put((p.result(), thread_name(), _native._protocol_containers_built()))

        p.add_done_callback(on_settled)
        tsfn.callWithDeepArray(on_call, 4)
        value, name, count = got.get(timeout=DEADLINE)
        return value, name, count - built[0]


def test_an_event_turns_values_go_between_python_objects_and_the_heap_with_no_protocol_value():
    """In-process, an event turn's Python call (arguments and result) and the settlement of a
    promise it makes are walked straight between the heap and Python objects on the host thread:
    no protocol array or object is built there. Isolated, the same values cross as protocol
    trees, and Python gets the same."""
    in_process = event_turn_values(isolated=False)
    isolated = event_turn_values(isolated=True)
    expected = {"deep": [[[[[]]]]], "list": [1, "two", {"three": [3.5, None, True]}]}
    assert in_process[0] == isolated[0] == expected
    assert in_process[1].startswith("napi-host-") and isolated[1].startswith("napi-events-")
    assert in_process[2] == 0, "in-process, no protocol tree on the host thread"
    assert isolated[2] > 0, "over the rings, the trees the frames carry"
