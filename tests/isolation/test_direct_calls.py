"""Direct calls: an in-process host's request runs on the calling Python thread while it
holds the host's JS lock, and the Python calls the addon makes meanwhile run inline on that same
thread. Everything about a call (callbacks, nested calls, errors, objects, promises, shared
memory made during the call) behaves as over the rings, and nothing of it goes through the host
thread: each test checks the addon ran on the caller's thread.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

import napi_python
from napi_python import JSError, JSFunction, JSPromise

# Every test loads in-process whatever NAPI_PYTHON_TEST_MODE says.
pytestmark = pytest.mark.either_mode


@pytest.fixture
def isolation(addons):
    addon = addons("isolation")
    assert napi_python.addon_info(addon).host.direct_calls
    return addon


def test_primitive_and_other_arguments_cross_as_they_do_over_the_rings(addons):
    bench = addons("bench")
    text = "0123456789abcdefghijklmnopqrstuv"
    assert [bench.add(1, 2), bench.add(2, 0.5), bench.echo(text), bench.echo(""), bench.noop()] == [
        3,
        2.5,
        text,
        "",
        None,
    ]
    fns = addons("functions")
    for other in (lambda: 7, b"bytes", 2**60, [1, 2], {"a": 1}, fns.cbInfo, None):
        assert fns.cbInfo(other)["argc"] == 1


def test_python_callbacks_run_inline_on_the_calling_thread_nested_included(addons, isolation):
    """The addon's Python calls run on the caller's thread, and may call the same host again
    (nested, directly: the thread holds its JS lock already) or another one."""
    me = threading.get_native_id()
    fns = addons("functions")
    seen = []

    def multiply(a, b):
        seen.append((threading.get_native_id(), isolation.threadId(), fns.cbInfo(a)["argc"]))
        return a * b

    fns.keep(multiply)
    assert fns.callKept(2, 3) == 6
    assert fns.callKept(6, 7) == 42
    assert seen == [(me, me, 1)] * 2


def test_a_call_nested_in_a_callback_leaves_the_outer_call_its_turn(addons):
    """After a call its callback made into the same host returns, the outer call's turn is the
    one being served again: its answer, a string or a container, is copied straight into its
    own caller's objects through that turn, twice nested included."""
    fns = addons("functions")

    def answer(depth):
        return f"inner {depth}" if depth % 2 else {"n": depth}

    def inner(depth):
        if depth:
            assert fns.call(lambda: inner(depth - 1), None) == answer(depth - 1)
        return answer(depth)

    for depth in range(3):
        assert fns.call(lambda depth=depth: inner(depth), None) == answer(depth)


def test_a_python_exception_in_a_callback_comes_back_as_itself(addons):
    fns = addons("functions")

    class Refused(Exception):
        pass

    def refuse(x):
        raise Refused(x)

    fns.keep(refuse)
    with pytest.raises(Refused, match="5") as info:
        fns.callKept(5)
    assert type(info.value) is Refused


def test_a_js_exception_is_raised_as_over_the_rings(addons):
    errors = addons("errors")
    with pytest.raises(JSError) as caught:
        errors.throwKind(2, None, "out of range")
    assert caught.value.name == "RangeError" and "out of range" in str(caught.value)


def test_a_thrown_container_is_walked_into_the_exception_raised(addons):
    """In-process, a list or object an addon throws (no error: `throw [1, [2]]`) goes from the
    heap straight into the Python objects the exception raised holds, as a copied answer does:
    no protocol tree between. The same throw from a host process raises the same."""
    from conftest import addon_path

    from napi_python import _native, load_addon

    thrown = [1, {"a": [2, None], "b": "t"}, [[[]]]]

    def raised(addon):
        before = _native._protocol_containers_built()
        with pytest.raises(JSError) as caught:
            addon.throwValue(thrown)
        return caught.value, _native._protocol_containers_built() - before

    here, built = raised(addons("errors"))
    isolated = load_addon(addon_path("errors"))
    try:
        there, built_there = raised(isolated)
    finally:
        napi_python.close(isolated)
    assert built == 0 and built_there > 0
    assert here.value == there.value == thrown
    assert (here.name, here.message, str(here)) == (there.name, there.message, str(there))


def test_an_object_answer_comes_back_as_a_proxy(addons):
    fns = addons("functions")
    made = fns.makeFunction("named", -1)
    assert isinstance(made, JSFunction) and made() == ["payload", 0]


