"""Several addons in one host (addons: addons/c/hosts_provider.c, hosts_consumer.c,
which share hosts_shared.h as tree-sitter shares a type tag with its grammars).

In Node every addon has its own env (instance data, cleanup hooks) but all share one heap, so
an object one addon made can be handed to another: type tags and napi_unwrap work across them.
A `Host` is that process here. Expected values and the teardown order come from `node` running
the same steps on the same two `.node` files at test time.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from conftest import addon_path, node_eval
from processes import assert_no_host_left, host_children

import napi_python
from napi_python import (
    AddonClosedError,
    AddonCrashedError,
    AddonInitError,
    AddonLoadError,
    Host,
    StaleObjectError,
    js,
    load_addon,
)

PROVIDER = addon_path("hosts_provider")
CONSUMER = addon_path("hosts_consumer")

# The same steps in JavaScript and in Python: make a tagged external and a wrapped Point in the
# provider, read and change them through the consumer, call a provider function from the
# consumer, and keep the objects alive until the end (so that teardown finalizes them).
NODE_STEPS = f"""
const p = require({json.dumps(PROVIDER)});
const c = require({json.dumps(CONSUMER)});
const thing = p.makeThing("json");
const point = new p.Point(1, 2);
c.label(point, "origin");
let refused;
try {{ c.thingName(p.makeUntagged()); }} catch (e) {{ refused = e.name + ": " + e.message; }}
globalThis.keep = [thing, point];
console.log(JSON.stringify([c.thingName(thing), c.movePoint(point, 5), point.x, p.whoAmI(),
                            c.whoAmI(), c.callWith(p.whoAmI), refused]));
"""


def python_steps(p, c) -> tuple[list, list]:
    """NODE_STEPS through napi_python; answers the results and the objects to keep alive."""
    thing = p.makeThing("json")
    point = p.Point(1, 2)
    c.label(point, "origin")
    with pytest.raises(TypeError) as refused:
        c.thingName(p.makeUntagged())
    results = [
        c.thingName(thing),
        c.movePoint(point, 5),
        point.x,
        p.whoAmI(),
        c.whoAmI(),
        c.callWith(p.whoAmI),
        f"{refused.value.name}: {refused.value.message}",
    ]
    return results, [thing, point]


def node_log(tmp_path: Path) -> tuple[list, list[str]]:
    """Runs NODE_STEPS under node with $HOSTS_LOG set: its results and the addons' log."""
    log = tmp_path / "node.log"
    results = node_eval(NODE_STEPS, env={"HOSTS_LOG": str(log)})
    return results, log.read_text().splitlines()


def assert_torn_down_at_exit(log: Path) -> None:
    """The provider's log (HOSTS_LOG) of a process that loaded it, made a thing "kept" and
    exited without closing it: its teardown ran, in node's order."""
    lines = log.read_text().splitlines()
    assert lines == [
        "provider: init",
        "provider: cleanup hook",
        "provider: finalize thing kept",
        "provider: instance data",
    ], lines


@pytest.fixture
def host():
    with Host() as h:
        yield h


def test_objects_one_addon_made_work_in_another_as_in_node(host, tmp_path):
    expected, _ = node_log(tmp_path)
    results, _ = python_steps(host.load(PROVIDER), host.load(CONSUMER))
    assert results == expected
    assert results[:3] == ["json", 6, 6]  # the tag was recognised; the unwrapped struct is shared


def test_each_addon_has_its_own_env_and_functions_keep_theirs(host):
    p, c = host.load(PROVIDER), host.load(CONSUMER)
    assert (p.whoAmI(), c.whoAmI()) == ("provider", "consumer")
    # A function runs in the env that made it, whoever calls it.
    assert c.callWith(p.whoAmI) == "provider"
    assert napi_python.addon_info(p).pid == napi_python.addon_info(c).pid == host.pid
    assert host.addons == [p, c]


def test_the_same_object_comes_back_not_a_copy(host):
    p, c = host.load(PROVIDER), host.load(CONSUMER)
    point = p.Point(3, 4)
    labelled = c.label(point, "same")  # the consumer returns the object it was given
    assert labelled is point
    assert js.instanceof(labelled, p.Point)
    assert c.callWith(lambda q: q is point, point) is True  # and Python gets it back as itself


