"""AddonPool: the same addon in several hosts, calls handed to idle members, objects routed to
the member that owns them, crashed members replaced."""

from __future__ import annotations

import threading

import pytest
from conftest import addon_path

from napi_python import AddonClosedError, AddonCrashedError, AddonPool


@pytest.fixture
def pool():
    p = AddonPool(addon_path("isolation"), size=2)
    yield p
    p.close()


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
    with AddonPool(addon_path("shared"), size=2) as p:
        made = [p.make(16) for _ in range(4)]
        assert {b._conn for b in made} == {m._conn for m in p._members}
        for b in made:
            # Taken by whichever member is idle, half of these would be refused as another
            # host's objects.
            assert p.sum(b) == sum(range(16))


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
