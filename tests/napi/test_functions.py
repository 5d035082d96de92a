"""Node-API chapter "functions": napi_create_function (name, data), napi_get_cb_info,
napi_call_function with Python callables, napi_new_instance, napi_get_new_target, and calls
back into Python in loops and nested to depth (addon: addons/c/functions.c).

Statuses and results were recorded under node 20.
"""

from __future__ import annotations

import functools
import inspect
import threading

import pytest

from napi_python import JSError, JSFunction, JSObject, js

NAPI_OK = 0
NAPI_INVALID_ARG = 1
NAPI_PENDING_EXCEPTION = 10

UNDEFINED, NULL, NUMBER, STRING, OBJECT = 0, 1, 3, 4, 6


def test_create_function_sets_the_name_and_passes_the_data(load):
    addon = load("functions")
    f = addon.makeFunction("hello", -1)
    assert isinstance(f, JSFunction)
    assert js.get(f, "name") == "hello"
    assert f() == ["payload", 0]
    assert f(1, 2, 3) == ["payload", 3]
    assert js.get(addon.makeFunction("hello", 3), "name") == "hel"  # explicit byte length
    assert js.get(addon.makeFunction(None, -1), "name") == ""  # NULL name
    assert js.get(addon.makeFunction("héllo", -1), "name") == "héllo"


def test_function_data_survives_between_calls(load):
    addon = load("functions")
    count = addon.makeCounter()
    assert js.get(count, "name") == "count"
    assert [count(), count(), count()] == [1, 2, 3]
    assert addon.makeCounter()() == 4  # the data is shared by every function made with it


def test_function_proxies_are_called_without_an_argument_tuple_after_their_first_call(load):
    """At its first call, a function proxy tells its type where its instances keep their
    vectorcall, and CPython makes every later call through it, with the arguments as they lie
    on its stack. The answers are the same either way, classes still construct, and keyword
    arguments are refused either way."""
    have_vectorcall = 1 << 11  # Py_TPFLAGS_HAVE_VECTORCALL
    addon = load("functions")
    f = addon.makeFunction("hello", -1)
    assert f() == ["payload", 0]
    assert type(f).__flags__ & have_vectorcall
    assert f(1, 2, 3) == ["payload", 3]
    assert f(*range(40)) == ["payload", 40]
    for kwargs in ({"a": 1}, {"b": 2, "c": 3}):
        with pytest.raises(TypeError, match="keyword"):
            f(1, **kwargs)
    counter = load("classes").Counter
    assert counter(10).increment() == 11
    assert counter(1).increment() == 2


def test_methods_are_called_without_an_argument_tuple_after_their_first_call(load):
    """A method read from an object (`JSMethod`) announces its vectorcall as function
    proxies do, and keeps its `this` through it."""
    have_vectorcall = 1 << 11  # Py_TPFLAGS_HAVE_VECTORCALL
    counter = load("classes").Counter(5)
    increment = counter.increment
    assert increment() == 6
    assert type(increment).__flags__ & have_vectorcall
    assert [counter.increment() for _ in range(3)] == [7, 8, 9]
    # Another object's method: its own `this`.
    other = load("classes").Counter(100)
    assert other.increment() == 101 and counter.increment() == 10
    with pytest.raises(TypeError, match="keyword"):
        counter.increment(by=1)


def test_get_cb_info_fills_spare_argv_slots_with_undefined(load):
    """With one handle for all of them, as node gives its one undefined: node-addon-api asks
    for room for six arguments on every call."""
    addon = load("functions")
    info = addon.cbInfo()
    assert info["argc"] == 0
    assert info["types"] == [UNDEFINED] * 4
    assert info["spareShared"] is True
    info = addon.cbInfo(1, js.null, "s")
    assert info["argc"] == 3
    assert info["types"] == [NUMBER, NULL, STRING, UNDEFINED]
    assert info["values"] == [1, None, "s", None]
    assert addon.cbInfo(1)["spareShared"] is True