def test_a_promise_answer_settles_as_usual(addons):
    work = addons("bench_async")
    for _ in range(200):  # some settle while the reply lingers, some after it
        promise = work.asyncAdd(20, 22)
        assert isinstance(promise, JSPromise)
        assert asyncio.run(asyncio.wait_for(promise, 5)) == 42


def test_buffers_made_during_a_call_are_readable_at_once(addons):
    """A buffer larger than a shared-memory segment gets a segment of its own during the call:
    the host's news of it reach the client before the answer that needs it."""
    buffers = addons("buffers")
    small = buffers.newArrayBuffer(8)
    large = buffers.newArrayBuffer(33 << 20)
    assert bytes(memoryview(small)) == bytes(range(8))
    view = memoryview(large)
    assert len(view) == 33 << 20 and bytes(view[:300]) == bytes(range(256)) + bytes(range(44))


def test_bytes_sent_into_a_new_client_segment_reach_the_addon(addons):
    """A large argument is copied into a new segment of the client's, whose news the host takes
    in before it serves the call."""
    shared = addons("shared")
    data = bytes(range(256)) * (33 << 12)
    assert shared.sum(data) == sum(data)


def test_threads_take_turns_and_each_runs_its_own_calls(addons, isolation):
    """Many threads call at once: each waits for the JS lock and runs its calls, and their
    callbacks, itself."""
    fns = addons("functions")
    fns.keep(lambda a, b: (a * 2 + b, threading.get_native_id()))
    errors = []

    def worker(t: int) -> None:
        me = threading.get_native_id()
        for i in range(300):
            if isolation.threadId() != me or fns.callKept(i, t) != [i * 2 + t, me]:
                errors.append((t, i))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []


def test_threads_calling_at_once_do_not_sleep_call_by_call(addons):
    """Threads calling quick functions at once keep the GIL through each call and wait for the
    JS lock only while a thread holds it without the GIL: they do not hand the lock and the GIL
    to one another call by call. (A thread that queued for the lock without the GIL went on
    holding it while it waited for the GIL to make its answer, and the thread that had the GIL
    found the lock busy in turn: every call slept.) Voluntary context switches are counted
    rather than time, which a loaded machine would distort."""
    import resource  # POSIX's alone

    bench = addons("bench")
    text = "0123456789abcdefghijklmnopqrstuv"
    one = lambda: 1  # noqa: E731
    assert bench.echo(text) == text and bench.callback(one) == 1  # quick from now on
    threads, rounds = 16, 4000
    start = threading.Barrier(threads + 1)
    wrong = []

    def worker() -> None:
        start.wait()
        for _ in range(rounds):
            if bench.echo(text) != text or bench.callback(one) != 1:
                wrong.append(1)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
    start.wait()
    for w in workers:
        w.join()
    switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - before
    assert wrong == []
    calls = threads * rounds * 2
    assert switches / calls < 0.05, f"{switches} voluntary context switches in {calls} calls"


def test_values_go_between_python_objects_and_the_heap_with_no_protocol_value_between(addons):
    """In-process, a direct call's arguments go from their Python objects straight into
    the host's heap and its answer back, and so do the arguments and result of the Python call
    the addon makes meanwhile: no protocol array or object is built on the calling thread, to
    any depth. The same call to a host process builds them, as the rings need them."""
    from conftest import addon_path

    from napi_python import _native, load_addon

    fns = addons("functions")
    seen = []

    def echo(*args):
        seen.append(args)
        return [list(args), {"count": len(args), "nested": {"list": [[]], "text": "t"}}]

    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    lent = bytearray(b"lent" * 20_000)  # lent to the host in place (64 KiB and more)
    args = ([1, "two", None, 2**60], {"k": {"k2": [3.5, True]}, "b": b"bytes"}, deep, lent, fns.cbInfo, "text")
    before = _native._protocol_containers_built()
    result = fns.call(echo, None, *args)
    assert _native._protocol_containers_built() == before, "in-process, no protocol tree"
    (got,) = seen
    assert got[0] == [1, "two", None, 2**60] and got[5] == "text"
    assert got[1]["k"] == {"k2": [3.5, True]} and bytes(got[1]["b"]) == b"bytes"
    assert bytes(got[3]) == bytes(lent) and got[4] == fns.cbInfo.__func__  # the function itself, unbound
    depth, v = 0, got[2]
    while v:
        v, depth = v[0], depth + 1
    assert depth == 100_000
    assert result[1] == {"count": 6, "nested": {"list": [[]], "text": "t"}}
    assert result[0][0] == [1, "two", None, 2**60] and result[0][4] == fns.cbInfo.__func__

    isolated = load_addon(addon_path("functions"))
    try:
        before = _native._protocol_containers_built()
        assert isolated.call(echo, None, [1, 2], {"k": [3]})[1]["count"] == 2
        assert _native._protocol_containers_built() > before, "over the rings, the trees the frames carry"
    finally:
        napi_python.close(isolated)