def test_a_buffer_one_addon_made_is_the_same_buffer_in_another(host):
    p, c = host.load(PROVIDER), host.load(CONSUMER)
    holder = js.object(p)
    p.makeBuffer(holder, 4)
    buffer = js.get(holder, "buffer")
    assert c.fillBuffer(buffer, 7) == 4  # the consumer writes through its own data pointer
    assert bytes(js.get(holder, "buffer")) == bytes([7] * 4)  # into the provider's buffer
    assert c.callWith(lambda b: js.strict_equals(b, js.get(holder, "buffer")), buffer) is True


def test_close_tears_down_addon_by_addon_newest_first_as_node_does(tmp_path):
    _, expected = node_log(tmp_path)
    log = tmp_path / "python.log"
    with Host(env={"HOSTS_LOG": str(log)}) as h:
        _results, keep = python_steps(h.load(PROVIDER), h.load(CONSUMER))
    assert log.read_text().splitlines() == expected
    assert expected[-4:] == [
        "provider: cleanup hook",
        "provider: finalize point (6, 2)",
        "provider: finalize thing json",
        "provider: instance data",
    ]
    del keep


def test_load_addon_with_host_joins_it(host):
    p = load_addon(PROVIDER, host=host)
    c = load_addon(CONSUMER, host=host)
    assert napi_python.addon_info(p).pid == napi_python.addon_info(c).pid == host.pid
    assert c.thingName(p.makeThing("x")) == "x"
    # Any option given, even one that only restates what a host does anyway (`restart=False`,
    # `sandbox=False`, an empty `env`), is refused: the host's own options apply.
    given = {"isolated": False, "env": {}, "timeout": 1.0, "restart": False, "sandbox": False, "output": "logging"}
    for name, value in {**given, "distinct_nulls": True}.items():
        with pytest.raises(TypeError, match="takes its options from the Host"):
            load_addon(PROVIDER, host=host, **{name: value})
    assert [a.path for a in map(napi_python.addon_info, host.addons)] == [PROVIDER, CONSUMER]


def test_an_output_other_than_stdio_or_logging_is_refused_before_a_process_starts():
    before = host_children()
    message = "output must be one of 'stdio', 'logging', not 'stderr'"
    with pytest.raises(ValueError, match=message):
        Host(output="stderr")
    with pytest.raises(ValueError, match=message):
        load_addon(PROVIDER, output="stderr")
    # Checked before the in-process refusals: the value is wrong whatever the mode.
    with pytest.raises(ValueError, match=message):
        Host(isolated=False, output="stderr")
    assert_no_host_left(before)


def test_an_object_of_another_host_is_refused_with_a_clear_error(host):
    p = host.load(PROVIDER)
    elsewhere = load_addon(CONSUMER)
    try:
        thing = p.makeThing("json")
        with pytest.raises(
            TypeError,
            match=rf"lives in napi-hostd \(pid {host.pid}\).*pid {napi_python.addon_info(elsewhere).pid}.*napi_python.Host",
        ):
            elsewhere.thingName(thing)
        assert elsewhere.whoAmI() == "consumer"  # refused in Python: nothing reached the host
    finally:
        napi_python.close(elsewhere)


def test_a_failing_load_leaves_the_other_addons_alone(host, tmp_path):
    p, c = host.load(PROVIDER), host.load(CONSUMER)
    thing = p.makeThing("kept")
    with pytest.raises(AddonInitError, match="init failed") as init:
        host.load(addon_path("lifecycle_init_throws"))
    assert init.value.error.code == "ERR_INIT"
    with pytest.raises(AddonLoadError):
        host.load(addon_path("lifecycle_no_entry"))
    with pytest.raises(AddonLoadError, match="no such file"):
        host.load(tmp_path / "missing.node")
    assert c.thingName(thing) == "kept"
    assert host.addons == [p, c]