def test_get_cb_info_reports_the_real_argc_when_more_were_passed(load):
    addon = load("functions")
    info = addon.cbInfo(1, 2, 3, 4, 5)
    assert info["argc"] == 5  # argc is in/out: the count passed, not the room given
    assert info["values"] == [1, 2, 3, 4]
    assert addon.argcOnly(1, 2, 3) == 3  # argv NULL, *argc 0


def test_undefined_or_null_receiver_becomes_the_global_object(load):
    # V8 treats native functions as sloppy-mode: recorded under node 20.
    addon = load("functions")
    probe = addon.thisIsGlobal
    assert probe.call(js.undefined) is True
    assert probe.call(js.null) is True
    assert probe.call(js.object(addon)) is False


def test_primitive_receiver_is_boxed(load):
    addon = load("functions")
    this = addon.getThis.call(5)
    assert isinstance(this, JSObject) and js.typeof(this) == "object"


def test_call_function_passes_args_and_returns_the_result(load):
    addon = load("functions")
    seen = []

    def callee(*args):
        seen.append(args)
        return sum(args)

    assert addon.call(callee, None, 1, 2, 3) == 6
    assert seen == [(1, 2, 3)]
    assert addon.call(lambda: "no args", None) == "no args"
    assert addon.call(lambda: None, None) is None


def test_call_function_passes_this_to_the_callee(load):
    addon = load("functions")
    obj = js.object(addon, tag=1)
    assert addon.call(addon.getThis, obj) == obj


def test_python_exception_from_a_callee_comes_back_as_the_same_object(load):
    addon = load("functions")
    error = ValueError("from python")

    def callee():
        raise error

    with pytest.raises(ValueError) as info:
        addon.call(callee, None)
    assert info.value is error
    assert addon.call(lambda: 5, None) == 5  # nothing is left pending


def test_exception_from_a_callee_is_pending_with_pending_exception_status(load):
    addon = load("functions")

    def callee():
        raise KeyError("k")

    status, result, thrown = addon.callStatus(callee)
    assert (status, result) == (NAPI_PENDING_EXCEPTION, None)
    assert thrown is not None
    assert addon.callStatus(lambda x: x * 2, 21) == [NAPI_OK, 42, None]


def test_new_instance_and_new_target(load):
    addon = load("functions")
    assert addon.NewTargetProbe(1) == "called without new"  # new_target is NULL
    made = addon.construct(addon.NewTargetProbe, "q")
    assert isinstance(made, JSObject)
    assert made.newTargetIsCallee is True
    assert made.args == ["q"]
    made = js.new(addon.NewTargetProbe, 1, 2)
    assert made.newTargetIsCallee is True and made.args == [1, 2]
    assert js.instanceof(made, addon.NewTargetProbe)


def test_misuse_statuses(load):
    # [napi_call_function on a number, napi_new_instance on a number, napi_create_function with
    #  a NULL callback, napi_call_function with argc 1 and argv NULL]: all invalid_arg under
    # node 20 (not function_expected).
    addon = load("functions")
    assert addon.statusesOfBadCalls(lambda: 1) == [NAPI_INVALID_ARG] * 4
    assert addon.constructStatus(5) == [NAPI_INVALID_ARG, None, None]


def test_calling_back_into_python_in_a_loop(load):
    addon = load("functions")
    calls = []

    def double(i):
        calls.append(i)
        return i * 2

    assert addon.callInLoop(double, 1000) == 999000
    assert calls == list(range(1000))


def test_exception_in_a_loop_stops_it_at_once(load):
    addon = load("functions")
    calls = []

    def fail_at_500(i):
        calls.append(i)
        if i == 500:
            raise RuntimeError("stop")
        return 0

    with pytest.raises(RuntimeError, match="stop"):
        addon.callInLoop(fail_at_500, 1000)
    assert len(calls) == 501


def test_callback_returning_a_non_number_makes_the_addon_throw(load):
    addon = load("functions")
    with pytest.raises(JSError, match="status 6"):
        addon.callInLoop(lambda i: "s", 2)