def _strings_each_way(addon, fns, join) -> dict:
    """Strings as a call's arguments and answer, in lists and dicts, as the arguments and result
    of a Python call the addon makes, and as a request's operands and answers (index keys, so
    that only values are strings): what came back of each. `join` is the addon's
    `Array.prototype.join`, fetched beforehand (by names, which are strings)."""
    import napi_python.js as js

    text = "0123456789abcdefghijklmnopqrstuv-é"
    seen = []

    def echo(*args):
        seen.append(args)
        return [text, {"k": text}]

    array = js.array(addon, [text, [text]])
    js.set(array, 2, text)
    return {
        "echoed": addon.echo(text),
        "called": fns.call(echo, None, text, [text], {"k": text}),
        "seen": seen,
        "items": [js.get(array, i) for i in range(3)],
        "joined": js.call(join, array, text),
    }


def test_strings_are_copied_once_between_python_objects_and_the_heap(addons):
    """In-process, a string goes from its Python object into the heap, and from the heap into a
    new Python str, its text copied once, with no protocol string made between: as a direct
    call's argument and answer, inside lists and dicts, as the arguments and result of the
    Python call the addon makes meanwhile, and as a request's operand and answer. The same
    calls to a host process make protocol strings (the frames carry them) and give the same
    values."""
    from conftest import addon_path

    import napi_python.js as js
    from napi_python import _native, load_addon

    def strings_made(addon, fns) -> tuple[dict, int]:
        join = js.get(js.get(js.get(js.global_this(addon), "Array"), "prototype"), "join")
        before = _native._protocol_strings_made()
        got = _strings_each_way(addon, fns, join)
        return got, _native._protocol_strings_made() - before

    here, made_here = strings_made(addons("bench"), addons("functions"))
    isolated = load_addon(addon_path("bench"))
    isolated_fns = load_addon(addon_path("functions"))
    try:
        there, made_there = strings_made(isolated, isolated_fns)
    finally:
        napi_python.close(isolated)
        napi_python.close(isolated_fns)
    assert here == there
    text = "0123456789abcdefghijklmnopqrstuv-é"
    assert here["echoed"] == text and here["called"] == [text, {"k": text}]
    assert here["seen"] == [(text, [text], {"k": text})]
    assert here["items"] == [text, [text], text] and here["joined"] == text.join([text, text, text])
    assert made_here == 0, "in-process, no protocol string"
    assert made_there > 0, "over the rings, the strings the frames carry"


def _bytes_seen(shared) -> list:
    """What an addon sees of bytes (a few, and more than go inline), what it keeps of them, and
    what Python sees after it wrote into its copy."""
    seen = [shared.sum(b"")]
    for n in (100, 10_000):
        data = bytes(i % 251 for i in range(n))
        seen += [shared.kind(data), shared.sum(data), shared.fill(data, 7), data == bytes(i % 251 for i in range(n))]
        shared.hold(data)
        shared.poke(0, 9)
        seen += [shared.peek(0), shared.peek(99), bytes(shared.held())[:2], data[:2]]
        shared.release()
    return seen