def test_a_crash_takes_down_every_addon_and_the_restart_reloads_them_in_order(tmp_path):
    log = tmp_path / "python.log"
    with Host(env={"HOSTS_LOG": str(log)}) as h:
        p, c, crash = h.load(PROVIDER), h.load(CONSUMER), h.load(addon_path("isolation"))
        thing, first = p.makeThing("old"), h.pid
        with pytest.raises(AddonCrashedError):
            crash.exitZero()
        assert not h.alive  # the consumer and the provider died with the host they share
        assert c.thingName(p.makeThing("new")) == "new"  # both are back, in one new host
        assert (
            h.pid != first
            and napi_python.addon_info(p).pid
            == napi_python.addon_info(c).pid
            == napi_python.addon_info(crash).pid
            == h.pid
        )
        assert crash.add(1, 2) == 3
        with pytest.raises(StaleObjectError):
            c.thingName(thing)  # an object of the old host, passed to the new one
        with pytest.raises(StaleObjectError):
            js.typeof(thing)
    assert log.read_text().splitlines()[:4] == ["provider: init", "consumer: init", "provider: init", "consumer: init"]


def test_closing_an_addon_of_a_shared_host_closes_only_its_handle(host):
    p, c = host.load(PROVIDER), host.load(CONSUMER)
    thing = p.makeThing("t")
    napi_python.close(p)
    with pytest.raises(AddonClosedError):
        p.makeThing("u")
    assert c.thingName(thing) == "t"
    assert host.alive


def test_an_addon_of_its_own_host_closes_the_host():
    p = load_addon(PROVIDER)
    napi_python.close(p)
    assert not napi_python.addon_info(p).host.alive
    with pytest.raises(AddonClosedError):
        p.whoAmI()


def test_a_dropped_host_ends_its_process():
    before = host_children()
    h = Host()
    p = h.load(PROVIDER)
    assert h.pid in host_children()
    del h, p
    gc.collect()
    assert_no_host_left(before)


def test_a_restart_that_cannot_reload_an_addon_stays_down_until_it_can(tmp_path):
    moved = tmp_path / "hosts_provider.node"
    moved.write_bytes(Path(PROVIDER).read_bytes())
    with Host() as h:
        p, crash = h.load(moved), h.load(addon_path("isolation"))
        with pytest.raises(AddonCrashedError):
            crash.exitZero()
        hidden = moved.rename(tmp_path / "elsewhere.node")
        with pytest.raises(AddonLoadError, match="no such file"):
            crash.add(1, 2)  # the restart reloads every addon, and the provider is gone
        hidden.rename(moved)
        assert crash.add(1, 2) == 3 and p.whoAmI() == "provider"
        assert napi_python.addon_info(p).pid == napi_python.addon_info(crash).pid == h.pid


def test_threads_share_the_addons_of_one_host(host):
    from concurrent.futures import ThreadPoolExecutor

    p, c = host.load(PROVIDER), host.load(CONSUMER)

    def work(n: int) -> list[str]:
        return [c.thingName(p.makeThing(f"t{n}-{i}")) for i in range(200)]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(4)))
    assert results == [[f"t{n}-{i}" for i in range(200)] for n in range(4)]


def test_loading_into_a_dead_host_without_restarts_says_it_died():
    with Host(restart=False) as h:
        crash = h.load(addon_path("isolation"))
        with pytest.raises(AddonCrashedError):
            crash.exitZero()
        with pytest.raises(AddonCrashedError):
            h.load(PROVIDER)  # the crash itself, not a load error of the provider


def test_one_library_loaded_twice_gives_two_envs_as_in_node(host):
    # node: process.dlopen of the same file twice works for both registration styles (the
    # library's constructor, which registers a legacy module, runs only once).
    legacy = addon_path("lifecycle_legacy")
    expected = node_eval(
        f"const load = () => {{ const m = {{exports: {{}}}}; process.dlopen(m, {json.dumps(legacy)}); return m.exports; }};"
        "console.log(JSON.stringify([load().hello(), load().hello()]))"
    )
    assert [host.load(legacy).hello(), host.load(legacy).hello()] == expected
    first, second = host.load(PROVIDER), host.load(PROVIDER)
    assert first.whoAmI() == second.whoAmI() == "provider"
    assert napi_python.addon_info(first).exports != napi_python.addon_info(second).exports  # each env ran its own init