def test_reentrancy_to_depth_20(load):
    addon = load("functions")
    depths = []

    def callback(depth):
        depths.append(depth)
        return addon.recurse(callback, depth)

    assert addon.recurse(callback, 20) == 20
    assert depths == list(range(19, -1, -1))


def test_exception_at_the_bottom_of_a_reentrant_chain_reaches_the_top_unchanged(load):
    addon = load("functions")
    error = LookupError("deep")

    def callback(depth):
        if depth == 0:
            raise error
        return addon.recurse(callback, depth)

    with pytest.raises(LookupError) as info:
        addon.recurse(callback, 10)
    assert info.value is error
    assert addon.recurse(lambda d: 0, 1) == 1


def test_python_callables_keep_their_identity_as_js_functions(load):
    # A bound method is made anew at each attribute access, yet it is one JS function per
    # object and function, as a plain function or lambda is one per object.
    addon = load("functions")
    same = getattr(js.global_this(addon).Object, "is")

    class Counter:
        def step(self) -> int:
            return 1

    c = Counter()
    f = lambda: 1  # noqa: E731
    assert same(c.step, c.step) is True
    assert same(c.step, Counter().step) is False
    assert same(f, f) is True
    assert same(f, lambda: 1) is False
    assert addon.call(c.step, None) == 1


def test_a_callable_called_with_fewer_arguments_gets_none_for_its_missing_parameters(load):
    """A JS function called with fewer arguments than it declares sees undefined for the rest;
    a Python callable's required positional parameters are filled with None the same way, and
    its defaults stay its own (a binding calls `onwork(err)`, `def onwork(err,
    result)` raised TypeError)."""
    addon = load("functions")

    def two(a, b):
        return [a, b]

    def defaulted(a, b, c=5):
        return [a, b, c]

    class Counter:
        def add(self, a, b):
            return [a, b]

        def __call__(self, a, b, /):
            return [a, b]

    assert addon.call(two, None, 1) == [1, None]
    assert addon.call(two, None) == [None, None]
    assert addon.call(two, None, 1, 2) == [1, 2]
    assert addon.call(defaulted, None, 1) == [1, None, 5]
    assert addon.call(lambda a, *rest: [a, list(rest)], None) == [None, []]
    assert addon.call(Counter().add, None, 1) == [1, None]
    assert addon.call(Counter(), None, 1) == [1, None]
    assert addon.call(functools.partial(defaulted, 1), None) == [1, None, 5]
    assert addon.call(functools.wraps(two)(lambda *args: two(*args)), None, 1) == [1, None]
    # `this` first: the callable's own count includes it.
    obj = js.object(addon, tag=1)
    assert addon.call(js.function(lambda this, a, b: [this.tag, a, b], receives_this=True), obj, 1) == [1, 1, None]
    # More arguments than it takes is still Python's TypeError, as the callable said.
    with pytest.raises(TypeError):
        addon.call(two, None, 1, 2, 3)


def test_a_callables_signature_is_read_once_when_it_first_crosses(load):
    """The signature is read when the callable is first sent, not at each call."""
    addon = load("functions")
    reads = []

    class Callee:
        @property
        def __signature__(self):
            reads.append(1)
            return inspect.Signature([inspect.Parameter("a", inspect.Parameter.POSITIONAL_ONLY)])

        def __call__(self, a=None):
            return a

    callee = Callee()
    for _ in range(3):
        assert addon.call(callee, None) is None
    assert len(reads) == 1


def test_a_completion_calling_back_with_fewer_arguments_reaches_the_callable(load):
    """No JS caller can receive what a callback of a libuv completion raises (uv.c's
    queueWork calls cb("done", status, sum) and then cb("thread", off_pool)): the second call
    used to raise TypeError into sys.unraisablehook and a program waiting for it waited for
    ever. It gets None for the missing parameter."""
    uv = load("uv")
    calls, finished = [], threading.Event()

    def cb(tag, a, b):
        calls.append([tag, a, b])
        if tag == "thread":
            finished.set()

    assert uv.queueWork(100, cb) == 0
    assert finished.wait(60)
    assert calls == [["done", 0, 5050], ["thread", 1, None]]