def test_bytes_go_from_their_object_into_the_addons_buffer(addons):
    """In-process, a `bytes` argument goes from its object into the new Buffer the addon is given,
    copied once, with no protocol bytes made between: in a direct call (more than a few bytes
    through shared memory) and in one relayed to the host thread of a host with a Rust library
    (copied there by the host thread, which reads it next). The addon's writes stay in its copy,
    which it may keep after the call; over the rings the frames carry the bytes, and everything
    the addon and Python see is the same."""
    from conftest import addon_path, fresh_copy
    from test_inprocess import relayed

    from napi_python import _native, load_addon

    def bytes_made(shared) -> tuple[list, int]:
        before = _native._protocol_bytes_made()
        seen = _bytes_seen(shared)
        return seen, _native._protocol_bytes_made() - before

    here, made_here = bytes_made(addons("shared"))
    relaying = addons("isolation")
    host = napi_python.addon_info(relaying).host
    host.load(fresh_copy(addon_path("rust_addon")))
    shared_relayed = host.load(fresh_copy(addon_path("shared")))
    assert not host.direct_calls
    relayed_before = relayed(relaying)
    seen_relayed, made_relayed = bytes_made(shared_relayed)
    assert relayed(relaying) > relayed_before
    isolated = load_addon(addon_path("shared"))
    try:
        compact_before = napi_python.addon_info(isolated).exports._napi_conn._compact_calls
        there, made_there = bytes_made(isolated)
        compact_there = napi_python.addon_info(isolated).exports._napi_conn._compact_calls - compact_before
    finally:
        napi_python.close(isolated)
    assert here == seen_relayed == there
    expected = [0]
    for n in (100, 10_000):
        expected += ["Uint8Array", sum(i % 251 for i in range(n)), None, True, 9, 99, bytes([9, 1]), bytes([0, 1])]
    assert here == expected
    assert made_here == made_relayed == 0, "in-process, no protocol bytes"
    # Over the rings the frames carry them: a few in compact calls (no protocol value made
    # either), more in shared memory.
    assert compact_there > 0 and made_there == 0, "over the rings, the bytes the frames carry"


def test_a_promise_settled_during_its_call_is_kept_made_into_python_objects(addons):
    """In-process, the promise a direct call answers with, settled while that call lingers for it
    (async work the pool finishes within the linger), is kept for its claim made already into
    Python objects by the calling thread, which holds the GIL: no protocol tree or string made
    between. The promise is settled when the call returns, with its value. (Before, the host
    built the settlement as a protocol outcome for the claim to convert.)"""
    import time

    from napi_python import _native

    work = addons("bench_async")
    value = ["text", {"k": "zoë", "n": [1, 2.5, None]}]
    assert work.asyncEcho(value).result(timeout=10) == value  # the function's first call
    settled_early = made_nothing = 0
    deadline = time.monotonic() + 30
    # A linger is short (tens of µs): on a loaded machine the pool may miss some.
    while made_nothing < 5 and time.monotonic() < deadline:
        before = _native._protocol_strings_made() + _native._protocol_containers_built()
        p = work.asyncEcho(value)
        settled = p.done()
        made = _native._protocol_strings_made() + _native._protocol_containers_built() - before
        assert p.result(timeout=10) == value
        settled_early += settled
        made_nothing += settled and made == 0
    assert made_nothing == 5, f"{settled_early} settled during their calls, {made_nothing} with nothing made between"


def _errors_raised(errors) -> list[tuple]:
    """What Python sees of errors a call throws: with a code and properties holding a dict, and
    with neither."""
    from napi_python import JSError

    seen = []
    for throw in (errors.throwWithProps, lambda: errors.throwKind(0, None, "plain")):
        with pytest.raises(JSError) as info:
            throw()
        e = info.value
        seen.append((type(e).__name__, e.name, e.message, e.code, e.props, errors.isError(e.value)))
    return seen


def test_an_error_s_code_and_properties_go_straight_into_python_objects(addons):
    """In-process, a JS error a direct call throws has its code and own properties (a dict among
    them) walked straight into Python objects, no protocol tree or string made between, and is
    raised as over the rings: the same exception, name, message, code and properties."""
    from conftest import addon_path

    from napi_python import _native, load_addon

    def made() -> int:
        return _native._protocol_strings_made() + _native._protocol_containers_built()

    before = made()
    here = _errors_raised(addons("errors"))
    made_here = made() - before
    isolated = load_addon(addon_path("errors"))
    try:
        there = _errors_raised(isolated)
    finally:
        napi_python.close(isolated)
    assert here == there
    assert here[0] == ("JSError", "Error", "with props", "E_PROPS", {"errno": 42, "details": {"path": "/tmp/x"}}, True)
    assert here[1] == ("JSError", "Error", "plain", None, {}, True)
    assert made_here == 0, "in-process, no protocol tree or string"


