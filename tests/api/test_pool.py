"""AddonPool: the same addon in several hosts, calls handed to idle members, objects routed to
the member that owns them, crashed members replaced; and the pool as a
``concurrent.futures.Executor``."""

from __future__ import annotations

import concurrent.futures
import gc
import threading

import pytest
from conftest import IN_PROCESS, addon_path, fresh_copy

from napi_python import AddonClosedError, AddonCrashedError, AddonPool, js

# Every wait on the pool's work has this deadline (seconds).
DEADLINE = 60


def make_pool(name: str, size: int = 2) -> AddonPool:
    """A pool of the test addon `name` in the suite's mode (in-process: from a fresh copy)."""
    if IN_PROCESS:
        return AddonPool(fresh_copy(addon_path(name)), size=size, isolated=False)
    return AddonPool(addon_path(name), size=size)


@pytest.fixture
def pool():
    p = make_pool("isolation")
    yield p
    p.close()


@pytest.mark.isolated_only
def test_members_are_separate_hosts(pool):
    assert pool.size == 2 and len(set(pool.pids)) == 2
    assert pool.add(2, 3) == 5


def test_a_call_made_while_a_member_is_busy_runs_on_another(pool):
    seen = {}

    def inside():
        # This member is busy running `call`: another thread's call must take the other one.
        t = threading.Thread(target=lambda: seen.setdefault("other", pool.hostPid()))
        t.start()
        t.join(30)
        return 0

    busy = threading.Thread(target=lambda: pool.call(inside))
    busy.start()
    busy.join(30)
    assert "other" in seen and seen["other"] in pool.pids
    # Both members answered: the busy one ran `call`, the other answered hostPid.
    assert pool.call(lambda: 1) == 1


def test_objects_go_back_to_the_member_that_made_them():
    with make_pool("shared") as p:
        made = [p.make(16) for _ in range(4)]
        assert {b._napi_conn for b in made} == {m._napi_conn for m in p._members}
        for b in made:
            # Taken by whichever member is idle, half of these would be refused as another
            # host's objects.
            assert p.sum(b) == sum(range(16))


@pytest.mark.isolated_only
def test_a_crashed_member_is_replaced_and_the_pool_keeps_its_size(pool):
    before = set(pool.pids)
    with pytest.raises(AddonCrashedError):
        pool.exitZero()
    after = set(pool.pids)
    assert len(after) == 2 and len(after & before) == 1
    assert [pool.add(i, 1) for i in range(4)] == [1, 2, 3, 4]


def test_bad_use_is_refused():
    with pytest.raises(ValueError):
        AddonPool(addon_path("isolation"), size=0)
    with pytest.raises(TypeError):
        AddonPool(addon_path("isolation"), size=1, host=object())
    p = AddonPool(addon_path("isolation"), size=1)
    with pytest.raises(AttributeError):
        p.noSuchExport
    p.close()
    p.close()
    with pytest.raises(AddonClosedError):
        p.add(1, 2)


# --- the Executor --------------------------------------------------------------------------


def test_submit_takes_an_export_name_or_a_callable(pool):
    assert pool.submit("add", 2, 3).result(DEADLINE) == 5
    assert pool.submit(pool.add, 1, 1).result(DEADLINE) == 2
    assert pool.submit(lambda a, b: a * b, 6, 7).result(DEADLINE) == 42
    with pytest.raises(AttributeError, match="no export 'nope'"):
        pool.submit("nope")
    with pytest.raises(TypeError, match="name or a callable"):
        pool.submit(3)
    assert isinstance(pool, concurrent.futures.Executor)


def test_map_keeps_the_order_whatever_the_chunksize(pool):
    for chunksize in (1, 3, 64):
        assert list(pool.map("add", range(40), range(40), chunksize=chunksize)) == [2 * i for i in range(40)]
    with pytest.raises(ValueError, match="chunksize"):
        pool.map("add", [1], [2], chunksize=0)