def _requests_with_containers(addon, counter) -> dict:
    """Requests other than calls of proxies, with lists and dicts among their operands and in
    their answers, read back as plain values. `counter` is the mode's way of checking how many
    protocol containers each request built."""
    import napi_python.js as js

    g = js.global_this(addon)
    conn = g._napi_conn
    seen: dict = {}
    operand = [1, {"a": [2, None], "b": "t"}, [[[]]]]

    def check(name, request):
        seen[name] = counter(request)

    made = {}
    check("array", lambda: made.setdefault("array", js.array(addon, [operand, {"k": [3]}, 4])))
    check("object", lambda: made.setdefault("object", js.object(addon, {"k": operand, "n": 5})))
    obj = made["object"]
    check("set", lambda: js.set(obj, "set", {"deep": operand}))
    check("define", lambda: js.define_property(obj, "defined", value=[7, {"e": 8}], enumerable=True))
    check("construct", lambda: made.setdefault("constructed", js.new(js.get(g, "Array"), operand)))
    # A call with a receiver that is no proxy is a request of its own (`call_requested`).
    array_of = js.get(js.get(g, "Array"), "of")
    check("call", lambda: made.setdefault("called", array_of.call(7, {"of": operand})))
    concat = js.get(js.get(js.get(g, "Array"), "prototype"), "concat")
    check("receiver", lambda: made.setdefault("concatenated", concat.call([operand, 1], 2)))
    check("keys", lambda: made.setdefault("keys", js.keys(obj)))
    check("descriptors", lambda: made.setdefault("descriptors", js.own_property_descriptors(obj)))
    check("deferred", lambda: made.setdefault("deferred", conn.new_deferred()))
    promise, deferred = made["deferred"]
    check("settle", lambda: conn.settle_deferred(int(deferred), True, {"settled": operand}))
    seen["values"] = {
        "array": [js.get(made["array"], i) for i in range(3)],
        "called": made["called"],
        "concatenated": made["concatenated"],
        "object": {k: js.get(obj, k) for k in made["keys"]},
        "constructed": made["constructed"],
        "keys": made["keys"],
        "descriptors": made["descriptors"],
        "settled": asyncio.run(asyncio.wait_for(promise, 5)),
    }
    return seen


def test_requests_walk_their_operands_and_answers_with_no_protocol_value_between(addons):
    """In-process, the other requests go the way of direct calls: the lists and dicts among
    their operands (a property's value, a constructor's and a call's arguments and receiver,
    `js.array` and `js.object` items, a descriptor's value, a promise's settlement) are walked
    from the Python objects straight into the heap, and the answers a request builds itself
    (own keys, descriptors, a class's members, a deferred promise, the load's exports) into
    Python objects: no protocol array or object is built on the calling thread, and no tree is
    taken in. The same requests to a host process give the same values."""
    from conftest import addon_path

    from napi_python import _native, load_addon

    def built(request) -> int:
        before = _native._protocol_containers_built()
        request()
        return _native._protocol_containers_built() - before

    loaded = {}
    assert built(lambda: loaded.setdefault("bench", addons("bench"))) == 0, "the load's exports"
    bench = loaded["bench"]
    counter = bench.Counter()
    assert built(lambda: loaded.setdefault("inc", counter.increment)) == 0, "the class's members"
    assert loaded["inc"]() == 1

    here = _requests_with_containers(addons("functions"), built)
    isolated = load_addon(addon_path("functions"))
    try:
        there = _requests_with_containers(isolated, built)
    finally:
        napi_python.close(isolated)
    values = here.pop("values")
    assert values == there.pop("values")
    assert here == dict.fromkeys(here, 0), "in-process, no protocol tree"
    assert all(n > 0 for n in there.values()), there
    operand = [1, {"a": [2, None], "b": "t"}, [[[]]]]
    assert values["array"] == [operand, {"k": [3]}, 4] and values["called"] == [{"of": operand}]
    assert values["concatenated"] == [operand, 1, 2]
    assert values["object"]["set"] == {"deep": operand} and values["object"]["defined"] == [7, {"e": 8}]
    assert values["constructed"] == [operand] and values["settled"] == {"settled": operand}
    assert values["descriptors"]["defined"] == {
        "value": [7, {"e": 8}],
        "writable": False,
        "enumerable": True,
        "configurable": False,
    }