def test_work_goes_to_an_idle_member(pool):
    # Each call waits in its callback until the other has started: both complete only if they
    # ran at once, on two members.
    both = threading.Barrier(2, timeout=DEADLINE)
    assert sorted(pool.map("call", [both.wait, both.wait], timeout=DEADLINE)) == [0, 1]


def test_map_shows_progress_with_tqdm(pool, capsys):
    pytest.importorskip("tqdm")
    assert list(pool.map("add", range(30), range(30), chunksize=4, progress=True)) == [2 * i for i in range(30)]
    assert "30/30" in capsys.readouterr().err


def test_leaving_the_with_block_runs_the_submitted_work_then_closes():
    with make_pool("isolation") as p:
        futures = [p.submit("add", i, 1) for i in range(20)]
    assert [f.result(0) for f in futures] == list(range(1, 21))
    assert p.size == 0
    with pytest.raises(RuntimeError, match="after shutdown"):
        p.submit("add", 1, 2)
    with pytest.raises(AddonClosedError):
        p.add(1, 2)


def test_a_pool_dropped_without_shutdown_ends_its_threads():
    p = make_pool("isolation")
    assert p.submit("add", 1, 2).result(DEADLINE) == 3
    threads = list(p._threads)
    del p
    gc.collect()
    for t in threads:
        t.join(DEADLINE)
        assert not t.is_alive()


def test_shutdown_cancels_what_has_not_started(pool):
    started = threading.Semaphore(0)
    release = threading.Event()

    def hold() -> bool:
        started.release()
        return release.wait(DEADLINE)

    running = [pool.submit("call", hold) for _ in range(2)]
    for _ in running:
        assert started.acquire(timeout=DEADLINE)
    waiting = [pool.submit("add", i, i) for i in range(5)]
    pool.shutdown(wait=False, cancel_futures=True)
    assert all(f.cancelled() for f in waiting)
    release.set()
    assert [f.result(DEADLINE) for f in running] == [True, True]
    pool.shutdown(wait=True)
    assert pool.size == 0


@pytest.mark.isolated_only
def test_a_crash_fails_its_future_and_map_goes_on_after_it(pool):
    before = set(pool.pids)
    with pytest.raises(AddonCrashedError):
        pool.submit("exitZero").result(DEADLINE)
    assert len(set(pool.pids)) == 2 and set(pool.pids) != before
    assert list(pool.map("add", range(3), range(3))) == [0, 2, 4]
    # A crash in the middle of a map: the results before it, then its error.
    items = pool.map(lambda i: pool.exitZero() if i == 2 else pool.add(i, 0), range(4))
    assert next(items) == 0 and next(items) == 1
    with pytest.raises(AddonCrashedError):
        next(items)
    assert list(pool.map("add", range(4), range(4))) == [0, 2, 4, 6]


class _ReportingLock:
    """A lock that says when a thread starts waiting for it (so the test knows a call is held)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waited = threading.Event()

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self.waited.set()
            assert self._lock.acquire(timeout=DEADLINE)

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


@pytest.mark.isolated_only
def test_calls_held_by_a_member_that_crashes_fail_instead_of_hanging(pool):
    member = pool._members[0]
    obj = js.object(member, {})
    lock = pool._busy[0] = _ReportingLock()
    held: list[concurrent.futures.Future] = []

    def crash_once_a_call_is_held() -> None:
        # Runs on member 0 (the call passed its object); a second call for it now waits.
        held.append(pool.submit("add", obj, 1))
        assert lock.waited.wait(DEADLINE)
        member.exitZero()

    first = pool.submit("call", crash_once_a_call_is_held, obj)
    with pytest.raises(AddonCrashedError):
        first.result(DEADLINE)
    with pytest.raises(AddonCrashedError, match="held this call's objects crashed"):
        held[0].result(DEADLINE)
    assert pool.add(1, 1) == 2 and len(set(pool.pids)) == 2
